"""Reads shared by the Discord handlers, the API and the admin."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone as dj_timezone

from config.exceptions import ApplicationError
from shifts.models import ModSchedule, Shift
from shifts.services import BAD_PERIOD, PERIODS
from shifts.timeutils import next_occurrence, zone_or_error


def slot_next_start(slot: ModSchedule, *, now: datetime | None = None) -> datetime:
    """The UTC instant of the slot's next occurrence (strictly after `now`)."""
    return next_occurrence(
        day_of_week=slot.day_of_week,
        hour=slot.hour,
        minute=slot.minute,
        zone=zone_or_error(slot.timezone),
        now=now or dj_timezone.now(),
    )


def schedule_list(*, guild_id: int | None = None, user_id: int | None = None) -> QuerySet[ModSchedule]:
    query = ModSchedule.objects.all()
    if guild_id is not None:
        query = query.filter(guild_id=guild_id)
    if user_id is not None:
        query = query.filter(user_id=user_id)
    return query.order_by("user_id", "day_of_week", "hour", "minute", "id")


def shift_list(
    *,
    guild_id: int | None = None,
    state: str | None = None,
    start_after: datetime | None = None,
    start_before: datetime | None = None,
    user_id: int | None = None,
    now: datetime | None = None,
) -> QuerySet[Shift]:
    """Shifts filtered by guild, state (open/claimed/cancelled/expired), start range and user
    (dropped, assigned or claimed by them)."""
    now = now or dj_timezone.now()
    query = Shift.objects.select_related("schedule")
    if guild_id is not None:
        query = query.filter(guild_id=guild_id)
    if state:
        query = query.with_state(state, now=now)
    if start_after is not None:
        query = query.filter(start_time_utc__gte=start_after)
    if start_before is not None:
        query = query.filter(start_time_utc__lt=start_before)
    if user_id is not None:
        query = query.filter(Q(created_by=user_id) | Q(assigned_user_id=user_id) | Q(claimed_by=user_id))
    return query.order_by("start_time_utc", "id")


def shift_stats(
    *, guild_id: int, period: str = "7d", user_id: int | None = None, limit: int = 25, now: datetime | None = None
) -> list[dict]:
    """Claimed, non-cancelled shifts per claimer (claimed within the period): count and hours,
    most hours first. One query, whatever the number of shifts."""
    now = now or dj_timezone.now()
    if period not in PERIODS:
        raise ApplicationError(BAD_PERIOD, field="period")
    query = Shift.objects.filter(guild_id=guild_id, claimed_by__isnull=False, cancelled=False)
    if PERIODS[period] is not None:
        query = query.filter(claimed_at__gt=now - PERIODS[period])
    if user_id is not None:
        query = query.filter(claimed_by=user_id)
    rows = (
        query.values("claimed_by")
        .annotate(shifts=Count("id"), hours=Sum("duration_hours"))
        .order_by("-hours", "claimed_by")[:limit]
    )
    stats = [
        {"user_id": row["claimed_by"], "shifts": row["shifts"], "hours": round(row["hours"] or 0, 2)} for row in rows
    ]
    if user_id is not None and not stats:
        stats = [{"user_id": user_id, "shifts": 0, "hours": 0.0}]
    return stats
