"""A real Celery worker and beat, started by the tests against the real Redis and PostgreSQL."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_celery_beat.models import ClockedSchedule, PeriodicTask

from config.tasks import clear_expired_sessions
from conftest import start_beat, stop_process, wait_for

pytestmark = pytest.mark.slow


def make_sessions() -> None:
    now = timezone.now()
    Session.objects.create(session_key="expired" + "x" * 20, session_data="{}", expire_date=now - timedelta(days=1))
    Session.objects.create(session_key="current" + "x" * 20, session_data="{}", expire_date=now + timedelta(days=1))


def remaining_sessions() -> list[str]:
    return sorted(key[:7] for key in Session.objects.values_list("session_key", flat=True))


def test_worker_runs_a_task_that_writes_to_postgres(celery_worker, celery_test_queue):
    make_sessions()
    result = clear_expired_sessions.delay()
    wait_for(
        lambda: remaining_sessions() == ["current"], timeout=30, message="the worker to delete the expired session"
    )
    log = wait_for(
        lambda: "succeeded" in celery_worker.read_text() and celery_worker.read_text(),
        timeout=10,
        message="the task log",
    )
    # The worker's log lines carry the task id.
    assert f"cleared 1 expired sessions task={result.id}" in log


def test_beat_fires_a_clocked_one_off_task_that_the_worker_runs(
    celery_worker, celery_test_queue, subprocess_env, tmp_path
):
    make_sessions()
    clock = ClockedSchedule.objects.create(clocked_time=timezone.now() + timedelta(seconds=3))
    task = PeriodicTask.objects.create(
        name=f"one-off {celery_test_queue}",
        task="guildhall.clear_expired_sessions",
        clocked=clock,
        one_off=True,
        queue=celery_test_queue,
    )
    beat = start_beat(subprocess_env, tmp_path)
    try:
        wait_for(lambda: remaining_sessions() == ["current"], timeout=45, message="beat to fire and the worker to run")
    finally:
        stop_process(beat)  # beat writes its run counts back to the database as it stops
    assert beat.returncode == 0
    task.refresh_from_db()
    assert task.total_run_count == 1
    assert task.last_run_at is not None
    beat_log = (tmp_path / "beat.log").read_text()
    assert beat_log.count(f"Sending due task one-off {celery_test_queue}") == 1
