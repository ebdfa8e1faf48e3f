"""Time tracking in Discord: the commands, buttons and modals over the signed HTTP endpoint, the
DMs the periodic tasks send through the outbox, and the commands' registration."""

from __future__ import annotations

import asyncio
import re
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from asgiref.sync import sync_to_async
from django.core.cache import cache
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from botworker.discord_api import discord_http_client
from botworker.guilds import forget_local_guild_configs
from botworker.interactions import router
from botworker.models import BotAction, GuildConfig, InteractionRecord
from botworker.outbox import OutboxDeliverer
from botworker.presenters import timetracking as presenters
from botworker.receivers.timetracking import forgotten_key, weekly_summary_key
from botworker.tests.factories import Signer, command_payload, component_payload, modal_payload
from config.periodic import sync_periodic_tasks
from config.timeutils import zone_error_message
from conftest import wait_for
from scheduling.models import MemberZone, Player
from scheduling.services import member_zone_set
from timetracking import rules, services, tasks
from timetracking.durations import ACCEPTED_FORMS, format_duration
from timetracking.models import FocusSession, Subject, TrackedUser, WeeklyAllocation
from timetracking.tests.factories import Clock

pytestmark = pytest.mark.django_db

USER = 333_333_333_333_333_333
INTRUDER = 333_333_333_333_333_777
GUILD_A = 111_111_111_111_111_111  # no GuildConfig: personal commands need none
GUILD_B = 111_111_111_111_111_222
T0 = datetime(2026, 11, 17, 0, 0, tzinfo=UTC)  # Tuesday 11:00 in Sydney

CHANNEL_MESSAGE, MODAL, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT = 4, 9, 7, 8
EPHEMERAL = 64
S = FocusSession.Status


@pytest.fixture
def signer(settings) -> Signer:
    s = Signer()
    settings.DISCORD_PUBLIC_KEY = s.public_key_hex
    return s


@pytest.fixture
def clock(monkeypatch, db) -> Clock:
    frozen = Clock(T0)
    monkeypatch.setattr(timezone, "now", frozen)
    # The member counts weeks in Sydney (the dates below are Sydney's); a member who never set a
    # zone counts in UTC.
    member_zone_set(user_id=USER, zone="Australia/Sydney")
    return frozen


@pytest.fixture
def discord(client, signer):
    """POST a signed interaction; return the callback body (asserting HTTP 200)."""

    def send(payload: dict) -> dict:
        response = signer.post(client, payload)
        assert response.status_code == 200, response.content
        return response.json()

    return send


def sub(command: str, name: str, options: dict | None = None) -> list:
    return [{"type": 1, "name": name, "options": [{"name": k, "value": v} for k, v in (options or {}).items()]}]


def session_cmd(name: str, options: dict | None = None, **kw) -> dict:
    return command_payload("session", sub("session", name, options), **kw)


def alloc_cmd(name: str, options: dict | None = None, **kw) -> dict:
    return command_payload("alloc", sub("alloc", name, options), **kw)


def custom_ids(body: dict) -> list[str]:
    return [c["custom_id"] for row in body["data"].get("components", []) for c in row["components"]]


def snapshot() -> list:
    return [
        list(FocusSession.objects.order_by("pk").values()),
        list(Subject.objects.order_by("pk").values()),
        list(WeeklyAllocation.objects.order_by("pk").values()),
    ]


def assert_refused(body: dict, message: str) -> None:
    assert body["type"] == CHANNEL_MESSAGE
    assert body["data"]["flags"] == EPHEMERAL
    assert body["data"]["content"] == message


# ---------------------------------------------------------------------------- the seed's §2 flow


