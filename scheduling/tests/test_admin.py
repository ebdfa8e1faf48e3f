"""The back office: weights edited in the rank list, read-only reference data, players with
their availability inline, seasons created through the services."""

import pytest

from attendance.models import RaidSeason
from scheduling.models import (
    GuildRank,
    MemberZone,
    Player,
    PlayerAvailability,
    Specialization,
    WowCharacter,
    WowClass,
)
from scheduling.tests.factories import GUILD_ID, PlayerFactory, rank

pytestmark = pytest.mark.django_db


def test_rank_weights_are_editable_in_the_list(admin_client):
    ranks = [rank(level=level) for level in range(1, 6)]
    data = {"form-TOTAL_FORMS": "5", "form-INITIAL_FORMS": "5", "_save": "Save"}
    for index, item in enumerate(ranks):
        data.update(
            {
                f"form-{index}-id": str(item.pk),
                f"form-{index}-scheduling_weight": str(item.scheduling_weight + (2 if item.level == 2 else 0)),
                f"form-{index}-discord_role_id": "",
                f"form-{index}-description": item.description,
            }
        )
    response = admin_client.post("/admin/scheduling/guildrank/", data)
    assert response.status_code == 302
    assert GuildRank.objects.get(guild_id=GUILD_ID, level=2).scheduling_weight == 3


def test_reference_data_is_read_only_and_searchable(admin_client):
    response = admin_client.get("/admin/scheduling/specialization/?q=Protection")
    assert response.status_code == 200
    assert b"Warrior" in response.content and b"Paladin" in response.content
    warrior = WowClass.objects.get(game_id=1)
    assert admin_client.get("/admin/scheduling/wowclass/add/").status_code == 403
    assert admin_client.post(f"/admin/scheduling/wowclass/{warrior.pk}/change/", {"name": "X"}).status_code == 403


def test_player_availability_inline_goes_through_the_services(admin_client):
    player = PlayerFactory()
    base = {
        "display_name": player.display_name,
        "rank": str(player.rank_id),
        "user": "",
        "timezone": "Europe/Berlin",
        "auto_invite_events": "on",
        "availability-TOTAL_FORMS": "1",
        "availability-INITIAL_FORMS": "0",
        "availability-MIN_NUM_FORMS": "0",
        "availability-MAX_NUM_FORMS": "7",
        "availability-0-id": "",
        "availability-0-player": str(player.pk),
        "availability-0-day_of_week": "2",
        "availability-0-earliest_start": "20:00",
        "availability-0-available_hours": "3.5",
        "characters-TOTAL_FORMS": "1",
        "characters-INITIAL_FORMS": "0",
        "characters-MIN_NUM_FORMS": "0",
        "characters-MAX_NUM_FORMS": "1000",
        "characters-0-id": "",
        "characters-0-player": str(player.pk),
        "characters-0-name": "Tanky",
        "characters-0-realm": "Silvermoon",
        "characters-0-wow_class": "",
        "characters-0-specialization": str(Specialization.objects.get(game_id=73).pk),
        "characters-0-is_main": "on",
    }
    response = admin_client.post(f"/admin/scheduling/player/{player.pk}/change/", base)
    assert response.status_code == 302
    row = PlayerAvailability.objects.get(player=player)
    assert (row.day_of_week, str(row.available_hours)) == (2, "3.5")
    character = WowCharacter.objects.get(player=player)
    assert (character.name, character.wow_class.name, character.is_main) == ("Tanky", "Warrior", True)
    bad = admin_client.post(
        f"/admin/scheduling/player/{player.pk}/change/",
        {
            **base,
            "timezone": "Mars/Olympus",
            "availability-0-day_of_week": "4",
            "availability-0-available_hours": "17",
            "characters-TOTAL_FORMS": "0",
        },
    )
    assert bad.status_code == 200  # the form comes back with errors
    assert PlayerAvailability.objects.get(player=player).day_of_week == 2


def test_season_created_in_the_admin(admin_client):
    response = admin_client.post(
        "/admin/attendance/raidseason/add/",
        {"guild_id": str(GUILD_ID), "name": "Season 4", "start_date": "2026-09-01", "is_active": "on"},
    )
    assert response.status_code == 302
    assert RaidSeason.objects.get().name == "Season 4"


def test_a_rank_guild_is_read_only_after_creation(admin_client):
    item = rank(level=2)
    url = f"/admin/scheduling/guildrank/{item.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200 and b"cannot change after creation" in page.content
    response = admin_client.post(
        url,
        {
            "guild_id": "5",
            "name": "Members",
            "level": "2",
            "description": "",
            "scheduling_weight": "2",
            "discord_role_id": "",
        },
    )
    assert response.status_code in (200, 302)
    item.refresh_from_db()
    assert (item.guild_id, item.name, item.scheduling_weight) == (GUILD_ID, "Members", 2)
    add = admin_client.get("/admin/scheduling/guildrank/add/")
    assert add.status_code == 200 and b"cannot change after creation" in add.content


def test_a_season_guild_is_read_only_after_creation(admin_client):
    season = RaidSeason.objects.create(guild_id=GUILD_ID, name="S1", start_date="2026-01-01")
    url = f"/admin/attendance/raidseason/{season.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200 and b"cannot change after creation" in page.content
    response = admin_client.post(
        url, {"guild_id": "5", "name": "S1 renamed", "start_date": "2026-02-01", "is_active": "on"}
    )
    assert response.status_code in (200, 302)
    season.refresh_from_db()
    assert (season.guild_id, season.name) == (GUILD_ID, "S1 renamed")


def test_member_zones_are_listed_searched_and_edited_through_the_service(admin_client):
    players = [PlayerFactory(timezone=zone) for zone in ("Europe/Berlin", "Asia/Tokyo", "America/Denver")]
    target = players[1]
    listed = admin_client.get(f"/admin/scheduling/memberzone/?q={target.discord_user_id}")
    assert listed.status_code == 200
    assert b"Asia/Tokyo" in listed.content and b"Europe/Berlin" not in listed.content
    row = MemberZone.objects.get(discord_user_id=target.discord_user_id)
    response = admin_client.post(f"/admin/scheduling/memberzone/{row.pk}/change/", {"timezone": "Pacific/Auckland"})
    assert response.status_code == 302
    assert Player.objects.get(pk=target.pk).timezone.key == "Pacific/Auckland"
    refused = admin_client.post(f"/admin/scheduling/memberzone/{row.pk}/change/", {"timezone": "Mars/Olympus"})
    assert refused.status_code == 200
    assert MemberZone.objects.get(pk=row.pk).timezone.key == "Pacific/Auckland"


def test_the_player_list_reads_every_members_zone_in_its_own_query(admin_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get("/admin/scheduling/player/").status_code == 200
        return len(captured)

    PlayerFactory(timezone="Asia/Tokyo")
    few = queries()
    for zone in ("Europe/Berlin", "America/Denver", "Europe/Paris", "Asia/Kolkata"):
        PlayerFactory(timezone=zone)
    assert queries() == few
    assert b"Asia/Kolkata" in admin_client.get("/admin/scheduling/player/").content
