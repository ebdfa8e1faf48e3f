"""The outbox end to end: enqueue in a transaction, deliver with the real discord.py HTTP client
against the Discord emulator, and check what Discord saw and what the rows say.

The deliverer does its ORM work in sync_to_async's thread (another database connection), so these
tests commit for real (transactional tests)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone

from botworker.discord_api import discord_http_client
from botworker.emulator import DiscordEmulator
from botworker.models import BotAction
from botworker.outbox import (
    RATELIMIT_WAIT_SECONDS,
    CreateChannel,
    OutboxDeliverer,
    SendDM,
    SendMessage,
    backoff_seconds,
    completion_hook,
    derive_nonce,
    enqueue,
    retry_now,
)
from config.logging import ContextFilter
from conftest import BASE_DIR, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

Kind, Status = BotAction.Kind, BotAction.Status
MESSAGES = r"/channels/\d+/messages"


# ---------------------------------------------------------------------------- helpers


def deliver(**options) -> Counter:
    """Deliver everything due with a fresh deliverer and HTTP client in a fresh event loop."""

    async def scenario() -> Counter:
        try:
            async with discord_http_client(max_ratelimit_timeout=RATELIMIT_WAIT_SECONDS) as http:
                return await OutboxDeliverer(http, **options).deliver_due()
        finally:
            await sync_to_async(connections.close_all)()

    return asyncio.run(scenario())


def perform_without_recording(**options) -> list[BotAction]:
    """Claim due rows and perform them on Discord, then "crash": the outcome is never recorded."""

    async def scenario() -> list[BotAction]:
        try:
            async with discord_http_client() as http:
                deliverer = OutboxDeliverer(http, **options)
                batch = await deliverer.claim_batch()
                for action in batch:
                    await deliverer.perform(action)
                return batch
        finally:
            await sync_to_async(connections.close_all)()

    return asyncio.run(scenario())


def reload(action: BotAction) -> BotAction:
    return BotAction.objects.get(pk=action.pk)


def make_due(*actions: BotAction) -> None:
    """Skip the backoff wait (the time passing, not the behaviour, is what this shortcut saves)."""
    BotAction.objects.filter(pk__in=[a.pk for a in actions]).update(next_attempt_at=Now())


def text_channel(emulator: DiscordEmulator, name: str = "general", guild_id: str | None = None) -> dict:
    guild_id = guild_id or emulator.add_guild(name="Guild")["id"]
    return emulator.add_channel(guild_id, name=name)


def send(channel: dict, content: str, key: str, **extra) -> BotAction:
    return enqueue(
        kind=Kind.SEND_MESSAGE,
        payload={"channel_id": channel["id"], "content": content},
        dedupe_key=key,
        guild_id=int(channel["guild_id"]) if channel.get("guild_id") else None,
        **extra,
    )


hook_calls: list[dict] = []


@completion_hook("tests.record_and_follow_up")
def record_and_follow_up(action: BotAction, result: dict) -> None:
    """A completion hook like an owning app's: it reads the row and writes in the same transaction."""
    hook_calls.append(
        {
            "status_seen": BotAction.objects.get(pk=action.pk).status,
            "in_transaction": transaction.get_connection().in_atomic_block,
            "result": result,
            "hook_args": action.hook_args,
        }
    )
    enqueue(
        kind=Kind.SEND_MESSAGE,
        payload={"channel_id": result["channel_id"], "content": f"follow-up to {result['message_id']}"},
        dedupe_key=f"{action.dedupe_key}:follow-up",
    )
    if action.hook_args.get("fail"):
        raise RuntimeError("the owning app refused")


@pytest.fixture(autouse=True)
def clear_hook_calls() -> None:
    hook_calls.clear()


# ---------------------------------------------------------------------------- enqueue


def test_enqueue_twice_with_the_same_dedupe_key_keeps_one_row(emulator: DiscordEmulator) -> None:
    channel = text_channel(emulator)
    first = send(channel, "shift posted", "shift:1:post")
    again = send(channel, "a different text", "shift:1:post")
    assert again.pk == first.pk
    assert BotAction.objects.count() == 1
    assert reload(first).payload["content"] == "shift posted"
    assert first.status == Status.PENDING and first.next_attempt_at is not None
    assert first.guild_id == int(channel["guild_id"])


