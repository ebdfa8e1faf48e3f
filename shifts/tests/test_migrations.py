"""The migrations that moved shifts onto zone fields and the guild configuration: stored zone
names are canonicalised, and a policy's channel and default zone land in the guild configuration
(only where one exists) before the policy columns are dropped."""

from datetime import UTC, datetime

import pytest

from conftest import migrate_to, migrate_to_latest

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("shifts", "0001_initial"), ("botworker", "0001_initial")]
AFTER = [
    ("shifts", "0003_remove_shiftpolicy_channel_id_and_default_timezone"),
    ("botworker", "0003_move_shift_policy_settings"),
]
CONFIGURED, PINNED_ONLY, UNCONFIGURED = 1001, 1002, 1003


@pytest.fixture
def at_the_start():
    apps = migrate_to(BEFORE)
    yield apps
    migrate_to_latest()


def test_zones_are_canonicalised_and_policy_settings_move_to_the_guild(at_the_start):
    apps = at_the_start
    ModSchedule = apps.get_model("shifts", "ModSchedule")
    Shift = apps.get_model("shifts", "Shift")
    ShiftPolicy = apps.get_model("shifts", "ShiftPolicy")
    GuildConfig = apps.get_model("botworker", "GuildConfig")
    GuildChannel = apps.get_model("botworker", "GuildChannel")

    for day, zone in enumerate(["europe/berlin", "America/New_York", "Mars/Olympus"]):
        ModSchedule.objects.create(
            guild_id=CONFIGURED, user_id=5, day_of_week=day, hour=9, timezone=zone, duration_hours=1
        )
    Shift.objects.create(
        guild_id=CONFIGURED,
        created_by=5,
        start_time_utc=datetime(2030, 1, 1, tzinfo=UTC),
        duration_hours=1,
        timezone="asia/KOLKATA",
    )
    configured = GuildConfig.objects.create(guild_id=CONFIGURED, timezone="UTC")
    GuildChannel.objects.create(guild=configured, feature="shifts", channel_id=77)
    GuildChannel.objects.create(guild=configured, feature="logs", channel_id=78)
    pinned_only = GuildConfig.objects.create(guild_id=PINNED_ONLY, timezone="Asia/Tokyo")
    ShiftPolicy.objects.create(guild_id=CONFIGURED, channel_id=99, default_timezone="europe/london")
    ShiftPolicy.objects.create(guild_id=PINNED_ONLY, channel_id=98)
    ShiftPolicy.objects.create(guild_id=UNCONFIGURED, channel_id=97, default_timezone="Europe/Paris")

    apps = migrate_to(AFTER)
    ModSchedule = apps.get_model("shifts", "ModSchedule")
    Shift = apps.get_model("shifts", "Shift")
    GuildConfig = apps.get_model("botworker", "GuildConfig")
    GuildChannel = apps.get_model("botworker", "GuildChannel")
    ShiftPolicy = apps.get_model("shifts", "ShiftPolicy")

    zones = [str(zone) for zone in ModSchedule.objects.order_by("day_of_week").values_list("timezone", flat=True)]
    assert zones == ["Europe/Berlin", "America/New_York", "UTC"]
    assert str(Shift.objects.get().timezone) == "Asia/Kolkata"

    channels = {(c.guild.guild_id, c.feature): c.channel_id for c in GuildChannel.objects.select_related("guild")}
    # The policy's channel won over the guild's before, so it is the guild's shifts channel now.
    assert channels == {(CONFIGURED, "shifts"): 99, (CONFIGURED, "logs"): 78, (PINNED_ONLY, "shifts"): 98}
    assert {c.guild_id: str(c.timezone) for c in GuildConfig.objects.all()} == {
        CONFIGURED: "Europe/London",
        PINNED_ONLY: "Asia/Tokyo",  # the policy named no zone: the guild's stays
    }
    # A guild without a configuration gets none; its policy keeps its numbers.
    assert not GuildConfig.objects.filter(guild_id=UNCONFIGURED).exists()
    assert ShiftPolicy.objects.count() == 3
    assert {f.name for f in ShiftPolicy._meta.get_fields()}.isdisjoint({"channel_id", "default_timezone"})
    assert pinned_only.pk == GuildConfig.objects.get(guild_id=PINNED_ONLY).pk


def test_durations_become_whole_minutes_and_duplicate_occurrences_are_cancelled():
    try:
        apps = migrate_to([("shifts", "0003_remove_shiftpolicy_channel_id_and_default_timezone")])
        Shift = apps.get_model("shifts", "Shift")
        ShiftPolicy = apps.get_model("shifts", "ShiftPolicy")
        ShiftPolicy.objects.create(guild_id=CONFIGURED, max_hours_7d=1.1)
        start = datetime(2030, 1, 1, 18, tzinfo=UTC)
        common = {"guild_id": CONFIGURED, "created_by": 5, "start_time_utc": start, "timezone": "UTC"}
        first = Shift.objects.create(**common, duration_hours=0.7, assigned_user_id=6)
        claimed = Shift.objects.create(
            **common, duration_hours=1.3333, assigned_user_id=6, claimed_by=7, claimed_at=start
        )
        other = Shift.objects.create(**common, duration_hours=2, assigned_user_id=8)

        apps = migrate_to([("shifts", "0005_one_open_shift_per_occurrence")])
        Shift = apps.get_model("shifts", "Shift")
        ShiftPolicy = apps.get_model("shifts", "ShiftPolicy")
        minutes = dict(Shift.objects.values_list("pk", "duration_minutes"))
        assert minutes == {first.pk: 42, claimed.pk: 80, other.pk: 120}
        assert str(ShiftPolicy.objects.get().max_hours_7d) == "1.10"
        # Of the two drops of one occurrence, the claimed one stays.
        cancelled = Shift.objects.get(pk=first.pk)
        assert cancelled.cancelled and cancelled.cancel_reason.startswith(f"Duplicate of shift #{claimed.pk}")
        assert not Shift.objects.filter(pk__in=[claimed.pk, other.pk], cancelled=True).exists()
    finally:
        migrate_to_latest()
