"""Raid scheduling and attendance through Discord: commands through the interaction pipeline,
refusals that write nothing, officer checks, autocomplete, and the raid event's life through the
outbox and the Discord emulator (post, invitations, answers → edits, reminder, summary)."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import urllib.request
import zoneinfo

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.utils import timezone

from attendance import selectors as attendance_selectors
from attendance import services as attendance_services
from attendance.models import RaidAttendance, RaidEvent
from attendance.tasks import send_event_reminders, send_event_summaries
from botworker.discord_api import discord_http_client
from botworker.guilds import guild_configure
from botworker.handlers import scheduling as handlers
from botworker.interactions import handle_interaction, run_deferred
from botworker.models import BotAction
from botworker.outbox import OutboxDeliverer
from botworker.presenters import scheduling as present
from botworker.presenters.scheduling import INVITE_DM, REMINDER_DM
from botworker.receivers.scheduling import post_key
from botworker.tasks import complete_deferred_interaction
from botworker.tests.factories import (
    CHANNEL_ID,
    GUILD_ID,
    MOD_ROLE,
    Signer,
    command_payload,
    component_payload,
    modal_payload,
)
from config import timeutils
from scheduling import actors, services
from scheduling.actors import SYSTEM
from scheduling.models import MemberZone, Player, PlayerAvailability
from shifts import services as shift_services
from timetracking.models import TrackedUser

pytestmark = pytest.mark.django_db

MEMBER_ID = 820_000_000_000_000_001
MOD_ID = 820_000_000_000_000_002
OFFICER_ID = 820_000_000_000_000_003
OFFICERS_CHANNEL = 222_222_222_222_222_299
OFFICER_ROLE = 444_444_444_444_444_449
WHO = {"member": (MEMBER_ID, ()), "mod": (MOD_ID, (MOD_ROLE,)), "officer": (OFFICER_ID, (OFFICER_ROLE,))}
TYPES = {
    "day": 4,
    "hours": 10,
    "days": 4,
    "length": 10,
    "event": 4,
    "player": 6,
    "attended": 5,
    "season": 4,
    "all_seasons": 5,
    "channel": 7,
}


def configure(zone: str = "Europe/Berlin") -> None:
    guild_configure(
        guild_id=GUILD_ID,
        name="Raid Guild",
        timezone=zone,
        moderator_role_ids=[MOD_ROLE],
        channels={"raids": CHANNEL_ID, "officers": OFFICERS_CHANNEL},
    )
    # The Officer rank is mapped to a Discord role: its holders are officers without being mods.
    ranks = services.ranks_ensure_defaults(guild_id=GUILD_ID)
    services.rank_update(actor=SYSTEM, rank=ranks[3], discord_role_id=OFFICER_ROLE)


def payload_for(command: str, who: str = "member", *, kind: int = 2, focused: str | None = None, **values) -> dict:
    user_id, roles = WHO[who]
    name, *sub = command.split()
    options = [
        {"name": k, "type": TYPES.get(k, 3), "value": v, **({"focused": True} if k == focused else {})}
        for k, v in values.items()
    ]
    if sub:
        options = [{"type": 1, "name": sub[0], "options": options}]
    return command_payload(name, options, user_id=user_id, roles=roles, kind=kind)


def run(command: str, who: str = "member", **kwargs) -> dict:
    return handle_interaction(payload_for(command, who, **kwargs))


def run_deferred_command(command: str, who: str = "member", **values) -> dict:
    """A deferred command: the immediate "thinking…" answer, then the follow-up's message."""
    payload = payload_for(command, who, **values)
    assert handle_interaction(payload) == {"type": 5, "data": {"flags": 64}}
    return run_deferred(payload)


def followup_text(message: dict) -> str:
    return message["content"] or json.dumps(message["embeds"])


def click(custom_id: str, who: str = "member", guild_id: int | None = GUILD_ID) -> dict:
    user_id, roles = WHO[who]
    return handle_interaction(component_payload(custom_id, user_id=user_id, roles=roles, guild_id=guild_id))


