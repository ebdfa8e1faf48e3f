"""The conversation in a ticket's channel: every message the bot sees there is recorded, once.

A message of the requester moves ``requester_last_message_at`` (the auto-close clock) and cancels
a pending auto-close (its warning is cleared); the first message of a staff member (not the requester, not a bot)
sets ``first_response_at``. The transcript is made from these rows when the ticket is closed. Gateway events can arrive late or twice (a resumed session replays
them): the message id is unique and the times only ever move to the exact message's time (the
latest for the requester, the earliest for staff), so the order of arrival does not matter.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from config.actors import Actor
from support.models import SupportTicket, TicketMessage
from support.services.settings import settings_for
from support.services.tickets import is_staff

AUTHOR_NAME_LIMIT = 100


def _attachments(attachments: list[dict] | None) -> list[dict]:
    return [
        {"filename": str(a.get("filename") or ""), "url": str(a.get("url") or "")}
        for a in attachments or []
        if isinstance(a, dict)
    ]


@transaction.atomic
def ticket_record_message(
    *,
    guild_id: int,
    channel_id: int,
    message_id: int,
    author: Actor,
    author_name: str = "",
    author_is_bot: bool = False,
    content: str = "",
    attachments: list[dict] | None = None,
    created_at: datetime,
) -> TicketMessage | None:
    """Record a message of a ticket's channel (None for any other channel, and for a message
    already recorded). `author` is the writer as an actor in the guild (their roles and level),
    so whether they are staff is decided as for any staff action."""
    ticket = SupportTicket.objects.select_for_update().filter(guild_id=guild_id, channel_id=channel_id).first()
    if ticket is None or author.user_id is None:
        return None
    from_requester = author.user_id == ticket.user_id and not author_is_bot
    staff = not author_is_bot and not from_requester and is_staff(author, settings_for(guild_id))
    message, created = TicketMessage.objects.get_or_create(
        message_id=message_id,
        defaults={
            "ticket": ticket,
            "author_id": author.user_id,
            "author_name": (author_name or "")[:AUTHOR_NAME_LIMIT],
            "author_is_staff": staff,
            "author_is_bot": author_is_bot,
            "content": content or "",
            "attachments": _attachments(attachments),
            "created_at": created_at,
        },
    )
    if not created:
        return None
    fields = []
    if from_requester and created_at > ticket.requester_last_message_at:
        ticket.requester_last_message_at = created_at
        fields.append("requester_last_message_at")
        if ticket.auto_close_warned_at is not None:
            ticket.auto_close_warned_at = None  # the requester answered: the auto-close is off
            fields.append("auto_close_warned_at")
    if staff and (ticket.first_response_at is None or created_at < ticket.first_response_at):
        ticket.first_response_at = created_at
        fields.append("first_response_at")
    if fields:
        ticket.save(update_fields=[*fields, "updated_at"])
    return message


@transaction.atomic
def ticket_record_message_edit(
    *, channel_id: int, message_id: int, content: str | None, attachments: list[dict] | None, edited_at: datetime
) -> TicketMessage | None:
    """Record an edit of a recorded message: its new content and attachments (those given) and
    when. None when the message is not one of a ticket's."""
    message = TicketMessage.objects.select_for_update().filter(message_id=message_id).first()
    if message is None or message.ticket.channel_id != channel_id:
        return None
    fields = ["edited_at"]
    if content is not None:
        message.content = content
        fields.append("content")
    if attachments is not None:
        message.attachments = _attachments(attachments)
        fields.append("attachments")
    if message.edited_at is None or edited_at > message.edited_at:
        message.edited_at = edited_at
        message.save(update_fields=fields)
    return message
