"""What an interaction shows of its member is written when it is news, not on every click."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from botworker import directory
from botworker.interactions import handle_interaction
from botworker.models import DirectoryMember, DirectoryUser, GuildMember
from botworker.seen import SEEN_MEMO_SECONDS, forget_people_seen
from botworker.tests.factories import GUILD_ID, USER_ID, command_payload

pytestmark = pytest.mark.django_db

OTHER_GUILD = 130_000_000_000_000_001
ROLE = 140_000_000_000_000_001
PEOPLE_TABLES = ("botworker_guildmember", "botworker_directoryuser", "botworker_directorymember")


def people_writes(payload, capture) -> list[str]:
    """The statements that recorded people while `payload` was handled (and committed)."""
    with CaptureQueriesContext(connection) as queries, capture(execute=True):
        handle_interaction(payload)
    return [q["sql"] for q in queries.captured_queries if any(table in q["sql"] for table in PEOPLE_TABLES)]


def test_the_first_interaction_records_the_member_and_the_next_one_the_same_facts_writes_nothing(
    django_capture_on_commit_callbacks,
):
    assert people_writes(command_payload("whoami"), django_capture_on_commit_callbacks)
    assert GuildMember.objects.filter(guild_id=GUILD_ID, user_id=USER_ID).exists()
    assert DirectoryUser.objects.get(user_id=USER_ID).username == "tester"
    assert people_writes(command_payload("whoami"), django_capture_on_commit_callbacks) == []


@pytest.mark.parametrize(
    "changed",
    [
        {"roles": [ROLE]},
        {"permissions": 8},
        {"guild_id": OTHER_GUILD},
    ],
    ids=["a new role", "new permissions", "another guild"],
)
def test_anything_new_is_written_at_once(django_capture_on_commit_callbacks, changed):
    people_writes(command_payload("whoami"), django_capture_on_commit_callbacks)
    assert people_writes(command_payload("whoami", **changed), django_capture_on_commit_callbacks)
    member = GuildMember.objects.get(guild_id=changed.get("guild_id", GUILD_ID), user_id=USER_ID)
    assert member.role_ids == [str(r) for r in changed.get("roles", [])]
    assert member.permissions == changed.get("permissions", 0)


def test_a_new_name_is_written_at_once(django_capture_on_commit_callbacks):
    people_writes(command_payload("whoami"), django_capture_on_commit_callbacks)
    renamed = command_payload("whoami")
    renamed["member"]["nick"] = "Raid Leader"
    renamed["member"]["user"]["global_name"] = "Leader"
    assert people_writes(renamed, django_capture_on_commit_callbacks)
    assert DirectoryMember.objects.get(guild_id=GUILD_ID, user_id=USER_ID).nick == "Raid Leader"
    assert DirectoryUser.objects.get(user_id=USER_ID).global_name == "Leader"


def test_nothing_is_remembered_from_a_transaction_that_did_not_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        handle_interaction(command_payload("whoami"))
    assert people_writes(command_payload("whoami"), django_capture_on_commit_callbacks)


def test_a_failed_write_is_tried_again_by_the_next_interaction(django_capture_on_commit_callbacks, monkeypatch):
    def broken(*args, **kwargs):
        raise DatabaseError("boom")

    with monkeypatch.context() as patched:
        patched.setattr(DirectoryUser.objects, "bulk_create", broken)
        people_writes(command_payload("whoami"), django_capture_on_commit_callbacks)
    assert not DirectoryUser.objects.exists()
    assert people_writes(command_payload("whoami"), django_capture_on_commit_callbacks)
    assert DirectoryUser.objects.filter(user_id=USER_ID).exists()


def test_a_member_who_left_and_interacts_again_is_present_again_at_once(django_capture_on_commit_callbacks):
    people_writes(command_payload("whoami"), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        directory.apply_gateway_event(
            "GUILD_MEMBER_REMOVE", {"guild_id": str(GUILD_ID), "user": {"id": str(USER_ID), "username": "tester"}}
        )
    assert DirectoryMember.objects.get(guild_id=GUILD_ID, user_id=USER_ID).gone_at is not None
    assert people_writes(command_payload("whoami"), django_capture_on_commit_callbacks)
    assert DirectoryMember.objects.get(guild_id=GUILD_ID, user_id=USER_ID).gone_at is None


@pytest.mark.parametrize("model", [GuildMember, DirectoryMember, DirectoryUser])
def test_a_member_whose_rows_are_deleted_is_recorded_again(django_capture_on_commit_callbacks, model):
    people_writes(command_payload("whoami"), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        model.objects.filter(user_id=USER_ID).delete()  # as an erasure, or staff in the admin
    assert people_writes(command_payload("whoami"), django_capture_on_commit_callbacks)
    assert model.objects.filter(user_id=USER_ID).exists()


def test_forgetting_one_user_keeps_the_others_memo(django_capture_on_commit_callbacks):
    people_writes(command_payload("whoami"), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        forget_people_seen(user_id=USER_ID + 1)
    assert people_writes(command_payload("whoami"), django_capture_on_commit_callbacks) == []


def test_the_memo_expires(django_capture_on_commit_callbacks, monkeypatch):
    timeouts = []
    real_set = cache.set

    def set_expired(key, value, timeout):
        if key.startswith("guildhall:seen:"):
            timeouts.append(timeout)
            timeout = 0
        real_set(key, value, timeout)

    monkeypatch.setattr(cache, "set", set_expired)
    people_writes(command_payload("whoami"), django_capture_on_commit_callbacks)
    assert timeouts == [SEEN_MEMO_SECONDS]
    # Stored with no time left: the next interaction records again.
    assert people_writes(command_payload("whoami"), django_capture_on_commit_callbacks)