def text(response: dict) -> str:
    assert response["type"] == 4, response
    assert response["data"].get("flags") == 64, "scheduling replies are ephemeral"
    data = response["data"]
    return data["content"] or json.dumps(data["embeds"])


# ---------------------------------------------------------------------------- availability & profile


def test_availability_set_view_clear():
    configure()
    assert "Wednesday: from 19:30 for 3.5 h (Europe/Berlin)" in text(  # the guild's zone
        run("availability set", day=2, earliest_start="19:30", hours=3.5)
    )
    run("availability set", day=4, earliest_start="21:00", hours=2)
    player = Player.objects.get(discord_user_id=MEMBER_ID)
    assert player.rank.name == "Initiate"
    view = text(run("availability view"))
    assert "**Wednesday** from 19:30 for 3.5 h — next <t:" in view and "**Friday**" in view
    assert "Cleared Friday (1 window)" in text(run("availability clear", day=4))
    assert "Cleared the whole week (1 window)" in text(run("availability clear"))
    assert text(run("availability view")) == present.NO_AVAILABILITY


def test_availability_view_pages_the_whole_week_for_whoever_clicks():
    configure()
    for day in range(7):  # the longest list there is: one window per weekday
        run("availability set", day=day, earliest_start=f"{17 + day % 3}:30", hours=2 + day / 2)
    response = run("availability view")
    view = text(response)
    assert view.startswith("Your availability (Europe/Berlin):")  # a new player takes the guild's zone
    assert [line.split("**")[1] for line in view.splitlines()[1:]] == list(timeutils.DAY_NAMES)
    assert view.count("— next <t:") == 7 and "Page" not in view
    assert not response["data"].get("components")
    # A page button is recomputed for the member who clicks it: the moderator has no windows.
    clicked = click("page:availability_view..0", who="mod")
    assert clicked["type"] == 7 and clicked["data"]["content"] == present.NO_AVAILABILITY
    mine = click("page:availability_view..0")
    assert mine["data"]["content"] == view


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"day": 1, "earliest_start": "25:00", "hours": 2}, timeutils.BAD_CLOCK_TIME.format(value="25:00")),
        ({"day": 1, "earliest_start": "19:00", "hours": 0}, services.BAD_HOURS),
        ({"day": 1, "earliest_start": "19:00", "hours": 17}, services.BAD_HOURS),
        ({"day": 7, "earliest_start": "19:00", "hours": 2}, "`day`: pick one of the offered choices."),
    ],
)
def test_bad_availability_is_refused_and_writes_nothing(values, message):
    configure()
    assert text(run("availability set", **values)) == message
    assert not PlayerAvailability.objects.exists()


def test_timezone_autocomplete_and_set():
    configure()
    response = run("timezone set", kind=4, focused="zone", zone="berl")
    assert response["type"] == 8
    assert response["data"]["choices"][0] == {"name": "Europe/Berlin", "value": "Europe/Berlin"}
    assert "**Europe/Berlin**" in text(run("timezone set", zone="Europe/Berlin"))
    assert text(run("timezone set", zone="Mars/Olympus")) == timeutils.zone_error_message("Mars/Olympus")
    assert Player.objects.get(discord_user_id=MEMBER_ID).timezone.key == "Europe/Berlin"


def test_autoinvite_on_off():
    configure()
    text(run("autoinvite on"))
    assert Player.objects.get(discord_user_id=MEMBER_ID).auto_invite_events is True
    text(run("autoinvite off"))
    assert Player.objects.get(discord_user_id=MEMBER_ID).auto_invite_events is False


# ---------------------------------------------------------------------------- /raidtime


def freeze(monkeypatch, instant: dt.datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: instant)


BEFORE_JUNE = dt.datetime(2026, 5, 30, 12, tzinfo=dt.UTC)


