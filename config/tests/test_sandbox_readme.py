"""The README's "Running without Discord" section, run as written: `make sandbox` from a fresh
database with nothing else configured (no SECRET_KEY, no Redis, no Discord), then each of the
section's commands in another "terminal", in order."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import urllib.request
import uuid

import pytest

from botworker.tests.test_bot import free_port
from conftest import BASE_DIR, wait_for

# What each command of the section answers in a fresh database (by the words that pick it out).
EXPECTED = [
    ("send /whoami", "You are a **member** here."),
    ("send /session in subject=Gym", "[button] Pause → pause:8"),
    ("click pause:8", "**Session paused**"),
    ("click edit_purpose:8", "modal “Edit purpose” → edit_purpose:8"),
    ("submit edit_purpose:8 purpose=Leg day", "Purpose: Leg day"),
    ("send /availability set day=Monday", "✅ Monday: from 19:00 for 3 h"),
    ("send /raidtime --moderator", "[file] raid-availability.png"),
    ("messages shifts", "[button] Claim → claim_shift:1"),
    ("click claim_shift:1 --admin", "You claimed shift #1"),
    ("messages raids", "[button] Sign up → raid_signup:1"),
    ("click raid_signup:1", "You're signed up for **Liberation of Undermine (demo)**"),
    ("say !ping", "Pong! Gateway latency"),
]


def readme_section() -> tuple[list[str], list[list[str]]]:
    text = (BASE_DIR / "README.md").read_text()
    section = text.split("## Running without Discord", 1)[1].split("\n## ", 1)[0]
    start, commands = re.findall(r"```sh\n(.*?)```", section, re.S)[:2]
    return start.split(), [shlex.split(line, comments=True) for line in commands.splitlines() if line.strip()]


def test_the_section_shows_every_behaviour_checked_here():
    start, commands = readme_section()
    assert start == ["make", "sandbox"]
    written = [" ".join(command[3:]) for command in commands]
    assert [w for w in written if not any(w.startswith(words) for words, _ in EXPECTED)] == []
    assert all(command[:3] == [".venv/bin/python", "manage.py", "discord_emulator"] for command in commands)


@pytest.mark.slow
def test_the_readme_sandbox_section_runs_as_written(tmp_path):
    import psycopg

    start, commands = readme_section()
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    database = f"gh_sandbox_{uuid.uuid4().hex[:10]}"
    web = f"127.0.0.1:{free_port()}"
    unset = {
        "SECRET_KEY",
        "DEBUG",
        "REDIS_URL",
        "CACHE_URL",
        "DISCORD_TOKEN",
        "DISCORD_API_BASE",
        "DISCORD_GATEWAY_URL",
    }
    env = {k: v for k, v in os.environ.items() if k not in unset and not k.startswith("PYTEST")}
    env.update(
        DATABASE_URL=f"{base}/{database}",  # does not exist yet: the preflight creates it
        WEB_ADDRESS=web,
        DISCORD_EMULATOR_PORT=str(free_port()),
        GUILDHALL_VAR_DIR=str(tmp_path / "var"),  # the SQLite-free quick start's broker and login file
    )
    log_path = tmp_path / "sandbox.log"
    # `-o .venv/.installed`: the virtualenv this test runs in is installed already.
    sandbox = subprocess.Popen(
        [start[0], "-o", ".venv/.installed", *start[1:]],
        cwd=BASE_DIR,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for(lambda: "Guildhall sandbox:" in log_path.read_text(), timeout=240, message="the sandbox's banner")
        log = log_path.read_text()
        assert f"make run: created the PostgreSQL database '{database}' (it did not exist)." in log
        assert f"Guildhall: admin at http://{web}/admin/" in log

        def run(command: list[str]) -> subprocess.CompletedProcess:
            return subprocess.run(command, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)

        wait_for(lambda: run(commands[0]).returncode == 0, timeout=120, message="the bot to answer")
        for command in commands:
            result = run(command)
            words = " ".join(command[3:])
            expected = next(text for start_words, text in EXPECTED if words.startswith(start_words))
            assert result.returncode == 0, (words, result.stdout, result.stderr)
            assert "Traceback" not in result.stderr
            assert expected in result.stdout, (words, result.stdout)

        with urllib.request.urlopen(f"http://{web}/admin/login/", timeout=30) as page:
            assert page.status == 200
    finally:
        os.killpg(sandbox.pid, signal.SIGINT)  # Ctrl-C: honcho stops every process
        try:
            sandbox.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(sandbox.pid, signal.SIGKILL)
            sandbox.wait()
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
