import os
import subprocess
import sys
import uuid

from conftest import BASE_DIR


def run_preflight(**env):
    return subprocess.run(
        [sys.executable, "-m", "config.preflight"],
        cwd=BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_services_up_is_silent():
    result = run_preflight()
    assert (result.returncode, result.stderr) == (0, "")


def test_services_down_is_one_line_naming_what_to_start():
    result = run_preflight(DATABASE_URL="postgres://postgres@127.0.0.1:1/guildhall", REDIS_URL="redis://127.0.0.1:1/0")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "PostgreSQL is not reachable at 127.0.0.1:1" in lines[0]
    assert "Redis is not reachable at redis://127.0.0.1:1/0" in lines[0]


def test_run_with_nothing_configured_needs_nothing(tmp_path):
    """`make run` on SQLite and the filesystem broker: nothing to reach, nothing said."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    result = subprocess.run(
        [sys.executable, "-m", "config.preflight", "run"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_run_creates_a_missing_database_and_says_so_in_one_line():
    import psycopg

    name = f"gh_preflight_{uuid.uuid4().hex[:10]}"
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    try:
        result = run_preflight_mode("run", DATABASE_URL=f"{base}/{name}")
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().splitlines() == [
            f"make run: created the PostgreSQL database '{name}' (it did not exist)."
        ]
        again = run_preflight_mode("run", DATABASE_URL=f"{base}/{name}")
        assert (again.returncode, again.stdout, again.stderr) == (0, "", "")
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def test_run_with_an_unreachable_database_or_broker_is_one_line():
    result = run_preflight_mode(
        "run", DATABASE_URL="postgres://postgres@127.0.0.1:1/guildhall", REDIS_URL="redis://127.0.0.1:1/0"
    )
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("make run: PostgreSQL is not reachable at 127.0.0.1:1")
    assert "Redis is not reachable at redis://127.0.0.1:1/0" in line
    assert "Traceback" not in result.stderr


def run_preflight_mode(mode, **env):
    return subprocess.run(
        [sys.executable, "-m", "config.preflight", mode],
        cwd=BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=30,
    )