@pytest.mark.parametrize(("who", "allowed"), [("member", False), ("mod", True), ("officer", True)])
def test_raidtime_is_for_officers(who, allowed, monkeypatch):
    freeze(monkeypatch, BEFORE_JUNE)
    configure(zone="UTC")
    lead = services.player_ensure(guild_id=GUILD_ID, discord_user_id=OFFICER_ID, role_ids=[OFFICER_ROLE])
    services.player_set_timezone(player=lead, timezone="UTC")
    services.availability_set(player=lead, day_of_week=0, earliest_start="20:00", available_hours=3)
    message = run_deferred_command("raidtime", who, **{"from": "2026-06-01", "days": 1})
    answer = followup_text(message)
    if not allowed:
        assert answer == actors.NOT_OFFICER
        assert "files" not in message
        return
    best = int(dt.datetime(2026, 6, 1, 20, tzinfo=dt.UTC).timestamp())
    assert f"1. <t:{best}:F>" in answer and "Score **5**" in answer
    [heatmap] = message["files"]
    assert heatmap["filename"] == present.HEATMAP_FILE
    assert base64.b64decode(heatmap["data"]).startswith(b"\x89PNG\r\n\x1a\n")
    assert message["embeds"][0]["image"] == {"url": f"attachment://{present.HEATMAP_FILE}"}


def test_raidtime_offers_no_start_that_has_passed(monkeypatch):
    # Monday 1 June 2026, 20:40 UTC: the officer's Monday window (20:00 to 23:00) has begun.
    now = dt.datetime(2026, 6, 1, 20, 40, tzinfo=dt.UTC)
    freeze(monkeypatch, now)
    configure(zone="UTC")
    lead = services.player_ensure(guild_id=GUILD_ID, discord_user_id=OFFICER_ID, role_ids=[OFFICER_ROLE])
    services.player_set_timezone(player=lead, timezone="UTC")
    services.availability_set(player=lead, day_of_week=0, earliest_start="20:00", available_hours=3)
    message = run_deferred_command("raidtime", "mod", days=1)  # from today
    fields = message["embeds"][0]["fields"]
    starts = [int(field["name"].split("<t:")[1].split(":")[0]) for field in fields]
    assert len(starts) == 5 and min(starts) == int(dt.datetime(2026, 6, 1, 21, tzinfo=dt.UTC).timestamp())
    assert all(start > now.timestamp() for start in starts)
    assert "Score **5**" in fields[0]["value"] and "Score **0**" in fields[1]["value"]
    # The whole range has ended: said in words.
    over = run_deferred_command("raidtime", "mod", **{"from": "2026-05-31", "days": 1})
    assert over["content"].startswith("That range ended at <t:")


def test_raidtime_bad_date_and_empty_roster(monkeypatch):
    freeze(monkeypatch, BEFORE_JUNE)
    configure()
    bad = run_deferred_command("raidtime", "mod", **{"from": "June 1"})
    assert bad["content"] == handlers.BAD_DATE.format(value="June 1")
    empty = run_deferred_command("raidtime", "mod", **{"from": "2026-06-01"})
    assert empty["content"].startswith("Nobody who counts for raid times")
    assert "files" not in empty


def test_raidtime_with_only_weightless_players_says_so_without_a_picture(monkeypatch):
    freeze(monkeypatch, BEFORE_JUNE)
    configure(zone="UTC")
    initiate = services.player_ensure(guild_id=GUILD_ID, discord_user_id=MEMBER_ID, role_ids=[])
    assert initiate.rank.scheduling_weight == 0
    services.availability_set(player=initiate, day_of_week=0, earliest_start="20:00", available_hours=3)
    message = run_deferred_command("raidtime", "mod", **{"from": "2026-06-01"})
    start = int(dt.datetime(2026, 6, 1, tzinfo=dt.UTC).timestamp())
    end = int(dt.datetime(2026, 6, 8, tzinfo=dt.UTC).timestamp())
    assert message["content"] == present.NOBODY_COUNTS.format(start=f"<t:{start}:f>", end=f"<t:{end}:f>")
    assert "files" not in message and not message.get("embeds")


