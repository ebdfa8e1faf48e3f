"""The seed's Task 10 availability tests, plus validation and the default ranks."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest

from config import timeutils
from config.exceptions import ApplicationError
from scheduling import actors, selectors, services
from scheduling.actors import SYSTEM, Actor
from scheduling.models import GuildRank, Player, PlayerAvailability
from scheduling.tests.factories import GUILD_ID, PlayerFactory, rank

pytestmark = pytest.mark.django_db


def test_set_availability_creates_row():
    player = PlayerFactory()
    row = services.availability_set(player=player, day_of_week=2, earliest_start="19:30", available_hours="3.5")
    assert (row.day_of_week, row.earliest_start, row.available_hours) == (2, dt.time(19, 30), Decimal("3.5"))
    assert PlayerAvailability.objects.filter(player=player).count() == 1


def test_set_availability_updates_existing():
    player = PlayerFactory()
    services.availability_set(player=player, day_of_week=2, earliest_start="19:30", available_hours=3)
    row = services.availability_set(player=player, day_of_week=2, earliest_start=dt.time(18), available_hours=5.5)
    assert PlayerAvailability.objects.filter(player=player).count() == 1
    row.refresh_from_db()
    assert (row.earliest_start, row.available_hours) == (dt.time(18), Decimal("5.5"))


def test_clear_availability_removes_all_days():
    player, other = PlayerFactory(), PlayerFactory()
    for day in range(7):
        services.availability_set(player=player, day_of_week=day, earliest_start="20:00", available_hours=2)
    services.availability_set(player=other, day_of_week=1, earliest_start="20:00", available_hours=2)
    assert services.availability_clear(player=player) == 7
    assert not PlayerAvailability.objects.filter(player=player).exists()
    assert PlayerAvailability.objects.filter(player=other).count() == 1


def test_clear_one_day():
    player = PlayerFactory()
    for day in (1, 3):
        services.availability_set(player=player, day_of_week=day, earliest_start="20:00", available_hours=2)
    assert services.availability_clear(player=player, day_of_week=3) == 1
    assert list(selectors.availability_get(player=player).values_list("day_of_week", flat=True)) == [1]


def test_get_availability_includes_scheduling_weight(django_assert_num_queries):
    officer = PlayerFactory(rank=rank(level=4), display_name="Off")
    initiate = PlayerFactory(rank=rank(level=1), display_name="Init")
    for player in PlayerFactory.create_batch(5):
        services.availability_set(player=player, day_of_week=4, earliest_start="20:00", available_hours=2)
    services.availability_set(player=officer, day_of_week=4, earliest_start="21:00", available_hours=3)
    services.availability_set(player=initiate, day_of_week=4, earliest_start="18:00", available_hours=4)
    services.availability_set(player=initiate, day_of_week=5, earliest_start="18:00", available_hours=4)
    with django_assert_num_queries(1):
        rows = selectors.availability_for_day(guild_id=GUILD_ID, day_of_week=4)
    assert len(rows) == 7
    assert (rows[0]["display_name"], rows[0]["scheduling_weight"], rows[0]["rank"]) == ("Off", 5, "Officer")
    assert (rows[-1]["display_name"], rows[-1]["scheduling_weight"]) == ("Init", 0)
    assert {row["scheduling_weight"] for row in rows[1:-1]} == {1}


@pytest.mark.parametrize("day", [-1, 7, "x", None, True])
def test_availability_day_range_validation(day):
    player = PlayerFactory()
    with pytest.raises(ApplicationError) as error:
        services.availability_set(player=player, day_of_week=day, earliest_start="20:00", available_hours=2)
    shown = "" if day is None else str(day)
    assert (error.value.message, error.value.field) == (timeutils.BAD_DAY.format(value=shown), "day_of_week")
    assert not PlayerAvailability.objects.exists()


@pytest.mark.parametrize("hours", [0, "0.0", 16.1, 17, -1, "2.25", "nan", "x"])
def test_availability_hours_validation(hours):
    player = PlayerFactory()
    with pytest.raises(ApplicationError) as error:
        services.availability_set(player=player, day_of_week=1, earliest_start="20:00", available_hours=hours)
    assert (error.value.message, error.value.field) == (services.BAD_HOURS, "available_hours")
    assert not PlayerAvailability.objects.exists()


@pytest.mark.parametrize("value", ["25:00", "24:00", "12:60", "7pm", "", "1930"])
def test_availability_time_validation(value):
    player = PlayerFactory()
    with pytest.raises(ApplicationError) as error:
        services.availability_set(player=player, day_of_week=1, earliest_start=value, available_hours=2)
    assert error.value.field == "earliest_start"
    assert not PlayerAvailability.objects.exists()


def test_database_refuses_out_of_range_rows():
    from django.db import IntegrityError, transaction

    player = PlayerFactory()
    for day, hours in ((7, Decimal("2")), (1, Decimal("0")), (1, Decimal("16.5"))):
        with pytest.raises(IntegrityError), transaction.atomic():
            PlayerAvailability.objects.create(
                player=player, day_of_week=day, earliest_start=dt.time(20), available_hours=hours
            )


def test_set_week_replaces_everything_and_refuses_atomically():
    player = PlayerFactory()
    services.availability_set(player=player, day_of_week=6, earliest_start="10:00", available_hours=2)
    services.availability_set_week(
        player=player,
        days=[
            {"day_of_week": 0, "earliest_start": "19:00", "available_hours": 3},
            {"day_of_week": 2, "earliest_start": "22:00", "available_hours": 6},
        ],
        timezone="Europe/Berlin",
    )
    assert list(selectors.availability_get(player=player).values_list("day_of_week", flat=True)) == [0, 2]
    with pytest.raises(ApplicationError) as error:
        services.availability_set_week(
            player=player,
            days=[{"day_of_week": 1, "earliest_start": "19:00", "available_hours": 3}, {"day_of_week": 7}],
            timezone="Mars/Olympus",
        )
    assert error.value.field == "days[1].day_of_week"
    with pytest.raises(ApplicationError) as error:
        services.availability_set_week(player=player, days=[], timezone="Mars/Olympus")
    assert error.value.field == "timezone"
    player.refresh_from_db()
    assert player.timezone.key == "Europe/Berlin"
    assert list(selectors.availability_get(player=player).values_list("day_of_week", flat=True)) == [0, 2]


def test_first_player_of_a_guild_gets_the_default_ranks():
    guild = 999_000_000_000_000_001
    player = services.player_ensure(guild_id=guild, discord_user_id=5, timezone="Europe/Paris")
    ranks = list(GuildRank.objects.filter(guild_id=guild).values_list("level", "name", "scheduling_weight"))
    assert ranks == [(1, "Initiate", 0), (2, "Member", 1), (3, "Veteran", 3), (4, "Officer", 5), (5, "Guild Leader", 5)]
    assert player.rank.name == "Initiate"
    # A new player takes the zone of the guild (the caller's), never a fixed one.
    assert player.timezone.key == "Europe/Paris" and player.auto_invite_events is False
    again = services.player_ensure(guild_id=guild, discord_user_id=5, timezone="Asia/Tokyo")
    assert (again.pk, again.timezone.key) == (player.pk, "Europe/Paris")  # a chosen zone is kept
    assert services.player_ensure(guild_id=guild, discord_user_id=6).timezone.key == "UTC"
    assert GuildRank.objects.filter(guild_id=guild).count() == 5


def test_player_ensure_maps_discord_roles_to_ranks():
    guild = 999_000_000_000_000_002
    ranks = services.ranks_ensure_defaults(guild_id=guild)
    services.rank_update(actor=SYSTEM, rank=ranks[2], discord_role_id=42)
    services.rank_update(actor=SYSTEM, rank=ranks[3], discord_role_id=43)
    player = services.player_ensure(guild_id=guild, discord_user_id=6, role_ids=[42, 43, 99])
    assert player.rank.level == 4
    player = services.player_ensure(guild_id=guild, discord_user_id=6, role_ids=[42])
    assert player.rank.level == 3
    player = services.player_ensure(guild_id=guild, discord_user_id=6, role_ids=[99])
    assert player.rank.level == 1  # the Veteran role was taken away: down to the lowest rank
    services.player_update(actor=SYSTEM, player=player, rank=ranks[1])  # an officer's unmapped rank
    player = services.player_ensure(guild_id=guild, discord_user_id=6, role_ids=[])
    assert player.rank.level == 2  # holding no mapped role leaves a rank an officer gave alone


def test_a_demoted_officer_loses_the_officer_rank_and_its_rights():
    guild = 999_000_000_000_000_003
    ranks = services.ranks_ensure_defaults(guild_id=guild)
    services.rank_update(actor=SYSTEM, rank=ranks[3], discord_role_id=43)
    promoted = services.player_ensure(guild_id=guild, discord_user_id=7, role_ids=[43])
    assert promoted.rank.name == "Officer"
    assert actors.is_officer(Actor(user_id=7, role_ids=frozenset({43})), guild_id=guild)
    # The role is taken away in Discord: a read that does not sync the roster already refuses...
    assert not actors.is_officer(Actor(user_id=7, role_ids=frozenset()), guild_id=guild)
    # ...and the next interaction that identifies them moves the rank down.
    assert services.player_ensure(guild_id=guild, discord_user_id=7, role_ids=[]).rank.name == "Initiate"
    # Without the member's roles (a DM click, an officer recording someone) nothing changes.
    services.player_ensure(guild_id=guild, discord_user_id=7, role_ids=[43])
    assert services.player_ensure(guild_id=guild, discord_user_id=7).rank.name == "Officer"


def test_timezone_and_auto_invite():
    player = PlayerFactory()
    services.player_set_timezone(player=player, timezone="Europe/London")
    services.player_set_auto_invite(player=player, enabled=True)
    player.refresh_from_db()
    assert (player.timezone, player.auto_invite_events) == (zoneinfo.ZoneInfo("Europe/London"), True)
    for zone in ("Mars/Olympus", "", "US/Eastern", "localtime"):
        with pytest.raises(ApplicationError) as error:
            services.player_set_timezone(player=player, timezone=zone)
        assert error.value.field == "timezone"
    assert Player.objects.get(pk=player.pk).timezone.key == "Europe/London"
    # Any case is the same zone, stored in its canonical spelling.
    services.player_set_timezone(player=player, timezone=" europe/berlin ")
    assert Player.objects.get(pk=player.pk).timezone.key == "Europe/Berlin"


def test_rank_weight_validation():
    target = rank(level=2)
    with pytest.raises(ApplicationError) as error:
        services.rank_update(actor=SYSTEM, rank=target, scheduling_weight=-1)
    assert error.value.message == services.BAD_WEIGHT
    with pytest.raises(ApplicationError) as error:
        services.rank_update(actor=SYSTEM, rank=target, level=4)
    assert error.value.message == services.RANK_TAKEN
    assert services.rank_update(actor=SYSTEM, rank=target, scheduling_weight=2).scheduling_weight == 2


def test_reference_data_is_loaded():
    from scheduling.models import Role, Specialization, WowClass

    assert WowClass.objects.count() == 13
    assert set(Role.objects.values_list("name", flat=True)) == {"tank", "healer", "melee_dps", "ranged_dps"}
    assert Specialization.objects.get(game_id=1473).name == "Augmentation"
    assert Specialization.objects.get(game_id=104).role.name == "tank"
    assert not WowClass.objects.filter(specializations__isnull=True).exists()
    assert Specialization.objects.count() == 40


def test_characters_one_main_and_spec_of_its_class():
    from scheduling.models import Specialization, WowCharacter, WowClass

    player = PlayerFactory()
    prot = Specialization.objects.get(game_id=73)
    first = services.character_save(player=player, name="Tanky", realm="Silvermoon", specialization=prot, is_main=True)
    assert first.wow_class.name == "Warrior"
    second = services.character_save(player=player, name="Healy", realm="Silvermoon", is_main=True)
    first.refresh_from_db()
    assert (first.is_main, second.is_main) == (False, True)
    with pytest.raises(ApplicationError) as error:
        services.character_save(
            player=player, name="Odd", realm="X", wow_class=WowClass.objects.get(game_id=8), specialization=prot
        )
    assert error.value.message == services.SPEC_OF_OTHER_CLASS
    with pytest.raises(ApplicationError) as error:
        services.character_save(player=player, name="Tanky", realm="Silvermoon")
    assert error.value.message == services.CHARACTER_EXISTS
    assert WowCharacter.objects.filter(player=player).count() == 2
