"""GET /api/support/guilds/{guild}/ticket-stats/?scope=: the hand-computed figures of
`support.tests.stats_world` at each scope, a snapshot per request, a bad scope is a 400 naming
the field (nothing stored), members who are not staff and members of another guild are refused."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from botworker.guilds import guild_configure
from conftest import link_member
from support import services
from support.models import TicketMetrics
from support.tests.factories import GUILD, MOD, OTHER_GUILD, REQUESTER, STAFF_ROLE, SUPPORTER, SupportSettingsFactory
from support.tests.stats_world import NOW, build_world

pytestmark = pytest.mark.django_db

URL = f"/api/support/guilds/{GUILD}/ticket-stats/"


@pytest.fixture
def world(monkeypatch):
    guild_configure(guild_id=GUILD, name="Desk")
    guild_configure(guild_id=OTHER_GUILD, name="Elsewhere")
    build_world()
    SupportSettingsFactory(guild_id=OTHER_GUILD)  # the same staff role there
    monkeypatch.setattr(timezone, "now", lambda: NOW)  # the figures are as of the world's NOW
    return {
        "supporter": link_member(
            User.objects.create_user("supporter"), guild_id=GUILD, discord_user_id=SUPPORTER, role_ids=[STAFF_ROLE]
        ),
        "member": link_member(User.objects.create_user("member"), guild_id=GUILD, discord_user_id=REQUESTER),
        "outsider": link_member(
            User.objects.create_user("outsider"), guild_id=OTHER_GUILD, discord_user_id=MOD, role_ids=[STAFF_ROLE]
        ),
    }


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_seven_days_is_the_default_and_its_figures_are_the_hand_computed_ones(world):
    response = client_for(world["supporter"]).get(URL)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["scope"] == "7d" and body["guild_id"] == str(GUILD)
    assert body["since"] == "2026-06-23T12:00:00Z" and body["until"] == "2026-06-30T12:00:00Z"
    assert body["counts"] == {
        "open": 1,
        "claimed": 1,
        "waiting_for_user": 0,
        "escalated": 0,
        "closed": 5,
        "archived": 0,
    }
    assert (body["opened"], body["closed"], body["auto_closed"]) == (3, 2, 0)
    assert body["first_response"] == {"count": 2, "median_seconds": 2400.0, "average_seconds": 2400.0}
    assert body["resolution"] == {"count": 2, "median_seconds": 259200.5, "average_seconds": 259200.5}
    assert body["staff"] == [
        {"user_id": str(MOD), "claimed": 2, "closed": 1},
        {"user_id": str(SUPPORTER), "claimed": 0, "closed": 1},
    ]
    assert (body["rating_average"], body["rating_count"]) == (4.0, 1)
    assert body["top_topics"] == [{"topic": "login", "count": 2}, {"topic": "Crash", "count": 1}]
    assert body["bin"] == "day" and len(body["series"]) == 8
    assert body["series"][0] == {"start": "2026-06-23", "opened": 1, "closed": 0}
    row = TicketMetrics.objects.get()
    assert body["snapshot_id"] == row.pk and (row.scope, row.triggered_by) == ("7d", SUPPORTER)
    # An empty scope is no scope: the default.
    assert client_for(world["supporter"]).get(URL, {"scope": ""}).json()["scope"] == "7d"


def test_thirty_days_and_all(world):
    client = client_for(world["supporter"])
    month = client.get(URL, {"scope": "30d"}).json()
    assert (month["opened"], month["closed"]) == (5, 3)
    assert month["first_response"] == {"count": 4, "median_seconds": 1800.0, "average_seconds": 1950.0}
    assert month["resolution"]["median_seconds"] == 86400.0
    assert month["resolution"]["average_seconds"] == pytest.approx(604801 / 3)
    assert month["rating_average"] == 3.5
    every = client.get(URL, {"scope": "all"}).json()
    assert every["since"] is None and (every["opened"], every["closed"], every["auto_closed"]) == (7, 5, 1)
    assert every["resolution"] == {"count": 5, "median_seconds": 86400.0, "average_seconds": 380160.2}
    assert [t["topic"] for t in every["top_topics"]] == ["Login", "Crash", "Billing"]
    assert list(TicketMetrics.objects.order_by("id").values_list("scope", flat=True)) == ["30d", "all"]


@pytest.mark.parametrize("scope", ["1y", "7", "ALL", "7d "])
def test_a_bad_scope_is_a_400_naming_the_field_and_stores_nothing(world, scope):
    response = client_for(world["supporter"]).get(URL, {"scope": scope})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["scope"]
    assert not TicketMetrics.objects.exists()


def test_a_member_who_is_not_staff_is_refused(world):
    response = client_for(world["member"]).get(URL)
    assert response.status_code == 403 and response.json()["detail"] == services.NOT_STAFF
    assert not TicketMetrics.objects.exists()


def test_another_guilds_stats_are_refused(world):
    """Staff of another guild (the bot has never seen them here) cannot read this one's, only their own."""
    response = client_for(world["outsider"]).get(URL)
    assert response.status_code == 403
    assert not TicketMetrics.objects.exists()
    own = client_for(world["outsider"]).get(f"/api/support/guilds/{OTHER_GUILD}/ticket-stats/")
    assert own.status_code == 200 and own.json()["opened"] == 0


def test_a_back_office_staff_login_reads_any_guilds_stats(world):
    staff = User.objects.create_user("boss", is_staff=True)
    response = client_for(staff).get(URL, {"scope": "all"})
    assert response.status_code == 200 and response.json()["opened"] == 7
    assert TicketMetrics.objects.get().triggered_by is None


def test_the_snapshots_in_the_back_office_are_read_only(world, client):
    client_for(world["supporter"]).get(URL)
    row = TicketMetrics.objects.get()
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw"))
    listing = client.get("/admin/support/ticketmetrics/")
    assert listing.status_code == 200 and listing.context["cl"].result_count == 1
    page = client.get(f"/admin/support/ticketmetrics/{row.pk}/change/")
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert client.get("/admin/support/ticketmetrics/add/").status_code == 403
    shown = page.content.decode()
    assert "closed: " in shown and "&quot;opened&quot;: 7" not in shown  # counts in words, not raw JSON
    assert "<pre" in shown and "&quot;scope&quot;: &quot;7d&quot;" in shown  # every figure, indented


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(None, "—"), (0, "0 s"), (45, "45 s"), (4_800, "1 h 20 min"), (183_600, "2 d 3 h"), (90_061, "1 d 1 h")],
)
def test_the_average_cycle_time_reads_in_two_units(seconds, shown):
    from support.admin_metrics import duration_text

    assert duration_text(seconds) == shown