def test_the_whole_session_flow_over_the_signed_endpoint(discord, clock):
    assert not GuildConfig.objects.exists()
    body = discord(
        session_cmd("in", {"subject": "search_engine", "purpose": "finish web scraper"}, guild_id=GUILD_A, user_id=USER)
    )
    session = FocusSession.objects.get()
    sid = session.pk
    assert body["type"] == CHANNEL_MESSAGE
    assert "flags" not in body["data"]  # the session card is a normal message
    content = body["data"]["content"]
    assert "Session running" in content and "search\\_engine" in content and "finish web scraper" in content
    assert custom_ids(body) == [f"pause:{sid}", f"out:{sid}", f"edit_purpose:{sid}"]

    clock.advance(minutes=30)
    body = discord(component_payload(f"pause:{sid}", guild_id=GUILD_A, user_id=USER))
    assert body["type"] == UPDATE_MESSAGE
    assert "Session paused" in body["data"]["content"]
    assert custom_ids(body) == [f"resume:{sid}", f"out:{sid}", f"edit_purpose:{sid}"]

    clock.advance(minutes=10)
    body = discord(session_cmd("resume", guild_id=GUILD_A, user_id=USER))
    assert "Session running" in body["data"]["content"]
    assert "So far: **30m** effective · 10m paused" in body["data"]["content"]

    clock.advance(minutes=5)
    body = discord(session_cmd("pause", guild_id=GUILD_A, user_id=USER))
    assert "Session paused" in body["data"]["content"]
    clock.advance(minutes=5)
    body = discord(component_payload(f"resume:{sid}", guild_id=GUILD_A, user_id=USER))
    assert body["type"] == UPDATE_MESSAGE

    # Edit purpose: the modal is pre-filled; its submit updates the card.
    body = discord(component_payload(f"edit_purpose:{sid}", guild_id=GUILD_A, user_id=USER))
    assert body["type"] == MODAL
    assert body["data"]["custom_id"] == f"edit_purpose:{sid}"
    [text_input] = [row["components"][0] for row in body["data"]["components"]]
    assert (text_input["custom_id"], text_input["value"]) == ("purpose", "finish web scraper")
    body = discord(
        modal_payload(f"edit_purpose:{sid}", {"purpose": "scraper and parser"}, guild_id=GUILD_A, user_id=USER)
    )
    assert body["type"] == UPDATE_MESSAGE
    assert "scraper and parser" in body["data"]["content"]

    clock.advance(minutes=50)  # 100 min since the start, 15 paused
    body = discord(component_payload(f"out:{sid}", guild_id=GUILD_A, user_id=USER))
    assert body["type"] == UPDATE_MESSAGE
    content = body["data"]["content"]
    assert "Clocked out" in content
    assert "Measured: 1h 40m · Paused: 15m · Effective: **1h 25m**" in content
    assert custom_ids(body) == [f"confirm:{sid}", f"reopen:{sid}", f"adjust_time:{sid}", f"edit_purpose:{sid}"]

    # Adjust time: pre-filled with the effective time; a bad value is refused with the forms.
    body = discord(component_payload(f"adjust_time:{sid}", guild_id=GUILD_A, user_id=USER))
    assert body["type"] == MODAL and body["data"]["custom_id"] == f"adjust_time:{sid}"
    [text_input] = [row["components"][0] for row in body["data"]["components"]]
    assert (text_input["custom_id"], text_input["value"]) == ("duration", "1h 25m")
    before = snapshot()
    body = discord(modal_payload(f"adjust_time:{sid}", {"duration": "an hour-ish"}, guild_id=GUILD_A, user_id=USER))
    assert body["data"]["flags"] == EPHEMERAL and body["data"]["content"].endswith(ACCEPTED_FORMS)
    assert snapshot() == before
    body = discord(modal_payload(f"adjust_time:{sid}", {"duration": "1h 20m"}, guild_id=GUILD_A, user_id=USER))
    assert body["type"] == UPDATE_MESSAGE
    assert "Effective: **1h 20m**" in body["data"]["content"]
    assert "(adjusted; measured minus paused is 1h 25m)" in body["data"]["content"]

    body = discord(component_payload(f"confirm:{sid}", guild_id=GUILD_A, user_id=USER))
    assert body["type"] == UPDATE_MESSAGE
    assert "Session confirmed" in body["data"]["content"]
    assert custom_ids(body) == []

    stored = FocusSession.objects.get(pk=sid)
    assert (stored.status, stored.goal, stored.effective_override_seconds, stored.total_paused_seconds) == (
        S.ENDED_CONFIRMED,
        "scraper and parser",
        4800,
        900,
    )


def test_the_adjust_time_box_shows_hours_and_minutes_and_submitting_it_keeps_the_time(discord, clock):
    discord(session_cmd("in", {"subject": "x"}, guild_id=None, user_id=USER))
    clock.advance(seconds=4823)
    discord(session_cmd("out", guild_id=None, user_id=USER))
    sid = FocusSession.objects.get().pk
    body = discord(component_payload(f"adjust_time:{sid}", guild_id=None, user_id=USER))
    [text_input] = [row["components"][0] for row in body["data"]["components"]]
    assert text_input["value"] == "1h 20m 23s"
    discord(modal_payload(f"adjust_time:{sid}", {"duration": text_input["value"]}, guild_id=None, user_id=USER))
    assert FocusSession.objects.get().effective_seconds(clock.now) == 4823


def test_reopen_then_clock_out_with_a_purpose(discord, clock):
    discord(session_cmd("in", {"subject": "Gym"}, guild_id=None, user_id=USER))
    sid = FocusSession.objects.get().pk
    clock.advance(minutes=20)
    discord(session_cmd("out", guild_id=None, user_id=USER))
    clock.advance(minutes=10)
    body = discord(component_payload(f"reopen:{sid}", guild_id=None, user_id=USER))
    assert body["type"] == UPDATE_MESSAGE and "Session running" in body["data"]["content"]
    clock.advance(minutes=15)
    body = discord(session_cmd("out", {"purpose": "legs"}, guild_id=None, user_id=USER))
    assert "Purpose: legs" in body["data"]["content"]
    assert "Measured: 45m · Paused: 10m · Effective: **35m**" in body["data"]["content"]


def test_the_weekly_allocation_flow(discord, clock):
    body = discord(alloc_cmd("set", {"subject": "search_engine", "hours": 6}, guild_id=GUILD_A, user_id=USER))
    assert body["data"]["flags"] == EPHEMERAL
    assert "Mon 16 Nov – Sun 22 Nov 2026 (Australia/Sydney)" in body["data"]["content"]
    assert "0m of 6h 00m · 6h 00m left" in body["data"]["content"]
    discord(session_cmd("in", {"subject": "SEARCH_ENGINE"}, guild_id=GUILD_A, user_id=USER))
    clock.advance(minutes=90)
    body = discord(alloc_cmd("show", guild_id=GUILD_A, user_id=USER))
    content = body["data"]["content"]
    assert "**search\\_engine** ⏱️" in content  # the running session counts up to now
    assert "`██░░░░░░░░` 25% · 1h 30m of 6h 00m · 4h 30m left" in content
    assert "**Total:** 1h 30m tracked of 6h 00m allocated · 4h 30m left" in content
    # Setting it again replaces the hours; an untracked subject shows with no time.
    discord(alloc_cmd("set", {"subject": "search_engine", "hours": 1}, guild_id=GUILD_A, user_id=USER))
    body = discord(alloc_cmd("set", {"subject": "Reading", "hours": 2.5}, guild_id=GUILD_A, user_id=USER))
    content = body["data"]["content"]
    assert "`██████████` 150% · 1h 30m of 1h 00m · 30m over" in content
    assert "**Reading**\n`░░░░░░░░░░` 0% · 0m of 2h 30m · 2h 30m left" in content
    assert WeeklyAllocation.objects.count() == 2


