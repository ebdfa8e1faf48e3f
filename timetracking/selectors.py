"""Reads that several callers share: the Discord commands, the REST API, the admin and the tasks."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from config.timeutils import Week, week_containing, week_starting
from scheduling.selectors import member_zone
from timetracking.models import DEFAULT_TIMEZONE, FocusSession, Subject, TrackedUser, WeeklyAllocation

SUBJECT_SUGGESTIONS = 25


def user_timezone(user_id: int) -> zoneinfo.ZoneInfo:
    """The member's zone (`scheduling.selectors.member_zone`, the one place it is kept), else UTC."""
    return member_zone(user_id) or zoneinfo.ZoneInfo(DEFAULT_TIMEZONE)


def active_session(user_id: int) -> FocusSession | None:
    """The user's RUNNING or PAUSED session (there is at most one), with its subject."""
    return (
        FocusSession.objects.select_related("subject").filter(user_id=user_id, status__in=FocusSession.ACTIVE).first()
    )


def latest_unconfirmed_session(user_id: int) -> FocusSession | None:
    return (
        FocusSession.objects.select_related("subject")
        .filter(user_id=user_id, status=FocusSession.Status.ENDED_UNCONFIRMED)
        .order_by("-ended_at", "-id")
        .first()
    )


def session_get(session_id: int) -> FocusSession | None:
    return FocusSession.objects.select_related("subject").filter(pk=session_id).first()


def subjects_matching(user_id: int, typed: str) -> list[str]:
    """The user's subject names containing `typed` (any case), most recently created first."""
    rows = Subject.objects.filter(user_id=user_id)
    if typed.strip():
        rows = rows.filter(name__icontains=typed.strip())
    return list(rows.order_by("-created_at").values_list("name", flat=True)[:SUBJECT_SUGGESTIONS])


def sessions_in_week(user_id: int, week_start: date) -> QuerySet[FocusSession]:
    """The sessions that started in the user's week `week_start` (a session belongs to the week
    in which it started, in the user's zone at that moment)."""
    return FocusSession.objects.filter(user_id=user_id, week_start_date=week_start)


# ---------------------------------------------------------------------------- the tasks' candidates


def sessions_to_clock_out(*, hours: int, now: datetime) -> QuerySet[FocusSession]:
    """RUNNING sessions with no sign of life for twice `hours`: the automatic clock-out's candidates."""
    return FocusSession.objects.filter(
        status=FocusSession.Status.RUNNING, last_activity_at__lte=now - timedelta(hours=2 * hours)
    ).order_by("pk")


def sessions_to_remind(*, hours: int, now: datetime) -> QuerySet[FocusSession]:
    """RUNNING sessions with no sign of life for `hours` whose owner has not been asked since it,
    and not yet due for the automatic clock-out (that one tells the owner instead)."""
    return FocusSession.objects.filter(
        status=FocusSession.Status.RUNNING,
        reminded_at__isnull=True,
        last_activity_at__lte=now - timedelta(hours=hours),
        last_activity_at__gt=now - timedelta(hours=2 * hours),
    ).order_by("pk")


def users_with_weekly_summary_pending(*, now: datetime) -> QuerySet[TrackedUser]:
    """Opted-in users who may not have had last week's summary yet. Whatever the zone, "last
    week" began at most 14 days before `now`, so a summary sent for a Monday within the last 7
    days (UTC) is the latest one; the service decides, in the user's zone, whether it is due."""
    return (
        TrackedUser.objects.filter(weekly_summary=True)
        .filter(Q(last_summary_week__isnull=True) | Q(last_summary_week__lt=(now - timedelta(days=7)).date()))
        .order_by("pk")
    )


# ---------------------------------------------------------------------------- weekly report


