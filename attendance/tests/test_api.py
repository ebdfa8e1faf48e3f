"""The attendance API: seasons, events, recording attendance and statistics."""

import datetime as dt

import pytest

from attendance import api, services
from attendance.models import RaidAttendance, RaidEvent, RaidSeason
from attendance.tests.factories import EventFactory, SeasonFactory
from scheduling.tests.factories import GUILD_ID, PlayerFactory, rank
from scheduling.tests.test_api import client_for

pytestmark = pytest.mark.django_db
BASE = f"/api/attendance/guilds/{GUILD_ID}"


@pytest.fixture
def officer():
    return client_for(PlayerFactory(rank=rank(level=4)))


def test_seasons_create_list_patch(officer):
    created = officer.post(f"{BASE}/seasons/", {"name": "Season 3", "start_date": "2026-08-01"}, format="json")
    assert created.status_code == 201
    duplicate = officer.post(f"{BASE}/seasons/", {"name": "Season 3", "start_date": "2026-09-01"}, format="json")
    assert duplicate.status_code == 400 and duplicate.json()["fields"] == {"name": [services.SEASON_EXISTS]}
    season_id = created.json()["id"]
    patched = officer.patch(f"{BASE}/seasons/{season_id}/", {"is_active": False}, format="json")
    assert patched.json()["is_active"] is False
    assert [s["name"] for s in officer.get(f"{BASE}/seasons/").json()["results"]] == ["Season 3"]
    assert RaidSeason.objects.count() == 1


def test_event_create_and_refusals(officer):
    response = officer.post(
        f"{BASE}/events/",
        {"title": "Mythic night", "start": "2099-01-05 20:00", "timezone": "Europe/Berlin", "duration_hours": 3},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["start_time_utc"] == "2099-01-05T19:00:00Z"
    bad = officer.post(f"{BASE}/events/", {"title": "x", "start": "2099-01-05 25:00"}, format="json")
    assert bad.status_code == 400 and list(bad.json()["fields"]) == ["start"]
    assert RaidEvent.objects.count() == 1


def test_record_attendance_and_statistics(officer):
    season = SeasonFactory(start_date=dt.date(2020, 1, 1))
    event = EventFactory(start_time_utc=dt.datetime(2026, 1, 5, 19, tzinfo=dt.UTC))
    player = PlayerFactory(display_name="Zed")
    player.created_at = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    player.save(update_fields=["created_at"])
    response = officer.post(f"{BASE}/events/{event.pk}/attendance/", {"player_id": player.pk}, format="json")
    assert response.status_code == 200, response.json()
    assert RaidAttendance.objects.get(player=player).attended is True
    stranger = PlayerFactory(guild_id=5)
    refused = officer.post(f"{BASE}/events/{event.pk}/attendance/", {"player_id": stranger.pk}, format="json")
    assert refused.status_code == 400
    stats = officer.get(f"{BASE}/statistics/?season={season.pk}&player={player.pk}").json()
    assert stats == [
        {
            "player_id": player.pk,
            "player_name": "Zed",
            "discord_user_id": str(player.discord_user_id),
            "events": 1,
            "attended": 1,
            "excused": 0,
            "unexcused": 0,
            "rate": 1.0,
        }
    ]
    assert officer.get(f"{BASE}/events/{event.pk}/attendance/").json()["count"] == 1


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        (f"{BASE}/events/", {"title": "Past", "start": "2020-01-05 20:00", "timezone": "Europe/Berlin"}, "start"),
        (f"{BASE}/events/", {"title": "Gap", "start": "2099-03-29 02:30", "timezone": "Europe/Berlin"}, "start"),
        (f"{BASE}/events/", {"title": "Zone", "start": "2099-01-05 20:00", "timezone": "Mars/Olympus"}, "timezone"),
        (f"{BASE}/seasons/", {"name": " ", "start_date": "2026-06-01"}, "name"),
    ],
)
def test_a_refusal_body_carries_no_discord_markup(officer, url, body, field):
    response = officer.post(url, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    text = response.content.decode()
    assert "<t:" not in text and "<@" not in text and "<#" not in text


def test_a_member_refused_by_a_service_gets_403_and_nothing_is_written():
    member = client_for(PlayerFactory(rank=rank(level=3)))
    response = member.post(f"{BASE}/events/", {"title": "Mythic", "start": "2099-01-05 20:00"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not RaidEvent.objects.exists()


def test_statistics_filters(officer):
    SeasonFactory(start_date=dt.date(2020, 1, 1))
    player = PlayerFactory(display_name="Ann")
    bad = officer.get(f"{BASE}/statistics/?player=abc")
    assert bad.status_code == 400 and "player" in bad.json()["fields"]
    assert officer.get(f"{BASE}/statistics/?player=999999").json()["fields"] == {"player": [api.UNKNOWN_PLAYER]}
    assert officer.get(f"{BASE}/statistics/?season=999999").json()["fields"] == {"season": [api.UNKNOWN_SEASON]}
    rows = officer.get(f"{BASE}/statistics/?all_seasons=true&player={player.pk}").json()
    assert [row["player_name"] for row in rows] == ["Ann"]
    assert len(officer.get(f"{BASE}/statistics/").json()) == 2  # Ann and the officer