def test_alloc_show_with_nothing(discord, clock):
    body = discord(alloc_cmd("show", guild_id=None, user_id=USER))
    assert "Nothing planned or tracked this week yet." in body["data"]["content"]
    assert not TrackedUser.objects.exists()  # reading creates nothing


@pytest.mark.parametrize(
    "allocated_minutes, tracked_seconds, line, left",
    [
        # Tracked time counts in whole minutes, seconds rounded down (as on the session card),
        # and every other figure is computed from those minutes, so the row adds up.
        (180, 26 * 60, "`█░░░░░░░░░` 14% · 26m of 3h 00m", "2h 34m left"),
        (180, 26 * 60 + 30, "`█░░░░░░░░░` 14% · 26m of 3h 00m", "2h 34m left"),
        (180, 26 * 60 + 59, "`█░░░░░░░░░` 14% · 26m of 3h 00m", "2h 34m left"),
        (180, 40, "`░░░░░░░░░░` 0% · 0m of 3h 00m", "3h 00m left"),
        (120, 119 * 60 + 59, "`██████████` 99% · 1h 59m of 2h 00m", "1m left"),
        (60, 60 * 60 + 59, "`██████████` 100% · 1h 00m of 1h 00m", "0m left"),
        (60, 90 * 60 + 20, "`██████████` 150% · 1h 30m of 1h 00m", "30m over"),
        (90, 0, "`░░░░░░░░░░` 0% · 0m of 1h 30m", "1h 30m left"),
        (0, 10 * 60 + 5, "`░░░░░░░░░░` — · 10m of 0m", "10m over"),
    ],
)
def test_alloc_show_counts_whole_minutes_exactly(discord, clock, allocated_minutes, tracked_seconds, line, left):
    services.allocation_set(user_id=USER, subject="Maths", minutes=allocated_minutes, now=T0)
    services.session_clock_in(user_id=USER, subject="Maths", now=T0)
    services.session_clock_out(user_id=USER, now=T0 + timedelta(seconds=tracked_seconds))
    clock.advance(hours=5)
    content = discord(alloc_cmd("show", guild_id=None, user_id=USER))["data"]["content"]
    assert f"**Maths**\n{line} · {left}\n" in content
    tracked = line.split(" · ")[1].split(" of ")[0]
    allocated = line.split(" of ")[1]
    assert f"**Total:** {tracked} tracked of {allocated} allocated · {left}" in content


def test_alloc_show_with_time_tracked_but_nothing_planned_says_how_to_plan(discord, clock):
    services.session_clock_in(user_id=USER, subject="Maths", now=T0)
    services.session_clock_out(user_id=USER, now=T0 + timedelta(minutes=50))
    content = discord(alloc_cmd("show", guild_id=None, user_id=USER))["data"]["content"]
    assert "**Maths**\n`░░░░░░░░░░` 50m tracked · no allocation" in content
    assert content.endswith(
        "**Total:** 50m tracked · nothing planned this week. "
        "Plan hours with `/alloc set subject:<name> hours:<number>`."
    )
    assert "allocated" not in content and "over" not in content


def plan_thirty_subjects() -> list[str]:
    """30 subjects with long names, 1 h planned and 26 min tracked each (13 h planned, 13 h tracked)."""
    names = [f"Subject {n:02d} with a rather long name to fill the message **{'x' * 40}**" for n in range(30)]
    for name in names:
        services.allocation_set(user_id=USER, subject=name, minutes=60, now=T0)
        services.session_clock_in(user_id=USER, subject=name, now=T0)
        services.session_clock_out(user_id=USER, now=T0 + timedelta(minutes=26))
    return names


def test_alloc_show_with_30_subjects_pages_with_the_total_on_every_page(discord, clock):
    names = plan_thirty_subjects()
    clock.advance(hours=1)
    first = discord(alloc_cmd("show", guild_id=GUILD_A, user_id=USER))
    assert first["data"]["flags"] == EPHEMERAL
    total = "**Total:** 13h 00m tracked of 30h 00m allocated · 17h 00m left"
    assert custom_ids(first) == ["page:alloc_show..-1", "page:alloc_show..1"]
    count = int(re.search(r"Page 1 of (\d+)", first["data"]["content"])[1])
    pages = [first["data"]["content"]]
    for page in range(1, count):  # Next, as a click recomputes it
        body = discord(component_payload(f"page:alloc_show..{page}", guild_id=GUILD_A, user_id=USER))
        assert body["type"] == UPDATE_MESSAGE
        pages.append(body["data"]["content"])
    assert len(pages) >= 2 and "Page 2 of" in pages[1]
    for page in pages:
        assert len(page) <= 2000
        assert page.startswith("📊 **This week** · Mon 16 Nov – Sun 22 Nov 2026 (Australia/Sydney)")
        assert total in page  # the total on every page
        assert page.count("**") % 2 == 0  # no bold left open
    shown = "\n".join(pages)
    for name in names:  # every subject on some page, once
        escaped = name.replace("*", "\\*")
        assert shown.count(f"**{escaped}**\n`") == 1, name


@pytest.mark.parametrize("hours", [-1, 169])
def test_alloc_set_out_of_range(discord, clock, hours):
    body = discord(alloc_cmd("set", {"subject": "x", "hours": hours}, guild_id=None, user_id=USER))
    assert body["data"]["flags"] == EPHEMERAL
    assert body["data"]["content"].startswith("`hours`: must be at")
    assert not WeeklyAllocation.objects.exists()


# ---------------------------------------------------------------------------- personal: any guild, DMs


