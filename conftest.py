"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parent


def database_url_for(db_settings: dict) -> str:
    """A DATABASE_URL pointing at the database these settings describe (the test database in tests)."""
    user = quote(db_settings.get("USER") or "")
    password = quote(db_settings.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db_settings.get("HOST") or "127.0.0.1"
    port = db_settings.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{db_settings['NAME']}"


@pytest.fixture
def subprocess_env(transactional_db) -> dict[str, str]:
    """Environment for a child process (worker, beat, bot, server) that must see the test database.

    Tests using it are transactional: the child runs in another connection, so it only sees
    committed rows."""
    from django.db import connection

    env = dict(os.environ)
    env["DATABASE_URL"] = database_url_for(connection.settings_dict)
    env["DB_CONN_MAX_AGE"] = "0"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_python(code: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    """Run a Python snippet in a fresh interpreter in the project folder."""
    return subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout
    )


def wait_for(predicate, *, timeout: float, interval: float = 0.1, message: str = "condition"):
    """Poll `predicate` until it returns a truthy value; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {message}")


@pytest.fixture
def require_redis() -> str:
    url = settings.REDIS_URL
    if not url:
        pytest.fail("REDIS_URL is not set: the suite runs against a real Redis (make test sets it).")
    return url


@pytest.fixture(scope="session", autouse=True)
def discord_limits_of_this_session() -> str:
    """Discord's limits shared through Redis are this session's own (its processes included): a
    parallel test process, with its own emulator but the same token, must not pace this one's."""
    namespace = f"test-{uuid.uuid4().hex[:12]}"
    previous = settings.DISCORD_RATE_LIMIT_NAMESPACE
    settings.DISCORD_RATE_LIMIT_NAMESPACE = namespace
    os.environ["DISCORD_RATE_LIMIT_NAMESPACE"] = namespace
    yield namespace
    settings.DISCORD_RATE_LIMIT_NAMESPACE = previous
    os.environ.pop("DISCORD_RATE_LIMIT_NAMESPACE", None)


@pytest.fixture(scope="session", autouse=True)
def celery_test_queue() -> str:
    """Every task sent during the test session goes to a queue of the session's own, which only
    the workers the tests start consume; it is purged at the end."""
    from config.celery import app

    queue = f"test-{uuid.uuid4().hex[:12]}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    yield queue
    app.conf.task_default_queue = previous
    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        client.delete(queue)
        client.close()


def start_celery(args: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen:
    log = open(log_path, "w")  # noqa: SIM115 - the child writes to it until it is stopped
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", *args],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def start_beat(env: dict[str, str], tmp_path: Path) -> subprocess.Popen:
    """Celery beat on django-celery-beat's DatabaseScheduler, looking at its schedule every
    second; its log is tmp_path / "beat.log". Stop it with stop_process (it saves its run counts)."""
    return start_celery(
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
        env,
        tmp_path / "beat.log",
    )


def stop_process(process: subprocess.Popen, timeout: float = 15) -> None:
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def celery_worker(subprocess_env, require_redis, celery_test_queue, tmp_path):
    """A real Celery worker (solo pool) consuming the session's queue; yields its log file."""
    log_path = tmp_path / "worker.log"
    process = start_celery(
        ["worker", "--pool=solo", "-Q", celery_test_queue, "--without-gossip", "--without-mingle", "--loglevel=INFO"],
        subprocess_env,
        log_path,
    )
    wait_for(lambda: "ready." in log_path.read_text(), timeout=30, message="the Celery worker to be ready")
    yield log_path
    stop_process(process)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (cached guild configurations, throttling counters):
    a rolled-back test must not leave cached rows for the next."""
    from django.core.cache import cache

    from botworker.guilds import forget_local_guild_configs

    cache.clear()
    forget_local_guild_configs()
    yield


def link_member(user, *, guild_id: int, discord_user_id: int, role_ids=(), permissions: int = 0):
    """Make `user` a login linked to `discord_user_id`, seen by the bot in `guild_id` with these
    roles and permission bits (as an interaction there would record it). Returns the user."""
    from botworker.members import member_seen
    from botworker.models import DiscordLink

    DiscordLink.objects.update_or_create(user=user, defaults={"discord_user_id": discord_user_id})
    member_seen(guild_id=guild_id, user_id=discord_user_id, role_ids=role_ids, permissions=permissions)
    return user


def migrate_to(targets):
    """Migrate the test database to `targets` ((app, migration) pairs) and return the apps
    registry of that state, for data-migration tests."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def migrate_to_latest() -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())