def test_enqueue_same_key_from_two_concurrent_transactions_creates_one_row() -> None:
    inserted = threading.Event()
    rows: dict[str, BotAction] = {}
    errors: list[BaseException] = []

    def enqueue_in_transaction(name: str, hold_seconds: float) -> None:
        try:
            if name == "second":
                inserted.wait(5)
            with transaction.atomic():
                rows[name] = enqueue(
                    kind=Kind.SEND_DM, payload={"user_id": 42, "content": name}, dedupe_key="welcome:42"
                )
                inserted.set()
                time.sleep(hold_seconds)  # the second INSERT now waits on the unique index
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=enqueue_in_transaction, args=("first", 0.3)),
        threading.Thread(target=enqueue_in_transaction, args=("second", 0)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == []
    assert rows["first"].pk == rows["second"].pk
    assert list(BotAction.objects.values_list("payload", flat=True)) == [{"user_id": "42", "content": "first"}]


@pytest.mark.parametrize(
    ("kind", "payload", "message"),
    [
        ("launch_rocket", {}, "unknown outbox action kind 'launch_rocket'"),
        (Kind.SEND_MESSAGE, {"channel_id": "1"}, "a message needs non-empty content, embeds or components"),
        (Kind.SEND_MESSAGE, {"channel_id": "general", "content": "x"}, "channel_id must be a Discord id"),
        (Kind.SEND_MESSAGE, {"channel_id": 1, "contnet": "x"}, "unknown keys ['contnet']"),
        (Kind.SEND_MESSAGE, {"channel_id": 1, "content": "x", "mention_roles": "5"}, "must be a list of Discord ids"),
        (Kind.EDIT_MESSAGE, {"channel_id": 1, "message_id": 2, "message_from": "k", "content": "x"}, "exactly one"),
        (Kind.EDIT_MESSAGE, {"message_id": 2, "content": "x"}, "channel_id is required"),
        (Kind.EDIT_MESSAGE, {"message_from": "k"}, "give at least one of content, embeds, components"),
        (Kind.DELETE_MESSAGE, {"channel_id": 1}, "exactly one of message_id and message_from"),
        (Kind.SEND_DM, {"content": "hi"}, "user_id is required"),
        (Kind.ADD_ROLE, {"guild_id": 1, "user_id": 2}, "role_id is required"),
        (Kind.CREATE_CHANNEL, {"guild_id": 1, "name": ""}, "name must be a string of 1 to 100 characters"),
        (
            Kind.CREATE_CHANNEL,
            {"guild_id": 1, "name": "t", "permission_overwrites": [{"id": 2, "type": 3}]},
            "permission_overwrites[0].type must be 0 (role) or 1 (member)",
        ),
        (Kind.SET_PRESENCE, {"status": "busy"}, "status must be one of"),
        (Kind.SET_PRESENCE, {"status": "online", "activity_type": "watching"}, "activity_text is required"),
        (Kind.PURGE_CHANNEL, {"channel_id": 1, "older_than_days": 0}, "older_than_days must be a whole number"),
    ],
)
def test_enqueue_refuses_a_wrong_payload_and_writes_nothing(kind: str, payload: dict, message: str) -> None:
    with pytest.raises(ValueError) as refused:
        enqueue(kind=kind, payload=payload, dedupe_key="bad")
    assert message in str(refused.value)
    assert not BotAction.objects.exists()


def test_a_typed_payload_is_stored_as_its_dict_twin_would_be() -> None:
    typed = enqueue(SendMessage(channel_id=12, content="raid", mention_users=[7]), dedupe_key="typed:1")
    twin = enqueue(
        kind=Kind.SEND_MESSAGE,
        payload={"channel_id": "12", "content": "raid", "mention_users": ["7"]},
        dedupe_key="typed:2",
    )
    assert typed.kind == twin.kind == Kind.SEND_MESSAGE
    assert (
        reload(typed).payload == reload(twin).payload == {"channel_id": "12", "content": "raid", "mention_users": ["7"]}
    )
    channel = enqueue(CreateChannel(guild_id=5, name=" ticket-1 "), dedupe_key="typed:3")
    assert (channel.guild_id, reload(channel).payload) == (5, {"guild_id": "5", "name": "ticket-1"})


def test_a_typed_payload_refuses_a_wrong_field_when_built_and_a_kind_it_is_not() -> None:
    with pytest.raises(ValueError, match="send_dm payload: user_id must be a Discord id"):
        SendDM(user_id="someone", content="hi")
    with pytest.raises(ValueError, match="does not match the SendDM payload"):
        enqueue(SendDM(user_id=1, content="hi"), kind=Kind.SEND_MESSAGE, dedupe_key="typed:bad")
    assert not BotAction.objects.exists()


def test_enqueue_refuses_an_unknown_hook() -> None:
    with pytest.raises(ValueError, match="no completion hook named 'shifts.typo'"):
        enqueue(kind=Kind.SEND_DM, payload={"user_id": 1, "content": "x"}, dedupe_key="k", hook="shifts.typo")
    assert not BotAction.objects.exists()


def test_rolled_back_enqueue_leaves_nothing_to_deliver(emulator: DiscordEmulator) -> None:
    channel = text_channel(emulator)
    with pytest.raises(RuntimeError), transaction.atomic():
        send(channel, "never", "rolled-back")
        raise RuntimeError("the service refused")
    assert deliver() == Counter()
    assert emulator.messages(channel["id"]) == []


def test_nonce_is_deterministic_and_fits_discord() -> None:
    nonce = derive_nonce("shift:17:post")
    assert nonce == derive_nonce("shift:17:post") and len(nonce) == 25
    assert derive_nonce("shift:18:post") != nonce


# ---------------------------------------------------------------------------- each kind


def test_send_message_posts_once_pings_only_listed_and_calls_the_hook_in_the_same_transaction(
    emulator: DiscordEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    channel = text_channel(emulator)
    role = emulator.add_role(channel["guild_id"], "Raiders")
    with transaction.atomic():
        action = enqueue(
            kind=Kind.SEND_MESSAGE,
            payload={
                "channel_id": channel["id"],
                "content": f"<@&{role['id']}> <@77> @everyone raid tonight",
                "embeds": [{"title": "Raid"}],
                "components": [
                    {"type": 1, "components": [{"type": 2, "style": 1, "label": "Join", "custom_id": "j:1"}]}
                ],
                "mention_roles": [role["id"]],
            },
            dedupe_key="raid:1:post",
            guild_id=int(channel["guild_id"]),
            hook="tests.record_and_follow_up",
            hook_args={"raid": 1},
        )
    caplog.set_level(logging.INFO, logger="botworker.delivery")
    caplog.handler.addFilter(ContextFilter())

    assert deliver() == Counter(done=2)  # the post, then the follow-up its hook enqueued

    message, follow_up = emulator.messages(channel["id"])
    assert message["mention_roles"] == [role["id"]] and message["mentions"] == []
    assert message["mention_everyone"] is False
    assert message["embeds"][0]["title"] == "Raid" and message["components"][0]["components"][0]["custom_id"] == "j:1"
    assert follow_up["content"] == f"follow-up to {message['id']}"
    post = emulator.requests_to("POST", MESSAGES)[0]
    assert post.json["nonce"] == derive_nonce("raid:1:post") and post.json["enforce_nonce"] is True
    assert post.json["allowed_mentions"] == {"parse": [], "roles": [role["id"]], "users": [], "replied_user": False}
    row = reload(action)
    assert row.status == Status.DONE and row.attempts == 1 and row.completed_at is not None
    assert row.result == {"message_id": message["id"], "channel_id": channel["id"]}
    expected_call = {"status_seen": "done", "in_transaction": True, "result": row.result, "hook_args": {"raid": 1}}
    assert hook_calls == [expected_call]
    delivered = [r for r in caplog.records if r.name == "botworker.delivery" and "delivered" in r.getMessage()]
    assert delivered[0].getMessage().startswith("send_message delivered in")
    assert delivered[0].context == f" guild={channel['guild_id']} action={action.pk}"


def test_edit_and_delete_through_message_from_follow_the_send(emulator: DiscordEmulator) -> None:
    channel = text_channel(emulator)
    post = send(channel, "shift open", "shift:5:post", ordering_key="shift:5")
    edit = enqueue(
        kind=Kind.EDIT_MESSAGE,
        payload={"message_from": "shift:5:post", "content": "shift claimed by <@9>", "mention_users": [9]},
        dedupe_key="shift:5:claimed",
        ordering_key="shift:5",
    )
    assert deliver() == Counter(done=2)
    [message] = emulator.messages(channel["id"])
    assert message["content"] == "shift claimed by <@9>" and message["edited_timestamp"]
    assert [u["id"] for u in message["mentions"]] == ["9"]
    assert reload(edit).result == reload(post).result == {"message_id": message["id"], "channel_id": channel["id"]}
    post_request, patch = emulator.requests_to(None, r"/channels/\d+/messages(/\d+)?")
    assert (post_request.method, patch.method) == ("POST", "PATCH") and patch.at >= post_request.at

    delete = enqueue(
        kind=Kind.DELETE_MESSAGE,
        payload={"message_from": "shift:5:post", "reason": "shift cancelled"},
        dedupe_key="shift:5:delete",
        ordering_key="shift:5",
    )
    assert deliver() == Counter(done=1)
    assert emulator.messages(channel["id"]) == []
    assert reload(delete).result == {"message_id": message["id"], "channel_id": channel["id"], "already_gone": False}
    assert emulator.requests_to("DELETE", r"/channels/\d+/messages/\d+")[0].headers["X-Audit-Log-Reason"] == (
        "shift cancelled"
    )


def test_delete_of_a_message_already_gone_counts_as_done(emulator: DiscordEmulator) -> None:
    channel = text_channel(emulator)
    action = enqueue(
        kind=Kind.DELETE_MESSAGE,
        payload={"channel_id": channel["id"], "message_id": "1234567890123"},  # deleted by hand meanwhile
        dedupe_key="cleanup:1",
    )
    assert deliver() == Counter(done=1)
    row = reload(action)
    assert row.result["already_gone"] is True and row.last_error == ""
    assert [r.status for r in emulator.requests_to("DELETE", r"/channels/\d+/messages/\d+")] == [404]


def test_send_dm_opens_the_dm_channel_and_a_closed_dm_is_dead(emulator: DiscordEmulator) -> None:
    welcome = enqueue(kind=Kind.SEND_DM, payload={"user_id": 501, "content": "Welcome!"}, dedupe_key="welcome:501")
    closed = enqueue(kind=Kind.SEND_DM, payload={"user_id": 502, "content": "Welcome!"}, dedupe_key="welcome:502")
    emulator.set_dms_closed(502)
    assert deliver() == Counter(done=1, dead=1)

    dm = emulator.dm_channel_for(501)
    [message] = emulator.messages(dm["id"])
    assert message["content"] == "Welcome!"
    assert reload(welcome).result == {"message_id": message["id"], "channel_id": dm["id"]}
    assert emulator.requests_to("POST", MESSAGES)[0].json["nonce"] == derive_nonce("welcome:501")
    row = reload(closed)
    assert row.status == Status.DEAD and row.attempts == 1
    assert row.last_error == "403 Forbidden (code 50007): Cannot send messages to this user"


def test_add_and_remove_role_with_an_audit_log_reason(emulator: DiscordEmulator) -> None:
    guild = emulator.add_guild(name="Guild")
    role = emulator.add_role(guild["id"], "Verified")
    emulator.add_member(guild["id"], 600)
    payload = {"guild_id": guild["id"], "user_id": 600, "role_id": role["id"], "reason": "rules accepted"}
    added = enqueue(kind=Kind.ADD_ROLE, payload=payload, dedupe_key="verify:600", ordering_key="roles:600")
    assert deliver() == Counter(done=1)
    assert emulator.member_roles(guild["id"], 600) == {role["id"]}
    assert emulator.requests_to("PUT", r"/guilds/\d+/members/\d+/roles/\d+")[0].headers["X-Audit-Log-Reason"] == (
        "rules accepted"
    )
    assert reload(added).result == {"guild_id": guild["id"], "user_id": "600", "role_id": role["id"]}
    assert added.guild_id == int(guild["id"])

    enqueue(kind=Kind.REMOVE_ROLE, payload=payload, dedupe_key="unverify:600", ordering_key="roles:600")
    assert deliver() == Counter(done=1)
    assert emulator.member_roles(guild["id"], 600) == set()


def test_create_channel_makes_a_private_channel_with_its_overwrites(emulator: DiscordEmulator) -> None:
    guild = emulator.add_guild(name="Guild")
    category = emulator.add_channel(guild["id"], "tickets", type=4)
    moderators = emulator.add_role(guild["id"], "Moderators")
    overwrites = [
        {"id": guild["id"], "type": 0, "allow": "0", "deny": "1024"},
        {"id": moderators["id"], "type": 0, "allow": "3072", "deny": "0"},
        {"id": "700", "type": 1, "allow": "3072", "deny": "0"},
    ]
    action = enqueue(
        kind=Kind.CREATE_CHANNEL,
        payload={
            "guild_id": guild["id"],
            "name": "ticket-42",
            "parent_id": category["id"],
            "topic": "Help for <@700>",
            "permission_overwrites": overwrites,
            "reason": "ticket 42 opened",
        },
        dedupe_key="ticket:42:channel",
    )
    assert deliver() == Counter(done=1)
    created = next(c for c in emulator.channels(guild["id"]) if c["name"] == "ticket-42")
    assert created["parent_id"] == category["id"] and created["topic"] == "Help for <@700>" and created["type"] == 0
    assert created["permission_overwrites"] == overwrites
    assert reload(action).result == {"channel_id": created["id"], "adopted": False}
    assert emulator.requests_to("POST", r"/guilds/\d+/channels")[0].headers["X-Audit-Log-Reason"] == "ticket 42 opened"


def test_create_channel_retried_after_a_crash_adopts_the_channel_instead_of_making_two(
    emulator: DiscordEmulator,
) -> None:
    guild = emulator.add_guild(name="Guild")
    category = emulator.add_channel(guild["id"], "tickets", type=4)
    emulator.add_channel(guild["id"], "ticket-43")  # same name, no category: not the one
    payload = {"guild_id": guild["id"], "name": "ticket-43", "parent_id": category["id"]}
    action = enqueue(kind=Kind.CREATE_CHANNEL, payload=payload, dedupe_key="ticket:43:channel")

    perform_without_recording(lease_seconds=0.2)  # Discord created it; we died before committing
    time.sleep(0.3)  # the lease runs out
    assert deliver() == Counter(done=1)

    in_category = [c for c in emulator.channels(guild["id"]) if c.get("parent_id") == category["id"]]
    assert len(in_category) == 1
    row = reload(action)
    assert row.attempts == 2 and row.result == {"channel_id": in_category[0]["id"], "adopted": True}
    assert len(emulator.requests_to("POST", r"/guilds/\d+/channels")) == 1


def test_purge_channel_bulk_deletes_young_singles_old_and_keeps_pinned_and_recent(emulator: DiscordEmulator) -> None:
    channel = text_channel(emulator, "lfg")
    now = datetime.now(UTC)

    def message(age: timedelta, **fields) -> str:
        return emulator.add_message(channel["id"], "x", author_id=5, created_at=now - age, **fields)["id"]

    bulk = {message(timedelta(days=5, minutes=i)) for i in range(101)}
    single = {message(timedelta(days=20, minutes=i)) for i in range(3)}
    kept = {
        message(timedelta(days=30), pinned=True),
        message(timedelta(days=3), pinned=True),
        message(timedelta(hours=1)),
        message(timedelta(days=1, hours=23)),
    }
    action = enqueue(
        kind=Kind.PURGE_CHANNEL, payload={"channel_id": channel["id"], "older_than_days": 2}, dedupe_key="p"
    )
    assert deliver() == Counter(done=1)

    assert {m["id"] for m in emulator.messages(channel["id"])} == kept
    assert reload(action).result == {
        "channel_id": channel["id"],
        "deleted": 104,
        "bulk": 100,
        "single": 4,
        "kept_pinned": 2,
    }
    [bulk_request] = emulator.requests_to("POST", r"/channels/\d+/messages/bulk-delete")
    assert len(bulk_request.json["messages"]) == 100 and set(bulk_request.json["messages"]) <= bulk
    singles = {r.path.rsplit("/", 1)[1] for r in emulator.requests_to("DELETE", r"/channels/\d+/messages/\d+")}
    assert len(singles) == 4 and single <= singles and len(singles & bulk) == 1  # the chunk of one
    pages = emulator.requests_to("GET", MESSAGES)
    assert len(pages) == 2 and all("before" in page.query for page in pages)


def test_set_presence_waits_for_a_deliverer_that_can_set_it(emulator: DiscordEmulator) -> None:
    action = enqueue(
        kind=Kind.SET_PRESENCE,
        payload={"status": "dnd", "activity_type": "watching", "activity_text": "the raid"},
        dedupe_key="presence:1",
    )
    assert deliver() == Counter()  # no gateway here: the row is not claimed
    assert reload(action).status == Status.PENDING and reload(action).attempts == 0

    applied: list[dict] = []

    async def presence_setter(payload: dict) -> None:
        applied.append(payload)

    assert deliver(presence_setter=presence_setter) == Counter(done=1)
    assert applied == [{"status": "dnd", "activity_type": "watching", "activity_text": "the raid"}]
    assert reload(action).result == applied[0]


# ---------------------------------------------------------------------------- failures


def test_429_absorbed_by_discord_py_is_done_after_one_attempt(emulator: DiscordEmulator) -> None:
    channel = text_channel(emulator)
    action = send(channel, "hello", "k429")
    emulator.fail_next(1, status=429, retry_after=0.05, path=MESSAGES, method="POST")
    assert deliver() == Counter(done=1)
    assert [r.status for r in emulator.requests_to("POST", MESSAGES)] == [429, 200]
    row = reload(action)
    assert row.status == Status.DONE and row.attempts == 1 and len(emulator.messages(channel["id"])) == 1


def test_429_beyond_discord_py_retries_is_retried_later_then_delivered(emulator: DiscordEmulator) -> None:
    channel = text_channel(emulator)
    action = send(channel, "hello", "k429x5")
    emulator.fail_next(5, status=429, retry_after=0.05, path=MESSAGES, method="POST")
    assert deliver() == Counter(retry=1)
    failed_at = timezone.now()

    row = reload(action)
    assert [r.status for r in emulator.requests_to("POST", MESSAGES)] == [429] * 5
    assert row.status == Status.RETRY and row.attempts == 1 and row.lease_expires_at is None
    assert row.last_error == "429 Too Many Requests (code 0): You are being rate limited."
    # Retry-After says 1 s (Discord rounds up); the backoff of a first attempt is 1-2 s.
    assert failed_at + timedelta(seconds=0.8) <= row.next_attempt_at <= failed_at + timedelta(seconds=2.1)
    assert deliver() == Counter()  # not due yet
    make_due(action)
    assert deliver() == Counter(done=1)
    assert reload(action).attempts == 2 and len(emulator.messages(channel["id"])) == 1


def test_a_long_rate_limit_puts_the_row_back_until_retry_after(emulator: DiscordEmulator) -> None:
    channel = text_channel(emulator)
    action = send(channel, "hello", "k429long")
    emulator.fail_next(1, status=429, retry_after=120, path=MESSAGES, method="POST")
    started = timezone.now()
    assert deliver() == Counter(retry=1)
    row = reload(action)
    assert row.status == Status.RETRY and "rate limited" in row.last_error
    assert row.next_attempt_at >= started + timedelta(seconds=120)
    assert timezone.now() - started < timedelta(seconds=10)  # not slept inside the request
    assert len(emulator.requests_to("POST", MESSAGES)) == 1


def test_5xx_and_dropped_connections_are_retried_with_backoff_then_delivered(
    emulator: DiscordEmulator, fast_retries: None
) -> None:
    channel = text_channel(emulator)
    exhausted = send(channel, "after 500s", "k500")
    unavailable = send(channel, "after a 503", "k503")
    dropped = send(channel, "after a drop", "kdrop")
    emulator.fail_next(5, status=500, path=MESSAGES, method="POST")
    emulator.fail_next(1, status=503, path=MESSAGES, method="POST")
    emulator.fail_next(1, drop=True, path=MESSAGES, method="POST")
    assert deliver(concurrency=1) == Counter(retry=3)

    rows = {a.dedupe_key: reload(a) for a in (exhausted, unavailable, dropped)}
    assert rows["k500"].last_error == "500 Internal Server Error (code 0): 500: Internal Server Error"
    assert rows["k503"].last_error == "503 Service Unavailable (code 0): 503: Service Unavailable"
    assert rows["kdrop"].last_error.startswith("ServerDisconnectedError")
    for row in rows.values():
        assert row.status == Status.RETRY and row.attempts == 1
        assert row.next_attempt_at > row.updated_at
    make_due(exhausted, unavailable, dropped)
    assert deliver() == Counter(done=3)
    assert sorted(m["content"] for m in emulator.messages(channel["id"])) == [
        "after 500s",
        "after a 503",
        "after a drop",
    ]


def test_403_and_404_are_dead_at_once_with_the_reason(emulator: DiscordEmulator) -> None:
    channel = text_channel(emulator)
    forbidden = send(channel, "not allowed", "k403")
    missing = enqueue(
        kind=Kind.EDIT_MESSAGE,
        payload={"channel_id": channel["id"], "message_id": "123456789", "content": "x"},
        dedupe_key="k404",
    )
    emulator.fail_next(1, status=403, path=MESSAGES, method="POST")
    assert deliver() == Counter(dead=2)
    assert reload(forbidden).last_error == "403 Forbidden (code 50013): Missing Permissions"
    assert reload(missing).last_error == "404 Not Found (code 10008): Unknown Message"
    assert all(reload(a).attempts == 1 and reload(a).status == Status.DEAD for a in (forbidden, missing))
    assert emulator.messages(channel["id"]) == []


def test_max_attempts_makes_the_row_dead(emulator: DiscordEmulator) -> None:
    channel = text_channel(emulator)
    action = send(channel, "never", "kmax")
    emulator.fail_next(2, status=503, path=MESSAGES, method="POST")
    assert deliver(max_attempts=2) == Counter(retry=1)
    make_due(action)
    assert deliver(max_attempts=2) == Counter(dead=1)
    row = reload(action)
    assert row.status == Status.DEAD and row.attempts == 2
    assert row.last_error == "gave up after 2 attempts: 503 Service Unavailable (code 0): 503: Service Unavailable"


def test_backoff_grows_is_capped_and_honours_retry_after() -> None:
    assert all(1 <= backoff_seconds(1) <= 2 for _ in range(50))
    assert all(32 <= backoff_seconds(6) <= 64 for _ in range(50))
    assert all(150 <= backoff_seconds(30) <= 300 for _ in range(50))
    assert backoff_seconds(1, retry_after=45) == 45


# ---------------------------------------------------------------------------- ordering and dependencies


def test_an_edit_waits_while_its_send_is_retried(emulator: DiscordEmulator) -> None:
    channel = text_channel(emulator)
    post = send(channel, "open", "shift:8:post", ordering_key="shift:8")
    edit = enqueue(
        kind=Kind.EDIT_MESSAGE,
        payload={"message_from": "shift:8:post", "content": "claimed"},
        dedupe_key="shift:8:claimed",
        ordering_key="shift:8",
    )
    emulator.fail_next(1, status=503, path=MESSAGES, method="POST")
    assert deliver() == Counter(retry=1)
    assert reload(edit).status == Status.PENDING and reload(edit).attempts == 0
    make_due(post)
    assert deliver() == Counter(done=2)
    [message] = emulator.messages(channel["id"])
    assert message["content"] == "claimed"


def test_a_dead_send_kills_its_edit_but_not_the_next_action_of_the_key(emulator: DiscordEmulator) -> None:
    channel = text_channel(emulator)
    post = send(channel, "open", "shift:9:post", ordering_key="shift:9")
    edit = enqueue(
        kind=Kind.EDIT_MESSAGE,
        payload={"message_from": "shift:9:post", "content": "claimed"},
        dedupe_key="shift:9:claimed",
        ordering_key="shift:9",
    )
    note = send(channel, "shift 9 was cancelled", "shift:9:note", ordering_key="shift:9")
    emulator.fail_next(1, status=403, path=MESSAGES, method="POST")
    assert deliver() == Counter(dead=2, done=1)
    assert reload(post).status == Status.DEAD
    row = reload(edit)
    assert row.status == Status.DEAD
    assert row.last_error == f"the action it depends on, 'shift:9:post' (#{post.pk}), is dead"
    assert reload(note).status == Status.DONE
    assert [m["content"] for m in emulator.messages(channel["id"])] == ["shift 9 was cancelled"]


def test_a_crash_between_discords_answer_and_our_commit_does_not_post_twice(emulator: DiscordEmulator) -> None:
    channel = text_channel(emulator)
    action = send(channel, "exactly once", "once:1")
    perform_without_recording(lease_seconds=0.2)
    time.sleep(0.3)
    assert deliver() == Counter(done=1)
    [message] = emulator.messages(channel["id"])
    posts = emulator.requests_to("POST", MESSAGES)
    assert len(posts) == 2 and posts[0].json["nonce"] == posts[1].json["nonce"] == derive_nonce("once:1")
    row = reload(action)
    assert row.attempts == 2 and row.result["message_id"] == message["id"]


def test_a_row_whose_lease_expires_on_its_last_attempt_is_dead_not_retried(emulator: DiscordEmulator) -> None:
    channel = text_channel(emulator)
    action = send(channel, "poison", "poison:1")
    perform_without_recording(lease_seconds=0.2, max_attempts=1)  # the deliverer dies mid-row
    time.sleep(0.3)
    assert deliver(max_attempts=1) == Counter()
    row = reload(action)
    assert row.status == Status.DEAD and row.attempts == 1 and row.lease_expires_at is None
    assert row.last_error == "its deliverer stopped during the last allowed attempt (lease expired); not retried"
    assert len(emulator.requests_to("POST", MESSAGES)) == 1


# ---------------------------------------------------------------------------- hooks and retry_now


def test_a_failing_hook_keeps_the_row_dead_and_retry_now_reruns_only_the_hook(emulator: DiscordEmulator) -> None:
    channel = text_channel(emulator)
    action = enqueue(
        kind=Kind.SEND_MESSAGE,
        payload={"channel_id": channel["id"], "content": "posted"},
        dedupe_key="hooked:1",
        hook="tests.record_and_follow_up",
        hook_args={"fail": True},
    )
    assert deliver() == Counter(dead=1)
    row = reload(action)
    [message] = emulator.messages(channel["id"])
    assert row.status == Status.DEAD and row.result == {"message_id": message["id"], "channel_id": channel["id"]}
    assert row.last_error == (
        "completion hook 'tests.record_and_follow_up' failed: RuntimeError: the owning app refused"
    )
    assert not BotAction.objects.filter(dedupe_key="hooked:1:follow-up").exists()  # rolled back with the hook

    BotAction.objects.filter(pk=action.pk).update(hook_args={})  # the owning app's bug is fixed
    assert retry_now([action.pk]) == 1
    assert deliver() == Counter(done=2)
    assert reload(action).status == Status.DONE
    # The post ran once on Discord; the second POST is the follow-up the hook enqueued this time.
    assert [m["content"] for m in emulator.messages(channel["id"])] == ["posted", f"follow-up to {message['id']}"]
    assert [r.json["content"] for r in emulator.requests_to("POST", MESSAGES)] == [
        "posted",
        f"follow-up to {message['id']}",
    ]


def test_retry_now_requeues_only_dead_and_retry_rows(emulator: DiscordEmulator) -> None:
    channel = text_channel(emulator)
    dead = send(channel, "a", "r:dead")
    retrying = send(channel, "b", "r:retry")
    done = send(channel, "c", "r:done")
    emulator.fail_next(1, status=403, path=MESSAGES, method="POST")
    emulator.fail_next(1, status=503, path=MESSAGES, method="POST")
    assert deliver(concurrency=1) == Counter(dead=1, retry=1, done=1)

    assert retry_now([dead.pk, retrying.pk, done.pk]) == 2
    for action in (dead, retrying):
        row = reload(action)
        assert row.status == Status.PENDING and row.attempts == 0 and row.next_attempt_at <= timezone.now()
    assert reload(done).status == Status.DONE
    assert deliver() == Counter(done=2)
    assert sorted(m["content"] for m in emulator.messages(channel["id"])) == ["a", "b", "c"]


# ---------------------------------------------------------------------------- the loop


def test_graceful_stop_finishes_the_row_in_flight_and_releases_the_rest(emulator: DiscordEmulator) -> None:
    channel = text_channel(emulator)
    presence = enqueue(kind=Kind.SET_PRESENCE, payload={"status": "idle"}, dedupe_key="presence:stop")
    waiting = [send(channel, f"m{i}", f"stop:{i}") for i in range(4)]

    async def scenario() -> Counter:
        stop = asyncio.Event()

        async def presence_setter(payload: dict) -> None:
            stop.set()  # SIGTERM arrives while the first row is being performed

        try:
            async with discord_http_client() as http:
                deliverer = OutboxDeliverer(http, presence_setter=presence_setter, concurrency=1, batch_size=10)
                return await deliverer.deliver_due(stop)
        finally:
            await sync_to_async(connections.close_all)()

    assert asyncio.run(scenario()) == Counter(done=1, released=4)
    assert reload(presence).status == Status.DONE
    for action in waiting:
        row = reload(action)
        assert (row.status, row.attempts, row.claimed_by, row.lease_expires_at) == (Status.PENDING, 0, "", None)
    assert emulator.requests_to("POST", MESSAGES) == []
    assert deliver() == Counter(done=4)


def listening_deliverers() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND query = 'LISTEN guildhall_outbox' AND state = 'idle'"
        )
        return cursor.fetchone()[0]


def test_an_idle_deliverer_is_woken_by_the_commit_within_a_second(emulator: DiscordEmulator) -> None:
    channel = text_channel(emulator)
    running: dict = {}
    started = threading.Event()

    def serve() -> None:
        async def main() -> None:
            running["loop"], running["stop"] = asyncio.get_running_loop(), asyncio.Event()
            started.set()
            async with discord_http_client() as http:
                # A 30 s poll: only the NOTIFY can make the delivery fast.
                await OutboxDeliverer(http, poll_seconds=30).run(running["stop"])

        asyncio.run(main())

    thread = threading.Thread(target=serve, name="deliverer")
    thread.start()
    try:
        started.wait(5)
        wait_for(lambda: listening_deliverers() == 1, timeout=10, message="the deliverer to LISTEN")
        time.sleep(0.3)  # well into its wait
        with transaction.atomic():
            send(channel, "reminder", "latency:1")
        committed = time.monotonic()
        [post] = wait_for(lambda: emulator.requests_to("POST", MESSAGES), timeout=10, message="the delivery")
    finally:
        running["loop"].call_soon_threadsafe(running["stop"].set)
        thread.join(10)
    assert not thread.is_alive()
    assert post.at - committed < 1.0
    assert BotAction.objects.get().status == Status.DONE
    assert listening_deliverers() == 0


# ---------------------------------------------------------------------------- the command and the admin


def test_deliver_outbox_refuses_to_start_without_a_token(settings) -> None:
    settings.DISCORD_TOKEN = ""
    with pytest.raises(CommandError, match="DISCORD_TOKEN is not set"):
        call_command("deliver_outbox", "--once")


def test_deliver_outbox_once_delivers_everything_due(emulator: DiscordEmulator) -> None:
    channel = text_channel(emulator)
    actions = [send(channel, f"m{i}", f"once-cmd:{i}") for i in range(5)]
    call_command("deliver_outbox", "--once", "--batch-size", "2")
    assert [reload(a).status for a in actions] == [Status.DONE] * 5
    assert sorted(m["content"] for m in emulator.messages(channel["id"])) == [f"m{i}" for i in range(5)]


def test_admin_lists_the_outbox_read_only_and_retry_now_requeues(admin_client, emulator: DiscordEmulator) -> None:
    channel = text_channel(emulator)
    action = send(channel, "x", "admin:1")
    emulator.fail_next(1, status=403, path=MESSAGES, method="POST")
    deliver()
    url = reverse("admin:botworker_botaction_changelist")

    listing = admin_client.get(url, {"status__exact": "dead", "q": channel["guild_id"]})
    assert listing.status_code == 200
    assert b"admin:1" in listing.content and b"403 Forbidden (code 50013): Missing Permissions" in listing.content
    assert admin_client.get(url, {"q": "not-a-number"}).status_code == 200
    assert admin_client.get(reverse("admin:botworker_botaction_add")).status_code == 403
    detail = admin_client.get(reverse("admin:botworker_botaction_change", args=[action.pk]))
    assert detail.status_code == 200 and b'name="_save"' not in detail.content

    response = admin_client.post(url, {"action": "retry_now", "_selected_action": [action.pk]}, follow=True)
    assert response.status_code == 200 and b"1 action(s) put back in the queue" in response.content
    assert reload(action).status == Status.PENDING
    assert deliver() == Counter(done=1)


# ---------------------------------------------------------------------------- real processes


def deliverer_env(subprocess_env: dict[str, str], emulator: DiscordEmulator) -> dict[str, str]:
    return {**subprocess_env, "DISCORD_API_BASE": emulator.api_base, "DISCORD_TOKEN": emulator.token}


def start_deliverer(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen:
    # Output goes to a file: a pipe nobody reads would fill up and block the child.
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "manage.py", "deliver_outbox", *args],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def stop_deliverer(process: subprocess.Popen, log: Path) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        returncode = process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"deliverer did not stop on SIGTERM:\n{log.read_text()[-3000:]}")
    assert returncode == 0, log.read_text()[-3000:]


