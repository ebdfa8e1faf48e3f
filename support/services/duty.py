"""Who a new ticket pings: the moderators on duty at its opening, from the live shift roster
(:func:`shifts.selectors.on_duty`: a claimed shift, or a moderator's own slot occurrence that was
not dropped, covering that instant), or the guild's support staff roles when nobody is; and, then,
when the next covered shift starts (:func:`shifts.selectors.next_duty_start`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from shifts.selectors import next_duty_start, on_duty
from support.services.settings import settings_for


@dataclass(frozen=True)
class Duty:
    """The ping of a new ticket: `user_ids` (on duty), else `role_ids` (the staff roles) and
    `next_start` (the next covered shift; None when none is scheduled)."""

    user_ids: tuple[int, ...] = ()
    role_ids: tuple[int, ...] = ()
    next_start: datetime | None = None

    @property
    def on_duty(self) -> bool:
        return bool(self.user_ids)


def duty_at(*, guild_id: int, now: datetime | None = None, with_next_start: bool = True) -> Duty:
    """Who is on duty in the guild at `now` (two queries), else its support staff roles (one more)
    and, `with_next_start`, the next shift's start (two more)."""
    now = now or timezone.now()
    users = on_duty(guild_id=guild_id, now=now)
    if users:
        return Duty(user_ids=tuple(users))
    roles = tuple(sorted(settings_for(guild_id).staff_role_id_set))
    next_start = next_duty_start(guild_id=guild_id, now=now) if with_next_start else None
    return Duty(role_ids=roles, next_start=next_start)


def ticket_opened_at(ticket) -> datetime:
    """The instant a ticket was opened: its first status-history row (the ticket's creation time
    when it has none)."""
    first = ticket.status_changes.filter(from_status="").order_by("changed_at", "id").first()
    return first.changed_at if first is not None else ticket.created_at
