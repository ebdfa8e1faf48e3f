"""A guild's calendar feed: the secret token in its URL (an admin rotates it to cut off everyone
who has the old link)."""

from __future__ import annotations

import secrets

from django.db import models

from scheduling.models.roster import GUILD_HELP

TOKEN_BYTES = 24  # 32 URL-safe characters


def new_feed_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


class CalendarFeed(models.Model):
    """One per guild, made on first use. Whoever knows the token reads the guild's reminders and
    raid events as iCalendar; nothing else."""

    guild_id = models.PositiveBigIntegerField(unique=True, help_text=GUILD_HELP)
    token = models.CharField(max_length=64, unique=True, default=new_feed_token, editable=False)
    rotated_at = models.DateTimeField(auto_now_add=True, help_text="When the current token was made.")

    class Meta:
        verbose_name = "calendar feed"

    def __str__(self) -> str:
        return f"calendar feed of guild {self.guild_id}"