def test_raidtime_when_nobody_who_counts_fits_a_whole_raid_shows_the_heatmap(monkeypatch):
    freeze(monkeypatch, BEFORE_JUNE)
    configure(zone="UTC")
    lead = services.player_ensure(guild_id=GUILD_ID, discord_user_id=OFFICER_ID, role_ids=[OFFICER_ROLE])
    services.player_set_timezone(player=lead, timezone="UTC")
    services.availability_set(player=lead, day_of_week=0, earliest_start="20:00", available_hours=1)
    message = run_deferred_command("raidtime", "mod", **{"from": "2026-06-01", "days": 1})
    [embed] = message["embeds"]
    assert embed["description"].startswith("Nobody who counts is free for a whole 2-hour raid")
    assert "fields" not in embed and len(message["files"]) == 1


# ---------------------------------------------------------------------------- raid events


def future_start(days: int = 3) -> str:
    local = timezone.now().astimezone(dt.timezone(dt.timedelta(hours=1))) + dt.timedelta(days=days)
    return local.strftime("%Y-%m-%d") + " 20:00"


def test_raid_create_is_for_officers_and_refuses_bad_starts():
    configure()
    assert text(run("raid create", title="Mythic", start=future_start())) == actors.NOT_OFFICER
    refused = text(run("raid create", "officer", title="Mythic", start="2020-01-01 20:00"))
    assert refused == attendance_services.START_IN_PAST
    refused = text(run("raid create", "officer", title="Mythic", start="2099-03-29 02:30"))
    assert "does not exist in Europe/Berlin" in refused
    assert not RaidEvent.objects.exists() and not BotAction.objects.exists()


def test_a_new_player_takes_the_guilds_zone():
    configure(zone="Asia/Tokyo")
    text(run("autoinvite on"))
    assert Player.objects.get(discord_user_id=MEMBER_ID).timezone.key == "Asia/Tokyo"


def test_a_demoted_officer_loses_the_rank_on_the_next_command():
    configure()
    text(run("availability set", "officer", day=0, earliest_start="20:00", hours=2))
    assert Player.objects.get(discord_user_id=OFFICER_ID).rank.name == "Officer"
    demoted = payload_for("raid create", "officer", title="Mythic", start=future_start())
    demoted["member"]["roles"] = []
    assert text(handle_interaction(demoted)) == actors.NOT_OFFICER
    text(handle_interaction(payload_for("autoinvite on", "member") | {"member": demoted["member"]}))
    assert Player.objects.get(discord_user_id=OFFICER_ID).rank.name == "Initiate"
    text(run("autoinvite off", "officer"))  # the role is given back: up again
    assert Player.objects.get(discord_user_id=OFFICER_ID).rank.name == "Officer"
    assert not RaidEvent.objects.exists()


def test_buttons_check_the_guild_and_the_end():
    configure()
    event = attendance_services.event_create(
        actor=SYSTEM,
        guild_id=GUILD_ID,
        title="Old",
        start=timezone.now() + dt.timedelta(hours=1),
        discord_channel_id=CHANNEL_ID,
    )
    assert text(click(f"raid_signup:{event.pk}", guild_id=119_999_999_999_999_999)) == attendance_services.NOT_IN_GUILD
    assert text(click(f"raid_signup:{event.pk}", guild_id=None)) == attendance_services.NOT_A_PLAYER
    RaidEvent.objects.filter(pk=event.pk).update(
        end_time_utc=timezone.now() - dt.timedelta(minutes=1), start_time_utc=timezone.now() - dt.timedelta(hours=2)
    )
    assert text(click(f"raid_signup:{event.pk}")) == attendance_services.EVENT_ENDED
    assert not RaidAttendance.objects.exists()


def test_signed_http_raid_create(client, settings):
    configure()
    signer = Signer()
    settings.DISCORD_PUBLIC_KEY = signer.public_key_hex
    user_id, roles = WHO["officer"]
    payload = command_payload(
        "raid",
        [
            {
                "type": 1,
                "name": "create",
                "options": [
                    {"name": "title", "type": 3, "value": "Heroic"},
                    {"name": "start", "type": 3, "value": future_start()},
                ],
            }
        ],
        user_id=user_id,
        roles=roles,
    )
    response = signer.post(client, payload)
    assert response.status_code == 200
    assert "Created **Heroic**" in response.json()["data"]["content"]
    event = RaidEvent.objects.get()
    assert event.discord_channel_id == CHANNEL_ID
    assert BotAction.objects.get(dedupe_key=post_key(event.pk)).kind == "send_message"


