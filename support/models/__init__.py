"""The support app's models: tickets (`tickets`)."""

from support.models.tickets import (
    ACTIVE_STATUSES,
    CHANNEL_STATUSES,
    SupportSettings,
    SupportTicket,
    TicketStatus,
    TicketStatusChange,
)

__all__ = [
    "ACTIVE_STATUSES",
    "CHANNEL_STATUSES",
    "SupportSettings",
    "SupportTicket",
    "TicketStatus",
    "TicketStatusChange",
]