def test_sessions_follow_the_user_across_guilds_and_dms(discord, clock):
    discord(session_cmd("in", {"subject": "x"}, guild_id=GUILD_A, user_id=USER))
    clock.advance(minutes=5)
    assert "Session paused" in discord(session_cmd("pause", guild_id=None, user_id=USER))["data"]["content"]
    clock.advance(minutes=5)
    body = discord(session_cmd("status", guild_id=GUILD_B, user_id=USER))
    assert body["data"]["flags"] == EPHEMERAL and "Session paused" in body["data"]["content"]
    body = discord(session_cmd("in", {"subject": "y"}, guild_id=GUILD_B, user_id=USER))
    assert_refused(body, "You already have a session paused on **x**. Clock out with `/session out` first.")
    body = discord(session_cmd("out", guild_id=GUILD_B, user_id=USER))
    assert "Clocked out" in body["data"]["content"]
    assert FocusSession.objects.get().status == S.ENDED_UNCONFIRMED


def test_status_shows_the_last_unconfirmed_session_or_says_there_is_none(discord, clock):
    assert_refused(discord(session_cmd("status", guild_id=None, user_id=USER)), rules.NO_ACTIVE_SESSION)
    discord(session_cmd("in", {"subject": "x"}, guild_id=None, user_id=USER))
    discord(session_cmd("out", guild_id=None, user_id=USER))
    body = discord(session_cmd("status", guild_id=None, user_id=USER))
    sid = FocusSession.objects.get().pk
    assert body["data"]["flags"] == EPHEMERAL
    assert f"confirm:{sid}" in custom_ids(body)


@pytest.mark.parametrize("name", ["pause", "resume", "out"])
def test_commands_without_a_session(discord, clock, name):
    assert_refused(discord(session_cmd(name, guild_id=None, user_id=USER)), rules.NO_ACTIVE_SESSION)


def test_timezone_and_summary_commands(discord, clock):
    body = discord(session_cmd("timezone", {"zone": "America/Los_Angeles"}, guild_id=None, user_id=USER))
    assert body["data"]["content"] == "Your weeks now start on Monday 00:00 in **America/Los_Angeles**."
    assert TrackedUser.objects.get(pk=USER).timezone.key == "America/Los_Angeles"
    body = discord(session_cmd("timezone", {"zone": "Nowhere/Land"}, guild_id=None, user_id=USER))
    assert_refused(body, zone_error_message("Nowhere/Land"))
    # Any case is accepted and stored canonically; a legacy name is refused with a suggestion.
    body = discord(session_cmd("timezone", {"zone": "europe/berlin"}, guild_id=None, user_id=USER))
    assert body["data"]["content"] == "Your weeks now start on Monday 00:00 in **Europe/Berlin**."
    assert TrackedUser.objects.get(pk=USER).timezone.key == "Europe/Berlin"
    body = discord(session_cmd("timezone", {"zone": "US/Pacific"}, guild_id=None, user_id=USER))
    assert_refused(body, "'US/Pacific' is not an IANA time zone. Did you mean America/Los_Angeles?")
    discord(session_cmd("timezone", {"zone": "America/Los_Angeles"}, guild_id=None, user_id=USER))
    body = discord(session_cmd("summary", {"state": "on"}, guild_id=None, user_id=USER))
    assert (
        body["data"]["content"] == "I'll DM you a summary of your week every Monday from 08:00 (America/Los_Angeles)."
    )
    assert TrackedUser.objects.get(pk=USER).weekly_summary
    body = discord(session_cmd("summary", {"state": "off"}, guild_id=None, user_id=USER))
    assert not TrackedUser.objects.get(pk=USER).weekly_summary
    body = discord(session_cmd("summary", {"state": "maybe"}, guild_id=None, user_id=USER))
    assert_refused(body, "`state`: pick one of the offered choices.")


NOT_A_ZONE = "{!r} is not an IANA time zone. Did you mean {}?"


@pytest.mark.parametrize(
    "typed, refusal",
    [
        # Files of the zone database that are not zones, in any case, with the time layer's suggestion.
        ("localtime", NOT_A_ZONE.format("localtime", "UTC")),
        ("LocalTime", NOT_A_ZONE.format("LocalTime", "UTC")),
        ("posixrules", NOT_A_ZONE.format("posixrules", "America/New_York")),
        ("Factory", NOT_A_ZONE.format("Factory", "UTC")),
        ("factory", NOT_A_ZONE.format("factory", "UTC")),
        # A legacy alias names the canonical zone it links to.
        ("US/Eastern", NOT_A_ZONE.format("US/Eastern", "America/New_York")),
        ("us/eastern", NOT_A_ZONE.format("us/eastern", "America/New_York")),
        ("Europe/Berlin/", NOT_A_ZONE.format("Europe/Berlin/", "Europe/Berlin")),
    ],
)
def test_session_timezone_refuses_what_is_not_a_zone(discord, clock, typed, refusal):
    services.tracked_user_set_timezone(user_id=USER, zone="Asia/Tokyo")
    body = discord(session_cmd("timezone", {"zone": typed}, guild_id=None, user_id=USER))
    assert_refused(body, refusal)
    assert TrackedUser.objects.get(pk=USER).timezone.key == "Asia/Tokyo"  # unchanged


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("europe/berlin", "Europe/Berlin"),
        ("EUROPE/BERLIN", "Europe/Berlin"),
        ("  america/new_york ", "America/New_York"),
    ],
)
def test_session_timezone_accepts_any_case_and_stores_the_canonical_name(discord, clock, typed, stored):
    body = discord(session_cmd("timezone", {"zone": typed}, guild_id=None, user_id=USER))
    assert body["data"]["content"] == f"Your weeks now start on Monday 00:00 in **{stored}**."
    assert TrackedUser.objects.get(pk=USER).timezone.key == stored