def test_attendance_record_and_stats():
    configure()
    attendance_services.season_create(actor=SYSTEM, guild_id=GUILD_ID, name="S1", start_date=dt.date(2020, 1, 1))
    start = timezone.now() + dt.timedelta(minutes=5)
    event = attendance_services.event_create(actor=SYSTEM, guild_id=GUILD_ID, title="Raid", start=start)
    assert text(run("attendance record", event=event.pk, player=MEMBER_ID)) == actors.NOT_OFFICER
    assert (
        text(run("attendance record", "officer", event=event.pk, player=MEMBER_ID))
        == attendance_services.EVENT_NOT_STARTED
    )
    RaidEvent.objects.filter(pk=event.pk).update(
        start_time_utc=timezone.now() - dt.timedelta(hours=3), end_time_utc=timezone.now() - dt.timedelta(hours=1)
    )
    assert "attended **Raid**" in text(run("attendance record", "officer", event=event.pk, player=MEMBER_ID))
    choices = run("attendance record", "officer", kind=4, focused="event", event="Ra")["data"]["choices"]
    assert choices[0]["value"] == event.pk
    own = text(run("attendance stats"))
    assert f"<@{MEMBER_ID}>: 100% · 1/1 attended, 0 excused, 0 unexcused" in own
    assert f"<@{OFFICER_ID}>" not in own
    assert text(run("attendance stats", player=OFFICER_ID)) == attendance_selectors.OTHERS_STATS
    everyone = text(run("attendance stats", "officer"))
    assert f"<@{MEMBER_ID}>: 100%" in everyone


def test_attendance_stats_count_only_the_expected_and_say_when_there_is_no_season():
    configure()
    assert text(run("attendance stats", "officer")) == attendance_selectors.NO_CURRENT_SEASON
    event = attendance_services.event_create(
        actor=SYSTEM, guild_id=GUILD_ID, title="Raid", start=timezone.now() + dt.timedelta(minutes=5)
    )
    services.player_ensure(guild_id=GUILD_ID, discord_user_id=MEMBER_ID)  # an Initiate who never raids
    veteran = services.player_ensure(guild_id=GUILD_ID, discord_user_id=MOD_ID)
    services.player_update(actor=SYSTEM, player=veteran, raid_team=True)
    Player.objects.update(created_at=timezone.now() - dt.timedelta(days=1))
    RaidEvent.objects.filter(pk=event.pk).update(
        start_time_utc=timezone.now() - dt.timedelta(hours=3), end_time_utc=timezone.now() - dt.timedelta(hours=1)
    )
    everyone = text(run("attendance stats", "officer", all_seasons=True))
    assert "all seasons" in everyone
    assert f"<@{MEMBER_ID}>: — · 0/0 attended, 0 excused, 0 unexcused" in everyone
    assert f"<@{MOD_ID}>: 0% · 0/1 attended, 0 excused, 1 unexcused" in everyone


def test_attendance_stats_page_and_re_check_on_click():
    configure()
    season = attendance_services.season_create(
        actor=SYSTEM, guild_id=GUILD_ID, name="S1", start_date=dt.date(2020, 1, 1)
    )
    for user_id in range(900_000_000_000_000_001, 900_000_000_000_000_041):
        services.player_ensure(guild_id=GUILD_ID, discord_user_id=user_id)
    first = run("attendance stats", "officer")
    assert first["data"]["content"].startswith("**Attendance — S1**")
    assert "Page 1 of " in first["data"]["content"]
    buttons = first["data"]["components"][0]["components"]
    assert buttons[1]["custom_id"] == f"page:attendance_stats.{season.pk}-.1"
    second = click(buttons[1]["custom_id"], who="officer")
    assert "Page 2 of " in second["data"]["content"]
    # A member clicking the officer's button sees only their own line (here: none).
    assert "not on this guild's roster" in click(buttons[1]["custom_id"], who="member")["data"]["content"]


