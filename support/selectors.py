"""Reads of the support desk that more than one caller needs."""

from __future__ import annotations

from django.db.models import QuerySet

from config.exceptions import ApplicationError
from support.models import SupportTicket, TicketStatus
from support.services.messages import BAD_STATUS, NOT_A_TICKET_CHANNEL

STATUS_FILTERS = ("active", *TicketStatus.values)


def ticket_list(*, guild_id: int, status: str | None = None, user_id: int | None = None) -> QuerySet[SupportTicket]:
    """A guild's tickets, newest first; `status` one of the statuses or "active" (not closed)."""
    query = SupportTicket.objects.filter(guild_id=guild_id)
    if status == "active":
        query = query.exclude(status__in=[TicketStatus.CLOSED, TicketStatus.ARCHIVED])
    elif status:
        if status not in TicketStatus.values:
            raise ApplicationError(BAD_STATUS, params={"choices": ", ".join(STATUS_FILTERS)}, field="status")
        query = query.filter(status=status)
    if user_id is not None:
        query = query.filter(user_id=user_id)
    return query.order_by("-number")


def ticket_in_channel(*, guild_id: int, channel_id: int | None) -> SupportTicket:
    """The ticket whose channel this is; refuses any other channel."""
    ticket = None
    if channel_id is not None:
        ticket = SupportTicket.objects.filter(guild_id=guild_id, channel_id=channel_id).first()
    if ticket is None:
        raise ApplicationError(NOT_A_TICKET_CHANNEL, code="not_a_ticket_channel")
    return ticket
