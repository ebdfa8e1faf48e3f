"""The dispatcher under real processes: Celery workers and two beats on the real Redis and
PostgreSQL. Each occurrence is recorded and queued once whatever the processes do: two beats
ticking, a worker killed mid-dispatch, Redis flushed, beat restarted."""

from __future__ import annotations

import os
import signal
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from botworker.models import BotAction
from config.actors import Actor
from config.periodic import sync_periodic_tasks
from conftest import start_celery, stop_process, wait_for
from scheduling.models import Dispatch, Reminder
from scheduling.services.reminders import reminder_create

pytestmark = pytest.mark.slow

MOD = Actor(user_id=501, is_moderator=True)


def declare_dispatch_beat(queue: str) -> None:
    """Only the dispatcher's beat entry, sending to the test session's queue."""
    sync_periodic_tasks({"dispatch due": {**settings.PERIODIC_TASKS["dispatch due"], "queue": queue}})


def start_named_beat(env, tmp_path, name: str):
    return start_celery(
        [
            "beat",
            "--scheduler",
            "django_celery_beat.schedulers:DatabaseScheduler",
            "--max-interval",
            "1",
            "--pidfile",
            str(tmp_path / f"{name}.pid"),
            "--loglevel=INFO",
        ],
        env,
        tmp_path / f"{name}.log",
    )


def start_worker(env, tmp_path, queue: str, name: str):
    log = tmp_path / f"{name}.log"
    process = start_celery(
        ["worker", "--pool=solo", "-Q", queue, "-n", f"{name}@%h", "--without-gossip", "--without-mingle"]
        + ["--loglevel=INFO"],
        env,
        log,
    )
    wait_for(lambda: "ready." in log.read_text(), timeout=30, message=f"worker {name} to be ready")
    return process


def ticks(tmp_path, name: str) -> int:
    """How many dispatch runs the beat called `name` has sent so far."""
    return (tmp_path / f"{name}.log").read_text().count("Sending due task dispatch due")


def weekly_reminders(count: int, *, first_in: float, spread: float) -> list[int]:
    """`count` weekly reminders whose next occurrence is between `first_in` and `first_in + spread`
    seconds from now (set directly: the dispatcher, not the clock arithmetic, is under test)."""
    now = timezone.now()
    template = reminder_create(
        actor=MOD,
        guild_id=502,
        name="template",
        message="m",
        channel_id=503,
        timezone_name="UTC",
        days="daily",
        time_text="03:00",
    )
    Reminder.objects.filter(pk=template.pk).delete()
    rows = []
    for index in range(count):
        row = Reminder(**{f.attname: getattr(template, f.attname) for f in Reminder._meta.concrete_fields})
        row.pk = None
        row.name = f"r{index}"
        row.next_fire_at = now + timedelta(seconds=first_in + spread * index / max(count - 1, 1))
        rows.append(row)
    return [row.pk for row in Reminder.objects.bulk_create(rows)]


def assert_each_sent_once(ids: list[int]) -> None:
    records = Dispatch.objects.filter(source="reminder", source_id__in=ids)
    assert records.count() == len(ids)
    assert sorted(records.values_list("source_id", flat=True)) == sorted(ids)
    assert BotAction.objects.filter(kind="send_message", dedupe_key__startswith="reminder:").count() == len(ids)
    assert not Reminder.objects.filter(pk__in=ids, next_fire_at__lte=timezone.now()).exists()


def all_dispatched(ids: list[int]):
    return Dispatch.objects.filter(source="reminder", source_id__in=ids).count() == len(ids)


def test_two_beats_and_two_workers_send_each_occurrence_once(subprocess_env, celery_test_queue, tmp_path):
    declare_dispatch_beat(celery_test_queue)
    ids = weekly_reminders(60, first_in=2, spread=10)
    workers = [start_worker(subprocess_env, tmp_path, celery_test_queue, f"w{n}") for n in (1, 2)]
    beats = [start_named_beat(subprocess_env, tmp_path, f"beat{n}") for n in (1, 2)]
    try:
        wait_for(lambda: all_dispatched(ids), timeout=60, interval=0.5, message="every occurrence to be dispatched")
        # Both beats go on ticking over the dispatched rows: wait until each has sent two more.
        sent_so_far = {name: ticks(tmp_path, name) for name in ("beat1", "beat2")}
        wait_for(
            lambda: all(ticks(tmp_path, name) >= count + 2 for name, count in sent_so_far.items()),
            timeout=60,
            interval=0.5,
            message="both beats to tick twice more",
        )
    finally:
        for process in beats + workers:
            stop_process(process)
    assert_each_sent_once(ids)
    assert set(Dispatch.objects.filter(source_id__in=ids).values_list("status", flat=True)) == {"sent"}


