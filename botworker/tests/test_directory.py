"""The Discord directory: snapshots and events kept current, gone marked (never deleted), the
people of every interaction recorded without ever failing it, and names looked up."""

from __future__ import annotations

import pytest
from django.db import DatabaseError

from botworker import directory
from botworker.interactions import handle_interaction
from botworker.models import (
    DirectoryChannel,
    DirectoryGuild,
    DirectoryMember,
    DirectoryRole,
    DirectoryUser,
    GuildMember,
)
from botworker.tests.factories import GUILD_ID, USER_ID, command_payload

pytestmark = pytest.mark.django_db

SHIFTS, CATEGORY, VOICE, THREAD = 700_000_000_000_000_001, 700_000_000_000_000_002, 700_000_000_000_000_003, 7004
OFFICERS, RAIDERS = 710_000_000_000_000_001, 710_000_000_000_000_002
OTHER_USER = 720_000_000_000_000_001


def snapshot(**overrides) -> dict:
    guild = {
        "id": str(GUILD_ID),
        "name": "Raiders",
        "icon": "a1b2",
        "channels": [
            {"id": str(CATEGORY), "type": 4, "name": "Operations", "position": 0},
            {"id": str(SHIFTS), "type": 0, "name": "shifts", "position": 1, "parent_id": str(CATEGORY)},
            {"id": str(VOICE), "type": 2, "name": "Raid voice", "position": 2},
        ],
        "roles": [
            {"id": str(GUILD_ID), "name": "@everyone", "color": 0, "position": 0},
            {"id": str(OFFICERS), "name": "Officers", "color": 0xE67E22, "position": 2},
            {"id": str(RAIDERS), "name": "Raiders", "color": 0, "position": 1},
        ],
        "members": [{"user": {"id": str(OTHER_USER), "username": "bob", "global_name": "Bob"}, "nick": "Bobby"}],
    }
    guild.update(overrides)
    return guild


def test_a_guild_snapshot_records_the_guild_its_channels_roles_and_members():
    directory.record_guild_snapshot(snapshot())

    guild = DirectoryGuild.objects.get(guild_id=GUILD_ID)
    assert (guild.name, guild.icon, guild.gone_at) == ("Raiders", "a1b2", None)
    shifts = DirectoryChannel.objects.get(channel_id=SHIFTS)
    assert (shifts.name, shifts.type, shifts.parent_id, shifts.guild_id) == ("shifts", 0, CATEGORY, GUILD_ID)
    officers = DirectoryRole.objects.get(role_id=OFFICERS)
    assert (officers.name, officers.colour, officers.position) == ("Officers", 0xE67E22, 2)
    assert DirectoryMember.objects.get(guild_id=GUILD_ID, user_id=OTHER_USER).nick == "Bobby"
    assert str(DirectoryUser.objects.get(user_id=OTHER_USER)) == "Bob"


def test_a_later_snapshot_marks_what_it_no_longer_lists_gone_and_keeps_its_name():
    directory.record_guild_snapshot(snapshot())
    later = snapshot()
    later["channels"] = [c for c in later["channels"] if c["id"] != str(SHIFTS)]
    later["roles"] = [r for r in later["roles"] if r["id"] != str(RAIDERS)]
    directory.record_guild_snapshot(later)

    shifts = DirectoryChannel.objects.get(channel_id=SHIFTS)
    assert shifts.gone_at is not None and shifts.name == "shifts"
    assert DirectoryRole.objects.get(role_id=RAIDERS).gone_at is not None
    assert DirectoryChannel.objects.get(channel_id=VOICE).gone_at is None
    assert DirectoryRole.objects.get(role_id=OFFICERS).gone_at is None
    assert directory.channel_entries([SHIFTS])[SHIFTS] == directory.Entry(SHIFTS, "#shifts", gone=True)


def test_threads_are_not_channels_of_the_directory():
    directory.record_guild_snapshot(snapshot(channels=[{"id": str(THREAD), "type": 11, "name": "a thread"}]))
    assert not DirectoryChannel.objects.exists()


