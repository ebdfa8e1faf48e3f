"""The scheduling app's models: the roster (`roster`), what runs on a clock (`clock`: the
dispatcher's records and each guild's settings), reminders (`reminders`), scheduled jobs (`jobs`),
each guild's calendar feed (`calendar`) and the announcements the watcher read (`watcher`)."""

from scheduling.models.calendar import CalendarFeed
from scheduling.models.clock import DEFAULT_GRACE_MINUTES, Dispatch, GuildClockSettings
from scheduling.models.jobs import ScheduledJob
from scheduling.models.reminders import DEFAULT_LEAD_MINUTES, MAX_LEAD_MINUTES, Reminder
from scheduling.models.roster import (
    GUILD_HELP,
    UTC_ZONE,
    GuildRank,
    MemberZone,
    MemberZoneAnnotatedManager,
    MemberZoneReader,
    Player,
    PlayerAvailability,
    Role,
    Specialization,
    WowCharacter,
    WowClass,
    member_zone_subquery,
    stored_member_zone,
)
from scheduling.models.watcher import Announcement

__all__ = [
    "CalendarFeed",
    "Announcement",
    "DEFAULT_GRACE_MINUTES",
    "DEFAULT_LEAD_MINUTES",
    "GUILD_HELP",
    "MAX_LEAD_MINUTES",
    "UTC_ZONE",
    "Dispatch",
    "GuildClockSettings",
    "GuildRank",
    "MemberZone",
    "MemberZoneAnnotatedManager",
    "MemberZoneReader",
    "Player",
    "PlayerAvailability",
    "Reminder",
    "Role",
    "ScheduledJob",
    "Specialization",
    "WowCharacter",
    "WowClass",
    "member_zone_subquery",
    "stored_member_zone",
]
