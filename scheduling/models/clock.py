"""What the dispatcher keeps: one record per occurrence it handled, and each guild's clock settings.

A `Dispatch` is written in the same transaction as the outbox row of the occurrence and the
source's next fire time; it is unique on (source, source id, occurrence instant, kind), so an
occurrence is recorded, and sent, at most once however many dispatchers run.
"""

from __future__ import annotations

from django.db import models

from scheduling.models.roster import GUILD_HELP

DEFAULT_GRACE_MINUTES = 10
MAX_GRACE_MINUTES = 24 * 60


class GuildClockSettings(models.Model):
    """A guild's rules for everything on a clock (one row per guild; defaults when there is none)."""

    guild_id = models.PositiveBigIntegerField(unique=True, help_text=GUILD_HELP)
    grace_minutes = models.PositiveIntegerField(
        default=DEFAULT_GRACE_MINUTES,
        db_default=DEFAULT_GRACE_MINUTES,
        help_text="An occurrence missed by less than this (the bot or the workers were down) is sent "
        "late; an older one is recorded as missed and not sent.",
    )
    replace_early_reminder = models.BooleanField(
        default=True,
        db_default=True,
        help_text="When a one-off reminder's event starts, its early message is deleted and replaced.",
    )
    allow_everyone_mention = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Whether reminders may mention @everyone or @here.",
    )

    class Meta:
        verbose_name = "clock settings"
        verbose_name_plural = "clock settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(grace_minutes__lte=MAX_GRACE_MINUTES), name="clocksettings_grace_bounded"
            )
        ]

    def __str__(self) -> str:
        return f"clock settings of guild {self.guild_id}"


class Dispatch(models.Model):
    """One occurrence of something on a clock, as the dispatcher handled it."""

    class Status(models.TextChoices):
        SENT = "sent", "sent on time"
        LATE = "late", "sent late"
        MISSED = "missed", "missed (not sent)"
        FAILED = "failed", "failed (not sent)"

    class Outcome(models.TextChoices):
        PENDING = "pending", "waiting for delivery"
        DONE = "done", "delivered"
        RETRYING = "retrying", "retrying"
        DEAD = "dead", "gave up"
        NONE = "none", "nothing to deliver"

    source = models.CharField(max_length=32, help_text="What fired: reminder, job, ...")
    source_id = models.PositiveBigIntegerField()
    guild_id = models.PositiveBigIntegerField(db_index=True, help_text=GUILD_HELP)
    occurrence = models.DateTimeField(help_text="The instant the occurrence was due (UTC).")
    kind = models.CharField(max_length=32, help_text="Which of the source's sends: early, event, weekly, run, ...")
    status = models.CharField(max_length=16, choices=Status.choices)
    dispatched_at = models.DateTimeField(help_text="When the dispatcher handled it.")
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    detail = models.TextField(blank=True, default="", help_text="Why it was missed or failed, or what delivery said.")
    outcome_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "dispatches"
        ordering = ["-occurrence", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id", "occurrence", "kind"], name="dispatch_once_per_occurrence"
            )
        ]
        # A source's history is read through the unique constraint's index (source, source id,
        # occurrence, scanned backwards for the latest first): no second index to maintain on
        # every dispatch.

    def __str__(self) -> str:
        return f"{self.source} {self.source_id} {self.kind} at {self.occurrence:%Y-%m-%d %H:%M} UTC: {self.status}"

    @property
    def lateness(self):
        return self.dispatched_at - self.occurrence