def test_read_commands_add_nobody_to_the_roster():
    configure()
    assert text(run("availability view")) == present.NO_AVAILABILITY
    assert "not on this guild's roster" in text(run("attendance stats", all_seasons=True))
    assert "not on this guild's roster" in text(run("attendance stats", "officer", player=MEMBER_ID, all_seasons=True))
    assert not Player.objects.exists()


def test_each_answer_edits_the_post_under_its_own_version_key():
    configure()
    event = attendance_services.event_create(
        actor=SYSTEM,
        guild_id=GUILD_ID,
        title="Raid",
        start=timezone.now() + dt.timedelta(days=1),
        discord_channel_id=CHANNEL_ID,
    )
    click(f"raid_signup:{event.pk}")
    click(f"raid_tentative:{event.pk}")
    click(f"raid_signup:{event.pk}", who="mod")
    edits = BotAction.objects.filter(kind="edit_message").order_by("id")
    assert [action.dedupe_key for action in edits] == [
        f"attendance:event:{event.pk}:edit:{version}" for version in (1, 2, 3)
    ]
    assert RaidEvent.objects.get(pk=event.pk).version == 3


def test_raid_edit_cancel_and_log_re_render_the_post_and_dm_once_per_change():
    configure()
    event = attendance_services.event_create(
        actor=SYSTEM,
        guild_id=GUILD_ID,
        title="Raid",
        start=timezone.now() + dt.timedelta(days=2),
        discord_channel_id=CHANNEL_ID,
    )
    click(f"raid_signup:{event.pk}")  # the member signs up (version 1)
    click(f"raid_tentative:{event.pk}", who="mod")  # tentative: not told of changes (version 2)
    assert text(run("raid edit", event=event.pk, title="Mine")) == actors.NOT_OFFICER
    assert text(run("raid cancel", event=event.pk)) == actors.NOT_OFFICER
    assert text(run("raid log", event=event.pk, url="https://logs.example/r/1")) == actors.NOT_OFFICER
    refused = text(run("raid log", "officer", event=event.pk, url="javascript:alert(1)"))
    assert refused == attendance_services.BAD_LOG_URL
    assert RaidEvent.objects.get(pk=event.pk).version == 2

    assert "Updated **Heroic**" in text(run("raid edit", "officer", event=event.pk, title="Heroic", notes="Flasks"))
    assert "Updated" in text(run("raid edit", "officer", event=event.pk, start=future_start(days=4), hours=3))
    assert "logs.example" in text(run("raid log", "officer", event=event.pk, url="https://logs.example/r/1"))
    assert "Cancelled **Heroic**" in text(run("raid cancel", "officer", event=event.pk))
    assert text(run("raid cancel", "officer", event=event.pk)) == attendance_services.EVENT_CANCELLED
    choices = run("raid edit", "officer", kind=4, focused="event", event="Her")["data"]["choices"]
    assert [choice["value"] for choice in choices] == [event.pk]

    edits = BotAction.objects.filter(kind="edit_message").order_by("id")
    assert [action.dedupe_key for action in edits] == [
        f"attendance:event:{event.pk}:edit:{version}" for version in (1, 2, 3, 4, 5, 6)
    ]
    last = edits.last().payload["embeds"][0]
    assert last["title"] == "🚫 Cancelled: Heroic" and "[Logs](https://logs.example/r/1)" in last["description"]
    assert "components" not in edits.last().payload
    dms = BotAction.objects.filter(kind="send_dm").order_by("id")
    assert [(int(dm.payload["user_id"]), dm.dedupe_key) for dm in dms] == [
        (MEMBER_ID, f"attendance:event:{event.pk}:moved:4:{MEMBER_ID}"),
        (MEMBER_ID, f"attendance:event:{event.pk}:cancelled:{MEMBER_ID}"),
    ]
    assert "has moved" in dms[0].payload["content"] and "cancelled" in dms[1].payload["content"]


