"""The roster API: permissions (member 403, officer allowed) and availability input checks."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from config import timeutils
from conftest import link_member
from scheduling import services
from scheduling.actors import SYSTEM
from scheduling.models import GuildRank, Player, PlayerAvailability, Role
from scheduling.tests.factories import GUILD_ID, PlayerFactory, rank

pytestmark = pytest.mark.django_db
BASE = f"/api/scheduling/guilds/{GUILD_ID}"


def client_for(player: Player | None = None, *, staff: bool = False) -> APIClient:
    user = get_user_model().objects.create_user(
        username=f"u{Player.objects.count()}-{staff}-{id(object())}", is_staff=staff
    )
    if player is not None:
        services.player_update(actor=SYSTEM, player=player, user=user)
    if not staff:
        # A linked login the bot has seen in the guild (a member there).
        discord_user_id = player.discord_user_id if player is not None else 990_000_000_000_000_000 + user.pk
        link_member(user, guild_id=GUILD_ID, discord_user_id=discord_user_id)
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def member():
    return client_for(PlayerFactory(rank=rank(level=3)))


@pytest.fixture
def officer():
    return client_for(PlayerFactory(rank=rank(level=4)))


OFFICER_ENDPOINTS = [
    ("get", f"{BASE}/ranks/", None),
    ("get", f"{BASE}/players/", None),
    ("get", f"{BASE}/best-time/?date_from=2030-06-03", None),
    ("get", f"{BASE}/best-time/present/?start=2030-06-03T20:00:00Z", None),
    ("get", f"/api/attendance/guilds/{GUILD_ID}/seasons/", None),
    ("post", f"/api/attendance/guilds/{GUILD_ID}/seasons/", {"name": "S9", "start_date": "2026-06-01"}),
    ("get", f"/api/attendance/guilds/{GUILD_ID}/events/", None),
    ("get", f"/api/attendance/guilds/{GUILD_ID}/statistics/?all_seasons=true", None),
]


@pytest.mark.parametrize(("method", "url", "body"), OFFICER_ENDPOINTS)
def test_members_get_403_and_officers_are_allowed(member, officer, method, url, body):
    refused = getattr(member, method)(url, body, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    allowed = getattr(officer, method)(url, body, format="json")
    assert allowed.status_code in (200, 201), allowed.json()


def test_officer_of_another_guild_is_refused():
    other = client_for(PlayerFactory(guild_id=5, rank=rank(5, level=5)))
    assert other.get(f"{BASE}/ranks/").status_code == 403


def test_staff_are_officers_everywhere():
    assert client_for(staff=True).get(f"{BASE}/ranks/").status_code == 200


def test_anonymous_is_401():
    assert APIClient().get(f"{BASE}/ranks/").status_code == 401


def test_rank_patch(member, officer):
    target = rank(level=2)
    assert member.patch(f"{BASE}/ranks/{target.pk}/", {"scheduling_weight": 2}, format="json").status_code == 403
    response = officer.patch(
        f"{BASE}/ranks/{target.pk}/", {"scheduling_weight": 2, "discord_role_id": 77}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["scheduling_weight"], response.json()["discord_role_id"]) == (2, "77")
    bad = officer.patch(f"{BASE}/ranks/{target.pk}/", {"scheduling_weight": -3}, format="json")
    assert bad.status_code == 400 and bad.json()["fields"] == {"scheduling_weight": [services.BAD_WEIGHT]}
    assert GuildRank.objects.get(pk=target.pk).scheduling_weight == 2
    other_guild = rank(5, level=2)
    assert officer.patch(f"/api/scheduling/guilds/5/ranks/{other_guild.pk}/", {}, format="json").status_code == 403


def test_roles_classes_and_specs(member, officer):
    assert [r["name"] for r in member.get("/api/scheduling/roles/").json()["results"]] == [
        "tank",
        "healer",
        "melee_dps",
        "ranged_dps",
    ]
    tank = Role.objects.get(name="tank")
    assert member.patch(f"/api/scheduling/roles/{tank.pk}/", {"display_name": "T"}, format="json").status_code == 403
    # Raid roles are shared by every guild: an officer of one may not rename them, staff may.
    assert officer.patch(f"/api/scheduling/roles/{tank.pk}/", {"display_name": "T"}, format="json").status_code == 403
    assert (
        client_for(staff=True)
        .patch(f"/api/scheduling/roles/{tank.pk}/", {"display_name": "Tanks"}, format="json")
        .json()["display_name"]
        == "Tanks"
    )
    assert member.get("/api/scheduling/classes/").json()["count"] == 13
    specs = member.get("/api/scheduling/specializations/?page_size=100").json()["results"]
    assert {"game_id": 73, "name": "Protection", "class_name": "Warrior", "role": "tank"}.items() <= next(
        s for s in specs if s["game_id"] == 73
    ).items()


def test_player_sets_their_own_week_in_one_request():
    player = PlayerFactory(rank=rank(level=2))
    client = client_for(player)
    body = {
        "timezone": "Europe/Berlin",
        "days": [
            {"day_of_week": 0, "earliest_start": "19:30", "available_hours": 3},
            {"day_of_week": 3, "earliest_start": "21:00", "available_hours": "4.5"},
        ],
    }
    response = client.put(f"{BASE}/me/availability/", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "timezone": "Europe/Berlin",
        "days": [
            {
                "day_of_week": 0,
                "earliest_start": "19:30",
                "available_hours": "3.0",
                "updated_at": response.json()["days"][0]["updated_at"],
            },
            {
                "day_of_week": 3,
                "earliest_start": "21:00",
                "available_hours": "4.5",
                "updated_at": response.json()["days"][1]["updated_at"],
            },
        ],
    }
    assert client.get(f"{BASE}/me/availability/").json()["timezone"] == "Europe/Berlin"


@pytest.mark.parametrize(
    ("entry", "timezone", "field", "message"),
    [
        (
            {"day_of_week": 7, "earliest_start": "19:00", "available_hours": 2},
            None,
            "days[0].day_of_week",
            timeutils.BAD_DAY.format(value="7"),
        ),
        (
            {"day_of_week": 1, "earliest_start": "19:00", "available_hours": 0},
            None,
            "days[0].available_hours",
            services.BAD_HOURS,
        ),
        (
            {"day_of_week": 1, "earliest_start": "19:00", "available_hours": 17},
            None,
            "days[0].available_hours",
            services.BAD_HOURS,
        ),
        (
            {"day_of_week": 1, "earliest_start": "25:00", "available_hours": 2},
            None,
            "days[0].earliest_start",
            timeutils.BAD_CLOCK_TIME.format(value="25:00"),
        ),
        (
            {"day_of_week": 1, "earliest_start": "19:00", "available_hours": 2},
            "Mars/Olympus",
            "timezone",
            timeutils.zone_error_message("Mars/Olympus"),
        ),
    ],
)
def test_bad_availability_is_refused_with_a_field_message_and_nothing_written(entry, timezone, field, message):
    player = PlayerFactory(rank=rank(level=2))
    services.availability_set(player=player, day_of_week=5, earliest_start="18:00", available_hours=2)
    client = client_for(player)
    body = {"days": [entry]}
    if timezone:
        body["timezone"] = timezone
    response = client.put(f"{BASE}/me/availability/", body, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {field: [message]}
    assert list(PlayerAvailability.objects.filter(player=player).values_list("day_of_week", flat=True)) == [5]
    assert Player.objects.get(pk=player.pk).timezone.key == "America/Chicago"


def test_user_without_a_player_cannot_set_availability():
    response = client_for().put(f"{BASE}/me/availability/", {"days": []}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "not_a_player"


def test_best_time_endpoint(officer):
    lead = PlayerFactory(rank=rank(level=5), timezone="UTC", display_name="Lead")
    services.availability_set(player=lead, day_of_week=0, earliest_start="20:00", available_hours=2)
    away = PlayerFactory(rank=rank(level=4), timezone="UTC", display_name="Away officer")
    services.availability_set(player=away, day_of_week=1, earliest_start="20:00", available_hours=2)
    PlayerFactory(rank=rank(level=3), timezone="UTC", display_name="Away veteran")  # no windows: not on the roster
    veteran = PlayerFactory(rank=rank(level=3), timezone="UTC", display_name="Veteran")
    services.availability_set(player=veteran, day_of_week=2, earliest_start="20:00", available_hours=2)
    response = officer.get(f"{BASE}/best-time/?date_from=2030-06-03&days=1&top=1")  # a Monday
    assert response.status_code == 200
    # Counts and the missing officers; the present players are best-time/present/.
    assert response.json() == [
        {
            "start": "2030-06-03T20:00:00Z",
            "end": "2030-06-03T22:00:00Z",
            "score": 5,
            "head_count": 1,
            "missing_count": 2,
            "missing_officers": [
                {
                    "player_id": away.pk,
                    "discord_user_id": str(away.discord_user_id),
                    "name": "Away officer",
                    "weight": 5,
                }
            ],
        }
    ]
    bad = officer.get(f"{BASE}/best-time/?days=30")
    assert bad.status_code == 400 and "days" in bad.json()["fields"]


def present_roster(count: int) -> list[Player]:
    """`count` players in three ranks, all available Monday 19:00-23:00 UTC, and one who is not."""
    levels = [5, 3, 2]
    players = []
    for n in range(count):
        player = PlayerFactory(rank=rank(level=levels[n % 3]), timezone="UTC", display_name=f"P{n:02d}")
        services.availability_set(player=player, day_of_week=0, earliest_start="19:00", available_hours=4)
        players.append(player)
    late = PlayerFactory(rank=rank(level=5), timezone="UTC", display_name="Late")
    services.availability_set(player=late, day_of_week=0, earliest_start="21:00", available_hours=2)
    return players


def test_best_time_present_lists_one_slots_players_heaviest_first_a_page_at_a_time(officer):
    players = present_roster(5)
    url = f"{BASE}/best-time/present/?start=2030-06-03T20:00:00Z&page_size=2"
    first = officer.get(url)
    assert first.status_code == 200
    body = first.json()
    assert {key: body[key] for key in ("start", "end", "score", "count", "page", "pages", "page_size")} == {
        "start": "2030-06-03T20:00:00Z",
        "end": "2030-06-03T22:00:00Z",
        "score": 5 + 3 + 1 + 5 + 3,
        "count": 5,
        "page": 1,
        "pages": 3,
        "page_size": 2,
    }
    pages = [body["results"]] + [officer.get(f"{url}&page={page}").json()["results"] for page in (2, 3)]
    assert [[(row["name"], row["weight"]) for row in page] for page in pages] == [
        [("P00", 5), ("P03", 5)],
        [("P01", 3), ("P04", 3)],
        [("P02", 1)],
    ]
    assert pages[0][0] == {
        "player_id": players[0].pk,
        "discord_user_id": str(players[0].discord_user_id),
        "name": "P00",
        "weight": 5,
    }
    # The late player covers 21:00-23:00 only; a 1-hour slot at 21:00 has all six.
    later = officer.get(f"{BASE}/best-time/present/?start=2030-06-03T21:00:00%2B00:00&length_hours=1").json()
    assert (later["count"], later["score"], later["pages"]) == (6, 22, 1)
    assert [row["name"] for row in later["results"]] == ["Late", "P00", "P03", "P01", "P04", "P02"]


def test_best_time_present_of_nobody_is_one_empty_page(officer):
    present_roster(1)
    body = officer.get(f"{BASE}/best-time/present/?start=2030-06-04T20:00:00Z").json()
    assert (body["count"], body["page"], body["pages"], body["results"]) == (0, 1, 1, [])


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("page=4", "page", "There is no page 4; pages run from 1 to 3 (5 players present, 2 a page)."),
        ("page=0", "page", "There is no page 0; pages run from 1 to 3 (5 players present, 2 a page)."),
        ("page=two", "page", "A valid integer is required."),
        ("page_size=0", "page_size", "The page size must be from 1 to 500."),
        ("page_size=501", "page_size", "The page size must be from 1 to 500."),
        ("length_hours=9", "length_hours", "The raid length must be from 0.5 to 8 hours, in 5-minute steps."),
        ("start=1899-12-31T23:00:00Z", "start", "Pick a start from the year 1900 to 9998."),
    ],
)
def test_best_time_present_refuses_a_bad_page_with_a_field_message(officer, query, field, message):
    present_roster(5)
    size = "" if "page_size" in query else "&page_size=2"
    response = officer.get(f"{BASE}/best-time/present/?start=2030-06-03T20:00:00Z{size}&{query}")
    assert response.status_code == 400
    assert response.json()["fields"] == {field: [message]}


def test_best_time_present_needs_a_start_and_an_officer(officer, member):
    present_roster(2)
    missing = officer.get(f"{BASE}/best-time/present/")
    assert missing.status_code == 400 and list(missing.json()["fields"]) == ["start"]
    refused = member.get(f"{BASE}/best-time/present/?start=2030-06-03T20:00:00Z")
    assert refused.status_code == 403


def test_best_time_from_today_offers_no_start_that_has_passed(officer, monkeypatch):
    import datetime as dt

    from django.utils import timezone

    player = PlayerFactory(rank=rank(level=5), timezone="America/Chicago")
    services.availability_set(player=player, day_of_week=0, earliest_start="19:00", available_hours=3)
    # Monday 1 June 2026, 19:20 in Chicago (00:20 UTC on the 2nd): the window has begun.
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 6, 2, 0, 20, tzinfo=dt.UTC))
    response = officer.get(f"{BASE}/best-time/?days=1&top=3&timezone=America/Chicago")
    assert response.status_code == 200
    assert [(slot["start"], slot["score"]) for slot in response.json()] == [
        ("2026-06-02T00:30:00Z", 5),  # 19:30 CDT
        ("2026-06-02T01:00:00Z", 5),
        ("2026-06-02T01:30:00Z", 0),
    ]
    over = officer.get(f"{BASE}/best-time/?date_from=2026-05-31&days=1")
    assert over.status_code == 400 and over.json()["fields"] == {
        "date_from": ["That range ended at 2026-06-01T00:00:00Z; pick a first day from today on."]
    }


def test_officer_patches_a_player(officer):
    player = PlayerFactory(rank=rank(level=1))
    response = officer.patch(
        f"{BASE}/players/{player.pk}/", {"rank_id": rank(level=3).pk, "auto_invite_events": True}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["rank"]["level"], response.json()["auto_invite_events"]) == (3, True)
    bad = officer.patch(f"{BASE}/players/{player.pk}/", {"rank_id": rank(5, level=3).pk}, format="json")
    assert bad.status_code == 400


def test_player_list_query_count(officer, django_assert_max_num_queries):
    for player in PlayerFactory.create_batch(20):
        services.availability_set(player=player, day_of_week=1, earliest_start="20:00", available_hours=2)
    with django_assert_max_num_queries(8):
        response = officer.get(f"{BASE}/players/?page_size=100")
    assert response.json()["count"] == 21


def test_a_login_linked_to_a_players_discord_user_reaches_that_players_week():
    # The player has no `Player.user`; the login is linked to the player's Discord user instead.
    player = PlayerFactory(rank=rank(level=2), timezone="UTC")
    user = get_user_model().objects.create_user("linked")
    link_member(user, guild_id=GUILD_ID, discord_user_id=player.discord_user_id)
    client = APIClient()
    client.force_authenticate(user)
    week = {"days": [{"day_of_week": "monday", "earliest_start": "20:00", "available_hours": 2}]}
    response = client.put(f"{BASE}/me/availability/", week, format="json")
    assert response.status_code == 200, response.json()
    assert PlayerAvailability.objects.filter(player=player).count() == 1