def test_autocomplete_suggests_subjects_and_zones(discord, clock):
    services.subject_create(user_id=USER, name="Search Engine")
    services.subject_create(user_id=USER, name="Gym")
    services.subject_create(user_id=INTRUDER, name="Secret search")
    focused = [{"type": 1, "name": "in", "options": [{"name": "subject", "value": "sea", "focused": True}]}]
    body = discord(command_payload("session", focused, kind=4, guild_id=None, user_id=USER))
    assert body["type"] == AUTOCOMPLETE_RESULT
    assert [c["value"] for c in body["data"]["choices"]] == ["sea", "Search Engine"]
    focused = [{"type": 1, "name": "timezone", "options": [{"name": "zone", "value": "sydn", "focused": True}]}]
    body = discord(command_payload("session", focused, kind=4, guild_id=None, user_id=USER))
    assert [c["value"] for c in body["data"]["choices"]] == ["Australia/Sydney"]


def test_commands_are_registered_for_servers_and_dms():
    commands = {c["name"]: c for c in router.application_commands()}
    assert {o["name"] for o in commands["session"]["options"]} == {
        "in",
        "out",
        "pause",
        "resume",
        "status",
        "timezone",
        "summary",
    }
    assert {o["name"] for o in commands["alloc"]["options"]} == {"set", "show"}
    assert commands["session"]["contexts"] == [0, 1, 2]
    assert commands["alloc"]["contexts"] == [0, 1, 2]


# ---------------------------------------------------------------------------- every click is re-checked

BUTTONS = ["pause", "resume", "out", "confirm", "reopen", "adjust_time", "edit_purpose", "keep_going"]


def make_session(status: str) -> FocusSession:
    session = services.session_clock_in(user_id=USER, subject="x", goal="g", now=T0)
    if status == S.PAUSED:
        session = services.session_pause(user_id=USER, now=T0 + timedelta(minutes=5))
    if status in FocusSession.ENDED:
        session = services.session_clock_out(user_id=USER, now=T0 + timedelta(minutes=10))
    if status == S.ENDED_CONFIRMED:
        session = services.session_confirm(user_id=USER, session_id=session.pk)
    return session


@pytest.mark.parametrize("status", [S.RUNNING, S.PAUSED, S.ENDED_UNCONFIRMED, S.ENDED_CONFIRMED])
@pytest.mark.parametrize("action", BUTTONS)
def test_another_user_clicking_is_refused_and_nothing_is_written(discord, clock, action, status):
    session = make_session(status)
    before = snapshot()
    body = discord(component_payload(f"{action}:{session.pk}", guild_id=GUILD_A, user_id=INTRUDER))
    assert_refused(body, rules.NOT_YOURS)
    assert snapshot() == before
    assert not TrackedUser.objects.filter(pk=INTRUDER).exists()


@pytest.mark.parametrize(("action", "status"), sorted(rules.REFUSALS))
def test_a_click_the_status_does_not_allow_is_refused(discord, clock, action, status):
    session = make_session(status)
    refusal = rules.REFUSALS[(action, status)]
    before = snapshot()
    body = discord(component_payload(f"{action}:{session.pk}", guild_id=None, user_id=USER))
    assert_refused(body, refusal)
    assert snapshot() == before


@pytest.mark.parametrize("action", ["adjust_time", "edit_purpose"])
def test_modal_submits_are_rechecked_too(discord, clock, action):
    session = make_session(S.ENDED_CONFIRMED)
    fields = {"duration": "10m"} if action == "adjust_time" else {"purpose": "new"}
    before = snapshot()
    body = discord(modal_payload(f"{action}:{session.pk}", fields, guild_id=None, user_id=INTRUDER))
    assert_refused(body, rules.NOT_YOURS)
    body = discord(modal_payload(f"{action}:{session.pk}", fields, guild_id=None, user_id=USER))
    assert_refused(body, rules.CONFIRMED_FINAL)
    assert snapshot() == before


@pytest.mark.parametrize("target", ["424242", "99999999999999999999"])
def test_a_button_for_a_session_that_does_not_exist(discord, clock, target):
    for action in ("out", "adjust_time"):
        body = discord(component_payload(f"{action}:{target}", guild_id=None, user_id=USER))
        assert_refused(body, rules.SESSION_NOT_FOUND)


def test_a_double_click_has_the_effect_of_one(discord, clock):
    session = make_session(S.RUNNING)
    clock.advance(minutes=30)
    click = component_payload(f"out:{session.pk}", guild_id=None, user_id=USER)
    first = discord(click)
    assert discord(click) == first  # Discord's retry of the same interaction: the same answer
    clock.advance(minutes=1)
    second = discord(component_payload(f"out:{session.pk}", guild_id=None, user_id=USER))
    assert_refused(second, rules.ALREADY_CLOCKED_OUT)
    assert FocusSession.objects.get().ended_at == T0 + timedelta(minutes=30)


# ---------------------------------------------------------------------------- concurrency over HTTP


