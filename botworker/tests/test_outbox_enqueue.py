"""Enqueueing outbox actions (typed payloads, dedupe keys, transactions), completion hooks and
retry_now; delivered with the real discord.py HTTP client against the Discord emulator."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from django.db import connection, transaction
from django.utils import timezone

from botworker.emulator import DiscordEmulator
from botworker.models import BotAction
from botworker.outbox import (
    CreateChannel,
    SendDM,
    SendMessage,
    derive_nonce,
    enqueue,
    retry_now,
)
from botworker.tests.outbox_helpers import (
    MESSAGES,
    Kind,
    Status,
    deliver,
    reload,
    send,
    text_channel,
)

pytestmark = pytest.mark.django_db(transaction=True)


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
        (Kind.SEND_MESSAGE, {"channel_id": "1"}, "a message needs non-empty content, embeds, components or files"),
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
