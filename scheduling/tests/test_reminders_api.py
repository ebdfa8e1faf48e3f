"""The reminders API: list with filters, detail with the next sends and the last dispatches,
create/update/delete under the one authorization model, field-level 400s that write nothing,
the dispatch records (missed ones visible), and the calendar feed (rotated token, parsed back)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from icalendar import Calendar
from rest_framework.test import APIClient

from attendance.tests.factories import EventFactory
from botworker.guilds import guild_configure
from config.actors import Actor
from conftest import link_member
from scheduling import dispatcher
from scheduling.models import CalendarFeed, GuildClockSettings, Reminder
from scheduling.services import reminders as services

pytestmark = pytest.mark.django_db

GUILD = 870_000_000_000_000_001
OTHER_GUILD = 870_000_000_000_000_002
MOD_ROLE = 871_000_000_000_000_001
ADMIN_ROLE = 871_000_000_000_000_002
CHANNEL = 872_000_000_000_000_001
OTHER_CHANNEL = 872_000_000_000_000_002
MEMBER = 873_000_000_000_000_001
MOD = 873_000_000_000_000_002
ADMIN = 873_000_000_000_000_003
BASE = f"/api/scheduling/guilds/{GUILD}"


@pytest.fixture
def clients():
    guild_configure(guild_id=GUILD, name="Raiders", moderator_role_ids=[MOD_ROLE], admin_role_ids=[ADMIN_ROLE])
    guild_configure(guild_id=OTHER_GUILD, name="Others")
    made = {}
    for name, user_id, roles in (("member", MEMBER, ()), ("mod", MOD, (MOD_ROLE,)), ("admin", ADMIN, (ADMIN_ROLE,))):
        login = link_member(User.objects.create_user(name), guild_id=GUILD, discord_user_id=user_id, role_ids=roles)
        client = APIClient()
        client.force_authenticate(login)
        made[name] = client
    return made


def create(guild_id: int = GUILD, *, user_id: int = MOD, **changes) -> Reminder:
    values = {
        "name": "Raid",
        "message": "Log in",
        "channel_id": CHANNEL,
        "timezone_name": "Europe/Brussels",
        "days": "mon,wed",
        "time_text": "20:00",
    }
    return services.reminder_create(
        actor=Actor(user_id=user_id, is_moderator=True), guild_id=guild_id, **{**values, **changes}
    )


def future_date(days: int = 5) -> str:
    return (timezone.now() + dt.timedelta(days=days)).date().isoformat()


def test_list_filters_by_channel_status_and_kind(clients):
    weekly = create()
    once = create(name="Boss", days=None, date_text=future_date(), channel_id=OTHER_CHANNEL)
    gone = create(name="Gone")
    services.reminder_archive(actor=Actor(user_id=MOD), guild_id=GUILD, reminder_id=gone.pk)
    create(OTHER_GUILD, name="Theirs")

    def names(query: str = "") -> list[str]:
        response = clients["member"].get(f"{BASE}/reminders/{query}")
        assert response.status_code == 200, response.content
        return sorted(row["name"] for row in response.json()["results"])

    assert names() == ["Boss", "Gone", "Raid"]
    assert names(f"?channel={OTHER_CHANNEL}") == ["Boss"]
    assert names("?status=active") == ["Boss", "Raid"]
    assert names("?recurring=true&status=active") == ["Raid"]
    assert names("?recurring=false") == ["Boss"]
    row = next(r for r in clients["member"].get(f"{BASE}/reminders/").json()["results"] if r["id"] == weekly.pk)
    assert row["channel_id"] == str(CHANNEL) and row["days"] == [0, 2] and row["recurring"] is True
    assert row["next_fire_at"] == weekly.next_fire_at.isoformat().replace("+00:00", "Z")
    assert once.pk in {r["id"] for r in clients["member"].get(f"{BASE}/reminders/?status=active").json()["results"]}
    bad = clients["member"].get(f"{BASE}/reminders/?status=paused")
    assert bad.status_code == 400 and "status" in bad.json()["fields"]


def test_detail_shows_the_next_sends_and_the_last_dispatches(clients):
    reminder = create()
    first = reminder.next_fire_at
    dispatcher.dispatch_due(now=first + dt.timedelta(minutes=30))  # later than the grace window: missed
    body = clients["member"].get(f"{BASE}/reminders/{reminder.pk}/").json()
    reminder.refresh_from_db()
    assert body["next_fire_at"] == reminder.next_fire_at.isoformat().replace("+00:00", "Z")
    assert len(body["next_sends"]) == 5 and {send["kind"] for send in body["next_sends"]} == {"weekly"}
    [record] = body["last_dispatches"]
    assert (record["status"], record["kind"], record["outcome"]) == ("missed", "weekly", "none")
    assert record["occurrence"] == first.isoformat().replace("+00:00", "Z")


def test_a_moderator_creates_and_changes_a_reminder(clients):
    created = clients["mod"].post(
        f"{BASE}/reminders/",
        {
            "name": "Boss",
            "message": "Be there",
            "channel_id": str(CHANNEL),
            "timezone": "europe/brussels",
            "date": future_date(),
            "time": "21:00",
            "lead_minutes": 30,
            "mention_role_id": str(MOD_ROLE),
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    reminder = Reminder.objects.get(pk=body["id"])
    assert (reminder.created_by, str(reminder.timezone), reminder.lead_minutes) == (MOD, "Europe/Brussels", 30)
    assert body["mention_role_id"] == str(MOD_ROLE) and body["recurring"] is False
    assert [send["kind"] for send in body["next_sends"]] == ["early", "event"]

    changed = clients["mod"].patch(
        f"{BASE}/reminders/{reminder.pk}/", {"days": [5, 6], "name": "Weekend boss"}, format="json"
    )
    assert changed.status_code == 200, changed.content
    reminder.refresh_from_db()
    assert (reminder.name, reminder.days, reminder.time, reminder.event_time) == (
        "Weekend boss",
        [5, 6],
        dt.time(21, 0),
        None,
    )
    local = reminder.next_fire_at.astimezone(zoneinfo.ZoneInfo("Europe/Brussels"))
    assert (local.weekday() in (5, 6), local.time()) == (True, dt.time(21, 0))


@pytest.mark.parametrize(
    ("body", "field", "text"),
    [
        ({"days": [0], "time": "20:00", "timezone": "Europe/Brusels"}, "timezone", "Did you mean Europe/Brussels?"),
        ({"time": "20:00"}, "days", "Say when"),
        ({"days": [7], "time": "20:00"}, "days.0", "less than or equal to 6"),
        ({"date": "2020-01-01", "time": "20:00"}, "date", "in the past"),
        ({"date": "2030-03-31", "time": "02:30"}, "date", "does not exist"),
        ({"date": "2030-01-01", "time": "20:00", "lead_minutes": 5000}, "lead_minutes", "1440"),
        ({"days": [0], "time": "20:00", "mention_everyone": True}, "mention_everyone", "@everyone"),
        ({"days": [0], "time": "20:00", "message": "@here now"}, "message", "@everyone"),
        ({"days": [0], "time": "20:00", "message": "x" * 1501}, "message", "1500"),
        ({"days": [0], "time": "20:00", "channel_id": "general"}, "channel_id", "Discord id"),
        ({"days": [0], "time": "8pm"}, "time", "not a time of day"),
    ],
)
def test_bad_input_is_a_field_level_400_and_writes_nothing(clients, body, field, text):
    full = {"name": "Raid", "message": "Log in", "channel_id": str(CHANNEL), "timezone": "Europe/Brussels", **body}
    response = clients["mod"].post(f"{BASE}/reminders/", full, format="json")
    assert response.status_code == 400, response.content
    fields = response.json()["fields"]
    assert list(fields) == [field]
    assert text in fields[field][0]
    assert not Reminder.objects.exists()


def test_a_bad_change_is_a_400_and_the_reminder_stays(clients):
    reminder = create()
    before = Reminder.objects.values().get(pk=reminder.pk)
    response = clients["mod"].patch(f"{BASE}/reminders/{reminder.pk}/", {"date": "2020-01-01"}, format="json")
    assert response.status_code == 400 and list(response.json()["fields"]) == ["date"]
    assert Reminder.objects.values().get(pk=reminder.pk) == before


def test_who_may_write_and_another_guilds_reminder(clients):
    reminder = create()
    theirs = create(OTHER_GUILD)
    assert clients["member"].patch(f"{BASE}/reminders/{reminder.pk}/", {"name": "x"}, format="json").status_code == 403
    assert clients["member"].delete(f"{BASE}/reminders/{reminder.pk}/").status_code == 403
    for method in ("get", "patch", "delete"):
        response = getattr(clients["admin"], method)(f"{BASE}/reminders/{theirs.pk}/", {}, format="json")
        assert response.status_code == 404, method
    assert clients["member"].get(f"/api/scheduling/guilds/{OTHER_GUILD}/reminders/").status_code == 403
    assert clients["admin"].delete(f"{BASE}/reminders/{reminder.pk}/").status_code == 204
    reminder.refresh_from_db()
    assert (reminder.status, reminder.next_fire_at) == ("archived", None)
    theirs.refresh_from_db()
    assert theirs.status == "active"


def test_dispatches_show_the_missed_ones_to_moderators(clients):
    reminder = create()
    GuildClockSettings.objects.create(guild_id=GUILD, grace_minutes=5)
    dispatcher.dispatch_due(now=reminder.next_fire_at + dt.timedelta(minutes=6))
    reminder.refresh_from_db()
    dispatcher.dispatch_due(now=reminder.next_fire_at + dt.timedelta(seconds=5))
    assert clients["member"].get(f"{BASE}/dispatches/").status_code == 403
    every = clients["mod"].get(f"{BASE}/dispatches/?source=reminder").json()["results"]
    assert [row["status"] for row in every] == ["sent", "missed"]
    [missed] = clients["mod"].get(f"{BASE}/dispatches/?source=reminder&status=missed").json()["results"]
    assert missed["source_id"] == reminder.pk and "more than the grace window" in missed["detail"]
    assert clients["mod"].get(f"{BASE}/dispatches/?status=lost").status_code == 400


def test_the_calendar_link_is_for_admins_and_rotating_it_cuts_the_old_one_off(clients):
    create(name="Weekly raid")
    create(name="Boss", days=None, date_text=future_date(), lead_minutes=45)
    EventFactory(guild_id=GUILD, title="Raid: Icecrown")
    EventFactory(guild_id=OTHER_GUILD, title="Not ours")
    assert clients["mod"].get(f"{BASE}/calendar/").status_code == 403
    assert clients["mod"].post(f"{BASE}/calendar/rotate/").status_code == 403
    first = clients["admin"].get(f"{BASE}/calendar/").json()["url"]
    assert clients["admin"].get(f"{BASE}/calendar/").json()["url"] == first  # stable until rotated
    feed = APIClient().get(first)  # no login: the token is the key
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(feed.content)
    events = {str(event["summary"]): event for event in calendar.walk("VEVENT")}
    assert set(events) == {"Weekly raid", "Boss", "Raid: Icecrown"}

    weekly = events["Weekly raid"]
    assert weekly["rrule"]["FREQ"] == ["WEEKLY"] and weekly["rrule"]["BYDAY"] == ["MO", "WE"]
    start = weekly.decoded("dtstart")
    assert (start.tzinfo.key if hasattr(start.tzinfo, "key") else str(start.tzinfo), start.time()) == (
        "Europe/Brussels",
        dt.time(20, 0),
    )
    assert "TZID=Europe/Brussels" in feed.content.decode()
    assert "Europe/Brussels" in {str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")}
    boss = events["Boss"]
    assert "rrule" not in boss
    [alarm] = boss.walk("VALARM")
    assert alarm.decoded("trigger") == -dt.timedelta(minutes=45)

    rotated = clients["admin"].post(f"{BASE}/calendar/rotate/").json()["url"]
    assert rotated != first
    assert APIClient().get(first).status_code == 404
    assert APIClient().get(rotated).status_code == 200
    assert APIClient().get("/api/scheduling/calendar/" + "x" * 32 + ".ics").status_code == 404
    assert CalendarFeed.objects.count() == 1


def test_a_recurring_reminder_keeps_its_wall_time_across_dst_in_the_feed():
    """The feed's recurrence, expanded by its own rules (DTSTART in the zone + weekly), gives the
    dispatcher's instants on both sides of a DST change."""
    from scheduling.calendar import reminder_event
    from scheduling.services.reminders import next_fire_after

    reminder = Reminder(
        pk=1,
        guild_id=GUILD,
        name="Sunday",
        message="m",
        channel_id=CHANNEL,
        created_by=MOD,
        timezone="America/New_York",
        days=[6],
        time=dt.time(1, 30),
        created_at=dt.datetime(2026, 10, 20, tzinfo=dt.UTC),
    )
    event = reminder_event(reminder, stamp=dt.datetime(2026, 10, 20, tzinfo=dt.UTC))
    start = Calendar.from_ical(event.to_ical()).decoded("dtstart")
    zone = zoneinfo.ZoneInfo("America/New_York")
    # Weekly wall times from DTSTART, made aware in the zone (fold=0: the first 01:30), as a calendar does.
    expanded = [
        dt.datetime.combine(start.date() + dt.timedelta(weeks=week), start.time(), tzinfo=zone) for week in range(3)
    ]
    instant = dt.datetime(2026, 10, 20, tzinfo=dt.UTC)
    expected = []
    for _ in range(3):
        instant = next_fire_after(reminder, instant)
        expected.append(instant)
    assert [moment.astimezone(dt.UTC) for moment in expanded] == expected
