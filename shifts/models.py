"""Moderator schedules, shifts and the per-guild shift policy.

Rows carry the Discord guild id (`guild_id`), not a foreign key to botworker's configuration: a
domain app does not depend on the Discord layer. The database enforces every invariant it can:
one slot per (guild, moderator, weekday, time), one message per shift, one claimer per shift
(a single column, never the dropper), durations and clock fields in range.
"""

from __future__ import annotations

from datetime import time
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import F, Q

from config.fields import ZoneField
from config.timeutils import DAY_NAMES

MAX_DURATION_MINUTES = 168 * 60


def hours_to_minutes(hours) -> int:
    """Hours (a number or a numeric string) as whole minutes, rounded once, half up. The hours
    are read as the decimal they were written as (0.7 is 42 minutes, not 41.99...)."""
    return int((Decimal(str(hours)) * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class DurationInMinutes(models.Model):
    """A length kept as whole minutes, so sums and comparisons are exact (a float sum of 0.6, 0.7,
    0.8 and 0.9 hours is 2.9999999999999996). `duration_hours` reads and writes it in hours (the
    API's and the Discord options' unit); writing rounds once to whole minutes."""

    duration_minutes = models.PositiveIntegerField(help_text="The length in whole minutes.")

    class Meta:
        abstract = True

    @property
    def duration_hours(self) -> float:
        return self.duration_minutes / 60

    @duration_hours.setter
    def duration_hours(self, hours) -> None:
        self.duration_minutes = hours_to_minutes(hours)


def _hours_field(default: str, **kwargs) -> models.DecimalField:
    # Exact decimals: a cap of 1.1 hours is exactly 66 minutes.
    return models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(default), **kwargs)


class ShiftPolicy(models.Model):
    """One guild's shift rules: the fairness and duration numbers. A guild without a row uses the
    field defaults. The shift channel and the guild's default zone are not here: they live in the
    guild configuration only (botworker's GuildConfig and its "shifts" channel)."""

    guild_id = models.PositiveBigIntegerField(unique=True, help_text="The Discord guild (server) id.")
    max_hours_7d = _hours_field(
        "3.00", help_text="A moderator with this many claimed hours in the last 7 days is 'heavy'."
    )
    heavy_lock_window_minutes = models.PositiveIntegerField(
        default=60, help_text="Heavy moderators may only claim shifts starting within this many minutes."
    )
    min_duration_hours = _hours_field("0.25")
    max_duration_hours = _hours_field("24.00")
    default_duration_hours = _hours_field("1.00", help_text="Duration of a schedule slot added without one.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "shift policies"
        ordering = ["guild_id"]
        constraints = [
            models.CheckConstraint(condition=Q(max_hours_7d__gt=0), name="shiftpolicy_cap_positive"),
            models.CheckConstraint(condition=Q(min_duration_hours__gt=0), name="shiftpolicy_min_positive"),
            models.CheckConstraint(
                condition=Q(max_duration_hours__gte=F("min_duration_hours")) & Q(max_duration_hours__lte=168),
                name="shiftpolicy_max_in_range",
            ),
            models.CheckConstraint(
                condition=Q(default_duration_hours__gte=F("min_duration_hours"))
                & Q(default_duration_hours__lte=F("max_duration_hours")),
                name="shiftpolicy_default_within_limits",
            ),
        ]

    def __str__(self) -> str:
        return f"shift policy of guild {self.guild_id}"

    @property
    def cap_minutes(self) -> Decimal:
        """The fairness cap in minutes, exactly."""
        return Decimal(self.max_hours_7d) * 60


class ModSchedule(DurationInMinutes):
    """A weekly slot of a moderator: a local wall time on a weekday in an IANA zone."""

    guild_id = models.PositiveBigIntegerField(db_index=True)
    user_id = models.PositiveBigIntegerField(help_text="The moderator's Discord user id.")
    day_of_week = models.PositiveSmallIntegerField(help_text="0 = Monday ... 6 = Sunday.")
    hour = models.PositiveSmallIntegerField()
    minute = models.PositiveSmallIntegerField(default=0)
    timezone = ZoneField(default="UTC")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["guild_id", "user_id", "day_of_week", "hour", "minute"]
        constraints = [
            models.UniqueConstraint(
                fields=["guild_id", "user_id", "day_of_week", "hour", "minute"], name="modschedule_unique_slot"
            ),
            models.CheckConstraint(condition=Q(day_of_week__lte=6), name="modschedule_day_in_range"),
            models.CheckConstraint(condition=Q(hour__lte=23), name="modschedule_hour_in_range"),
            models.CheckConstraint(condition=Q(minute__lte=59), name="modschedule_minute_in_range"),
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0) & Q(duration_minutes__lte=MAX_DURATION_MINUTES),
                name="modschedule_duration_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{DAY_NAMES[self.day_of_week]} {self.hour:02d}:{self.minute:02d} {self.timezone} ({self.user_id})"

    @property
    def clock(self) -> time:
        """The slot's local wall time."""
        return time(self.hour, self.minute)


class ShiftQuerySet(models.QuerySet):
    def open(self, *, now):
        return self.filter(claimed_by__isnull=True, cancelled=False, expired_at__isnull=True, start_time_utc__gt=now)

    def with_state(self, state: str, *, now):
        if state == Shift.State.OPEN:
            return self.open(now=now)
        if state == Shift.State.CLAIMED:
            return self.filter(claimed_by__isnull=False, cancelled=False)
        if state == Shift.State.CANCELLED:
            return self.filter(cancelled=True)
        if state == Shift.State.EXPIRED:
            # Expired: marked so, or unclaimed with its start passed and not marked yet.
            return self.filter(cancelled=False, claimed_by__isnull=True).filter(
                Q(expired_at__isnull=False) | Q(start_time_utc__lte=now)
            )
        raise ValueError(f"unknown shift state {state!r}")


class Shift(DurationInMinutes):
    """A dropped shift: open until one moderator claims it, it is cancelled, or it starts unclaimed
    (then it is expired)."""

    class State(models.TextChoices):
        OPEN = "open", "open"
        CLAIMED = "claimed", "claimed"
        CANCELLED = "cancelled", "cancelled"
        EXPIRED = "expired", "expired"

    guild_id = models.PositiveBigIntegerField()
    message_id = models.PositiveBigIntegerField(unique=True, null=True, blank=True)
    channel_id = models.PositiveBigIntegerField(null=True, blank=True)
    description = models.CharField(max_length=1000, blank=True, default="")
    created_by = models.PositiveBigIntegerField(help_text="Discord id of who dropped it.")
    created_at = models.DateTimeField(auto_now_add=True)
    start_time_utc = models.DateTimeField()
    timezone = ZoneField(default="UTC", help_text="The zone the start was given in.")
    assigned_user_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The moderator whose scheduled shift it is."
    )
    schedule = models.ForeignKey(
        ModSchedule, null=True, blank=True, on_delete=models.SET_NULL, related_name="shifts", help_text="The slot."
    )
    claimed_by = models.PositiveBigIntegerField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    cancelled = models.BooleanField(default=False)
    cancelled_by = models.PositiveBigIntegerField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True, default="")
    expired_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    start_passed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a claimed shift's message was re-rendered for its start (once)."
    )
    # Bumped by every change, so each re-render of the message has its own outbox dedupe key.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ShiftQuerySet.as_manager()

    class Meta:
        ordering = ["start_time_utc", "id"]
        indexes = [
            models.Index(fields=["guild_id", "start_time_utc"], name="shift_guild_start"),
            models.Index(fields=["claimed_by", "claimed_at"], name="shift_claimer_claimed_at"),
            models.Index(
                fields=["start_time_utc"],
                name="shift_unclaimed_due",
                condition=Q(claimed_by__isnull=True, cancelled=False, expired_at__isnull=True),
            ),
            models.Index(
                fields=["start_time_utc"],
                name="shift_reminder_due",
                condition=Q(claimed_by__isnull=False, cancelled=False, reminder_sent_at__isnull=True),
            ),
            models.Index(
                fields=["start_time_utc"],
                name="shift_start_pass_due",
                condition=Q(claimed_by__isnull=False, cancelled=False, start_passed_at__isnull=True),
            ),
        ]
        constraints = [
            # An occurrence of a moderator's schedule is (guild, moderator, start instant): it is
            # dropped at most once while not cancelled, whichever slot row (a slot removed and
            # added again is a new row) or whoever dropped it.
            models.UniqueConstraint(
                fields=["guild_id", "assigned_user_id", "start_time_utc"],
                condition=Q(cancelled=False, assigned_user_id__isnull=False),
                name="shift_one_open_per_occurrence",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0) & Q(duration_minutes__lte=MAX_DURATION_MINUTES),
                name="shift_duration_in_range",
            ),
            models.CheckConstraint(
                condition=Q(claimed_by__isnull=True, claimed_at__isnull=True)
                | Q(claimed_by__isnull=False, claimed_at__isnull=False),
                name="shift_claimer_and_time_together",
            ),
            # Nobody claims their own drop (or their own scheduled shift).
            models.CheckConstraint(
                condition=Q(claimed_by__isnull=True)
                | (
                    ~Q(claimed_by=F("created_by"))
                    & (Q(assigned_user_id__isnull=True) | ~Q(claimed_by=F("assigned_user_id")))
                ),
                name="shift_not_claimed_by_owner",
            ),
            models.CheckConstraint(
                condition=Q(expired_at__isnull=True) | Q(claimed_by__isnull=True), name="shift_expired_unclaimed"
            ),
            models.CheckConstraint(
                condition=Q(cancelled=False, cancelled_at__isnull=True) | Q(cancelled=True, cancelled_at__isnull=False),
                name="shift_cancelled_with_time",
            ),
        ]

    def __str__(self) -> str:
        return f"shift #{self.pk} at {self.start_time_utc:%Y-%m-%d %H:%M} UTC"

    def state(self, *, now) -> str:
        if self.cancelled:
            return self.State.CANCELLED
        if self.claimed_by is not None:
            return self.State.CLAIMED
        if self.expired_at is not None or self.start_time_utc <= now:
            return self.State.EXPIRED
        return self.State.OPEN
