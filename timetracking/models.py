"""Personal time tracking: who tracks (and in which zone), what they track time on, how many
minutes they plan per week, and their focus sessions.

The database enforces every invariant it can: one RUNNING/PAUSED session per user (a partial
unique index), subject names unique per user whatever their case, non-negative durations, the
fields each status requires, and weeks that start on a Monday.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from scheduling.models import UTC_ZONE, MemberZoneAnnotatedManager, MemberZoneReader, stored_member_zone

# A member with no stored zone (scheduling.MemberZone) counts weeks in UTC.
DEFAULT_TIMEZONE = "UTC"


def _seconds(delta) -> int:
    """Whole seconds of a timedelta, never negative (a clock that went backwards counts as 0)."""
    return max(0, int(delta.total_seconds()))


class TrackedUserManager(MemberZoneAnnotatedManager):
    user_id_field = "pk"


class TrackedUser(MemberZoneReader, models.Model):
    """A Discord user who tracks time and their DM choices. The zone their weeks are counted in
    is the member's zone (`scheduling.MemberZone`, the one place it is stored)."""

    id = models.PositiveBigIntegerField(primary_key=True, help_text="The Discord user id.")
    weekly_summary = models.BooleanField(default=False, help_text="Send a summary DM on Monday morning.")
    last_summary_week = models.DateField(
        null=True, blank=True, help_text="Monday of the last week a summary was sent for."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TrackedUserManager()

    class Meta:
        verbose_name = "tracked user"

    def __str__(self) -> str:
        return str(self.id)

    @property
    def timezone(self) -> zoneinfo.ZoneInfo:
        """The member's zone, else UTC; weeks start on Monday 00:00 in it. Read-only: set it with
        `timetracking.services.tracked_user_set_timezone` (which writes the member's zone)."""
        return stored_member_zone(self, self.pk) or UTC_ZONE


class Subject(models.Model):
    """Something a user tracks time on ("COMP1130", "Gym"); names are unique per user, ignoring case."""

    user = models.ForeignKey(TrackedUser, on_delete=models.CASCADE, related_name="subjects")
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user_id", "name"]
        constraints = [
            models.UniqueConstraint(F("user"), Lower("name"), name="timetracking_subject_name_unique_per_user"),
            models.CheckConstraint(condition=~Q(name=""), name="timetracking_subject_name_not_blank"),
        ]
        indexes = [models.Index(fields=["user", "name"], name="tt_subject_user_name")]

    def __str__(self) -> str:
        return self.name


class WeeklyAllocation(models.Model):
    """How many minutes a user plans to spend on a subject in one week (Monday in the user's zone)."""

    user = models.ForeignKey(TrackedUser, on_delete=models.CASCADE, related_name="allocations")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="allocations")
    week_start_date = models.DateField(help_text="The Monday the week starts on, in the user's zone.")
    minutes_allocated = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-week_start_date", "subject__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "subject", "week_start_date"], name="timetracking_allocation_unique_per_week"
            ),
            models.CheckConstraint(condition=Q(minutes_allocated__gte=0), name="timetracking_allocation_minutes_gte_0"),
            models.CheckConstraint(
                condition=Q(week_start_date__iso_week_day=1), name="timetracking_allocation_week_starts_monday"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "week_start_date"], name="tt_alloc_user_week"),
            models.Index(fields=["subject", "week_start_date"], name="tt_alloc_subject_week"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.week_start_date}: {self.minutes_allocated} min"


