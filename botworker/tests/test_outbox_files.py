"""Outbox messages with files: stored with the row, uploaded as multipart through discord.py's
HTTP client to the Discord emulator, the same bytes and the same nonce on every attempt, so a retry
never posts twice; refused when they do not match the payload or exceed Discord's limits."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from django.db import transaction

from botworker.emulator import DiscordEmulator
from botworker.interactions import limits
from botworker.models import BotActionFile
from botworker.outbox import OutboxFile, SendDM, SendMessage, derive_nonce, enqueue, enqueue_many
from botworker.tests.outbox_helpers import (
    MESSAGES,
    Status,
    deliver,
    make_due,
    perform_without_recording,
    reload,
    text_channel,
)

pytestmark = pytest.mark.django_db(transaction=True)

REPORT = OutboxFile("report.txt", "line one\nligne deux é\n".encode(), description="the report")
PAGE = OutboxFile("report.html", b"<p>one</p>")


def attachment_bytes(emulator: DiscordEmulator, attachment: dict) -> bytes:
    return emulator.state.attachments[attachment["id"]][0]


def send_with_files(channel: dict, key: str, *files: OutboxFile, content: str = "the files") -> object:
    with transaction.atomic():
        return enqueue(SendMessage(channel_id=channel["id"], content=content), dedupe_key=key, files=files)


def test_a_message_with_files_arrives_with_their_names_and_content(emulator: DiscordEmulator) -> None:
    channel = text_channel(emulator)
    action = send_with_files(channel, "files:1", REPORT, PAGE)
    assert action.payload["files"] == ["report.txt", "report.html"]
    assert [f.filename for f in action.files.all()] == ["report.txt", "report.html"]

    assert deliver() == Counter(done=1)
    [message] = emulator.messages(channel["id"])
    assert message["content"] == "the files"
    assert [a["filename"] for a in message["attachments"]] == ["report.txt", "report.html"]
    assert [attachment_bytes(emulator, a) for a in message["attachments"]] == [REPORT.content, PAGE.content]
    assert message["attachments"][0]["description"] == "the report"
    [post] = emulator.requests_to("POST", MESSAGES)
    assert post.json["nonce"] == derive_nonce("files:1") and post.json["enforce_nonce"] is True
    assert reload(action).result["message_id"] == message["id"]


def test_files_alone_make_a_message_and_a_dm_carries_them_too(emulator: DiscordEmulator) -> None:
    user = emulator.add_user(username="requester")
    with transaction.atomic():
        action = enqueue(SendDM(user_id=user["id"], files=["report.txt"]), dedupe_key="dm:files", files=[REPORT])
    assert deliver() == Counter(done=1)
    [message] = emulator.messages(reload(action).result["channel_id"])
    assert message["content"] == ""
    assert [attachment_bytes(emulator, a) for a in message["attachments"]] == [REPORT.content]


def test_a_send_retried_after_a_crash_uploads_the_same_files_and_posts_once(emulator: DiscordEmulator) -> None:
    channel = text_channel(emulator)
    action = send_with_files(channel, "files:crash", REPORT)
    perform_without_recording(lease_seconds=0.2)  # Discord posted it; our record of it was lost
    time.sleep(0.3)
    assert deliver() == Counter(done=1)

    [message] = emulator.messages(channel["id"])
    posts = emulator.requests_to("POST", MESSAGES)
    assert len(posts) == 2 and posts[0].json["nonce"] == posts[1].json["nonce"]
    assert posts[0].files == posts[1].files
    assert [attachment_bytes(emulator, a) for a in message["attachments"]] == [REPORT.content]
    assert reload(action).attempts == 2 and reload(action).result["message_id"] == message["id"]


def test_a_send_that_failed_with_a_5xx_is_retried_with_its_files(emulator: DiscordEmulator, fast_retries) -> None:
    channel = text_channel(emulator)
    action = send_with_files(channel, "files:5xx", REPORT, PAGE)
    emulator.fail_next(5, status=500, path=MESSAGES, method="POST")
    assert deliver() == Counter(retry=1)
    make_due(action)
    assert deliver() == Counter(done=1)
    [message] = emulator.messages(channel["id"])
    assert [attachment_bytes(emulator, a) for a in message["attachments"]] == [REPORT.content, PAGE.content]


def test_enqueueing_the_same_key_twice_stores_the_files_once(emulator: DiscordEmulator) -> None:
    channel = text_channel(emulator)
    first = send_with_files(channel, "files:twice", REPORT)
    second = send_with_files(channel, "files:twice", REPORT)
    assert first.pk == second.pk
    assert BotActionFile.objects.filter(action=first).count() == 1


@pytest.mark.parametrize(
    ("payload", "files", "error"),
    [
        ({"files": ["a.txt"]}, [], "names the files ['a.txt'], but the files given are []"),
        ({"files": ["a.txt"]}, [OutboxFile("b.txt", b"x")], "but the files given are ['b.txt']"),
        ({}, [OutboxFile("a.txt", b"x"), OutboxFile("a.txt", b"y")], "file names must be distinct"),
        ({}, [OutboxFile("../a.txt", b"x")], "no slashes"),
        ({}, [OutboxFile(f"{n}.txt", b"x") for n in range(11)], "files must name 1 to 10 files"),
        ({}, [OutboxFile("big.bin", b"x" * (limits.UPLOAD_BYTES + 1))], "Discord takes at most"),
    ],
)
def test_files_that_do_not_match_or_exceed_the_limits_are_refused(payload, files, error) -> None:
    with pytest.raises(ValueError, match=error.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
        enqueue(
            kind="send_message", payload={"channel_id": "1", "content": "x", **payload}, dedupe_key="k", files=files
        )
    assert not BotActionFile.objects.exists()


def test_an_edit_cannot_carry_files_nor_enqueue_many_store_them() -> None:
    with pytest.raises(ValueError, match="cannot carry files"):
        enqueue(
            kind="edit_message",
            payload={"channel_id": "1", "message_id": "2", "content": "x"},
            dedupe_key="edit",
            files=[REPORT],
        )
    with pytest.raises(ValueError, match="enqueue_many cannot store files"):
        enqueue_many([{"payload": SendMessage(channel_id=1, files=["a.txt"]), "dedupe_key": "many"}])


def test_a_row_whose_files_are_missing_is_dead_with_the_reason(emulator: DiscordEmulator) -> None:
    channel = text_channel(emulator)
    action = send_with_files(channel, "files:lost", REPORT)
    BotActionFile.objects.filter(action=action).delete()
    assert deliver() == Counter(dead=1)
    row = reload(action)
    assert row.status == Status.DEAD
    assert row.last_error == "the files ['report.txt'] named by the payload are not stored with the action"
    assert emulator.messages(channel["id"]) == []