def rows_done() -> int:
    return BotAction.objects.filter(status=Status.DONE).count()


def posted_contents(emulator: DiscordEmulator, channels: list[dict]) -> Counter:
    return Counter(m["content"] for channel in channels for m in emulator.messages(channel["id"]))


@pytest.mark.slow
def test_two_deliverer_processes_deliver_500_rows_exactly_once(
    subprocess_env: dict[str, str], emulator: DiscordEmulator, tmp_path: Path
) -> None:
    guild = emulator.add_guild(name="Guild")["id"]
    channels = [text_channel(emulator, f"c{i}", guild) for i in range(5)]
    env = deliverer_env(subprocess_env, emulator)
    logs = [tmp_path / "deliverer-1.log", tmp_path / "deliverer-2.log"]
    processes = [start_deliverer(env, log, "--batch-size", "10") for log in logs]
    try:
        wait_for(lambda: listening_deliverers() == 2, timeout=20, message="both deliverers to LISTEN")
        with transaction.atomic():  # one commit, one NOTIFY: both wake at once and compete
            for i in range(500):
                send(channels[i % 5], f"message {i}", f"concurrent:{i}", ordering_key=f"k{i % 7}" if i % 2 else "")
        wait_for(lambda: rows_done() == 500, timeout=40, message="500 rows done")
    finally:
        for process, log in zip(processes, logs, strict=True):
            stop_deliverer(process, log)

    assert posted_contents(emulator, channels) == Counter({f"message {i}": 1 for i in range(500)})
    assert len(emulator.requests_to("POST", MESSAGES)) == 500  # no row was ever performed twice
    workers = Counter(BotAction.objects.values_list("claimed_by", flat=True))
    assert len(workers) == 2 and all(count > 0 for count in workers.values())
    assert not BotAction.objects.exclude(status=Status.DONE).exists()