def test_channel_and_role_events_update_one_row_and_deletes_mark_it_gone():
    directory.record_guild_snapshot(snapshot())
    directory.apply_gateway_event(
        "CHANNEL_UPDATE", {"id": str(SHIFTS), "guild_id": str(GUILD_ID), "type": 0, "name": "shift-board"}
    )
    directory.apply_gateway_event(
        "GUILD_ROLE_UPDATE", {"guild_id": str(GUILD_ID), "role": {"id": str(OFFICERS), "name": "Council"}}
    )
    directory.apply_gateway_event("GUILD_ROLE_DELETE", {"guild_id": str(GUILD_ID), "role_id": str(RAIDERS)})
    directory.apply_gateway_event("CHANNEL_DELETE", {"id": str(VOICE), "guild_id": str(GUILD_ID), "type": 2})

    assert DirectoryChannel.objects.get(channel_id=SHIFTS).name == "shift-board"
    assert DirectoryRole.objects.get(role_id=OFFICERS).name == "Council"
    raiders = DirectoryRole.objects.get(role_id=RAIDERS)
    assert raiders.gone_at is not None and raiders.name == "Raiders"
    voice = DirectoryChannel.objects.get(channel_id=VOICE)
    assert voice.gone_at is not None and voice.name == "Raid voice"
    assert DirectoryChannel.objects.count() == 3 and DirectoryRole.objects.count() == 3


def test_a_guild_outage_is_not_a_removal_but_leaving_the_guild_is():
    directory.record_guild_snapshot(snapshot())
    directory.apply_gateway_event("GUILD_DELETE", {"id": str(GUILD_ID), "unavailable": True})
    assert DirectoryGuild.objects.get(guild_id=GUILD_ID).gone_at is None
    directory.apply_gateway_event("GUILD_DELETE", {"id": str(GUILD_ID)})
    assert DirectoryGuild.objects.get(guild_id=GUILD_ID).gone_at is not None
    directory.apply_gateway_event("GUILD_UPDATE", {"id": str(GUILD_ID), "name": "Raiders Reborn"})
    guild = DirectoryGuild.objects.get(guild_id=GUILD_ID)
    assert (guild.name, guild.gone_at) == ("Raiders Reborn", None)


def test_member_events_keep_names_current_and_mark_who_left():
    member = {"user": {"id": str(OTHER_USER), "username": "bob", "global_name": "Bob"}, "nick": None}
    directory.apply_gateway_event("GUILD_MEMBER_ADD", {**member, "guild_id": str(GUILD_ID)})
    directory.apply_gateway_event("GUILD_MEMBER_UPDATE", {**member, "guild_id": str(GUILD_ID), "nick": "Tank Bob"})
    assert directory.member_entries([(GUILD_ID, OTHER_USER)])[(GUILD_ID, OTHER_USER)].label == "Tank Bob"
    directory.apply_gateway_event("GUILD_MEMBER_REMOVE", {"guild_id": str(GUILD_ID), "user": member["user"]})
    entry = directory.member_entries([(GUILD_ID, OTHER_USER)])[(GUILD_ID, OTHER_USER)]
    assert entry.gone and entry.label == "Tank Bob"


@pytest.mark.parametrize(
    "event, data",
    [
        ("CHANNEL_UPDATE", {"id": "not-an-id", "type": 0}),
        ("CHANNEL_UPDATE", {"id": str(SHIFTS), "type": "text", "guild_id": str(GUILD_ID)}),
        ("GUILD_ROLE_UPDATE", {"guild_id": str(GUILD_ID), "role": "Officers"}),
        ("GUILD_CREATE", {"id": str(GUILD_ID), "channels": [None, 5, {"id": None}], "roles": ["x"]}),
        ("GUILD_MEMBER_ADD", {"guild_id": str(GUILD_ID), "user": ["bob"]}),
        ("GUILD_CREATE", ["not", "a", "dict"]),
    ],
)
def test_a_malformed_event_writes_nothing_and_never_raises(event, data):
    assert directory.apply_gateway_event(event, data) is True
    assert not DirectoryChannel.objects.exists()
    assert not DirectoryRole.objects.exists()
    assert not DirectoryMember.objects.exists()


