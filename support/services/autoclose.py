"""Auto-close: a ticket waiting for its requester is warned after the guild's
``auto_close_warn_days`` of silence from the requester and closed after ``auto_close_days``
(5 and 14 by default), both measured from the requester's last message in its channel, never from
status changes. A message of the requester clears the warning and restarts the clock.

The requester always gets the warning and the days between the two settings to answer: a ticket
set waiting long after the requester's last message is warned first, and closed no sooner than
``auto_close_days - auto_close_warn_days`` days after its warning.

Once per ticket: each check locks the ticket's row and records what it did (the warning's time,
or the close with its status history row), so a second run, or two at once, do nothing again; the
warning's outbox key is derived from the silence it is about.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from support.models import SupportTicket, TicketStatus
from support.services.settings import settings_for
from support.services.tickets import _change_status, _make_transcript
from support.signals import ticket_auto_close_warned

AUTO_CLOSE_REASON = "No answer from the requester for {days} days (auto-close)."
# The smallest warning delay the settings allow: tickets silent for less are not looked at.
MIN_WARN_DAYS = 1


def tickets_due_for_auto_close(*, now: datetime) -> list[int]:
    """Ids of the tickets waiting for their requester who has been silent for at least a day:
    the candidates for a warning or a close (each is decided by :func:`ticket_auto_close_check`)."""
    return list(
        SupportTicket.objects.filter(
            status=TicketStatus.WAITING_FOR_USER,
            requester_last_message_at__lte=now - timedelta(days=MIN_WARN_DAYS),
        )
        .order_by("requester_last_message_at", "id")
        .values_list("id", flat=True)
    )


def auto_close_at(ticket: SupportTicket, *, warned_at: datetime, warn_days: int, close_days: int) -> datetime:
    """When a warned ticket is closed if its requester stays silent."""
    return max(
        ticket.requester_last_message_at + timedelta(days=close_days),
        warned_at + timedelta(days=close_days - warn_days),
    )


@transaction.atomic
def ticket_auto_close_check(*, ticket_id: int, now: datetime | None = None) -> str | None:
    """Warn or close one ticket if it is due; returns "warned", "closed" or None (nothing due, or
    the ticket is gone, no longer waiting, or already warned and not yet due for the close)."""
    now = now or timezone.now()
    ticket = SupportTicket.objects.select_for_update().filter(pk=ticket_id).first()
    if ticket is None or ticket.status != TicketStatus.WAITING_FOR_USER:
        return None
    settings = settings_for(ticket.guild_id)
    warn_days, close_days = settings.auto_close_warn_days, settings.auto_close_days
    silent = now - ticket.requester_last_message_at
    if ticket.auto_close_warned_at is None:
        if silent < timedelta(days=warn_days):
            return None
        ticket.auto_close_warned_at = now
        ticket.save(update_fields=["auto_close_warned_at", "updated_at"])
        close_at = auto_close_at(ticket, warned_at=now, warn_days=warn_days, close_days=close_days)
        ticket_auto_close_warned.send(sender=SupportTicket, ticket=ticket, close_at=close_at)
        return "warned"
    close_at = auto_close_at(ticket, warned_at=ticket.auto_close_warned_at, warn_days=warn_days, close_days=close_days)
    if now < close_at:
        return None
    reason = AUTO_CLOSE_REASON.format(days=silent.days)
    ticket.closed_by, ticket.closed_at, ticket.close_reason = None, now, reason
    _make_transcript(ticket, now=now)
    _change_status(
        ticket,
        TicketStatus.CLOSED,
        by=None,
        now=now,
        change="closed",
        fields=["closed_by", "closed_at", "close_reason"],
        note=reason,
    )
    return "closed"