def post_together(signer: Signer, payloads: list[dict]) -> list[dict]:
    barrier = threading.Barrier(len(payloads))
    bodies: list = [None] * len(payloads)

    def run(index: int) -> None:
        try:
            client = Client()
            barrier.wait()
            response = signer.post(client, payloads[index])
            bodies[index] = response.json()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(payloads))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return bodies


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_session_in_commands_start_one_session(signer):
    bodies = post_together(
        signer, [session_cmd("in", {"subject": f"s{i}"}, guild_id=GUILD_A, user_id=USER) for i in range(10)]
    )
    started = [b for b in bodies if "Session running" in b["data"]["content"]]
    refused = [b for b in bodies if b["data"].get("flags") == EPHEMERAL]
    assert len(started) == 1 and len(refused) == 9
    assert all(b["data"]["content"].startswith("You already have a session running on") for b in refused)
    assert FocusSession.objects.count() == 1
    assert Subject.objects.count() == 1
    assert InteractionRecord.objects.count() == 10


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_clock_out_clicks_clock_out_once(signer):
    session = services.session_clock_in(user_id=USER, subject="x", now=timezone.now() - timedelta(hours=1))
    bodies = post_together(
        signer, [component_payload(f"out:{session.pk}", guild_id=GUILD_A, user_id=USER) for _ in range(10)]
    )
    updated = [b for b in bodies if b["type"] == UPDATE_MESSAGE]
    refused = [b for b in bodies if b["type"] == CHANNEL_MESSAGE]
    assert len(updated) == 1
    assert [b["data"]["content"] for b in refused] == [rules.ALREADY_CLOCKED_OUT] * 9
    assert FocusSession.objects.get().status == S.ENDED_UNCONFIRMED


# ---------------------------------------------------------------------------- /alloc show cost and the API's numbers


def add_week_of_sessions(count: int) -> None:
    """`count` ended sessions over three subjects in the week of T0, plus allocations."""
    for index, name in enumerate(["search_engine", "Gym", "Reading"]):
        services.allocation_set(user_id=USER, subject=name, minutes=60 * (index + 2), now=T0)
    subjects = {s.name: s for s in Subject.objects.filter(user_id=USER)}
    rows = []
    for i in range(count):
        start = T0 - timedelta(hours=20) + timedelta(minutes=i)
        rows.append(
            FocusSession(
                user_id=USER,
                subject=list(subjects.values())[i % 3],
                started_at=start,
                ended_at=start + timedelta(minutes=30),
                week_start_date=datetime(2026, 11, 16).date(),
                status=S.ENDED_CONFIRMED if i % 2 else S.ENDED_UNCONFIRMED,
                total_paused_seconds=60 * (i % 5),
                effective_override_seconds=600 if i % 7 == 0 else None,
                last_activity_at=start,
            )
        )
    FocusSession.objects.bulk_create(rows)


def count_alloc_show_queries(client, signer) -> tuple[int, dict]:
    payload = alloc_cmd("show", guild_id=GUILD_A, user_id=USER)
    cache.clear()  # both counts start without the guild's configuration cached
    forget_local_guild_configs()
    with CaptureQueriesContext(connection) as queries:
        response = signer.post(client, payload)
    return len(queries), response.json()


def test_alloc_show_costs_the_same_queries_for_3_and_300_sessions(client, signer, clock):
    add_week_of_sessions(3)
    few, body = count_alloc_show_queries(client, signer)
    assert "**Total:**" in body["data"]["content"]
    FocusSession.objects.all().delete()
    add_week_of_sessions(300)
    many, body = count_alloc_show_queries(client, signer)
    assert few == many
    assert "**Total:**" in body["data"]["content"]


def test_the_api_report_gives_the_numbers_alloc_show_gives(client, signer, clock, admin_client):
    add_week_of_sessions(40)
    services.session_clock_in(user_id=USER, subject="Gym", now=T0 - timedelta(minutes=45))  # still running
    content = signer.post(client, alloc_cmd("show", guild_id=None, user_id=USER)).json()["data"]["content"]
    report = admin_client.get(f"/api/timetracking/users/{USER}/report/").json()
    assert report["week_start"] == "2026-11-16"
    assert len(report["subjects"]) == 3
    for line in report["subjects"]:
        assert (
            f"{line['progress_percent']}% · {line['tracked']} of {format_duration(line['allocated_minutes'] * 60)}"
            in content
        )
    totals = report["totals"]
    assert (
        f"**Total:** {format_duration(totals['tracked_seconds'])} tracked of "
        f"{format_duration(totals['allocated_minutes'] * 60)} allocated" in content
    )
    csv_text = admin_client.get(f"/api/timetracking/users/{USER}/report/?format=csv").content.decode()
    rows = [row.split(",") for row in csv_text.strip().split("\n")]
    assert rows[-1][2] == "TOTAL" and int(rows[-1][4]) == totals["tracked_seconds"]
    assert {row[2]: int(row[4]) for row in rows[1:-1]} == {
        line["subject"]: line["tracked_seconds"] for line in report["subjects"]
    }


# ---------------------------------------------------------------------------- DMs through the outbox


def dms() -> list[BotAction]:
    return list(BotAction.objects.filter(kind=BotAction.Kind.SEND_DM).order_by("pk"))


def dm_custom_ids(action: BotAction) -> list[str]:
    return [c["custom_id"] for row in action.payload.get("components", []) for c in row["components"]]


def test_forgotten_session_dm_then_automatic_clock_out_dm_each_once(discord, clock, settings):
    settings.TIMETRACKING_FORGOTTEN_HOURS = 12
    session = services.session_clock_in(user_id=USER, subject="search_engine", now=T0)
    clock.advance(hours=12)
    tasks.check_forgotten_sessions()
    tasks.check_forgotten_sessions()
    [reminder] = dms()
    assert reminder.payload["user_id"] == str(USER)
    assert reminder.dedupe_key == forgotten_key(FocusSession.objects.get(pk=session.pk))
    assert "running for 12 hours" in reminder.payload["content"]
    assert dm_custom_ids(reminder) == [f"out:{session.pk}", f"keep_going:{session.pk}"]

    clock.advance(hours=12)
    tasks.check_forgotten_sessions()
    tasks.check_forgotten_sessions()
    reminder_again, auto = dms()
    assert reminder_again.pk == reminder.pk
    # No sign of life after the start: the DM says the session counts nothing and asks for the time.
    assert auto.payload["content"].startswith(
        f"🤖 I clocked out your forgotten session: there was no sign of life after you clocked in "
        f"(<t:{int(T0.timestamp())}:f>), so it counts **0m**. Adjust the time to what you worked, then confirm."
    )
    assert "Measured: 0m · Paused: 0m · Effective: **0m**" in auto.payload["content"]
    assert dm_custom_ids(auto)[0] == f"confirm:{session.pk}"
    # Both DMs to one user are delivered in order.
    assert reminder.ordering_key == auto.ordering_key == f"timetracking:dm:{USER}"


