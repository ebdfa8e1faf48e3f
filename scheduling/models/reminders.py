"""Reminders: a message posted in a channel on a clock, recurring (weekdays at a local time in a
zone) or one-off (an event instant, with an early send `lead_minutes` before it)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from config.fields import ZoneField
from scheduling.models.roster import GUILD_HELP

DEFAULT_LEAD_MINUTES = 60
MAX_LEAD_MINUTES = 24 * 60
MAX_NAME_LENGTH = 100
MAX_LOCATION_LENGTH = 200


class Reminder(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "active"
        ARCHIVED = "archived", "archived"

    guild_id = models.PositiveBigIntegerField(db_index=True, help_text=GUILD_HELP)
    name = models.CharField(max_length=MAX_NAME_LENGTH)
    channel_id = models.PositiveBigIntegerField(help_text="Where the reminder is posted.")
    message = models.TextField()
    location = models.CharField(max_length=MAX_LOCATION_LENGTH, blank=True, default="")
    created_by = models.PositiveBigIntegerField(help_text="The Discord user who created it.")
    mention_role_id = models.PositiveBigIntegerField(null=True, blank=True, help_text="A role to mention.")
    mention_everyone = models.BooleanField(default=False, db_default=False, help_text="Mention @everyone.")
    origin_channel_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The announcement it was read from (watcher)."
    )
    origin_message_id = models.PositiveBigIntegerField(null=True, blank=True)

    timezone = ZoneField(help_text="The zone its local times are in.")
    # Recurring: on these weekdays (0 = Monday) at this local time.
    days = models.JSONField(default=list, blank=True, help_text="Weekdays, 0 = Monday … 6 = Sunday.")
    time = models.TimeField(null=True, blank=True, help_text="Local time of a recurring reminder.")
    # One-off: at the event instant, and `lead_minutes` before it (0 = no early send).
    event_time = models.DateTimeField(null=True, blank=True, help_text="The event instant of a one-off reminder.")
    call_time = models.TimeField(null=True, blank=True, help_text="The event's local clock, as shown.")
    lead_minutes = models.PositiveSmallIntegerField(
        default=DEFAULT_LEAD_MINUTES, db_default=DEFAULT_LEAD_MINUTES, help_text="Early send, minutes before."
    )

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    next_fire_at = models.DateTimeField(null=True, blank=True, help_text="The next send (UTC); empty when done.")
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["guild_id", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(event_time__isnull=True, time__isnull=False) | Q(event_time__isnull=False, time__isnull=True)
                ),
                name="reminder_recurring_or_one_off",
            ),
            models.CheckConstraint(condition=Q(lead_minutes__lte=MAX_LEAD_MINUTES), name="reminder_lead_bounded"),
            models.UniqueConstraint(
                fields=["guild_id", "origin_message_id"],
                condition=Q(origin_message_id__isnull=False),
                name="reminder_one_per_announcement",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_fire_at"],
                condition=Q(status="active", next_fire_at__isnull=False),
                name="reminder_due",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_recurring(self) -> bool:
        return self.event_time is None
