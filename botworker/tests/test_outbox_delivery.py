"""Delivering each kind of outbox action, its failures and its ordering, with the real discord.py
HTTP client against the Discord emulator; what Discord saw and what the rows say.

The deliverer does its ORM work in sync_to_async's thread (another database connection), so these
tests commit for real (transactional tests)."""

from __future__ import annotations

import logging
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from botworker.emulator import DiscordEmulator
from botworker.outbox import (
    backoff_seconds,
    derive_nonce,
    enqueue,
)
from botworker.tests.outbox_helpers import (
    MESSAGES,
    Kind,
    Status,
    deliver,
    hook_calls,
    make_due,
    perform_without_recording,
    reload,
    send,
    text_channel,
)
from config.logging import ContextFilter

pytestmark = pytest.mark.django_db(transaction=True)


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


def test_a_channels_guild_is_read_from_the_directory_before_asking_discord(emulator: DiscordEmulator) -> None:
    from botworker.models import DirectoryChannel

    general = text_channel(emulator)
    guild = general["guild_id"]
    elsewhere = text_channel(emulator, name="elsewhere")  # a channel of another guild
    unseen = emulator.add_channel(guild, name="unseen")  # not in the directory yet
    for channel in (general, elsewhere):
        DirectoryChannel.objects.create(
            channel_id=int(channel["id"]), guild_id=int(channel["guild_id"]), name=channel["name"]
        )

    def post(channel: dict, key: str):
        return enqueue(
            kind=Kind.SEND_MESSAGE,
            payload={"channel_id": channel["id"], "content": key, "guild_id": guild},
            dedupe_key=key,
        )

    with transaction.atomic():
        known, foreign, fresh = post(general, "known"), post(elsewhere, "foreign"), post(unseen, "fresh")
    deliver()

    assert (reload(known).status, reload(fresh).status) == (Status.DONE, Status.DONE)
    refused = reload(foreign)
    assert refused.status == Status.DEAD and f"is not a channel of guild {guild}" in refused.last_error
    assert emulator.messages(elsewhere["id"]) == []
    # Only the channel the directory has not seen cost a request to Discord.
    assert [r.path for r in emulator.requests_to("GET", r"/channels/\d+")] == [f"/channels/{unseen['id']}"]


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