@dataclass
class SubjectLine:
    subject_id: int
    subject: str
    allocated_minutes: int | None  # None: no allocation this week
    tracked_seconds: int = 0
    sessions: int = 0
    running: bool = False  # a session of this subject is still open; its time runs up to `now`

    @property
    def allocated_seconds(self) -> int:
        return (self.allocated_minutes or 0) * 60

    @property
    def remaining_seconds(self) -> int:
        """Allocated minus tracked, to the second; negative when over the allocation."""
        return self.allocated_seconds - self.tracked_seconds

    @property
    def tracked_minutes(self) -> int:
        """Tracked time in whole minutes, seconds rounded down (a minute counts once complete, as
        on the session card). Every figure shown to people is computed from this, so they add up."""
        return self.tracked_seconds // 60

    @property
    def remaining_minutes(self) -> int:
        """Allocated minus tracked, in whole minutes; negative when over the allocation."""
        return (self.allocated_minutes or 0) - self.tracked_minutes

    @property
    def progress(self) -> float | None:
        """Tracked / allocated in whole minutes (may exceed 1), None without a positive allocation."""
        if not self.allocated_minutes:
            return None
        return self.tracked_minutes / self.allocated_minutes


@dataclass
class WeeklyReport:
    user_id: int
    week: Week
    generated_at: datetime
    lines: list[SubjectLine] = field(default_factory=list)

    @property
    def total_allocated_minutes(self) -> int:
        return sum(line.allocated_minutes or 0 for line in self.lines)

    @property
    def total_tracked_seconds(self) -> int:
        return sum(line.tracked_seconds for line in self.lines)

    @property
    def total_remaining_seconds(self) -> int:
        return self.total_allocated_minutes * 60 - self.total_tracked_seconds

    @property
    def total_tracked_minutes(self) -> int:
        """The sum of the subjects' whole minutes (not the rounded sum), so the total is the sum
        of the rows above it."""
        return sum(line.tracked_minutes for line in self.lines)

    @property
    def total_remaining_minutes(self) -> int:
        return self.total_allocated_minutes - self.total_tracked_minutes

    @property
    def has_allocations(self) -> bool:
        return any(line.allocated_minutes is not None for line in self.lines)

    @property
    def is_empty(self) -> bool:
        return not self.lines


def weekly_report(*, user_id: int, week_start: date | None = None, now: datetime | None = None) -> WeeklyReport:
    """This week's (or `week_start`'s) subjects of a user: allocated minutes, tracked time (the
    effective time of the week's sessions, confirmed or not, an open one up to `now`) and what
    remains. Three queries, however many sessions the week has."""
    now = now or timezone.now()
    zone = user_timezone(user_id)
    week = week_starting(week_start, zone) if week_start else week_containing(now, zone)
    lines: dict[int, SubjectLine] = {}
    allocations = (
        WeeklyAllocation.objects.filter(user_id=user_id, week_start_date=week.start_date)
        .select_related("subject")
        .only("minutes_allocated", "subject__id", "subject__name")
    )
    for allocation in allocations:
        lines[allocation.subject_id] = SubjectLine(
            subject_id=allocation.subject_id,
            subject=allocation.subject.name,
            allocated_minutes=allocation.minutes_allocated,
        )
    sessions = (
        sessions_in_week(user_id, week.start_date)
        .select_related("subject")
        .only(
            "status",
            "started_at",
            "ended_at",
            "total_paused_seconds",
            "pause_started_at",
            "effective_override_seconds",
            "subject__id",
            "subject__name",
        )
    )
    for session in sessions:
        line = lines.get(session.subject_id)
        if line is None:
            line = lines[session.subject_id] = SubjectLine(
                subject_id=session.subject_id, subject=session.subject.name, allocated_minutes=None
            )
        line.tracked_seconds += session.effective_seconds(now)
        line.sessions += 1
        line.running = line.running or session.is_active
    ordered = sorted(lines.values(), key=lambda line: line.subject.casefold())
    return WeeklyReport(user_id=user_id, week=week, generated_at=now, lines=ordered)
