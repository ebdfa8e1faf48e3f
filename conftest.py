"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
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
