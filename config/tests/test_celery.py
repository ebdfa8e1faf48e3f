"""A real Celery worker and beat, started by the tests against the real Redis and PostgreSQL."""

import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_celery_beat.models import ClockedSchedule, PeriodicTask

from config.tasks import clear_expired_sessions
from conftest import BASE_DIR, wait_for

pytestmark = pytest.mark.slow


def start_celery(args: list[str], env: dict[str, str], log_path) -> subprocess.Popen:
    log = open(log_path, "w")  # noqa: SIM115 - closed when the process is stopped
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", *args],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def queue() -> str:
    """A queue of this test's own, so nothing else on the broker reaches its worker."""
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def worker(subprocess_env, require_redis, queue, tmp_path):
    log_path = tmp_path / "worker.log"
    process = start_celery(
        ["worker", "--pool=solo", "-Q", queue, "--without-gossip", "--without-mingle", "--loglevel=INFO"],
        subprocess_env,
        log_path,
    )
    wait_for(lambda: "ready." in log_path.read_text(), timeout=30, message="the Celery worker to be ready")
    yield log_path
    stop(process)


def make_sessions() -> None:
    now = timezone.now()
    Session.objects.create(session_key="expired" + "x" * 20, session_data="{}", expire_date=now - timedelta(days=1))
    Session.objects.create(session_key="current" + "x" * 20, session_data="{}", expire_date=now + timedelta(days=1))


def remaining_sessions() -> list[str]:
    return sorted(key[:7] for key in Session.objects.values_list("session_key", flat=True))


def test_worker_runs_a_task_that_writes_to_postgres(worker, queue):
    make_sessions()
    result = clear_expired_sessions.apply_async(queue=queue)
    wait_for(
        lambda: remaining_sessions() == ["current"], timeout=30, message="the worker to delete the expired session"
    )
    log = wait_for(lambda: "succeeded" in worker.read_text() and worker.read_text(), timeout=10, message="the task log")
    # The worker's log lines carry the task id.
    assert f"cleared 1 expired sessions task={result.id}" in log


def test_beat_fires_a_clocked_one_off_task_that_the_worker_runs(worker, queue, subprocess_env, tmp_path):
    make_sessions()
    clock = ClockedSchedule.objects.create(clocked_time=timezone.now() + timedelta(seconds=3))
    task = PeriodicTask.objects.create(
        name=f"one-off {queue}",
        task="guildhall.clear_expired_sessions",
        clocked=clock,
        one_off=True,
        queue=queue,
    )
    beat = start_celery(
        [
            "beat",
            "--scheduler",
            "django_celery_beat.schedulers:DatabaseScheduler",
            "--max-interval",
            "1",
            "--pidfile",
            str(tmp_path / "beat.pid"),
            "--loglevel=INFO",
        ],
        subprocess_env,
        tmp_path / "beat.log",
    )
    try:
        wait_for(lambda: remaining_sessions() == ["current"], timeout=45, message="beat to fire and the worker to run")
    finally:
        stop(beat)  # beat writes its run counts back to the database as it stops
    assert beat.returncode == 0
    task.refresh_from_db()
    assert task.total_run_count == 1
    assert task.last_run_at is not None
    beat_log = (tmp_path / "beat.log").read_text()
    assert beat_log.count(f"Sending due task one-off {queue}") == 1
