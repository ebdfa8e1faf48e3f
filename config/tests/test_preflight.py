import os
import subprocess
import sys

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