# ---------------------------------------------------------------------------- end to end (outbox + emulator)


def deliver() -> None:
    async def scenario() -> None:
        try:
            async with discord_http_client() as http:
                await OutboxDeliverer(http).deliver_due()
        finally:
            await sync_to_async(connections.close_all)()

    asyncio.run(scenario())


def dms_to(emulator, user_id: int) -> list[dict]:
    channel = emulator.dm_channel_for(user_id)
    return emulator.messages(channel["id"]) if channel else []


@pytest.mark.django_db(transaction=True)
def test_raid_event_life_through_the_outbox(emulator):
    configure()
    emulator.add_guild(GUILD_ID, name="Raid Guild")
    emulator.add_channel(GUILD_ID, name="raids", channel_id=CHANNEL_ID)
    emulator.add_channel(GUILD_ID, name="officers", channel_id=OFFICERS_CHANNEL)
    for user_id, _ in WHO.values():
        emulator.add_user(user_id)
    text(run("autoinvite on", "member"))

    text(run("raid create", "officer", title="Mythic night", start=future_start(), hours=3, notes="Bring flasks"))
    event = RaidEvent.objects.get()
    # An answer before the post is delivered: the edit must wait for the post.
    assert "signed up for **Mythic night**" in text(click(f"raid_signup:{event.pk}", who="mod"))
    deliver()
    deliver()
    event.refresh_from_db()
    message = emulator.get_message(CHANNEL_ID, event.discord_message_id)
    assert len(emulator.messages(CHANNEL_ID)) == 1
    embed = message["embeds"][0]
    assert embed["title"] == "📅 Mythic night" and "Bring flasks" in embed["description"]
    assert (embed["fields"][0]["name"], embed["fields"][0]["value"]) == ("✅ Signed up (1)", f"<@{MOD_ID}>")
    assert [b["custom_id"] for b in message["components"][0]["components"]] == [
        f"raid_signup:{event.pk}",
        f"raid_tentative:{event.pk}",
        f"raid_decline:{event.pk}",
    ]
    ts = int(event.start_time_utc.timestamp())
    [invite] = dms_to(emulator, MEMBER_ID)
    assert invite["content"] == INVITE_DM.format(title="Mythic night", ts=ts)
    assert dms_to(emulator, OFFICER_ID) == []

    # The member answers from the DM (no guild): tentative, then can't come with a reason.
    assert "tentative" in text(click(f"raid_tentative:{event.pk}", guild_id=None))
    modal = click(f"raid_decline:{event.pk}", guild_id=None)
    assert modal["type"] == 9 and modal["data"]["custom_id"] == f"raid_decline_reason:{event.pk}"
    submitted = handle_interaction(
        modal_payload(f"raid_decline_reason:{event.pk}", {"reason": "Night shift"}, user_id=MEMBER_ID, guild_id=None)
    )
    assert "can't come" in text(submitted)
    row = RaidAttendance.objects.get(player__discord_user_id=MEMBER_ID)
    assert (row.noted_absence, row.absence_reason, row.tentative) == (True, "Night shift", False)
    deliver()
    fields = emulator.get_message(CHANNEL_ID, event.discord_message_id)["embeds"][0]["fields"]
    assert [f["name"] for f in fields] == ["✅ Signed up (1)", "❔ Tentative (0)", "❌ Can't come (1)"]
    assert fields[2]["value"] == f"<@{MEMBER_ID}>"

    # The reminder 30 minutes before, once, to those signed up.
    RaidEvent.objects.filter(pk=event.pk).update(
        start_time_utc=timezone.now() + dt.timedelta(minutes=20), end_time_utc=timezone.now() + dt.timedelta(hours=2)
    )
    assert send_event_reminders() == 1
    assert send_event_reminders() == 0
    deliver()
    event.refresh_from_db()
    [reminder] = dms_to(emulator, MOD_ID)
    assert reminder["content"] == REMINDER_DM.format(title="Mythic night", ts=int(event.start_time_utc.timestamp()))
    assert len(dms_to(emulator, MEMBER_ID)) == 1  # only the invitation

    # After the end: attendance recorded, the summary goes to the officers' channel once.
    RaidEvent.objects.filter(pk=event.pk).update(
        start_time_utc=timezone.now() - dt.timedelta(hours=3), end_time_utc=timezone.now() - dt.timedelta(minutes=1)
    )
    text(run("attendance record", "officer", event=event.pk, player=MOD_ID))
    # The member (an Initiate, on the roster since before the raid) is expected once an officer
    # puts them on the raid team.
    Player.objects.filter(discord_user_id=MEMBER_ID).update(
        raid_team=True, created_at=timezone.now() - dt.timedelta(days=1)
    )
    assert send_event_summaries() == 1
    assert send_event_summaries() == 0
    deliver()
    [summary] = emulator.messages(OFFICERS_CHANNEL)
    summary_fields = summary["embeds"][0]["fields"]
    assert summary_fields[0]["value"] == f"<@{MOD_ID}>"
    assert summary_fields[1]["value"] == f"<@{MEMBER_ID}>"
    # The officer joined the roster (by creating the event) after its moved end: not expected.
    assert summary_fields[2]["value"] == "—"
    assert not BotAction.objects.exclude(status="done").exists()


