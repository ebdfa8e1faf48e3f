"""The scheduling app's personal data (registry: config.gdpr; rules: docs/gdpr.md)."""

from __future__ import annotations

from config.gdpr import Erase, Link, register
from scheduling.models import (
    Announcement,
    MemberZone,
    Player,
    PlayerAvailability,
    Reminder,
    ScheduledJob,
    WowCharacter,
)

register(MemberZone, Link("discord_user_id", Erase.DELETE))
# A player's characters, availability and attendance records go with them (CASCADE); the raid
# events they created stay, with no creator (SET_NULL).
register(Player, Link("discord_user_id", Erase.DELETE, owns=("display_name",)))
register(WowCharacter, Link("player__discord_user_id", Erase.FOLLOWS))
register(PlayerAvailability, Link("player__discord_user_id", Erase.FOLLOWS))
# Reminders and scheduled jobs post for the whole guild: they stay, with a tombstone for their creator.
register(Reminder, Link("created_by", Erase.ANONYMISE))
register(ScheduledJob, Link("created_by", Erase.ANONYMISE))
# The watcher's record of an announcement (ids and a hash of its text) goes with its reminder.
register(Announcement, Link("reminder__created_by", Erase.FOLLOWS))
