"""Tickets: open, claim, wait for the requester, escalate, close with a reason, delete, rate;
and recording what the Discord layer created for one (its channel, its in-channel message).

Every write locks what it decides on: opening locks the guild's support settings row (so the
per-guild number, the one-open-ticket rule and the category count are decided one at a time),
every other change locks the ticket's row, so of 20 concurrent Claim clicks exactly one wins and
the others are told who did. Each status change writes a :class:`TicketStatusChange` row, so the
time spent in each status is exact. The Discord side effects (the channel, its message, the
rating DM) are the receivers' (``ticket_opened``, ``ticket_channel_ready``, ``ticket_changed``).

The tickets category and its overflow are the guild configuration's channels: the caller reads
them there and passes them in.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from config.actors import Actor
from config.exceptions import ApplicationError, ChannelRef, RoleRef, UserRef
from support.models import (
    ACTIVE_STATUSES,
    CHANNEL_STATUSES,
    SupportSettings,
    SupportTicket,
    TicketStatus,
    TicketStatusChange,
    TicketTranscript,
)
from support.services import summaries
from support.services.messages import (
    ALREADY_CLAIMED,
    ALREADY_CLAIMED_BY_YOU,
    ALREADY_ESCALATED,
    ALREADY_OPEN,
    ALREADY_OPEN_PENDING,
    ALREADY_RATED,
    ALREADY_WAITING,
    BAD_RATING,
    CATEGORIES_FULL,
    COMMENT_TOO_LONG,
    DESCRIPTION_TOO_LONG,
    ESCALATE_TO_BOT_OR_SELF,
    NO_CATEGORY,
    NO_ESCALATION_TARGET,
    NOT_CLOSED,
    NOT_REQUESTER,
    NOT_STAFF,
    REASON_REQUIRED,
    REASON_TOO_LONG,
    TICKET_CLOSED,
    TICKET_DELETED,
    TICKET_NOT_FOUND,
    TOPIC_REQUIRED,
    TOPIC_TOO_LONG,
)
from support.services.settings import settings_for
from support.signals import ticket_changed, ticket_channel_ready, ticket_opened
from support.transcripts import transcript_html, transcript_text

TOPIC_LIMIT = 100
DESCRIPTION_LIMIT = 2000
CLOSE_REASON_LIMIT = 500
COMMENT_LIMIT = 1000
# Discord holds at most 50 channels in a category.
CATEGORY_CHANNEL_LIMIT = 50


# ---------------------------------------------------------------------------- helpers


def is_staff(actor: Actor, settings: SupportSettings) -> bool:
    """Support staff: the guild's moderators and admins, holders of a support staff role, and
    back-office staff logins."""
    return bool(actor.is_moderator or actor.is_admin or actor.is_staff or (actor.role_ids & settings.staff_role_id_set))


def _require_staff(actor: Actor, guild_id: int) -> SupportSettings:
    settings = settings_for(guild_id)
    if not is_staff(actor, settings):
        raise ApplicationError(NOT_STAFF, code="permission_denied")
    return settings


def _text(value: str | None, *, limit: int, field: str, too_long: str) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise ApplicationError(too_long, params={"length": len(text), "limit": limit}, field=field)
    return text


def _locked(*, guild_id: int | None, ticket_id: int) -> SupportTicket:
    """The ticket, row-locked. A missing ticket and one of another guild are refused alike (an id
    in a custom_id is untrusted input and must not reveal other guilds' tickets)."""
    query = SupportTicket.objects.select_for_update().filter(pk=ticket_id)
    if guild_id is not None:
        query = query.filter(guild_id=guild_id)
    ticket = query.first()
    if ticket is None:
        raise ApplicationError(TICKET_NOT_FOUND, field="ticket_id", code="not_found")
    return ticket


def _require_active(ticket: SupportTicket) -> None:
    if ticket.status == TicketStatus.ARCHIVED:
        raise ApplicationError(TICKET_DELETED, params={"number": ticket.number}, code="deleted")
    if ticket.status == TicketStatus.CLOSED:
        raise ApplicationError(TICKET_CLOSED, params={"number": ticket.number}, code="closed")


def _change_status(
    ticket: SupportTicket,
    to_status: str,
    *,
    by: int | None,
    now: datetime,
    change: str,
    fields: list[str],
    note: str = "",
) -> SupportTicket:
    """Save a status change: its history row, a new version (the in-channel message is
    re-rendered once per version), and the domain event."""
    TicketStatusChange.objects.create(
        ticket=ticket, from_status=ticket.status, to_status=to_status, changed_by=by, changed_at=now, note=note
    )
    ticket.status = to_status
    ticket.version += 1
    ticket.save(update_fields=[*fields, "status", "version", "updated_at"])
    ticket_changed.send(sender=SupportTicket, ticket=ticket, change=change, actor_id=by)
    if to_status in (TicketStatus.CLOSED, TicketStatus.ARCHIVED):
        summaries.faq_check_after_close(ticket, now=now)
    return ticket


def _make_transcript(ticket: SupportTicket, *, now: datetime) -> TicketTranscript:
    """The ticket's transcript (text and HTML) from the messages recorded so far, made once, in
    the transaction that closes it (a ticket closed and later deleted keeps its first)."""
    existing = TicketTranscript.objects.filter(ticket=ticket).first()
    if existing is not None:
        return existing
    messages = list(ticket.messages.order_by("created_at", "message_id"))
    transcript = TicketTranscript.objects.create(
        ticket=ticket,
        text=transcript_text(ticket, messages),
        html=transcript_html(ticket, messages),
        message_count=len(messages),
        created_at=now,
    )
    summaries.ticket_summary_on_close(ticket, now=now)
    return transcript


def _category(*, guild_id: int, category_id: int | None, overflow_category_id: int | None) -> int:
    """The category a new ticket's channel goes under: the tickets category until it holds 50
    ticket channels, then the overflow category."""
    if not category_id:
        raise ApplicationError(NO_CATEGORY, code="not_configured")
    for candidate in (category_id, overflow_category_id):
        if not candidate:
            continue
        used = SupportTicket.objects.filter(
            guild_id=guild_id, category_id=candidate, status__in=CHANNEL_STATUSES
        ).count()
        if used < CATEGORY_CHANNEL_LIMIT:
            return candidate
    raise ApplicationError(CATEGORIES_FULL, params={"limit": CATEGORY_CHANNEL_LIMIT}, code="categories_full")


# ---------------------------------------------------------------------------- opening


def ticket_text(*, topic: str, description: str) -> tuple[str, str]:
    """A submitted ticket's topic (required) and description, trimmed; refuses either too long."""
    topic = _text(topic, limit=TOPIC_LIMIT, field="topic", too_long=TOPIC_TOO_LONG)
    if not topic:
        raise ApplicationError(TOPIC_REQUIRED, field="topic")
    description = _text(description, limit=DESCRIPTION_LIMIT, field="description", too_long=DESCRIPTION_TOO_LONG)
    return topic, description


def ticket_open(
    *,
    guild_id: int,
    actor: Actor,
    topic: str,
    description: str = "",
    category_id: int | None,
    overflow_category_id: int | None = None,
    username: str = "",
    now: datetime | None = None,
) -> SupportTicket:
    """Open a ticket for `actor`: the next number of the guild, under the tickets category (the
    overflow category once that holds 50), status open. Refuses a second open ticket of the same
    member when the guild allows one (the default), a missing category, and full categories.
    ``ticket_opened`` asks the Discord layer for the channel."""
    now = now or timezone.now()
    topic, description = ticket_text(topic=topic, description=description)
    with transaction.atomic():
        settings, _ = SupportSettings.objects.select_for_update().get_or_create(guild_id=guild_id)
        if settings.one_open_per_member:
            existing = SupportTicket.objects.filter(
                guild_id=guild_id, user_id=actor.user_id, status__in=ACTIVE_STATUSES
            ).first()
            if existing is not None:
                if existing.channel_id:
                    raise ApplicationError(
                        ALREADY_OPEN,
                        params={"number": existing.number, "channel": ChannelRef(existing.channel_id)},
                        code="already_open",
                    )
                raise ApplicationError(ALREADY_OPEN_PENDING, params={"number": existing.number}, code="already_open")
        category = _category(guild_id=guild_id, category_id=category_id, overflow_category_id=overflow_category_id)
        number = (SupportTicket.objects.filter(guild_id=guild_id).aggregate(top=Max("number"))["top"] or 0) + 1
        ticket = SupportTicket.objects.create(
            guild_id=guild_id,
            number=number,
            user_id=actor.user_id,
            username=(username or "")[:100],
            topic=topic,
            description=description,
            status=TicketStatus.OPEN,
            category_id=category,
            requester_last_message_at=now,
        )
        TicketStatusChange.objects.create(
            ticket=ticket, from_status="", to_status=TicketStatus.OPEN, changed_by=actor.user_id, changed_at=now
        )
        ticket_opened.send(sender=SupportTicket, ticket=ticket)
    return ticket


@transaction.atomic
def ticket_record_channel(*, ticket_id: int, channel_id: int) -> SupportTicket | None:
    """Record the channel the Discord layer created for a ticket (once; a repeat changes
    nothing) and announce it ready. None when the ticket is gone."""
    ticket = SupportTicket.objects.select_for_update().filter(pk=ticket_id).first()
    if ticket is None or ticket.channel_id == channel_id:
        return ticket
    ticket.channel_id = channel_id
    ticket.save(update_fields=["channel_id", "updated_at"])
    ticket_channel_ready.send(sender=SupportTicket, ticket=ticket)
    return ticket


@transaction.atomic
def ticket_record_control_message(*, ticket_id: int, message_id: int) -> None:
    """Record the id of the ticket's in-channel message (the one with the staff buttons)."""
    SupportTicket.objects.filter(pk=ticket_id).update(control_message_id=message_id)


# ---------------------------------------------------------------------------- staff actions


@transaction.atomic
def ticket_claim(*, guild_id: int, actor: Actor, ticket_id: int, now: datetime | None = None) -> SupportTicket:
    """Claim a ticket for `actor` (staff). Exactly one of any number of concurrent claims wins:
    the row lock makes the others wait and then see the claim, and they are refused with who
    holds it. Refuses a closed or deleted ticket."""
    now = now or timezone.now()
    _require_staff(actor, guild_id)
    ticket = _locked(guild_id=guild_id, ticket_id=ticket_id)
    _require_active(ticket)
    if ticket.claimed_by is not None:
        if ticket.claimed_by == actor.user_id:
            raise ApplicationError(ALREADY_CLAIMED_BY_YOU, params={"number": ticket.number}, code="already_claimed")
        raise ApplicationError(
            ALREADY_CLAIMED,
            params={"number": ticket.number, "user": UserRef(ticket.claimed_by)},
            code="already_claimed",
        )
    ticket.claimed_by, ticket.claimed_at = actor.user_id, now
    return _change_status(
        ticket, TicketStatus.CLAIMED, by=actor.user_id, now=now, change="claimed", fields=["claimed_by", "claimed_at"]
    )


@transaction.atomic
def ticket_wait_for_user(*, guild_id: int, actor: Actor, ticket_id: int, now: datetime | None = None) -> SupportTicket:
    """Set a ticket waiting for its requester (staff): the auto-close clock runs from the
    requester's last message (see :mod:`support.services.autoclose`)."""
    now = now or timezone.now()
    _require_staff(actor, guild_id)
    ticket = _locked(guild_id=guild_id, ticket_id=ticket_id)
    _require_active(ticket)
    if ticket.status == TicketStatus.WAITING_FOR_USER:
        raise ApplicationError(ALREADY_WAITING, params={"number": ticket.number}, code="already_waiting")
    ticket.auto_close_warned_at = None  # a warning of an earlier wait does not count for this one
    return _change_status(
        ticket,
        TicketStatus.WAITING_FOR_USER,
        by=actor.user_id,
        now=now,
        change="waiting",
        fields=["auto_close_warned_at"],
    )


@transaction.atomic
def ticket_escalate(
    *, guild_id: int, actor: Actor, ticket_id: int, to_user_id: int | None = None, now: datetime | None = None
) -> SupportTicket:
    """Escalate a ticket (staff) to a member, or without one to the guild's escalation role;
    the Discord layer lets them into the channel and pings them."""
    now = now or timezone.now()
    settings = _require_staff(actor, guild_id)
    ticket = _locked(guild_id=guild_id, ticket_id=ticket_id)
    _require_active(ticket)
    if to_user_id is not None and to_user_id == actor.user_id:
        raise ApplicationError(ESCALATE_TO_BOT_OR_SELF, field="to")
    if to_user_id is None and settings.escalation_role_id is None:
        raise ApplicationError(NO_ESCALATION_TARGET, field="to")
    user, role = (to_user_id, None) if to_user_id is not None else (None, settings.escalation_role_id)
    if ticket.status == TicketStatus.ESCALATED and (ticket.escalated_to, ticket.escalated_to_role) == (user, role):
        target = UserRef(user) if user is not None else RoleRef(role)
        raise ApplicationError(
            ALREADY_ESCALATED, params={"number": ticket.number, "target": target}, code="already_escalated"
        )
    ticket.escalated_to, ticket.escalated_to_role = user, role
    return _change_status(
        ticket,
        TicketStatus.ESCALATED,
        by=actor.user_id,
        now=now,
        change="escalated",
        fields=["escalated_to", "escalated_to_role"],
    )


@transaction.atomic
def ticket_close(
    *, guild_id: int, actor: Actor, ticket_id: int, reason: str, now: datetime | None = None
) -> SupportTicket:
    """Close a ticket (staff) with a reason (required), keeping its transcript. The Discord layer
    locks the channel for the requester, renames it closed-<number>, posts the transcript to the
    log channel and asks the requester for a rating."""
    now = now or timezone.now()
    _require_staff(actor, guild_id)
    reason = _text(reason, limit=CLOSE_REASON_LIMIT, field="reason", too_long=REASON_TOO_LONG)
    if not reason:
        raise ApplicationError(REASON_REQUIRED, field="reason")
    ticket = _locked(guild_id=guild_id, ticket_id=ticket_id)
    _require_active(ticket)
    ticket.closed_by, ticket.closed_at, ticket.close_reason = actor.user_id, now, reason
    _make_transcript(ticket, now=now)
    return _change_status(
        ticket,
        TicketStatus.CLOSED,
        by=actor.user_id,
        now=now,
        change="closed",
        fields=["closed_by", "closed_at", "close_reason"],
        note=reason,
    )


@transaction.atomic
def ticket_delete(*, guild_id: int, actor: Actor, ticket_id: int, now: datetime | None = None) -> SupportTicket:
    """Delete a ticket's channel (staff). The ticket itself is kept, archived, with its history
    (statistics and transcripts outlive the channel); one still open is closed by the deletion."""
    now = now or timezone.now()
    _require_staff(actor, guild_id)
    ticket = _locked(guild_id=guild_id, ticket_id=ticket_id)
    if ticket.status == TicketStatus.ARCHIVED:
        raise ApplicationError(TICKET_DELETED, params={"number": ticket.number}, code="deleted")
    fields = ["deleted_by", "deleted_at"]
    if ticket.closed_at is None:
        ticket.closed_by, ticket.closed_at, ticket.close_reason = actor.user_id, now, "deleted"
        fields += ["closed_by", "closed_at", "close_reason"]
        _make_transcript(ticket, now=now)
    ticket.deleted_by, ticket.deleted_at = actor.user_id, now
    return _change_status(ticket, TicketStatus.ARCHIVED, by=actor.user_id, now=now, change="deleted", fields=fields)


# ---------------------------------------------------------------------------- the requester


@transaction.atomic
def ticket_rate(
    *, ticket_id: int, user_id: int, rating: int | str, comment: str = "", now: datetime | None = None
) -> SupportTicket:
    """Record the requester's rating (1-5) and comment of a closed ticket, once."""
    now = now or timezone.now()
    try:
        value = int(str(rating).strip())
    except ValueError:
        value = 0
    if not 1 <= value <= 5:
        raise ApplicationError(BAD_RATING, field="rating")
    comment = _text(comment, limit=COMMENT_LIMIT, field="comment", too_long=COMMENT_TOO_LONG)
    ticket = _locked(guild_id=None, ticket_id=ticket_id)
    if ticket.user_id != user_id:
        raise ApplicationError(NOT_REQUESTER, params={"number": ticket.number}, code="permission_denied")
    if ticket.status not in (TicketStatus.CLOSED, TicketStatus.ARCHIVED):
        raise ApplicationError(NOT_CLOSED, params={"number": ticket.number}, code="not_closed")
    if ticket.rating is not None:
        raise ApplicationError(
            ALREADY_RATED, params={"number": ticket.number, "rating": ticket.rating}, code="already_rated"
        )
    ticket.rating, ticket.rating_comment, ticket.rated_at = value, comment, now
    ticket.save(update_fields=["rating", "rating_comment", "rated_at", "updated_at"])
    return ticket
