"""Raid seasons, raid events and who signed up for and attended them."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import F, OuterRef, Q, Subquery

from scheduling.models import GUILD_HELP, Player, WowCharacter


class RaidSeason(models.Model):
    """A raid season. No end date: a season ends when the next active one starts."""

    guild_id = models.PositiveBigIntegerField(help_text=GUILD_HELP)
    name = models.CharField(max_length=100)
    start_date = models.DateField()
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["guild_id", "-start_date"]
        constraints = [models.UniqueConstraint(fields=["guild_id", "name"], name="season_unique_name")]
        indexes = [models.Index(fields=["guild_id", "is_active", "start_date"], name="season_current_idx")]

    def __str__(self) -> str:
        return self.name


def seasons_on(*, guild_id, day) -> models.QuerySet[RaidSeason]:
    """The seasons that could hold an event of `guild_id` on `day`, the one that does first: the
    active season with the latest start not after `day` (ties: the newest row). `guild_id` and
    `day` may be values or `OuterRef`s: the one definition of season membership."""
    return RaidSeason.objects.filter(guild_id=guild_id, is_active=True, start_date__lte=day).order_by(
        "-start_date", "-id"
    )


class RaidEventQuerySet(models.QuerySet):
    def with_season(self) -> RaidEventQuerySet:
        """Annotate `season_pk` and `season_name`: the season current on the event's date (no
        stored link, so a season created or changed later takes its events at once)."""
        seasons = seasons_on(guild_id=OuterRef("guild_id"), day=OuterRef("event_date"))
        return self.annotate(
            season_pk=Subquery(seasons.values("pk")[:1]), season_name=Subquery(seasons.values("name")[:1])
        )

    def in_season(self, season: RaidSeason) -> RaidEventQuerySet:
        """The events whose date falls in `season` (from its start to the next active start)."""
        return self.filter(guild_id=season.guild_id).with_season().filter(season_pk=season.pk)


class RaidEvent(models.Model):
    guild_id = models.PositiveBigIntegerField()
    title = models.CharField(max_length=200)
    event_date = models.DateField(help_text="The date of the start in the guild's time zone.")
    start_time_utc = models.DateTimeField()
    end_time_utc = models.DateTimeField()
    raid_helper_event_id = models.CharField(
        max_length=30, blank=True, default="", help_text="The Raid-Helper event id (letters, digits, - and _)."
    )
    discord_channel_id = models.PositiveBigIntegerField(null=True, blank=True)
    discord_message_id = models.PositiveBigIntegerField(null=True, blank=True)
    log_url = models.URLField(max_length=500, blank=True, default="")
    notes = models.TextField(blank=True, default="", help_text="At most 1,000 characters.")
    cancelled_at = models.DateTimeField(
        null=True, blank=True, help_text="When an officer cancelled it: answers, reminder and summary stop."
    )
    created_by_player = models.ForeignKey(
        Player, on_delete=models.SET_NULL, null=True, blank=True, related_name="created_events"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by the beat tasks in the same transaction as the outbox rows, so each is sent once.
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    summary_sent_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every change that re-renders the event's post (an answer, an edit, the
    # cancellation), so each edit of the post has its own deterministic outbox dedupe key.
    version = models.PositiveIntegerField(default=0)

    objects = RaidEventQuerySet.as_manager()

    class Meta:
        ordering = ["-start_time_utc"]
        constraints = [
            models.CheckConstraint(condition=Q(end_time_utc__gt=F("start_time_utc")), name="event_ends_after_start"),
            models.CheckConstraint(
                condition=Q(log_url="") | Q(log_url__startswith="http://") | Q(log_url__startswith="https://"),
                name="event_log_url_http",
            ),
        ]
        indexes = [
            models.Index(fields=["guild_id", "start_time_utc"], name="event_guild_start_idx"),
            models.Index(
                fields=["start_time_utc"], condition=Q(reminder_sent_at__isnull=True), name="event_remind_idx"
            ),
            models.Index(fields=["end_time_utc"], condition=Q(summary_sent_at__isnull=True), name="event_summary_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.event_date})"

    @property
    def duration(self) -> dt.timedelta:
        return self.end_time_utc - self.start_time_utc


class RaidAttendance(models.Model):
    """One player's answer to and presence at one event. `noted_absence` = told us ahead (excused)."""

    class Source(models.TextChoices):
        MANUAL = "manual", "manual"
        RAID_HELPER = "raid_helper", "Raid-Helper"
        WARCRAFT_LOGS = "warcraft_logs", "Warcraft Logs"
        AUTO = "auto", "automatic"

    event = models.ForeignKey(RaidEvent, on_delete=models.CASCADE, related_name="attendance")
    player = models.ForeignKey(Player, on_delete=models.CASCADE, related_name="attendance")
    signed_up = models.BooleanField(default=False)
    tentative = models.BooleanField(default=False)
    attended = models.BooleanField(default=False)
    character = models.ForeignKey(WowCharacter, on_delete=models.SET_NULL, null=True, blank=True)
    noted_absence = models.BooleanField(default=False)
    absence_reason = models.CharField(max_length=300, blank=True, default="")
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.MANUAL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["event_id", "player_id"]
        verbose_name_plural = "raid attendance"
        constraints = [
            models.UniqueConstraint(fields=["event", "player"], name="attendance_unique_event_player"),
            # An answer is one of: signed up, tentative, excused absence (or none yet).
            models.CheckConstraint(
                condition=~Q(signed_up=True, tentative=True)
                & ~Q(signed_up=True, noted_absence=True)
                & ~Q(tentative=True, noted_absence=True),
                name="attendance_one_answer",
            ),
            models.CheckConstraint(
                condition=Q(source__in=["manual", "raid_helper", "warcraft_logs", "auto"]), name="attendance_source"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.player} at {self.event}"
