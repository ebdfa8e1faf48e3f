"""The migration that gives each member one stored zone: the roster rows' zones (one per guild)
and the time-tracking row's zone are copied into MemberZone, the most recently updated row
winning per member, before both columns are removed."""

from datetime import UTC, datetime

import pytest
from django.db import connection

from conftest import migrate_to, migrate_to_latest

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("scheduling", "0006_database_defaults"), ("timetracking", "0003_zone_field")]
AFTER = [("scheduling", "0009_remove_player_timezone"), ("timetracking", "0004_remove_trackeduser_timezone")]
ROSTER_NEWER, TRACKER_NEWER, TWO_GUILDS, ROSTER_ONLY, TRACKER_ONLY, NEITHER = 501, 502, 503, 504, 505, 506


@pytest.fixture
def at_the_start():
    apps = migrate_to(BEFORE)
    yield apps
    migrate_to_latest()


def day(n: int) -> datetime:
    return datetime(2026, 1, n, tzinfo=UTC)


def test_each_members_newest_zone_is_copied_and_the_columns_go(at_the_start):
    apps = at_the_start
    GuildRank = apps.get_model("scheduling", "GuildRank")
    Player = apps.get_model("scheduling", "Player")
    TrackedUser = apps.get_model("timetracking", "TrackedUser")
    ranks = {guild: GuildRank.objects.create(guild_id=guild, name="Member", level=1) for guild in (1, 2)}

    def player(user_id, zone, updated, guild=1):
        row = Player.objects.create(guild_id=guild, discord_user_id=user_id, rank=ranks[guild], timezone=zone)
        Player.objects.filter(pk=row.pk).update(updated_at=updated)

    def tracked(user_id, zone, updated):
        TrackedUser.objects.create(id=user_id, timezone=zone)
        TrackedUser.objects.filter(pk=user_id).update(updated_at=updated)

    player(ROSTER_NEWER, "Europe/Berlin", day(5))
    tracked(ROSTER_NEWER, "Australia/Sydney", day(4))
    player(TRACKER_NEWER, "America/Chicago", day(4))
    tracked(TRACKER_NEWER, "Asia/Tokyo", day(5))
    player(TWO_GUILDS, "Europe/Paris", day(3), guild=1)
    player(TWO_GUILDS, "America/Denver", day(6), guild=2)
    tracked(TWO_GUILDS, "Asia/Kolkata", day(4))
    player(ROSTER_ONLY, "Europe/London", day(1))
    tracked(TRACKER_ONLY, "Pacific/Auckland", day(1))

    apps = migrate_to(AFTER)
    MemberZone = apps.get_model("scheduling", "MemberZone")
    zones = {user_id: zone.key for user_id, zone in MemberZone.objects.values_list("discord_user_id", "timezone")}
    assert zones == {
        ROSTER_NEWER: "Europe/Berlin",
        TRACKER_NEWER: "Asia/Tokyo",
        TWO_GUILDS: "America/Denver",
        ROSTER_ONLY: "Europe/London",
        TRACKER_ONLY: "Pacific/Auckland",
    }
    player_columns = {
        c.name for c in connection.introspection.get_table_description(connection.cursor(), "scheduling_player")
    }
    tracked_columns = {
        c.name for c in connection.introspection.get_table_description(connection.cursor(), "timetracking_trackeduser")
    }
    assert "timezone" not in player_columns and "timezone" not in tracked_columns