def test_an_automatic_clock_out_counts_up_to_the_last_sign_of_life(discord, clock, settings):
    """Editing the purpose is a sign of life: the automatic clock-out counts the time up to the
    last one, not zero minutes. Looking at the session (`/session status`) is a read and records
    nothing."""
    settings.TIMETRACKING_FORGOTTEN_HOURS = 12
    discord(session_cmd("in", {"subject": "thesis"}, guild_id=GUILD_A, user_id=USER))
    sid = FocusSession.objects.get().pk
    clock.advance(minutes=40)
    discord(modal_payload(f"edit_purpose:{sid}", {"purpose": "chapter 1"}, guild_id=GUILD_A, user_id=USER))
    clock.advance(minutes=50)  # 1 h 30 min after the start
    last_sign_of_life = clock.now
    discord(modal_payload(f"edit_purpose:{sid}", {"purpose": "chapter 2"}, guild_id=GUILD_A, user_id=USER))
    clock.advance(minutes=30)
    before = FocusSession.objects.get().last_activity_at
    discord(session_cmd("status", guild_id=None, user_id=USER))
    assert FocusSession.objects.get().last_activity_at == before  # a read command never writes
    clock.advance(hours=24)
    tasks.check_forgotten_sessions()
    ended = FocusSession.objects.get()
    assert (ended.status, ended.auto_clocked_out, ended.ended_at) == (S.ENDED_UNCONFIRMED, True, last_sign_of_life)
    assert ended.effective_seconds(clock.now) == 90 * 60
    [auto] = dms()
    assert "at its last sign of life (<t:" in auto.payload["content"]
    assert "Measured: 1h 30m · Paused: 0m · Effective: **1h 30m**" in auto.payload["content"]


def test_keep_going_from_the_dm(discord, clock, settings):
    settings.TIMETRACKING_FORGOTTEN_HOURS = 12
    session = services.session_clock_in(user_id=USER, subject="x", now=T0)
    clock.advance(hours=12)
    tasks.check_forgotten_sessions()
    body = discord(component_payload(f"keep_going:{session.pk}", guild_id=None, user_id=USER))
    assert body["type"] == UPDATE_MESSAGE
    assert body["data"]["content"].startswith("👍 Keep going!")
    assert custom_ids(body) == [f"pause:{session.pk}", f"out:{session.pk}", f"edit_purpose:{session.pk}"]
    clock.advance(hours=12)
    tasks.check_forgotten_sessions()
    assert len(dms()) == 2  # a new sign of life, a new reminder (its own dedupe key)
    assert FocusSession.objects.get(pk=session.pk).status == S.RUNNING


def test_weekly_summary_dm_once(clock):
    services.tracked_user_set_weekly_summary(user_id=USER, enabled=True)
    services.allocation_set(user_id=USER, subject="search_engine", minutes=360, now=T0)
    services.session_clock_in(user_id=USER, subject="search_engine", now=T0)
    services.session_clock_out(user_id=USER, now=T0 + timedelta(minutes=90))
    clock.now = datetime(2026, 11, 22, 21, 30, tzinfo=UTC)  # Monday 08:30 in Sydney
    tasks.send_weekly_summaries()
    TrackedUser.objects.filter(pk=USER).update(last_summary_week=None)  # even if the mark were lost…
    tasks.send_weekly_summaries()
    [summary] = dms()  # …the dedupe key sends it once
    assert summary.dedupe_key == weekly_summary_key(USER, datetime(2026, 11, 16).date())
    assert "Your week" in summary.payload["content"]
    assert "1h 30m of 6h 00m · 4h 30m left" in summary.payload["content"]


def test_a_long_weekly_summary_dm_pages_and_a_click_shows_that_week(discord, clock):
    services.tracked_user_set_weekly_summary(user_id=USER, enabled=True)
    plan_thirty_subjects()
    clock.now = datetime(2026, 11, 22, 21, 30, tzinfo=UTC)  # Monday 08:30 in Sydney
    tasks.send_weekly_summaries()
    [summary] = dms()
    content = summary.payload["content"]
    assert len(content) <= 2000 and "Page 1 of" in content
    assert "**Total:** 13h 00m tracked of 30h 00m allocated · 17h 00m left" in content
    assert dm_custom_ids(summary) == ["page:week_summary.2026-11-16.-1", "page:week_summary.2026-11-16.1"]
    clock.advance(days=1)  # a week later than the summary's week, the click still shows that week
    body = discord(component_payload("page:week_summary.2026-11-16.1", guild_id=None, user_id=USER))
    assert body["type"] == UPDATE_MESSAGE
    assert body["data"]["content"].startswith("📊 **Your week** · Mon 16 Nov – Sun 22 Nov 2026")
    assert "Page 2 of 3" in body["data"]["content"]
    assert "**Subject 10 " in body["data"]["content"] and "**Subject 09 " not in body["data"]["content"]
    assert "13h 00m tracked" in body["data"]["content"]
    # Someone else clicking sees their own (empty) week, never the owner's subjects.
    other = discord(component_payload("page:week_summary.2026-11-16.1", guild_id=None, user_id=INTRUDER))
    assert "Subject" not in other["data"]["content"] and "Nothing planned or tracked" in other["data"]["content"]


