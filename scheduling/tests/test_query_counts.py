"""Every list endpoint of the roster and the raids costs the same number of queries for 10 rows as
for 1,000 (pages of up to 500 rows are asked for, so the rows are really serialized)."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance.models import RaidAttendance, RaidEvent, RaidSeason
from scheduling.models import Player, PlayerAvailability
from scheduling.tests.factories import GUILD_ID, PlayerFactory, rank
from scheduling.tests.test_api import client_for

pytestmark = pytest.mark.django_db
_ids = itertools.count(900_000_000_000_000_001)


@pytest.fixture
def officer():
    return client_for(PlayerFactory(rank=rank(level=4)))


def players(count: int) -> list[Player]:
    member = rank(level=2)
    rows = Player.objects.bulk_create(
        Player(guild_id=GUILD_ID, discord_user_id=next(_ids), display_name=f"P{n}", rank=member) for n in range(count)
    )
    PlayerAvailability.objects.bulk_create(
        PlayerAvailability(player=p, day_of_week=1, earliest_start=dt.time(20), available_hours=Decimal(2))
        for p in rows
    )
    return rows


def events(count: int) -> list[RaidEvent]:
    RaidSeason.objects.create(guild_id=GUILD_ID, name=f"S{next(_ids)}", start_date=dt.date(2020, 1, 1))
    start = dt.datetime(2026, 1, 5, 19, tzinfo=dt.UTC)
    return RaidEvent.objects.bulk_create(
        RaidEvent(
            guild_id=GUILD_ID,
            title=f"Raid {n}",
            event_date=start.date(),
            start_time_utc=start,
            end_time_utc=start + dt.timedelta(hours=2),
        )
        for n in range(count)
    )


def seasons(count: int) -> None:
    RaidSeason.objects.bulk_create(
        RaidSeason(guild_id=GUILD_ID, name=f"Season {next(_ids)}", start_date=dt.date(2026, 1, 1)) for _ in range(count)
    )


def attendance_rows(count: int) -> str:
    [event] = RaidEvent.objects.filter(title="Counted") or events(1)
    RaidEvent.objects.filter(pk=event.pk).update(title="Counted")
    RaidAttendance.objects.bulk_create(RaidAttendance(event=event, player=p, attended=True) for p in players(count))
    return f"/api/attendance/guilds/{GUILD_ID}/events/{event.pk}/attendance/?page_size=500"


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.json()
    return len(queries)


LISTS = [
    ("players", players, f"/api/scheduling/guilds/{GUILD_ID}/players/?page_size=500"),
    ("seasons", seasons, f"/api/attendance/guilds/{GUILD_ID}/seasons/?page_size=500"),
    ("events", events, f"/api/attendance/guilds/{GUILD_ID}/events/?page_size=500"),
    ("statistics", players, f"/api/attendance/guilds/{GUILD_ID}/statistics/?all_seasons=true"),
    ("attendance", attendance_rows, None),
    ("best time", players, f"/api/scheduling/guilds/{GUILD_ID}/best-time/?date_from=2030-06-03&top=25"),
    (
        "best time present",
        players,
        f"/api/scheduling/guilds/{GUILD_ID}/best-time/present/?start=2030-06-04T20:00:00Z&page_size=500",
    ),
]


@pytest.mark.parametrize(("name", "make", "url"), LISTS, ids=[row[0] for row in LISTS])
def test_list_costs_the_same_for_10_and_1000_rows(officer, django_assert_num_queries, name, make, url):
    made = make(10)
    url = made if isinstance(made, str) else url
    small = queries_for(officer, url)
    make(990)
    with django_assert_num_queries(small):
        assert officer.get(url).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        f"/api/scheduling/guilds/{GUILD_ID}/ranks/",
        "/api/scheduling/roles/",
        "/api/scheduling/classes/?page_size=500",
        "/api/scheduling/specializations/?page_size=500",
    ],
)
def test_reference_lists_are_one_count_and_one_select(officer, django_assert_max_num_queries, url):
    # Fixed-size lists (a guild has at most ten ranks; the WoW data is seeded): login and officer
    # check, the count and one select with its joins.
    with django_assert_max_num_queries(5):
        assert officer.get(url).status_code == 200