class FocusSession(models.Model):
    """One focus session with pauses and an optional corrected ("effective") duration.

    Effective time is the override when one is set, else the time since the start (up to the
    clock-out) minus the time spent paused, a pause still running included."""

    class Status(models.TextChoices):
        RUNNING = "RUNNING", "running"
        PAUSED = "PAUSED", "paused"
        ENDED_UNCONFIRMED = "ENDED_UNCONFIRMED", "ended, not confirmed"
        ENDED_CONFIRMED = "ENDED_CONFIRMED", "confirmed"

    ACTIVE = (Status.RUNNING, Status.PAUSED)
    ENDED = (Status.ENDED_UNCONFIRMED, Status.ENDED_CONFIRMED)

    user = models.ForeignKey(TrackedUser, on_delete=models.CASCADE, related_name="sessions")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="sessions")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    week_start_date = models.DateField(help_text="The Monday of the week the session started in, in the user's zone.")
    goal = models.TextField(blank=True, default="", help_text="The session's purpose.")
    note = models.TextField(blank=True, default="")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RUNNING)
    total_paused_seconds = models.PositiveIntegerField(default=0, help_text="Pauses that have ended.")
    pause_started_at = models.DateTimeField(null=True, blank=True)
    effective_override_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="When set, the session's effective time."
    )
    # The last sign of life: the owner's last action on the open session (the start, a pause,
    # resume, reopen, purpose or note edit, `/session status`, "Keep going"). A session left
    # running long after it is reminded, then clocked out at this instant.
    last_activity_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True, help_text="When the forgotten-session DM was sent.")
    auto_clocked_out = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status__in=["RUNNING", "PAUSED"]),
                name="timetracking_one_active_session_per_user",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["RUNNING", "PAUSED", "ENDED_UNCONFIRMED", "ENDED_CONFIRMED"]),
                name="timetracking_session_status_valid",
            ),
            models.CheckConstraint(condition=Q(total_paused_seconds__gte=0), name="timetracking_session_paused_gte_0"),
            models.CheckConstraint(
                condition=Q(effective_override_seconds__isnull=True) | Q(effective_override_seconds__gte=0),
                name="timetracking_session_override_gte_0",
            ),
            models.CheckConstraint(
                condition=(Q(status__in=["RUNNING", "PAUSED"]) & Q(ended_at__isnull=True))
                | (Q(status__in=["ENDED_UNCONFIRMED", "ENDED_CONFIRMED"]) & Q(ended_at__isnull=False)),
                name="timetracking_session_ended_iff_ended",
            ),
            models.CheckConstraint(
                condition=Q(status="PAUSED", pause_started_at__isnull=False)
                | (~Q(status="PAUSED") & Q(pause_started_at__isnull=True)),
                name="timetracking_session_pause_iff_paused",
            ),
            models.CheckConstraint(
                condition=Q(effective_override_seconds__isnull=True)
                | Q(status__in=["ENDED_UNCONFIRMED", "ENDED_CONFIRMED"]),
                name="timetracking_session_override_only_ended",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="timetracking_session_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(week_start_date__iso_week_day=1), name="timetracking_session_week_starts_monday"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "status"], name="tt_session_user_status"),
            models.Index(F("user"), F("started_at").desc(), name="tt_session_user_started"),
            models.Index(fields=["user", "week_start_date"], name="tt_session_user_week"),
            models.Index(
                fields=["last_activity_at"], name="tt_session_running_activity", condition=Q(status="RUNNING")
            ),
        ]

    def __str__(self) -> str:
        return f"session {self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    def _until(self, now: datetime) -> datetime:
        return self.ended_at if self.ended_at is not None else now

    def measured_seconds(self, now: datetime) -> int:
        """Wall-clock time from the start to the clock-out (or to `now` while open)."""
        return _seconds(self._until(now) - self.started_at)

    def paused_seconds(self, now: datetime) -> int:
        """Time spent paused: ended pauses plus a pause still running (up to `now`)."""
        running_pause = 0
        if self.status == self.Status.PAUSED and self.pause_started_at is not None:
            running_pause = _seconds(self._until(now) - self.pause_started_at)
        return self.total_paused_seconds + running_pause

    def computed_seconds(self, now: datetime) -> int:
        """Measured minus paused, ignoring any override."""
        return max(0, self.measured_seconds(now) - self.paused_seconds(now))

    def effective_seconds(self, now: datetime) -> int:
        """The time that counts: the override when set, else measured minus paused."""
        if self.effective_override_seconds is not None:
            return self.effective_override_seconds
        return self.computed_seconds(now)