@pytest.mark.slow
def test_a_killed_deliverer_loses_nothing_and_posts_nothing_twice(
    subprocess_env: dict[str, str], emulator: DiscordEmulator, tmp_path: Path
) -> None:
    guild = emulator.add_guild(name="Guild")["id"]
    channels = [text_channel(emulator, f"c{i}", guild) for i in range(5)]
    for i in range(500):
        send(channels[i % 5], f"message {i}", f"killed:{i}")
    env = deliverer_env(subprocess_env, emulator)
    log = tmp_path / "deliverer.log"

    def answered_500() -> list:
        return [r for r in emulator.requests_to("POST", MESSAGES) if r.status == 500]

    first = start_deliverer(env, log, "--batch-size", "50", "--lease-seconds", "2")
    try:
        wait_for(lambda: len(emulator.requests_to("POST", MESSAGES)) >= 150, timeout=20, message="deliveries")
        # discord.py sleeps 1 s before retrying a 500: the kill surely lands while that row (and
        # its batch) is claimed and in flight.
        emulator.fail_next(1, status=500, path=MESSAGES, method="POST")
        [in_flight] = wait_for(answered_500, timeout=10, interval=0.01, message="a request answered 500")
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    stranded = set(BotAction.objects.filter(status=Status.IN_PROGRESS).values_list("pk", flat=True))
    in_flight_row = BotAction.objects.get(payload__content=in_flight.json["content"])
    assert in_flight_row.pk in stranded and rows_done() < 500

    second = start_deliverer(env, log, "--lease-seconds", "2")
    try:
        wait_for(lambda: rows_done() == 500, timeout=30, message="every row done after the restart")
    finally:
        stop_deliverer(second, log)

    assert posted_contents(emulator, channels) == Counter({f"message {i}": 1 for i in range(500)})
    reclaimed = BotAction.objects.filter(pk__in=stranded)
    assert all(row.attempts == 2 and row.status == Status.DONE for row in reclaimed)
