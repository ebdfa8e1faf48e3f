"""The deliverer's loop (graceful stop, LISTEN/NOTIFY), the deliver_outbox command, the outbox
admin, and deliverer processes racing and being killed."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.urls import reverse

from botworker.discord_api import discord_http_client
from botworker.emulator import DiscordEmulator
from botworker.models import BotAction
from botworker.outbox import (
    OutboxDeliverer,
    enqueue,
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
from conftest import BASE_DIR, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


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