def test_a_worker_killed_mid_dispatch_loses_nothing(subprocess_env, celery_test_queue, tmp_path):
    from scheduling.tasks import dispatch_due

    ids = weekly_reminders(4000, first_in=-1, spread=0)
    worker = start_worker(subprocess_env, tmp_path, celery_test_queue, "doomed")
    killed_at = None
    try:
        dispatch_due.apply_async(queue=celery_test_queue)
        # Kill it as soon as the first batch has committed and before the last one.
        wait_for(
            lambda: Dispatch.objects.filter(source_id__in=ids).exists(),
            timeout=60,
            interval=0.02,
            message="the first batch to commit",
        )
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        killed_at = Dispatch.objects.filter(source_id__in=ids).count()
    finally:
        if worker.poll() is None:
            stop_process(worker)
    assert 0 < killed_at < len(ids), "the worker should have died in the middle of the run"
    # The next run (here a fresh worker and the beat's next tick) dispatches the rest, once.
    declare_dispatch_beat(celery_test_queue)
    replacement = start_worker(subprocess_env, tmp_path, celery_test_queue, "replacement")
    beat = start_named_beat(subprocess_env, tmp_path, "beat")
    try:
        wait_for(lambda: all_dispatched(ids), timeout=90, interval=0.5, message="the rest to be dispatched")
    finally:
        stop_process(beat)
        stop_process(replacement)
    assert_each_sent_once(ids)


def private_redis_url(url: str) -> str:
    """A Redis database of this test's own, so flushing it touches nothing of a parallel test
    process (each pytest-xdist worker has its own): eight databases above the suite's, plus the
    worker's number."""
    parsed = urlsplit(url)
    base = int(parsed.path.lstrip("/") or 0)
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    return urlunsplit(parsed._replace(path=f"/{(base + 8 + worker) % 16}"))


def test_redis_flushed_and_beat_restarted_send_nothing_twice(subprocess_env, celery_test_queue, tmp_path):
    subprocess_env = subprocess_env | {"REDIS_URL": private_redis_url(settings.REDIS_URL)}
    declare_dispatch_beat(celery_test_queue)
    one_off = reminder_create(
        actor=MOD,
        guild_id=502,
        name="once",
        message="m",
        channel_id=503,
        timezone_name="UTC",
        event_time=timezone.now() + timedelta(seconds=3),
        lead_minutes=0,
    )
    ids = [*weekly_reminders(20, first_in=6, spread=6), one_off.pk]
    worker = start_worker(subprocess_env, tmp_path, celery_test_queue, "worker")
    beat = start_named_beat(subprocess_env, tmp_path, "beat-first")
    try:
        wait_for(
            lambda: Dispatch.objects.filter(source_id=one_off.pk).exists(),
            timeout=30,
            interval=0.2,
            message="the one-off to be dispatched",
        )
        # Everything in Redis (queued ticks, results, cache) is gone at once; then beat restarts.
        redis.Redis.from_url(subprocess_env["REDIS_URL"]).flushdb()
        stop_process(beat)
        beat = start_named_beat(subprocess_env, tmp_path, "beat-second")
        wait_for(lambda: all_dispatched(ids), timeout=60, interval=0.5, message="the rest to be dispatched")
        # The restarted beat goes on ticking over the one-off that fired before it started.
        seen = ticks(tmp_path, "beat-second")
        wait_for(lambda: ticks(tmp_path, "beat-second") >= seen + 2, timeout=60, interval=0.5, message="two more ticks")
    finally:
        stop_process(beat)
        stop_process(worker)
    assert_each_sent_once(ids)
    one_off.refresh_from_db()
    assert (one_off.status, one_off.next_fire_at) == ("archived", None)
    assert Dispatch.objects.filter(source_id=one_off.pk).count() == 1
