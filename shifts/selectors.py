"""Reads shared by the Discord handlers, the API, the admin, the services and the beat tasks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone as dj_timezone

from config.exceptions import ApplicationError
from config.timeutils import next_weekly_occurrence
from shifts.models import ModSchedule, Shift, ShiftPolicy

BAD_PERIOD = "The period must be one of 7d, 30d or all."
PERIODS = {"7d": timedelta(days=7), "30d": timedelta(days=30), "all": None}


def policy_for(guild_id: int) -> ShiftPolicy:
    """The guild's policy, or an unsaved one with the defaults."""
    return ShiftPolicy.objects.filter(guild_id=guild_id).first() or ShiftPolicy(guild_id=guild_id)


def slot_next_start(slot: ModSchedule, *, now: datetime | None = None) -> datetime:
    """The UTC instant of the slot's next occurrence (strictly after `now`)."""
    return next_weekly_occurrence(
        day_of_week=slot.day_of_week, clock=slot.clock, zone=slot.timezone, now=now or dj_timezone.now()
    )


def schedule_list(*, guild_id: int | None = None, user_id: int | None = None) -> QuerySet[ModSchedule]:
    """Slots, by member then weekday and time (optionally of one guild and member)."""
    query = ModSchedule.objects.all()
    if guild_id is not None:
        query = query.filter(guild_id=guild_id)
    if user_id is not None:
        query = query.filter(user_id=user_id)
    return query.order_by("user_id", "day_of_week", "hour", "minute", "id")


def shift_list() -> QuerySet[Shift]:
    """Every shift, by start (the API's FilterSet narrows it)."""
    return Shift.objects.order_by("start_time_utc", "id")


def shifts_due_to_expire(*, now: datetime) -> QuerySet[Shift]:
    """Unclaimed, uncancelled shifts whose start has passed and that are not marked expired yet."""
    return Shift.objects.filter(
        claimed_by__isnull=True, cancelled=False, expired_at__isnull=True, start_time_utc__lte=now
    ).order_by("start_time_utc", "id")


def shifts_due_to_mark_started(*, now: datetime) -> QuerySet[Shift]:
    """Claimed, uncancelled shifts whose start has passed and whose message was not re-rendered for it."""
    return Shift.objects.filter(
        claimed_by__isnull=False, cancelled=False, start_passed_at__isnull=True, start_time_utc__lte=now
    ).order_by("start_time_utc", "id")


def shifts_due_for_reminder(*, now: datetime, lead: timedelta) -> QuerySet[Shift]:
    """Claimed, uncancelled shifts starting within `lead` after `now` whose claimer was not reminded."""
    return Shift.objects.filter(
        claimed_by__isnull=False,
        cancelled=False,
        reminder_sent_at__isnull=True,
        start_time_utc__gt=now,
        start_time_utc__lte=now + lead,
    ).order_by("start_time_utc", "id")


def shift_stats(
    *,
    guild_id: int,
    period: str = "7d",
    user_id: int | None = None,
    limit: int | None = None,
    now: datetime | None = None,
    within: Iterable[int] | None = None,
) -> list[dict]:
    """Claimed, non-cancelled shifts per claimer (claimed within the period): count and hours,
    most hours first; every claimer unless `limit`. One query, whatever the number of shifts.
    `within` (guild ids, a subquery) restricts it to guilds a reader may see."""
    now = now or dj_timezone.now()
    if period not in PERIODS:
        raise ApplicationError(BAD_PERIOD, field="period")
    query = Shift.objects.filter(guild_id=guild_id, claimed_by__isnull=False, cancelled=False)
    if PERIODS[period] is not None:
        query = query.filter(claimed_at__gt=now - PERIODS[period])
    if user_id is not None:
        query = query.filter(claimed_by=user_id)
    if within is not None:
        query = query.filter(guild_id__in=within)
    rows = (
        query.values("claimed_by")
        .annotate(shifts=Count("id"), minutes=Sum("duration_minutes"))
        .order_by("-minutes", "claimed_by")
    )
    if limit is not None:
        rows = rows[:limit]
    stats = [
        {"user_id": row["claimed_by"], "shifts": row["shifts"], "hours": round((row["minutes"] or 0) / 60, 2)}
        for row in rows
    ]
    if user_id is not None and not stats:
        stats = [{"user_id": user_id, "shifts": 0, "hours": 0.0}]
    return stats
