"""Reads shared by the Discord handlers, the API, the admin, the services and the beat tasks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone as dj_timezone

from config.exceptions import ApplicationError
from config.timeutils import next_weekly_occurrence
from shifts.models import MAX_DURATION_MINUTES, ModSchedule, Shift, ShiftPolicy

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


# ---------------------------------------------------------------------------- the live roster

# The longest a shift or slot lasts (a check constraint on both): how far back a shift covering
# an instant may have started.
LONGEST_SHIFT = timedelta(minutes=MAX_DURATION_MINUTES)
# How far ahead the next covered shift is looked for.
ROSTER_HORIZON = timedelta(days=35)


@dataclass(frozen=True)
class DutySpan:
    """A moderator covering [start, end): a claimed shift, or an occurrence of their own slot."""

    user_id: int
    start: datetime
    end: datetime
    kind: str  # "claimed" or "assigned"


def duty_spans(*, guild_id: int, start: datetime, end: datetime) -> list[DutySpan]:
    """Who covers what between `start` and `end`, in two queries whatever the roster's size:

    - a **claimed** shift (not cancelled) covers its claimer;
    - an occurrence of a moderator's weekly slot (their **assigned** shift) covers them, unless
      the occurrence was dropped (a shift for it that is not cancelled: its claimer, if any,
      covers it instead; a cancelled drop gives it back to the moderator).

    Spans are those that end after `start` and begin at or before `end`, by start then user.
    Slot occurrences come from the time layer, so a slot keeps its local wall time across DST."""
    shifts = list(
        Shift.objects.filter(
            guild_id=guild_id, cancelled=False, start_time_utc__gt=start - LONGEST_SHIFT, start_time_utc__lte=end
        ).values_list("start_time_utc", "duration_minutes", "claimed_by", "assigned_user_id")
    )
    spans = []
    dropped = set()
    for shift_start, minutes, claimed_by, assigned in shifts:
        if assigned is not None:
            dropped.add((assigned, shift_start))
        shift_end = shift_start + timedelta(minutes=minutes)
        if claimed_by is not None and shift_end > start:
            spans.append(DutySpan(user_id=claimed_by, start=shift_start, end=shift_end, kind="claimed"))
    for slot in ModSchedule.objects.filter(guild_id=guild_id):
        length = timedelta(minutes=slot.duration_minutes)
        occurrence = slot_next_start(slot, now=start - length)  # the first one ending after `start`
        while occurrence <= end:
            if (slot.user_id, occurrence) not in dropped:
                spans.append(DutySpan(user_id=slot.user_id, start=occurrence, end=occurrence + length, kind="assigned"))
            occurrence = slot_next_start(slot, now=occurrence)
    return sorted(spans, key=lambda span: (span.start, span.user_id, span.kind))


def on_duty(*, guild_id: int, now: datetime | None = None) -> list[int]:
    """The moderators on duty at `now` (a claimed or assigned shift covers it), by user id."""
    now = now or dj_timezone.now()
    spans = duty_spans(guild_id=guild_id, start=now, end=now)
    return sorted({span.user_id for span in spans if span.start <= now < span.end})


def next_duty_start(*, guild_id: int, now: datetime | None = None) -> datetime | None:
    """When the next covered shift (claimed, or a slot occurrence not dropped) starts after `now`
    within five weeks; None when there is none."""
    now = now or dj_timezone.now()
    spans = duty_spans(guild_id=guild_id, start=now, end=now + ROSTER_HORIZON)
    return next((span.start for span in spans if span.start > now), None)
