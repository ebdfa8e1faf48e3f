"""The support desk's events as Discord side effects, through the outbox.

Every action on one ticket shares the ordering key `support:ticket:<id>`, so they happen in the
order they were decided: the channel is created before its message is posted, renamed, locked or
deleted. Channel edits and the deletion name the channel by the creation's dedupe key
(`channel_from`), so a ticket closed before its channel existed is still renamed and locked once
it does. The in-channel message is posted when the channel's id is recorded (completion hook of
the creation) and re-rendered once per ticket version after that. It pings the requester and who
was on duty when the ticket was opened (the moderators of the live shift roster, else the support
staff roles, else the moderator roles), allowing exactly those mentions; its edits change the
embed and buttons only, so the content (and its ping) stays as posted.

The guild configuration's `logs` channel gets a line when a ticket is opened, claimed, closed
(by staff or the auto-close) or deleted (once per ticket version), and a closed ticket's
transcript as two files (once per ticket). The auto-close warning is posted in the ticket's
channel, pinging its requester, once per warning.
"""

from __future__ import annotations

from dataclasses import replace

from django.conf import settings as django_settings
from django.dispatch import receiver

from botworker.guilds import channel_for, guild_config_for
from botworker.interactions import limits
from botworker.models import GuildRole
from botworker.outbox import (
    CreateChannel,
    DeleteChannel,
    EditChannel,
    EditMessage,
    OutboxFile,
    SendMessage,
    completion_hook,
    enqueue,
)
from botworker.presenters import faq as faq_presenter
from botworker.presenters import support as presenter
from botworker.receivers.common import enqueue_dm, message_body
from config.snowflakes import as_snowflake
from support import services
from support.models import SupportTicket, TicketStatus, TicketSummary, TicketTranscript
from support.services.duty import Duty, duty_at, ticket_opened_at
from support.signals import ticket_auto_close_warned, ticket_changed, ticket_channel_ready, ticket_opened

CHANNEL_HOOK = "support.channel_created"
CONTROL_HOOK = "support.control_posted"


def ordering_key(ticket: SupportTicket) -> str:
    return f"support:ticket:{ticket.pk}"


def channel_key(ticket: SupportTicket) -> str:
    return f"support:ticket:{ticket.pk}:channel"


def control_key(ticket: SupportTicket) -> str:
    return f"support:ticket:{ticket.pk}:control"


def staff_role_ids(guild_id: int) -> set[int]:
    """The roles that see every ticket: the guild's moderator and admin roles and the support
    settings' staff roles."""
    roles = set(services.settings_for(guild_id).staff_role_id_set)
    config = guild_config_for(guild_id)
    if config is not None:
        roles |= {role.role_id for role in config.roles.all() if role.kind in GuildRole.Kind.values}
    return roles


def bot_user_id() -> int | None:
    return as_snowflake(getattr(django_settings, "DISCORD_APPLICATION_ID", None) or None)


def moderator_role_ids(guild_id: int) -> tuple[int, ...]:
    config = guild_config_for(guild_id)
    if config is None:
        return ()
    return tuple(sorted(role.role_id for role in config.roles.all() if role.kind == GuildRole.Kind.MODERATOR))


def duty_ping(ticket: SupportTicket) -> Duty:
    """Who the ticket's opening message pings: the moderators on duty when it was opened, else the
    support staff roles, else (none set) the guild's moderator roles."""
    duty = duty_at(guild_id=ticket.guild_id, now=ticket_opened_at(ticket), with_next_start=False)
    if not duty.user_ids and not duty.role_ids:
        duty = replace(duty, role_ids=moderator_role_ids(ticket.guild_id))
    return duty


def overwrites(ticket: SupportTicket) -> list[dict]:
    return presenter.channel_overwrites(
        ticket,
        staff_role_ids=staff_role_ids(ticket.guild_id),
        bot_user_id=bot_user_id(),
        locked=ticket.status in (TicketStatus.CLOSED, TicketStatus.ARCHIVED),
    )


def logs_channel(guild_id: int) -> int | None:
    config = guild_config_for(guild_id)
    return channel_for(config, "logs") if config is not None else None


def log(ticket: SupportTicket, change: str, *, by: int | None, key: str) -> None:
    """Post the change's line in the guild's log channel (if it has one), once per `key`. Nobody
    is pinged: mentions in a log line are for reading."""
    entry = presenter.log_entry(ticket, change, by=by)
    channel_id = logs_channel(ticket.guild_id)
    if entry is None or channel_id is None:
        return
    enqueue(
        SendMessage(channel_id=channel_id, guild_id=ticket.guild_id, **message_body(entry)),
        dedupe_key=f"support:ticket:{ticket.pk}:log:{key}",
    )


def post_transcript(ticket: SupportTicket) -> None:
    """Post the closed ticket's transcript (text and HTML files) to the guild's log channel, once."""
    transcript = TicketTranscript.objects.filter(ticket=ticket).first()
    channel_id = logs_channel(ticket.guild_id)
    if transcript is None or channel_id is None:
        return
    message = presenter.transcript_message(ticket, message_count=transcript.message_count)
    summary = TicketSummary.objects.filter(ticket=ticket).first()
    if summary is not None:  # made in the closing transaction: it goes out with the transcript
        message.content = limits.clip(f"{message.content}\n{faq_presenter.summary_line(summary)}", limits.CONTENT)
    enqueue(
        SendMessage(channel_id=channel_id, guild_id=ticket.guild_id, **message_body(message)),
        dedupe_key=f"support:ticket:{ticket.pk}:transcript",
        files=[
            OutboxFile(transcript.text_filename, transcript.text.encode()),
            OutboxFile(transcript.html_filename, transcript.html.encode()),
        ],
    )


