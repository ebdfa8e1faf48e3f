"""The reminder commands through the interaction pipeline: /add_reminder (moderators), every refusal
ephemeral and writing nothing, /reminder_list paged with Discord timestamps, /reminder_delete with
its autocomplete; a reminder created in Discord and sent by the dispatcher reaches the channel
through the outbox and the emulator, and, in the slow test, the real bot over the gateway."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import zoneinfo

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.utils import timezone

from botworker.discord_api import discord_http_client
from botworker.guilds import guild_configure
from botworker.interactions import handle_interaction, router
from botworker.interactions.handling import run_deferred
from botworker.outbox import OutboxDeliverer
from botworker.presenters.reminders import reminder_content
from botworker.tests.factories import (
    ADMIN_ROLE,
    CHANNEL_ID,
    GUILD_ID,
    MOD_ROLE,
    command_payload,
    component_payload,
)
from config.actors import Actor
from scheduling import dispatcher
from scheduling.models import Dispatch, GuildClockSettings, MemberZone, Reminder
from scheduling.services import reminders as services

pytestmark = pytest.mark.django_db

MEMBER_ID = 830_000_000_000_000_001
MOD_ID = 830_000_000_000_000_002
OTHER_MOD_ID = 830_000_000_000_000_003
ADMIN_ID = 830_000_000_000_000_004
OTHER_CHANNEL = 222_222_222_222_222_201
FOREIGN_CHANNEL = 222_222_222_222_222_999
RAIDERS_ROLE = 444_444_444_444_444_460
WHO = {
    "member": (MEMBER_ID, ()),
    "mod": (MOD_ID, (MOD_ROLE,)),
    "other_mod": (OTHER_MOD_ID, (MOD_ROLE,)),
    "admin": (ADMIN_ID, (ADMIN_ROLE,)),
}
TYPES = {"channel": 7, "lead": 4, "mention": 8, "reminder": 4}


def configure(zone: str = "Europe/Brussels") -> None:
    guild_configure(
        guild_id=GUILD_ID, name="Raid Guild", timezone=zone, moderator_role_ids=[MOD_ROLE], admin_role_ids=[ADMIN_ROLE]
    )


@pytest.fixture(autouse=True)
def guild(db):
    configure()


def payload_for(command: str, who: str = "mod", *, kind: int = 2, focused: str | None = None, **values) -> dict:
    user_id, roles = WHO[who]
    options = [
        {"name": k, "type": TYPES.get(k, 3), "value": v, **({"focused": True} if k == focused else {})}
        for k, v in values.items()
    ]
    payload = command_payload(command, options, user_id=user_id, roles=roles, kind=kind)
    resolved = {}
    if "channel" in values:
        # Discord resolves only channels of the server the command runs in.
        channel = str(values["channel"])
        if channel != str(FOREIGN_CHANNEL):
            category = channel == "222222222222222202"
            resolved["channels"] = {channel: {"id": channel, "name": "c", "type": 4 if category else 0}}
    if "mention" in values:
        resolved["roles"] = {str(values["mention"]): {"id": str(values["mention"]), "name": "r"}}
    if resolved:
        payload["data"]["resolved"] = resolved
    return payload


def run(command: str, who: str = "mod", **values) -> dict:
    return handle_interaction(payload_for(command, who, **values))


def text(response: dict) -> str:
    assert response["type"] in (4, 7), response
    assert response["data"].get("flags") == 64, "reminder answers are ephemeral"
    return response["data"]["content"]


def local_future(days: int = 3, zone: str = "Europe/Brussels") -> str:
    return (timezone.now().astimezone(zoneinfo.ZoneInfo(zone)) + dt.timedelta(days=days)).strftime("%Y-%m-%d")


def test_commands_are_registered_with_the_issues_names_and_options():
    commands = {c["name"]: c for c in router.application_commands()}
    add = commands["add_reminder"]
    assert [o["name"] for o in add["options"]] == [
        "name",
        "message",
        "time",
        "days",
        "date",
        "timezone",
        "channel",
        "location",
        "lead",
        "mention",
        "embed_link",
    ]
    options = {o["name"]: o for o in add["options"]}
    assert options["name"]["required"] and options["message"]["required"]
    assert options["timezone"]["autocomplete"] is True
    assert (options["channel"]["type"], options["mention"]["type"], options["lead"]["type"]) == (7, 8, 4)
    assert (options["lead"]["min_value"], options["lead"]["max_value"]) == (0, 1440)
    assert [o["name"] for o in commands["reminder_list"]["options"]] == ["channel"]
    [reminder] = commands["reminder_delete"]["options"]
    assert (reminder["name"], reminder["autocomplete"], reminder["required"]) == ("reminder", True, True)
    assert {add["contexts"][0], commands["reminder_list"]["contexts"][0]} == {0}


def test_a_recurring_reminder_in_the_members_zone_posted_here():
    MemberZone.objects.create(discord_user_id=MOD_ID, timezone="America/New_York")
    answer = text(run("add_reminder", name="Raid", message="Log in!", days="maandag,woensdag", time="20:30"))
    reminder = Reminder.objects.get()
    assert (reminder.days, reminder.time, str(reminder.timezone)) == ([0, 2], dt.time(20, 30), "America/New_York")
    assert (reminder.channel_id, reminder.created_by, reminder.guild_id) == (CHANNEL_ID, MOD_ID, GUILD_ID)
    assert f"Reminder **Raid** (#{reminder.pk}) created: Monday, Wednesday at 20:30 (America/New_York)" in answer
    assert f"in <#{CHANNEL_ID}>" in answer
    assert f"Next send: <t:{int(reminder.next_fire_at.timestamp())}:F>" in answer


def test_a_one_off_in_the_guilds_zone_in_another_channel_with_a_role():
    answer = text(
        run(
            "add_reminder",
            name="Boss",
            message="Be there",
            date=local_future(),
            time="21:00",
            channel=OTHER_CHANNEL,
            location="Icecrown",
            lead=15,
            mention=RAIDERS_ROLE,
        )
    )
    reminder = Reminder.objects.get()
    assert str(reminder.timezone) == "Europe/Brussels"  # no zone of their own: the server's
    local = reminder.event_time.astimezone(zoneinfo.ZoneInfo("Europe/Brussels"))
    assert (local.strftime("%Y-%m-%d %H:%M"), reminder.lead_minutes) == (f"{local_future()} 21:00", 15)
    assert (reminder.channel_id, reminder.mention_role_id, reminder.location) == (
        OTHER_CHANNEL,
        RAIDERS_ROLE,
        "Icecrown",
    )
    assert reminder.next_fire_at == reminder.event_time - dt.timedelta(minutes=15)
    assert f"Mentions <@&{RAIDERS_ROLE}>." in answer


def test_the_timezone_option_autocompletes_zones():
    response = handle_interaction(payload_for("add_reminder", kind=4, focused="timezone", timezone="brussel"))
    assert response["type"] == 8
    assert {"name": "Europe/Brussels", "value": "Europe/Brussels"} in response["data"]["choices"]


def _counts() -> tuple[int, int, int]:
    return Reminder.objects.count(), Dispatch.objects.count(), GuildClockSettings.objects.count()


REFUSALS = [
    ("member", {"days": "mon", "time": "20:00"}, "Only moderators can use this."),
    ("mod", {"time": "20:00"}, services.NO_WHEN),
    ("mod", {"days": "mon", "date": "2030-01-01", "time": "20:00"}, services.BOTH_WHEN),
    ("mod", {"date": "2020-01-01", "time": "20:00"}, "is in the past; a one-off reminder needs a time in the future"),
    ("mod", {"date": "2030-03-31", "time": "02:30"}, "does not exist in Europe/Brussels"),
    ("mod", {"days": "mon", "time": "20:00", "timezone": "Europe/Brusels"}, "Did you mean Europe/Brussels?"),
    ("mod", {"days": "mon", "time": "20:00", "timezone": "Mars/Olympus"}, "is not an IANA time zone"),
    ("mod", {"days": "mon", "time": "20:00", "channel": FOREIGN_CHANNEL}, "is not a channel of this server"),
    ("mod", {"days": "mon", "time": "20:00", "channel": 222_222_222_222_222_202}, "is a category or a forum"),
    ("mod", {"days": "mon", "time": "20:00", "message": "x" * 1501}, "`message`: must be at most 1500 characters."),
    ("mod", {"days": "mon", "time": "20:00", "message": "raid @everyone"}, services.EVERYONE_NOT_ALLOWED),
    ("mod", {"days": "mon", "time": "20:00", "mention": GUILD_ID}, services.EVERYONE_NOT_ALLOWED),
    ("mod", {"days": "funday", "time": "20:00"}, 'Could not read the days "funday"'),
    ("mod", {"days": "mon", "time": "8pm"}, "is not a time of day"),
    ("mod", {"date": "2030-01-01", "time": "20:00", "lead": 1441}, "`lead`: must be at most 1440."),
]


@pytest.mark.parametrize(("who", "values", "expected"), REFUSALS)
def test_every_refusal_is_ephemeral_clear_and_writes_nothing(who, values, expected):
    before = _counts()
    response = run("add_reminder", who, **{"name": "Raid", "message": "Log in", **values})
    assert expected in text(response)
    assert _counts() == before


def test_everyone_is_allowed_when_the_guild_allows_it():
    services.clock_settings_update(actor=Actor(is_admin=True), guild_id=GUILD_ID, allow_everyone_mention=True)
    text(run("add_reminder", name="Raid", message="Log in", days="daily", time="20:00", mention=GUILD_ID))
    reminder = Reminder.objects.get()
    assert (reminder.mention_everyone, reminder.mention_role_id) == (True, None)


def test_the_sent_message_always_fits_discords_limit():
    services.clock_settings_update(actor=Actor(is_admin=True), guild_id=GUILD_ID, allow_everyone_mention=True)
    text(
        run(
            "add_reminder",
            name="n" * 100,
            message="m" * 1500,
            location="l" * 200,
            date=local_future(),
            time="20:00",
            mention=RAIDERS_ROLE,
        )
    )
    reminder = Reminder.objects.get()
    reminder.mention_everyone = True
    for kind in ("early", "event", "weekly"):
        assert len(reminder_content(reminder, kind=kind, occurrence=reminder.event_time)) <= 2000


def make(name: str, *, channel_id: int = CHANNEL_ID, who: str = "mod", hour: int = 20) -> Reminder:
    user_id, _ = WHO[who]
    return services.reminder_create(
        actor=Actor(user_id=user_id, is_moderator=True),
        guild_id=GUILD_ID,
        name=name,
        message="m",
        channel_id=channel_id,
        timezone_name="Europe/Brussels",
        days="daily",
        time_text=f"{hour:02d}:00",
    )


def test_reminder_list_shows_each_next_send_and_filters_by_channel():
    first = make("Raid")
    make("Elsewhere", channel_id=OTHER_CHANNEL)
    archived = make("Gone")
    services.reminder_archive(actor=Actor(user_id=MOD_ID), guild_id=GUILD_ID, reminder_id=archived.pk)
    services.reminder_create(
        actor=Actor(user_id=MOD_ID, is_moderator=True),
        guild_id=999,
        name="Other server",
        message="m",
        channel_id=CHANNEL_ID,
        timezone_name="UTC",
        days="daily",
        time_text="10:00",
    )
    every = text(run("reminder_list", "member"))
    unix = int(first.next_fire_at.timestamp())
    assert f"• **Raid** (#{first.pk}) in <#{CHANNEL_ID}>: daily at 20:00 (Europe/Brussels) — next <t:{unix}:F>" in every
    assert "Elsewhere" in every and "Gone" not in every and "Other server" not in every
    assert "2 reminder(s)" in every
    only_here = text(run("reminder_list", "member", channel=OTHER_CHANNEL))
    assert "Elsewhere" in only_here and "**Raid**" not in only_here
    assert "No active reminders" in text(run("reminder_list", "member", channel=222_222_222_222_222_203))


def test_reminder_list_pages_and_a_click_shows_the_next_page():
    for index in range(20):
        make(f"Reminder {index:02d}", hour=index)
    response = run("reminder_list", "member")
    pages = [text(response)]
    assert "Page 1 of " in pages[0]
    user_id, roles = WHO["member"]
    while not response["data"]["components"][0]["components"][1]["disabled"]:
        following = response["data"]["components"][0]["components"][1]["custom_id"]
        assert following == f"page:reminder_list..{len(pages)}"
        response = handle_interaction(component_payload(following, user_id=user_id, roles=roles))
        assert response["type"] == 7  # the page is shown in place
        pages.append(response["data"]["content"])
    assert len(pages) > 1
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]
    shown = [line for page in pages for line in page.splitlines() if line.startswith("• ")]
    assert len(shown) == 20 == len(set(shown))
    assert all(len(page) <= 2000 for page in pages)


def test_reminder_delete_by_its_creator_or_an_admin_only():
    reminder = make("Raid", who="mod")
    before = Reminder.objects.values().get(pk=reminder.pk)
    refused = text(run("reminder_delete", "other_mod", reminder=reminder.pk))
    assert refused == services.NOT_YOURS
    assert text(run("reminder_delete", "member", reminder=reminder.pk)) == services.NOT_YOURS
    assert Reminder.objects.values().get(pk=reminder.pk) == before
    assert text(run("reminder_delete", "mod", reminder=reminder.pk)) == (
        f"Reminder **Raid** (#{reminder.pk}) deleted: it will not be sent again."
    )
    reminder.refresh_from_db()
    assert (reminder.status, reminder.next_fire_at) == ("archived", None)
    second = make("Second", who="mod")
    assert "deleted" in text(run("reminder_delete", "admin", reminder=second.pk))


def test_reminder_delete_cannot_reach_another_servers_reminder():
    foreign = services.reminder_create(
        actor=Actor(user_id=MOD_ID, is_moderator=True),
        guild_id=999,
        name="Theirs",
        message="m",
        channel_id=1,
        timezone_name="UTC",
        days="daily",
        time_text="10:00",
    )
    assert (
        text(run("reminder_delete", "admin", reminder=foreign.pk))
        == f"There is no reminder {foreign.pk} on this server."
    )
    foreign.refresh_from_db()
    assert foreign.status == "active"


def test_reminder_delete_autocompletes_this_servers_active_reminders():
    raid = make("Raid night")
    make("Boss")
    gone = make("Raid gone")
    services.reminder_archive(actor=Actor(user_id=MOD_ID), guild_id=GUILD_ID, reminder_id=gone.pk)
    response = handle_interaction(payload_for("reminder_delete", "member", kind=4, focused="reminder", reminder="raid"))
    assert response["data"]["choices"] == [
        {"name": f"#{raid.pk} Raid night (daily at 20:00 (Europe/Brussels))", "value": raid.pk}
    ]


def deliver():
    async def scenario():
        try:
            async with discord_http_client() as http:
                return await OutboxDeliverer(http).deliver_due()
        finally:
            await sync_to_async(connections.close_all)()

    return asyncio.run(scenario())


@pytest.mark.django_db(transaction=True)
def test_a_reminder_added_in_discord_is_sent_to_its_channel_once(emulator):
    configure()
    emulator.add_guild(guild_id=str(GUILD_ID))
    emulator.add_channel(guild_id=str(GUILD_ID), channel_id=str(CHANNEL_ID), name="raids")
    text(run("add_reminder", name="Raid", message="Log in!", days="daily", time="20:00", mention=RAIDERS_ROLE))
    reminder = Reminder.objects.get()
    due = reminder.next_fire_at
    report = dispatcher.dispatch_due(now=due + dt.timedelta(seconds=2))
    dispatcher.dispatch_due(now=due + dt.timedelta(seconds=3))  # a second run sends nothing again
    assert report.sent == 1
    deliver()
    deliver()
    [message] = emulator.messages(CHANNEL_ID)
    assert message["content"].startswith(f"<@&{RAIDERS_ROLE}> 🔔 **Raid**\nLog in!")
    [record] = Dispatch.objects.all()
    assert (record.status, record.outcome) == ("sent", "done")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_add_reminder_through_the_real_bot_and_its_message_delivered_by_it(emulator, bot_env, tmp_path):
    from botworker.tests.test_bot import BotProcess, gateway_answer, start_ready

    configure()
    emulator.add_guild(guild_id=str(GUILD_ID), name="Raiders")
    channel = emulator.add_channel(guild_id=str(GUILD_ID), name="raids")
    bot = BotProcess(bot_env, tmp_path)
    try:
        start_ready(bot, emulator)
        payload = payload_for(
            "add_reminder", name="Raid", message="Log in!", days="weekdays", time="20:00", channel=channel["id"]
        )
        payload["channel_id"] = channel["id"]
        body = gateway_answer(emulator, payload)
        assert body["data"]["flags"] == 64
        assert body["data"]["content"].startswith("Reminder **Raid**")
        refusal = payload_for("add_reminder", "member", name="x", message="y", days="mon")
        refusal["channel_id"] = channel["id"]
        refused = gateway_answer(emulator, refusal)
        assert (refused["data"]["content"], refused["data"]["flags"]) == ("Only moderators can use this.", 64)
        assert Reminder.objects.count() == 1
        reminder = Reminder.objects.get()
        assert reminder.channel_id == int(channel["id"])
        dispatcher.dispatch_due(now=reminder.next_fire_at + dt.timedelta(seconds=1))
        [message] = json.loads(json.dumps(_wait_messages(emulator, channel["id"])))
        assert message["content"] == "🔔 **Raid**\nLog in!"
    finally:
        bot.kill()


def _wait_messages(emulator, channel_id: str) -> list[dict]:
    from conftest import wait_for

    return wait_for(lambda: emulator.messages(channel_id), timeout=20, message="the reminder's message")


@pytest.fixture
def bot_env(emulator, subprocess_env, settings):
    settings.DISCORD_APPLICATION_ID = emulator.application_id
    return {
        **subprocess_env,
        "DISCORD_TOKEN": emulator.token,
        "DISCORD_API_BASE": emulator.api_base,
        "DISCORD_GATEWAY_URL": emulator.gateway_url,
        "DISCORD_APPLICATION_ID": emulator.application_id,
        "OUTBOX_LEASE_SECONDS": "5",
    }


# --- embed_link: the when and where read from a linked announcement ---------------------------------


@pytest.fixture
def announcement(emulator):
    guild = str(GUILD_ID)
    emulator.add_guild(guild, "Raid Guild")
    channel = emulator.add_channel(guild, "announcements")
    emulator.add_channel(guild, "voice", channel_id="222222222222222299")
    start = (timezone.now() + dt.timedelta(days=4)).replace(microsecond=0)
    message = emulator.add_message(
        channel["id"],
        "",
        author_id=str(MOD_ID),
        embeds=[
            {
                "title": "Raid night",
                "description": f"When: <t:{int(start.timestamp())}:F>\nWhere: <#222222222222222299>",
            }
        ],
    )
    link = f"https://discord.com/channels/{GUILD_ID}/{channel['id']}/{message['id']}"
    return {"link": link, "start": start}


def test_add_reminder_reads_the_when_and_where_of_a_linked_announcement(announcement):
    payload = payload_for("add_reminder", name="Raid", message="Be there", embed_link=announcement["link"])
    # Reading the message asks Discord: the command is deferred (ephemerally) and answered by the follow-up.
    first = handle_interaction(payload)
    assert first["type"] == 5 and first["data"]["flags"] == 64
    answer = run_deferred(payload)
    reminder = Reminder.objects.get()
    assert (reminder.name, reminder.message, reminder.location) == ("Raid", "Be there", "#voice")
    assert reminder.event_time == announcement["start"]
    assert "Raid" in answer["content"]


def test_typed_options_win_over_the_linked_announcement(announcement):
    payload = payload_for(
        "add_reminder", name="Raid", message="m", days="mon", time="20:00", embed_link=announcement["link"]
    )
    handle_interaction(payload)
    run_deferred(payload)
    reminder = Reminder.objects.get()
    assert (reminder.days, reminder.time, reminder.event_time) == ([0], dt.time(20, 0), None)
    assert reminder.location == "#voice"


def test_a_link_to_another_servers_message_is_refused_and_writes_nothing(announcement):
    link = f"https://discord.com/channels/999999999999999999/{FOREIGN_CHANNEL}/1"
    payload = payload_for("add_reminder", name="Raid", message="m", embed_link=link)
    handle_interaction(payload)
    answer = run_deferred(payload)
    assert "server" in answer["content"]  # the deferred answer was ephemeral already
    assert not Reminder.objects.exists()


def test_without_a_link_the_answer_is_immediate():
    response = run("add_reminder", name="Raid", message="m", days="mon", time="20:00")
    assert response["type"] == 4
