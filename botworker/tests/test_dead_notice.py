"""A dead outbox action is announced in the guild's logs channel with a Retry button for admins."""

import pytest
from django.db import transaction

from botworker.guilds import guild_configure
from botworker.interactions import handle_interaction
from botworker.interactions.routing import NEEDS_LEVEL
from botworker.models import BotAction
from botworker.outbox import ACTION_NOT_DEAD, ACTION_NOT_IN_GUILD, enqueue
from botworker.tests.factories import ADMIN_ROLE, GUILD_ID, MOD_ROLE, component_payload
from botworker.tests.outbox_helpers import deliver

pytestmark = pytest.mark.django_db(transaction=True)

Status = BotAction.Status


@pytest.fixture
def guild(emulator):
    emulator.add_guild(guild_id=str(GUILD_ID))
    target = emulator.add_channel(guild_id=str(GUILD_ID), name="announcements")
    logs = emulator.add_channel(guild_id=str(GUILD_ID), name="logs")
    guild_configure(
        guild_id=GUILD_ID,
        moderator_role_ids=[MOD_ROLE],
        admin_role_ids=[ADMIN_ROLE],
        channels={"logs": int(logs["id"])},
    )
    return {"target": target["id"], "logs": logs["id"]}


def enqueue_announcement(channel_id) -> BotAction:
    with transaction.atomic():
        return enqueue(
            kind=BotAction.Kind.SEND_MESSAGE,
            payload={"channel_id": channel_id, "content": "Raid tonight"},
            dedupe_key="announce:1",
            guild_id=GUILD_ID,
        )


def kill_with_403(emulator, guild) -> BotAction:
    action = enqueue_announcement(guild["target"])
    emulator.fail_next(1, status=403, path=rf"/channels/{guild['target']}/messages")
    deliver()
    action.refresh_from_db()
    assert action.status == Status.DEAD
    deliver()  # delivers the notice
    return action


def test_dead_action_is_announced_with_a_retry_button(emulator, guild):
    action = kill_with_403(emulator, guild)
    [notice] = emulator.messages(guild["logs"])
    assert f"(#{action.pk}, send a message)" in notice["content"]
    assert "403 Forbidden (code 50013): Missing Permissions" in notice["content"]
    [row] = notice["components"]
    assert row["components"][0]["custom_id"] == f"retry_action:{action.pk}"


def test_admin_retries_from_discord_and_the_action_is_delivered(emulator, guild):
    action = kill_with_403(emulator, guild)
    response = handle_interaction(component_payload(f"retry_action:{action.pk}", roles=(ADMIN_ROLE,), user_id=77))
    assert response["type"] == 7
    assert "Retried by <@77>." in response["data"]["content"]
    assert response["data"]["components"][0]["components"][0]["disabled"] is True
    action.refresh_from_db()
    assert action.status == Status.PENDING
    deliver()
    assert [m["content"] for m in emulator.messages(guild["target"])] == ["Raid tonight"]

    again = handle_interaction(component_payload(f"retry_action:{action.pk}", roles=(ADMIN_ROLE,)))
    assert again["data"]["content"] == ACTION_NOT_DEAD.format(status="done")


def test_moderators_cannot_retry(emulator, guild):
    action = kill_with_403(emulator, guild)
    response = handle_interaction(component_payload(f"retry_action:{action.pk}", roles=(MOD_ROLE,)))
    assert response["data"]["content"] == NEEDS_LEVEL.format(level="admin")
    action.refresh_from_db()
    assert action.status == Status.DEAD


def test_another_guilds_action_cannot_be_retried(emulator, guild):
    action = kill_with_403(emulator, guild)
    guild_configure(guild_id=GUILD_ID + 1, admin_role_ids=[ADMIN_ROLE])
    response = handle_interaction(
        component_payload(f"retry_action:{action.pk}", guild_id=GUILD_ID + 1, roles=(ADMIN_ROLE,))
    )
    assert response["data"]["content"] == ACTION_NOT_IN_GUILD
    action.refresh_from_db()
    assert action.status == Status.DEAD


def test_no_logs_channel_no_notice(emulator):
    emulator.add_guild(guild_id=str(GUILD_ID))
    target = emulator.add_channel(guild_id=str(GUILD_ID), name="announcements")
    guild_configure(guild_id=GUILD_ID)
    enqueue_announcement(target["id"])
    emulator.fail_next(1, status=403, path=rf"/channels/{target['id']}/messages")
    deliver()
    assert list(BotAction.objects.values_list("status", flat=True)) == [Status.DEAD]


def test_a_notice_that_dies_is_not_announced(emulator):
    emulator.add_guild(guild_id=str(GUILD_ID))
    target = emulator.add_channel(guild_id=str(GUILD_ID), name="announcements")
    guild_configure(guild_id=GUILD_ID, channels={"logs": 999_999_999_999})  # a channel Discord does not know
    enqueue_announcement(target["id"])
    emulator.fail_next(1, status=403, path=rf"/channels/{target['id']}/messages")
    deliver()  # the announcement dies; its notice is enqueued
    deliver()  # the notice dies too (unknown channel), and is not announced in turn
    statuses = dict(BotAction.objects.values_list("dedupe_key", "status"))
    assert statuses == {
        "announce:1": Status.DEAD,
        f"deadnotice:{BotAction.objects.get(dedupe_key='announce:1').pk}:1": Status.DEAD,
    }