def test_periodic_tasks_are_declared_and_written_to_beat():
    sync_periodic_tasks()
    tasks_by_name = {t.name: t for t in PeriodicTask.objects.filter(task__startswith="timetracking.")}
    assert tasks_by_name["timetracking forgotten sessions"].interval.every == 300
    assert tasks_by_name["timetracking weekly summaries"].crontab.minute == "5"


@pytest.mark.slow
def test_a_real_worker_runs_the_forgotten_session_check(celery_worker):
    now = timezone.now()
    reminded = services.session_clock_in(user_id=USER, subject="x", now=now - timedelta(hours=13))
    abandoned = services.session_clock_in(user_id=INTRUDER, subject="x", now=now - timedelta(hours=25))
    tasks.check_forgotten_sessions.delay()
    wait_for(lambda: len(dms()) == 2, timeout=30, message="the worker to enqueue two DMs")
    assert FocusSession.objects.get(pk=reminded.pk).reminded_at is not None
    assert FocusSession.objects.get(pk=abandoned.pk).status == S.ENDED_UNCONFIRMED
    assert {a.payload["user_id"] for a in dms()} == {str(USER), str(INTRUDER)}


@pytest.mark.django_db(transaction=True)
def test_the_forgotten_session_dm_reaches_discord_with_its_buttons(emulator, settings):
    """The outbox row the task writes is delivered by the real deliverer to the Discord emulator."""
    settings.TIMETRACKING_FORGOTTEN_HOURS = 12
    session = services.session_clock_in(user_id=USER, subject="search_engine", now=timezone.now() - timedelta(hours=13))
    tasks.check_forgotten_sessions()

    async def deliver():
        try:
            async with discord_http_client() as http:
                return await OutboxDeliverer(http).deliver_due()
        finally:
            await sync_to_async(connections.close_all)()

    assert asyncio.run(deliver())["done"] == 1
    [message] = emulator.messages(emulator.dm_channel_for(USER)["id"])
    assert "running for 12 hours" in message["content"]
    assert [c["custom_id"] for row in message["components"] for c in row["components"]] == [
        f"out:{session.pk}",
        f"keep_going:{session.pk}",
    ]


# ---------------------------------------------------------------------------- presenters


def test_the_card_and_the_dms_show_instants_as_discord_timestamps(settings):
    settings.TIMETRACKING_FORGOTTEN_HOURS = 12
    session = services.session_clock_in(user_id=USER, subject="x", now=T0)
    start = int(T0.timestamp())
    card = presenters.session_card(session, now=T0 + timedelta(minutes=5)).content
    assert f"Started <t:{start}:f> (<t:{start}:R>)" in card
    paused = services.session_pause(user_id=USER, now=T0 + timedelta(minutes=5))
    assert f"Paused since <t:{start + 300}:t>." in presenters.session_card(paused, now=T0).content
    resumed = services.session_resume(user_id=USER, now=T0 + timedelta(minutes=10))
    forgotten = presenters.forgotten_message(resumed, hours=12).content
    alive = start + 600
    assert f"(last one <t:{alive}:f>)" in forgotten
    assert f"I'll clock it out at <t:{alive + 24 * 3600}:f>, counting time up to <t:{alive}:t>" in forgotten
    ended = services.session_clock_out(user_id=USER, now=T0 + timedelta(minutes=20))
    assert f"<t:{start}:f> → <t:{start + 1200}:t>" in presenters.session_card(ended, now=T0).content
    auto = presenters.auto_clock_out_message(ended, now=T0).content
    assert auto.startswith(f"🤖 I clocked out your forgotten session at its last sign of life (<t:{start + 1200}:f>).")


@pytest.mark.parametrize(("fraction", "bar"), [(None, "░" * 10), (0, "░" * 10), (0.25, "██░░░░░░░░"), (1.5, "█" * 10)])
def test_progress_bar(fraction, bar):
    assert presenters.progress_bar(fraction) == bar


def test_handlers_and_receivers_share_the_presenter_not_each_other():
    import botworker.handlers.timetracking as handlers
    import botworker.receivers.timetracking as receivers

    assert handlers.session_card is presenters.session_card
    assert receivers.forgotten_message is presenters.forgotten_message
    assert not hasattr(receivers, "_dm")
    for module in (handlers, receivers):
        source = Path(module.__file__).read_text()
        assert "botworker.handlers.timetracking" not in source
        assert "botworker.receivers.timetracking" not in source


def test_session_timezone_is_the_members_zone_on_the_roster_too(discord, clock):
    body = discord(session_cmd("timezone", {"zone": "america/denver"}, guild_id=None, user_id=USER))
    assert "America/Denver" in body["data"]["content"]
    window = [
        {"name": "day", "type": 4, "value": 2},
        {"name": "earliest_start", "type": 3, "value": "19:30"},
        {"name": "hours", "type": 10, "value": 2},
    ]
    availability = [{"type": 1, "name": "set", "options": window}]
    body = discord(command_payload("availability", availability, guild_id=GUILD_A, user_id=USER))
    assert "(America/Denver)" in body["data"]["content"]
    assert Player.objects.get(guild_id=GUILD_A, discord_user_id=USER).timezone == ZoneInfo("America/Denver")
    # And the other way round: `/timezone set` in a guild is the zone time tracking counts in.
    zone = [{"type": 1, "name": "set", "options": [{"name": "zone", "type": 3, "value": "Asia/Tokyo"}]}]
    discord(command_payload("timezone", zone, guild_id=GUILD_A, user_id=USER))
    assert "(Asia/Tokyo)" in discord(alloc_cmd("show", guild_id=None, user_id=USER))["data"]["content"]
    assert MemberZone.objects.get(discord_user_id=USER).timezone == ZoneInfo("Asia/Tokyo")