@receiver(ticket_opened, dispatch_uid="botworker.support.ticket_opened")
def on_ticket_opened(sender, ticket: SupportTicket, **kwargs) -> None:
    log(ticket, "opened", by=ticket.user_id, key="opened")
    enqueue(
        CreateChannel(
            guild_id=ticket.guild_id,
            name=f"ticket-{ticket.number}",
            parent_id=ticket.category_id,
            topic=f"Ticket #{ticket.number}: {ticket.topic}"[:1024],
            permission_overwrites=overwrites(ticket),
            reason=f"support ticket #{ticket.number}",
        ),
        dedupe_key=channel_key(ticket),
        ordering_key=ordering_key(ticket),
        hook=CHANNEL_HOOK,
        hook_args={"ticket_id": ticket.pk},
    )


@completion_hook(CHANNEL_HOOK)
def record_channel(action, result: dict) -> None:
    services.ticket_record_channel(ticket_id=int(action.hook_args["ticket_id"]), channel_id=int(result["channel_id"]))


@receiver(ticket_channel_ready, dispatch_uid="botworker.support.channel_ready")
def on_channel_ready(sender, ticket: SupportTicket, **kwargs) -> None:
    if ticket.status == TicketStatus.ARCHIVED:
        return  # deleted before its channel existed: the deletion (ordered after) removes it
    duty = duty_ping(ticket)
    body = message_body(presenter.control_message(ticket, duty=duty))
    enqueue(
        SendMessage(
            channel_id=ticket.channel_id,
            mention_users=list(dict.fromkeys([ticket.user_id, *duty.user_ids])),  # a requester on duty: once
            mention_roles=list(duty.role_ids) or None,
            **body,
        ),
        dedupe_key=control_key(ticket),
        guild_id=ticket.guild_id,
        ordering_key=ordering_key(ticket),
        hook=CONTROL_HOOK,
        hook_args={"ticket_id": ticket.pk},
    )


@completion_hook(CONTROL_HOOK)
def record_control_message(action, result: dict) -> None:
    services.ticket_record_control_message(
        ticket_id=int(action.hook_args["ticket_id"]), message_id=int(result["message_id"])
    )


@receiver(ticket_changed, dispatch_uid="botworker.support.ticket_changed")
def on_ticket_changed(sender, ticket: SupportTicket, change: str, actor_id: int | None = None, **kwargs) -> None:
    version_key = f"support:ticket:{ticket.pk}:v{ticket.version}"
    common = {"guild_id": ticket.guild_id, "ordering_key": ordering_key(ticket)}
    log(ticket, change, by=actor_id, key=f"v{ticket.version}")
    if change in ("closed", "deleted"):
        post_transcript(ticket)
    if change == "deleted":
        enqueue(
            DeleteChannel(channel_from=channel_key(ticket), reason=f"support ticket #{ticket.number} deleted"),
            dedupe_key=f"support:ticket:{ticket.pk}:delete-channel",
            **common,
        )
        return
    if ticket.channel_id:
        # The message was queued when the channel id was recorded; until then it shows the latest state.
        # The content (with the opening's duty ping) stays as posted: only the embed and buttons change.
        body = message_body(presenter.control_message(ticket))
        body.pop("content", None)
        enqueue(
            EditMessage(message_from=control_key(ticket), **body),
            dedupe_key=f"{version_key}:control",
            **common,
        )
    if change == "escalated":
        enqueue(
            EditChannel(channel_from=channel_key(ticket), permission_overwrites=overwrites(ticket)),
            dedupe_key=f"{version_key}:overwrites",
            **common,
        )
        if ticket.channel_id:
            enqueue(
                SendMessage(
                    channel_id=ticket.channel_id,
                    mention_users=[ticket.escalated_to] if ticket.escalated_to else None,
                    mention_roles=[ticket.escalated_to_role] if ticket.escalated_to_role else None,
                    **message_body(presenter.escalated_message(ticket, by=actor_id)),
                ),
                dedupe_key=f"{version_key}:escalated",
                **common,
            )
    elif change == "closed":
        enqueue(
            EditChannel(
                channel_from=channel_key(ticket),
                name=ticket.channel_name,
                permission_overwrites=overwrites(ticket),
                reason=f"support ticket #{ticket.number} closed",
            ),
            dedupe_key=f"{version_key}:lock",
            **common,
        )
        enqueue_dm(
            user_id=ticket.user_id,
            reply=presenter.rating_dm(ticket),
            dedupe_key=f"support:ticket:{ticket.pk}:rating-dm",
            guild_id=ticket.guild_id,
        )


@receiver(ticket_auto_close_warned, dispatch_uid="botworker.support.auto_close_warned")
def on_auto_close_warned(sender, ticket: SupportTicket, close_at, **kwargs) -> None:
    if not ticket.channel_id:
        return  # a ticket whose channel was never made has nowhere to be warned (it is still closed)
    enqueue(
        SendMessage(
            channel_id=ticket.channel_id,
            mention_users=[ticket.user_id],
            **message_body(presenter.auto_close_warning(ticket, close_at=close_at)),
        ),
        # One per warning: the warning's recorded time is part of the key.
        dedupe_key=f"support:ticket:{ticket.pk}:auto-close-warning:{ticket.auto_close_warned_at.timestamp():.6f}",
        guild_id=ticket.guild_id,
        ordering_key=ordering_key(ticket),
    )
