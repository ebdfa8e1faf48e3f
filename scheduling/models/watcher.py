"""The announcement watcher's record of each announcement it has read: which reminder it became
(if any), whether it was understood, and a fingerprint of the text it was read from, so a replayed
or unchanged message is never read twice."""

from __future__ import annotations

from django.db import models

from scheduling.models.reminders import Reminder
from scheduling.models.roster import GUILD_HELP


class Announcement(models.Model):
    class Status(models.TextChoices):
        UNDERSTOOD = "understood", "understood"  # it has an active (or finished) reminder
        NOT_UNDERSTOOD = "not_understood", "not understood"  # `reason` says why; no active reminder
        DELETED = "deleted", "deleted"  # the message was deleted; its reminder is archived
        DISMISSED = "dismissed", "dismissed"  # a moderator deleted its reminder; edits are ignored

    guild_id = models.PositiveBigIntegerField(help_text=GUILD_HELP)
    channel_id = models.PositiveBigIntegerField(help_text="The announcements channel it was posted in.")
    message_id = models.PositiveBigIntegerField(help_text="The announcement message.")
    reminder = models.OneToOneField(
        Reminder, null=True, blank=True, on_delete=models.SET_NULL, related_name="announcement"
    )
    status = models.CharField(max_length=16, choices=Status.choices)
    reason = models.TextField(blank=True, default="", help_text="Why it was not understood (plain text).")
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the text it was last read from.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["guild_id", "-message_id"]
        constraints = [
            models.UniqueConstraint(fields=["guild_id", "message_id"], name="announcement_one_per_message"),
        ]

    def __str__(self) -> str:
        return f"announcement {self.message_id} ({self.status})"