def test_raidtime_follow_up_uploads_the_heatmap_png(emulator, settings, monkeypatch):
    freeze(monkeypatch, BEFORE_JUNE)
    settings.DISCORD_APPLICATION_ID = emulator.application_id
    configure(zone="UTC")
    lead = services.player_ensure(guild_id=GUILD_ID, discord_user_id=OFFICER_ID, role_ids=[OFFICER_ROLE])
    services.availability_set(player=lead, day_of_week=0, earliest_start="20:00", available_hours=3)
    payload = payload_for("raidtime", "mod", **{"from": "2026-06-01"})
    payload["application_id"] = emulator.application_id
    answer = handle_interaction(payload)
    assert answer["type"] == 5
    emulator.answer_over_http(payload["id"], payload["token"], answer)

    complete_deferred_interaction.apply(args=[payload]).get()
    complete_deferred_interaction.apply(args=[payload]).get()  # a redelivered task uploads the same answer

    original = emulator.original_response(emulator.application_id, payload["token"])
    [attachment] = original["attachments"]
    assert attachment["filename"] == present.HEATMAP_FILE
    assert original["embeds"][0]["image"]["url"] == f"attachment://{present.HEATMAP_FILE}"
    with urllib.request.urlopen(attachment["url"]) as response:
        png = response.read()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) == attachment["size"]
    edits = emulator.requests_to("PATCH", rf"/webhooks/\d+/{payload['token']}/messages/@original")
    assert len(edits) == 2


def test_timezone_set_is_the_members_zone_for_every_feature():
    configure(zone="Europe/Berlin")
    text(run("availability set", day=2, earliest_start="19:30", hours=3.5))
    assert "**America/Denver**" in text(run("timezone set", zone="america/denver"))
    # Availability is read and shown in it.
    assert "(America/Denver)" in text(run("availability view"))
    # Time tracking counts the member's weeks in it.
    assert "(America/Denver)" in text(run("alloc show")).splitlines()[0]
    assert "(America/Denver)" in text(run("session summary", state="on"))
    assert TrackedUser.objects.get(pk=MEMBER_ID).timezone == zoneinfo.ZoneInfo("America/Denver")
    # The shift defaults read it before the guild's zone.
    assert shift_services.resolve_timezone(
        guild_id=GUILD_ID, user_id=MEMBER_ID, timezone=None, guild_timezone="Europe/Berlin"
    ) == zoneinfo.ZoneInfo("America/Denver")
    # One stored value.
    assert MemberZone.objects.get(discord_user_id=MEMBER_ID).timezone == zoneinfo.ZoneInfo("America/Denver")