def test_events_the_directory_does_not_follow_are_left_alone():
    assert directory.apply_gateway_event("MESSAGE_CREATE", {"id": "1"}) is False


def test_every_interaction_records_its_member_and_the_people_it_resolves():
    payload = command_payload("whoami")
    payload["member"]["nick"] = "Tess"
    payload["data"]["resolved"] = {
        "users": {str(OTHER_USER): {"id": str(OTHER_USER), "username": "bob", "global_name": None}},
        "members": {str(OTHER_USER): {"nick": "Bobby", "roles": []}},
        "roles": {str(OFFICERS): {"id": str(OFFICERS), "name": "Officers", "color": 15}},
        "channels": {str(SHIFTS): {"id": str(SHIFTS), "name": "shifts", "type": 0}},
    }
    handle_interaction(payload)

    names = directory.member_entries([(GUILD_ID, USER_ID), (GUILD_ID, OTHER_USER), (None, OTHER_USER)])
    assert names[(GUILD_ID, USER_ID)].label == "Tess"
    assert names[(GUILD_ID, OTHER_USER)].label == "Bobby"
    # Outside a guild (or where they have no nickname) a user is their account's name.
    assert names[(None, OTHER_USER)].label == "bob"
    assert directory.role_entries([OFFICERS])[OFFICERS].label == "@Officers"
    assert directory.channel_entries([SHIFTS])[SHIFTS].label == "#shifts"


def test_a_direct_message_records_the_user_only():
    handle_interaction(command_payload("whoami", guild_id=None))
    assert str(DirectoryUser.objects.get(user_id=USER_ID)) == "Tester"
    assert not DirectoryMember.objects.exists()


def test_a_member_who_interacts_again_is_no_longer_gone():
    directory.apply_gateway_event(
        "GUILD_MEMBER_REMOVE", {"guild_id": str(GUILD_ID), "user": {"id": str(USER_ID), "username": "tester"}}
    )
    handle_interaction(command_payload("whoami"))
    assert DirectoryMember.objects.get(guild_id=GUILD_ID, user_id=USER_ID).gone_at is None


def test_a_failed_directory_write_does_not_fail_the_interaction_nor_its_member_record(monkeypatch):
    def broken(*args, **kwargs):
        raise DatabaseError("boom")

    monkeypatch.setattr(DirectoryUser.objects, "bulk_create", broken)
    response = handle_interaction(command_payload("whoami"))
    assert "You are a **member** here." in response["data"]["content"]
    assert GuildMember.objects.filter(guild_id=GUILD_ID, user_id=USER_ID).exists()
    assert not DirectoryMember.objects.exists()


def test_the_interaction_capture_costs_one_query_per_kind_of_row(django_assert_num_queries):
    payload = command_payload("whoami")
    # A savepoint and its release around two upserts (users, members).
    with django_assert_num_queries(4):
        directory.record_interaction_people(payload)


def test_search_finds_users_by_username_display_name_and_nickname():
    directory.record_guild_snapshot(snapshot())
    assert directory.search_user_ids("bob") == [OTHER_USER]
    assert directory.search_user_ids("bobby") == [OTHER_USER]
    assert directory.search_user_ids("alice") == []


def test_pickers_list_the_guilds_live_channels_of_a_type_and_its_roles_without_everyone():
    directory.record_guild_snapshot(snapshot())
    directory.apply_gateway_event("GUILD_ROLE_DELETE", {"guild_id": str(GUILD_ID), "role_id": str(RAIDERS)})
    [(guild, text)] = directory.channel_choices(GUILD_ID, directory.TEXT_CHANNEL_TYPES)
    assert guild == GUILD_ID and [e.label for e in text] == ["#shifts"]
    [(_, categories)] = directory.channel_choices(GUILD_ID, directory.CATEGORY_TYPES)
    assert [e.label for e in categories] == ["#Operations"]
    [(_, roles)] = directory.role_choices(GUILD_ID)
    assert [e.label for e in roles] == ["@Officers"]
