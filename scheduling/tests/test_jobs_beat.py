"""Scheduled jobs under real Celery beat processes and workers (Redis, PostgreSQL): a one-off is not
run again after beat restarts, and two beats feeding two workers run each fire once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from botworker.models import BotAction
from config.actors import SYSTEM
from conftest import start_beat, start_celery, stop_process, wait_for
from scheduling.models import Dispatch, ScheduledJob
from scheduling.services import jobs as services

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

GUILD = 880_000_000_000_000_001
CHANNEL = 880_000_000_000_000_002
SUCCEEDED = "Task scheduling.dispatch_due["


def dispatch_every_second(queue: str) -> None:
    every_second, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(
        name=f"dispatch due {queue}", task="scheduling.dispatch_due", interval=every_second, queue=queue
    )


def one_off(job_id: str, in_seconds: float) -> ScheduledJob:
    run_date = timezone.now() + timedelta(seconds=in_seconds)
    return services.job_create(
        actor=SYSTEM,
        guild_id=GUILD,
        job_id=job_id,
        method="send_message",
        params={"channel_id": CHANNEL, "content": f"{job_id} reminder"},
        trigger={"type": "date", "run_date": run_date.isoformat()},
    )


def runs_in(log_path) -> int:
    text = log_path.read_text()
    return sum(1 for line in text.splitlines() if SUCCEEDED in line and "succeeded" in line)


def test_a_one_off_is_not_run_again_after_beat_restarts(celery_worker, celery_test_queue, subprocess_env, tmp_path):
    dispatch_every_second(celery_test_queue)
    job = one_off("raid-call", in_seconds=2)
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    first_dir.mkdir()
    second_dir.mkdir()

    beat = start_beat(subprocess_env, first_dir)
    try:
        wait_for(lambda: Dispatch.objects.filter(source_id=job.pk).exists(), timeout=60, message="the one-off's run")
    finally:
        stop_process(beat)
    job.refresh_from_db()
    assert job.next_fire_at is None and job.finished_at is not None

    runs_before = runs_in(celery_worker)
    beat = start_beat(subprocess_env, second_dir)
    try:
        # Several dispatcher runs after the restart, each of which could have sent it again.
        wait_for(lambda: runs_in(celery_worker) >= runs_before + 5, timeout=60, message="dispatcher runs after restart")
    finally:
        stop_process(beat)
    assert Dispatch.objects.filter(source_id=job.pk).count() == 1
    assert BotAction.objects.filter(dedupe_key__startswith=f"job:{job.pk}:").count() == 1


def test_two_beats_and_two_workers_run_each_fire_once(celery_worker, celery_test_queue, subprocess_env, tmp_path):
    dispatch_every_second(celery_test_queue)
    second_worker_log = tmp_path / "worker-2.log"
    second_worker = start_celery(
        ["worker", "--pool=solo", "-Q", celery_test_queue, "--without-gossip", "--without-mingle", "--loglevel=INFO"],
        subprocess_env,
        second_worker_log,
    )
    jobs = [one_off(f"call-{index}", in_seconds=3 + index) for index in range(6)]
    beats = []
    try:
        wait_for(lambda: "ready." in second_worker_log.read_text(), timeout=30, message="the second worker")
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            beats.append(start_beat(subprocess_env, tmp_path / name))
        wait_for(
            lambda: Dispatch.objects.filter(source="job").values("source_id").distinct().count() == len(jobs),
            timeout=90,
            message="every job's run",
        )
        settled = runs_in(celery_worker) + runs_in(second_worker_log)
        wait_for(
            lambda: runs_in(celery_worker) + runs_in(second_worker_log) >= settled + 6,
            timeout=60,
            message="more dispatcher runs after the fires",
        )
    finally:
        for beat in beats:
            stop_process(beat)
        stop_process(second_worker)
    # Both workers ran the dispatcher, fed by both beats ...
    assert runs_in(celery_worker) > 0 and runs_in(second_worker_log) > 0
    for name in ("a", "b"):
        assert "Sending due task dispatch due" in (tmp_path / name / "beat.log").read_text()
    # ... and each fire was recorded and queued once.
    for job in jobs:
        assert Dispatch.objects.filter(source_id=job.pk).count() == 1
        assert BotAction.objects.filter(dedupe_key__startswith=f"job:{job.pk}:").count() == 1
