"""The announcement watcher in Discord: a message in the announcements channel becomes a reminder
and a log message with Fix and Delete, through a real `manage.py runbot` process, the real
discord.py client and the emulator's gateway; the Fix modal and Delete button through the
interaction pipeline; message links for /add_reminder's embed_link."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from botworker.guilds import guild_configure
from botworker.handlers.watcher import present
from botworker.interactions import handle_interaction
from botworker.interactions.routing import NEEDS_LEVEL
from botworker.tests.factories import GUILD_ID, MOD_ROLE, component_payload, modal_payload
from botworker.tests.test_bot import bot, bot_env, start_ready  # noqa: F401 (the bot process fixtures)
from botworker.watcher import (
    MESSAGE_NOT_FOUND,
    OTHER_GUILD,
    announcement_from_link,
    announcement_input,
    handle_message_event,
    parse_message_link,
)
from conftest import wait_for
from scheduling.announcements import NO_DATE_OR_TIME
from scheduling.models import Announcement, Reminder
from scheduling.services import watcher as services

ZONE = "Europe/Brussels"
AUTHOR = 870_000_000_000_000_001
MOD_ID = 870_000_000_000_000_002
MEMBER_ID = 870_000_000_000_000_003
ANNOUNCEMENTS = 870_000_000_000_000_010
LOGS = 870_000_000_000_000_011
REMINDERS = 870_000_000_000_000_012


def unix(instant: datetime) -> int:
    return int(instant.timestamp())


# --- what the reader gets from a message -----------------------------------------------------------


def test_a_message_becomes_the_readers_input():
    start = datetime(2026, 11, 21, 19, 30, tzinfo=UTC)
    data = {
        "content": "@everyone raid in <#42>! <@&7>",
        "embeds": [
            {
                "title": "Raid night",
                "description": f"Starts <t:{unix(start)}:F> (<t:{unix(start)}:R>)",
                "fields": [{"name": "Location", "value": "<#43>"}],
            }
        ],
    }
    read = announcement_input(data, {42: "raids", 43: "voice"})
    assert read.title == "Raid night"
    assert read.text == "@everyone raid in #raids! <@&7>\nStarts 2026-11-21T19:30:00+00:00 (2026-11-21T19:30:00+00:00)"
    assert read.fields == (("Location", "#voice"),)
    assert read.message == f"@\u200beveryone raid in <#42>! <@&7>\nStarts <t:{unix(start)}:F> (<t:{unix(start)}:R>)"
    assert read.channel_ids == {42, 43}
    assert announcement_input({"content": "see <#99>"}).text == "see  "  # an unknown channel is dropped


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        (f"https://discord.com/channels/{GUILD_ID}/5/6", (5, 6)),
        (f"https://ptb.discord.com/channels/{GUILD_ID}/5/6", (5, 6)),
        (f"<https://discordapp.com/channels/{GUILD_ID}/5/6>", (5, 6)),
        ("https://discord.com/channels/999/5/6", OTHER_GUILD),
        ("https://discord.com/channels/@me/5/6", OTHER_GUILD),
        ("https://example.com/channels/1/5/6", "is not a message link"),
        ("not a link", "is not a message link"),
    ],
)
def test_message_links(link, expected):
    if isinstance(expected, tuple):
        assert parse_message_link(link, guild_id=GUILD_ID) == expected
        return
    with pytest.raises(Exception) as refused:
        parse_message_link(link, guild_id=GUILD_ID)
    assert expected in refused.value.message and refused.value.field == "embed_link"


def test_only_readable_messages_in_the_announcements_channel_are_read(db):
    guild_configure(guild_id=GUILD_ID, timezone=ZONE, channels={"announcements": ANNOUNCEMENTS, "logs": LOGS})
    base = {"guild_id": str(GUILD_ID), "channel_id": str(ANNOUNCEMENTS), "author": {"id": str(AUTHOR)}}
    text = "Raid night\nDate: 21/11/2030\nTime: 20:30"
    ignored = [
        {**base, "id": "11", "channel_id": "999", "content": text},  # another channel
        {**base, "id": "12", "guild_id": None, "content": text},  # not in a guild
        {**base, "id": "13", "type": 6, "content": ""},  # "… pinned a message"
        {**base, "id": "14", "content": "", "embeds": [], "attachments": [{"id": "1"}]},  # a picture alone
        {**base, "id": "15", "content": text, "author": {"id": "777"}},  # the bot itself
    ]
    for data in ignored:
        handle_message_event("MESSAGE_CREATE", data, bot_user_id=777)
    handle_message_event("MESSAGE_UPDATE", {**base, "id": "16"}, bot_user_id=777)  # a partial update
    assert not Announcement.objects.exists()
    handle_message_event("MESSAGE_CREATE", {**base, "id": "17", "type": 19, "content": text}, bot_user_id=777)
    assert Reminder.objects.get().origin_message_id == 17


# --- message links through the emulator's REST API --------------------------------------------------


@pytest.fixture
def linked(emulator):
    guild = str(GUILD_ID)
    emulator.add_guild(guild, "Raiders")
    channel = emulator.add_channel(guild, "announcements")
    emulator.add_channel(guild, "voice", channel_id="870000000000000099")
    other = emulator.add_channel("870000000000000777", "elsewhere")
    start = timezone.now() + timedelta(days=3)
    message = emulator.add_message(
        channel["id"],
        "",
        author_id=str(AUTHOR),
        embeds=[
            {
                "title": "Raid night",
                "description": f"When: <t:{unix(start)}:F>\nWhere: <#870000000000000099>",
            }
        ],
    )
    foreign = emulator.add_message(other["id"], "Raid 21/11 20:30", author_id=str(AUTHOR))
    return {"channel": channel["id"], "message": message, "start": start, "foreign": foreign, "other": other["id"]}


def test_a_link_gives_reminder_create_its_fields(linked):
    link = f"https://discord.com/channels/{GUILD_ID}/{linked['channel']}/{linked['message']['id']}"
    found = announcement_from_link(link, GUILD_ID, zone=ZONE)
    assert found == {
        "name": "Raid night",
        "message": f"When: <t:{unix(linked['start'])}:F>\nWhere: <#870000000000000099>",
        "location": "#voice",
        "timezone_name": ZONE,
        "event_time": linked["start"].replace(microsecond=0),
    }


def test_a_link_with_this_guilds_id_to_another_guilds_channel_is_refused(linked):
    link = f"https://discord.com/channels/{GUILD_ID}/{linked['other']}/{linked['foreign']['id']}"
    with pytest.raises(Exception) as refused:
        announcement_from_link(link, GUILD_ID, zone=ZONE)
    assert refused.value.message == OTHER_GUILD


def test_a_link_to_a_missing_message_or_an_unreadable_one_is_refused(linked, emulator):
    link = f"https://discord.com/channels/{GUILD_ID}/{linked['channel']}/870000000000000555"
    with pytest.raises(Exception) as refused:
        announcement_from_link(link, GUILD_ID, zone=ZONE)
    assert refused.value.message == MESSAGE_NOT_FOUND
    emulator.add_message(linked["channel"], "Nothing planned", author_id=str(AUTHOR))
    last = emulator.messages(linked["channel"])[-1]["id"]
    with pytest.raises(Exception) as refused:
        announcement_from_link(
            f"https://discord.com/channels/{GUILD_ID}/{linked['channel']}/{last}", GUILD_ID, zone=ZONE
        )
    assert refused.value.message == NO_DATE_OR_TIME and refused.value.field == "embed_link"


# --- Fix and Delete through the interaction pipeline ------------------------------------------------

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def watched(db):
    guild_configure(guild_id=GUILD_ID, timezone=ZONE, moderator_role_ids=[MOD_ROLE], channels={"logs": LOGS})
    services.announcement_seen(
        guild_id=GUILD_ID,
        channel_id=ANNOUNCEMENTS,
        message_id=1,
        author_id=AUTHOR,
        title="Raid night",
        text="Date: 21/11/2027\nTime: 20:30",
        zone=ZONE,
        target_channel_id=REMINDERS,
    )
    return Reminder.objects.get()


def click(custom_id: str, *, mod: bool = True) -> dict:
    user, roles = (MOD_ID, (MOD_ROLE,)) if mod else (MEMBER_ID, ())
    return handle_interaction(component_payload(custom_id, user_id=user, roles=roles))


def submit(reminder_id: int, fields: dict, *, mod: bool = True) -> dict:
    user, roles = (MOD_ID, (MOD_ROLE,)) if mod else (MEMBER_ID, ())
    return handle_interaction(modal_payload(f"{present.FIX_MODAL}:{reminder_id}", fields, user_id=user, roles=roles))


def test_fix_opens_a_modal_filled_in_and_saving_it_updates_the_log_message(watched):
    opened = click(f"{present.FIX_ACTION}:{watched.pk}")
    assert opened["type"] == 9
    inputs = {
        row["components"][0]["custom_id"]: row["components"][0].get("value") for row in opened["data"]["components"]
    }
    assert inputs == {"date": "2027-11-21", "time": "20:30", "location": None}

    body = submit(watched.pk, {"date": "2027-11-22", "time": "19:00", "location": "Guild hall"})
    assert body["type"] == 7
    assert f"fixed by <@{MOD_ID}>" in body["data"]["content"]
    watched.refresh_from_db()
    assert watched.event_time == datetime(2027, 11, 22, 18, 0, tzinfo=UTC)
    assert watched.call_time == time(19, 0) and watched.location == "Guild hall"


@pytest.mark.parametrize(
    ("fields", "mod", "refusal"),
    [
        ({"date": "2027-11-22", "time": "19:00"}, False, NEEDS_LEVEL.format(level="moderator")),
        ({"date": "2027-02-30", "time": "19:00"}, True, "2027-02-30 19:00"),
        ({"date": "2020-01-01", "time": "19:00"}, True, "is in the past"),
        ({"date": "2027-11-22", "time": "7pm"}, True, "7pm"),
    ],
)
def test_fix_refusals_are_ephemeral_and_write_nothing(watched, fields, mod, refusal):
    before = list(Reminder.objects.values())
    body = submit(watched.pk, fields, mod=mod)
    assert body["data"]["flags"] & 64 and refusal in body["data"]["content"]
    assert list(Reminder.objects.values()) == before


def test_delete_archives_for_moderators_only(watched):
    refused = click(f"{present.DELETE_ACTION}:{watched.pk}", mod=False)
    assert refused["data"]["flags"] & 64
    assert Reminder.objects.get().status == Reminder.Status.ACTIVE

    body = click(f"{present.DELETE_ACTION}:{watched.pk}")
    assert body["type"] == 7 and f"deleted by <@{MOD_ID}>" in body["data"]["content"]
    assert body["data"]["components"] == []
    assert Reminder.objects.get().status == Reminder.Status.ARCHIVED
    assert Announcement.objects.get().status == Announcement.Status.DISMISSED
    again = click(f"{present.FIX_ACTION}:{watched.pk}")  # an old button, clicked later
    assert again["type"] == 9  # the modal opens; saving it is refused:
    assert services.REMINDER_GONE in submit(watched.pk, {"date": "2027-11-22", "time": "19:00"})["data"]["content"]


def test_a_button_for_another_guilds_reminder_is_refused(watched):
    Reminder.objects.filter(pk=watched.pk).update(guild_id=GUILD_ID + 1)
    assert "no reminder" in click(f"{present.FIX_ACTION}:{watched.pk}")["data"]["content"]
    assert "no reminder" in click(f"{present.DELETE_ACTION}:{watched.pk}")["data"]["content"]


# --- the real bot process -----------------------------------------------------------------------------


@pytest.fixture
def announcements_guild(emulator):
    guild = "870000000000000100"
    emulator.add_guild(guild, "Raiders")
    channels = {
        name: emulator.add_channel(guild, name)["id"] for name in ("announcements", "logs", "reminders", "general")
    }
    emulator.add_member(guild, str(AUTHOR))
    guild_configure(
        guild_id=int(guild),
        timezone=ZONE,
        moderator_role_ids=[MOD_ROLE],
        channels={name: int(channels[name]) for name in ("announcements", "logs", "reminders")},
    )
    return {"guild": guild, **channels}


def bot_messages(emulator, channel_id: str) -> list[dict]:
    return [m for m in emulator.messages(channel_id) if m["author"]["id"] == emulator.bot_user["id"]]


def wait_for_logs(emulator, channel_id: str, count: int) -> list[dict]:
    return wait_for(
        lambda: (lambda found: found if len(found) >= count else None)(bot_messages(emulator, channel_id)),
        timeout=20,
        message=f"{count} log messages",
    )


def reminder_of(message_id: str) -> Reminder | None:
    return Reminder.objects.filter(origin_message_id=int(message_id)).first()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_watcher_in_the_bot_process(bot, emulator, announcements_guild):  # noqa: F811 (the imported fixture)
    g = announcements_guild
    start_ready(bot, emulator)
    start = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)

    # An embed announcement becomes a reminder posted in the reminders channel, and a log message.
    embed = {
        "title": "Raid night",
        "description": f"Starts <t:{unix(start)}:F>",
        "fields": [{"name": "Location", "value": "Discord voice"}],
    }
    created = emulator.send_message_create(g["announcements"], "", author_id=str(AUTHOR), embeds=[embed])
    reminder = wait_for(lambda: reminder_of(created["id"]), timeout=20, message="the embed's reminder")
    assert (reminder.name, reminder.event_time, reminder.location) == ("Raid night", start, "Discord voice")
    assert reminder.channel_id == int(g["reminders"]) and reminder.created_by == AUTHOR
    [log] = wait_for_logs(emulator, g["logs"], 1)
    assert "Raid night" in log["content"] and f"<t:{unix(start)}:F>" in log["content"]
    assert "Discord voice" in log["content"]
    buttons = [c["custom_id"] for c in log["components"][0]["components"]]
    assert buttons == [f"{present.FIX_ACTION}:{reminder.pk}", f"{present.DELETE_ACTION}:{reminder.pk}"]

    # Plain text becomes a weekly reminder.
    plain = emulator.send_message_create(
        g["announcements"], "Guild meeting\nEvery Monday at 20:30\nLocation: #general", author_id=str(AUTHOR)
    )
    weekly = wait_for(lambda: reminder_of(plain["id"]), timeout=20, message="the text's reminder")
    assert weekly.days == [0] and weekly.time == time(20, 30)
    wait_for_logs(emulator, g["logs"], 2)

    # A replayed MESSAGE_CREATE (as after a resume) makes no second reminder and no second log.
    emulator.dispatch("MESSAGE_CREATE", {**created, "guild_id": g["guild"]})
    # An unparseable announcement is logged with the reason and makes nothing; sent after the
    # replay, its log proves the replay was handled (events are read in order).
    vague = emulator.send_message_create(g["announcements"], "Big news soon!", author_id=str(AUTHOR))
    logs = wait_for_logs(emulator, g["logs"], 3)
    assert len(logs) == 3 and NO_DATE_OR_TIME in logs[2]["content"] and "not understood" in logs[2]["content"]
    assert Reminder.objects.count() == 2 and reminder_of(vague["id"]) is None

    # Messages in other channels are ignored.
    emulator.send_message_create(g["general"], "Raid tomorrow at 20:30", author_id=str(AUTHOR))

    # An edit updates the reminder.
    later = start + timedelta(days=1, hours=1)
    emulator.send_message_update(
        g["announcements"], created["id"], embeds=[{**embed, "description": f"Moved to <t:{unix(later)}:F>"}]
    )
    logs = wait_for_logs(emulator, g["logs"], 4)
    assert "reminder updated" in logs[3]["content"] and f"<t:{unix(later)}:F>" in logs[3]["content"]
    reminder.refresh_from_db()
    assert reminder.event_time == later

    # A delete archives it.
    emulator.send_message_delete(g["announcements"], created["id"])
    logs = wait_for_logs(emulator, g["logs"], 5)
    assert "deleted" in logs[4]["content"]
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.ARCHIVED
    assert Reminder.objects.count() == 2
    assert not bot_messages(emulator, g["general"])
    assert "Traceback" not in bot.log


def test_the_emulator_dispatches_edits_and_deletes(emulator):
    emulator.add_guild("870000000000000300")
    channel = emulator.add_channel("870000000000000300", "news")["id"]
    sent = emulator.send_message_create(channel, "first", author_id=str(AUTHOR), embeds=[{"title": "T"}])
    edited = emulator.send_message_update(channel, sent["id"], content="second")
    assert edited["content"] == "second" and edited["embeds"][0]["title"] == "T"
    assert edited["guild_id"] == "870000000000000300" and edited["edited_timestamp"]
    assert emulator.get_message(channel, sent["id"])["content"] == "second"
    deleted = emulator.send_message_delete(channel, sent["id"])
    assert deleted == {"id": sent["id"], "channel_id": channel, "guild_id": "870000000000000300"}
    assert emulator.get_message(channel, sent["id"]) is None
    with pytest.raises(ValueError):
        emulator.send_message_delete(channel, sent["id"])
