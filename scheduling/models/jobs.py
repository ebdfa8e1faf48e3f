"""Scheduled jobs: a Discord action (a message, an embed, an announcement, the bot's presence, a
channel clean-up, a role change) run on a trigger (a date, an interval or a cron schedule in a
zone), in the shape of ScheduleZero's API (`job_id`, `job_method`, `job_params`, `trigger`).

Every run is one :class:`~scheduling.models.Dispatch` record (source "job"), so the execution
history is the dispatcher's: nothing runs twice for one fire time.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from config.fields import ZoneField
from scheduling.models.roster import GUILD_HELP

MAX_JOB_ID_LENGTH = 100
MAX_JOB_NAME_LENGTH = 100
DEFAULT_HANDLER_ID = "discord-bot"
DEFAULT_MISFIRE_GRACE_SECONDS = 600
MAX_MISFIRE_GRACE_SECONDS = 7 * 24 * 3600


class ScheduledJob(models.Model):
    class Method(models.TextChoices):
        SEND_MESSAGE = "send_message", "send a message"
        SEND_EMBED = "send_embed", "send an embed"
        UPDATE_STATUS = "update_status", "set the bot's status"
        SCHEDULE_ANNOUNCEMENT = "schedule_announcement", "post an announcement"
        CLEANUP_OLD_MESSAGES = "cleanup_old_messages", "delete old messages"
        UPDATE_ROLE = "update_role", "add or remove a role"

    class Misfire(models.TextChoices):
        SKIP = "skip", "skip a run that could not happen on time"
        RUN_ONCE_LATE = "run_once_late", "run once, however late"
        GRACE = "grace", "run late within the grace seconds"

    guild_id = models.PositiveBigIntegerField(db_index=True, help_text=GUILD_HELP)
    job_id = models.CharField(
        max_length=MAX_JOB_ID_LENGTH, unique=True, help_text="The job's id in the API (given, or generated)."
    )
    name = models.CharField(max_length=MAX_JOB_NAME_LENGTH, help_text="What people call it.")
    handler_id = models.CharField(
        max_length=100, default=DEFAULT_HANDLER_ID, help_text="ScheduleZero's handler id, kept as given."
    )
    method = models.CharField(max_length=32, choices=Method.choices)
    params = models.JSONField(default=dict, help_text="The method's parameters, validated and normalised.")
    trigger = models.JSONField(help_text="When it runs: a date, an interval or a cron schedule (normalised).")
    timezone = ZoneField(help_text="The zone its cron schedule is evaluated in, and its times are shown in.")
    enabled = models.BooleanField(default=True, db_default=True)
    misfire_policy = models.CharField(max_length=16, choices=Misfire.choices, default=Misfire.GRACE)
    misfire_grace_seconds = models.PositiveIntegerField(
        default=DEFAULT_MISFIRE_GRACE_SECONDS,
        help_text="With the grace policy: how late a run may still happen.",
    )
    next_fire_at = models.DateTimeField(null=True, blank=True, help_text="The next run (UTC); empty when done.")
    last_run_at = models.DateTimeField(null=True, blank=True, help_text="The fire time of the last run.")
    finished_at = models.DateTimeField(null=True, blank=True, help_text="When a one-off had its run.")
    created_by = models.PositiveBigIntegerField(null=True, blank=True, help_text="The Discord user who created it.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["guild_id", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(misfire_grace_seconds__lte=MAX_MISFIRE_GRACE_SECONDS), name="job_grace_bounded"
            ),
        ]
        indexes = [
            models.Index(fields=["next_fire_at"], condition=Q(enabled=True, next_fire_at__isnull=False), name="job_due")
        ]

    def __str__(self) -> str:
        return self.name or self.job_id

    @property
    def is_one_off(self) -> bool:
        return (self.trigger or {}).get("type") == "date"
