"""`manage.py discord_emulator`, the command-line side of the local sandbox: how it reads commands
and prints answers, and, through the real emulator and the real bot process, that it works
outside `make run`, follows a conversation (buttons, an updated message, a modal) and answers bad
input with one line."""

from __future__ import annotations

import io
import json
import shlex
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from botworker.management.commands.discord_emulator import (
    command_options,
    describe_answer,
    describe_message,
    readable,
    split_command,
)
from botworker.tests.test_bot import free_port
from config import demo
from conftest import BASE_DIR, wait_for

# ---------------------------------------------------------------- reading commands


@pytest.mark.parametrize(
    "words",
    [["/session in", "subject=Gym"], ["/session", "in", "subject=Gym"], ["session in subject=Gym"]],
)
def test_a_subcommand_needs_no_quotes(words):
    assert split_command(words) == ("session in", ["subject=Gym"])


def test_an_option_value_may_hold_spaces_and_equals_signs():
    assert split_command(["/session", "in", "subject=Deep work", "purpose=a=b"]) == (
        "session in",
        ["subject=Deep work", "purpose=a=b"],
    )


def test_choice_options_take_the_choice_name_and_options_are_typed():
    options = command_options("availability set", ["day=monday", "earliest_start=19:00", "hours=2.5"])
    assert options == [
        {
            "name": "set",
            "type": 1,
            "options": [
                {"name": "day", "type": 4, "value": 0},
                {"name": "earliest_start", "type": 3, "value": "19:00"},
                {"name": "hours", "type": 10, "value": 2.5},
            ],
        }
    ]
    assert command_options("availability set", ["day=6", "earliest_start=19:00", "hours=1"])[0]["options"][0] == {
        "name": "day",
        "type": 4,
        "value": 6,
    }


@pytest.mark.parametrize(
    ("path", "pairs", "message"),
    [
        ("nope", [], "no command /nope; known: /add_reminder, /alloc set"),
        ("session", [], "no command /session; its subcommands: /session in, /session out"),
        (
            "availability set",
            ["day=Funday", "earliest_start=19:00", "hours=1"],
            "day='Funday': /availability set takes one of: Monday",
        ),
        ("alloc set", ["subject=Gym", "hours=abc"], "hours='abc' is not a number"),
        ("attendance record", ["event=x", "player=1"], "event='x' is not a whole number"),
        ("attendance record", ["event=1", "player=nobody"], "player='nobody' is not a Discord id"),
        ("session in", [], "/session in needs subject=…"),
        ("session in", ["colour=red"], "'colour=red': give options as name=value; /session in has subject, purpose"),
        ("attendance stats", ["all_seasons=maybe"], "all_seasons='maybe' is not true or false"),
    ],
)
def test_bad_commands_are_refused_with_what_to_write(path, pairs, message):
    with pytest.raises(CommandError) as refused:
        command_options(path, pairs)
    assert str(refused.value).startswith(message)


def test_members_and_channels_may_be_named():
    options = command_options("attendance record", ["event=1", "player=tomas"])
    assert options[0]["options"][1] == {"name": "player", "type": 6, "value": str(demo.MODERATOR.user_id)}


# ---------------------------------------------------------------- printing answers


def test_a_message_reads_as_text_with_its_embeds_files_and_buttons():
    message = {
        "content": "Shift <@100000000000000302> at <t:1767261600:f>, in <#100000000000000201>",
        "flags": 64,
        "embeds": [
            {
                "title": "Shift #1",
                "description": "Open\nPress Claim",
                "fields": [{"name": "Start", "value": "<t:1767261600:t>"}],
                "footer": {"text": "Event #1"},
            }
        ],
        "attachments": [{"filename": "raid-availability.png", "size": 123}],
        "components": [
            {
                "type": 1,
                "components": [
                    {"type": 2, "label": "Claim", "custom_id": "claim_shift:1", "style": 1},
                    {"type": 2, "label": "Done", "custom_id": "x:1", "style": 2, "disabled": True},
                ],
            },
            {
                "type": 1,
                "components": [
                    {
                        "type": 3,
                        "custom_id": "page:1",
                        "placeholder": "Week",
                        "options": [{"label": "This week", "value": "0"}],
                    }
                ],
            },
        ],
    }
    assert describe_message(message) == [
        "(only you can see this)",
        "Shift @tomas at Thu 2026-01-01 10:00 UTC, in #shifts",
        "┌ Shift #1",
        "│ Open",
        "│ Press Claim",
        "│ Start: 10:00 UTC",
        "│ — Event #1",
        "└",
        "[file] raid-availability.png (123 bytes)",
        "[button] Claim → claim_shift:1",
        "[button] Done → x:1 (disabled)",
        "[menu] Week → page:1: This week=0",
    ]


def test_relative_times_read_as_from_now():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    later = int((now + timedelta(hours=3, minutes=5)).timestamp())
    earlier = int((now - timedelta(days=2)).timestamp())
    assert readable(f"<t:{later}:R> and <t:{earlier}:R>", now=now) == "in 3 h and 2 d ago"


def test_a_modal_answer_says_how_to_submit_it():
    answer = {
        "responses": [
            {
                "type": 9,
                "data": {
                    "custom_id": "edit_purpose:8",
                    "title": "Edit purpose",
                    "components": [
                        {
                            "type": 1,
                            "components": [{"type": 4, "custom_id": "purpose", "label": "Purpose", "required": True}],
                        }
                    ],
                },
            }
        ]
    }
    assert describe_answer(answer, 30) == [
        "modal “Edit purpose” → edit_purpose:8",
        "  field purpose (Purpose, required)",
        "submit it with: discord_emulator submit edit_purpose:8 purpose=…",
    ]


def test_a_deferred_answer_that_never_came_says_what_to_start():
    answer = {"responses": [{"type": 5, "data": {"flags": 64}}], "message": None, "followups": [], "pending": True}
    [line] = describe_answer(answer, 3)
    assert "did not finish within 3 s: is the Celery worker running with the emulator's environment?" in line


def test_without_an_emulator_it_says_how_to_start_one():
    with pytest.raises(CommandError) as refused:
        call_command("discord_emulator", "send", "/whoami", "--port", str(free_port()), stdout=io.StringIO())
    assert "start it with `manage.py discord_emulator` (or `make sandbox`)" in str(refused.value)


# ---------------------------------------------------------------- through the real emulator and bot


def cli_env(subprocess_env: dict[str, str]) -> dict[str, str]:
    """A shell outside `make run`: no SECRET_KEY, no DEBUG, no Discord settings."""
    dropped = {"SECRET_KEY", "DEBUG", "DISCORD_TOKEN", "DISCORD_API_BASE", "DISCORD_GATEWAY_URL"}
    return {k: v for k, v in subprocess_env.items() if k not in dropped}


@pytest.mark.slow
def test_the_cli_drives_the_bot_outside_make_run(subprocess_env, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("bootstrap", stdout=io.StringIO())
    env = cli_env(subprocess_env)
    port = free_port()
    manage = [sys.executable, "manage.py", "discord_emulator"]
    emulator = subprocess.Popen(
        [*manage, "serve", "--port", str(port)], cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, text=True
    )
    bot = None
    try:
        banner = [emulator.stdout.readline() for _ in range(3)]
        assert banner[1].strip() == "Run the bot against it (in another terminal):"
        printed = shlex.split(banner[2])
        assert printed[-3:] == [sys.executable, "manage.py", "runbot"]  # the venv's python, as printed
        assignments = dict(item.split("=", 1) for item in printed[:-3])
        assert assignments["DEBUG"] == "true"  # no SECRET_KEY in this shell: the bot runs in development mode
        bot = subprocess.Popen(
            printed[-3:],
            cwd=BASE_DIR,
            env={**env, **assignments},
            stdout=(tmp_path / "bot.log").open("w"),
            stderr=subprocess.STDOUT,
        )

        def run(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run(
                [*manage, *args, "--port", str(port)], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=90
            )

        whoami = wait_for(
            lambda: (r := run("send", "/whoami")).returncode == 0 and r, timeout=60, message="the bot's answer"
        )
        assert "You are a **member** here." in whoami.stdout
        assert "You are a **moderator** here." in run("send", "/whoami", "--moderator").stdout

        started = run("send", "/session", "in", "subject=Gym")
        assert "**Session running** · **Gym**" in started.stdout, started.stdout + started.stderr
        pause = next(line.split("→ ")[1] for line in started.stdout.splitlines() if line.startswith("[button] Pause"))
        session = pause.split(":")[1]

        paused = run("click", pause)
        assert paused.stdout.startswith("(updated message ")
        assert "**Session paused**" in paused.stdout

        modal = run("click", f"edit_purpose:{session}")
        assert modal.stdout.splitlines()[0] == f"modal “Edit purpose” → edit_purpose:{session}"
        assert f"submit it with: discord_emulator submit edit_purpose:{session} purpose=…" in modal.stdout

        submitted = json.loads(run("submit", f"edit_purpose:{session}", "purpose=Leg day", "--json").stdout)
        # The modal's answer updated the message the buttons were on, which the click had already updated.
        assert submitted["responses"][-1]["type"] == 7
        assert "**Session paused**" in submitted["message"]["content"]
        assert "Purpose: Leg day" in submitted["message"]["content"]

        window = run("send", "/availability", "set", "day=Monday", "earliest_start=19:00", "hours=3")
        assert "Monday: from 19:00 for 3 h" in window.stdout

        # A deferred command without a worker: the CLI waits, then says what is missing.
        deferred = run("send", "/sync_commands", "--admin", "--wait", "2")
        assert deferred.returncode == 0
        assert "is the Celery worker running with the emulator's environment?" in deferred.stdout

        assert run("say", "!ping").stdout.startswith("Pong! Gateway latency")

        shifts = run("messages", "shifts")
        assert "[button] Claim → claim_shift:" in shifts.stdout
        assert "Dropped by: @tomas" in shifts.stdout

        bad = {
            ("send", "/nope"): "CommandError: no command /nope",
            ("send", "/availability", "set", "day=Funday", "earliest_start=19:00", "hours=1"): "takes one of: Monday",
            ("send", "/alloc", "set", "subject=Gym", "hours=abc"): "hours='abc' is not a number",
            ("click", "nothing:1"): "no message carries a component with custom_id 'nothing:1'",
            ("submit", f"edit_purpose:{session}", "mood=good"): "has no field mood; its fields: purpose",
            ("submit", "never_opened:1", "a=b"): "the bot has not opened a modal with custom_id 'never_opened:1'",
            ("submit", f"edit_purpose:{session}", "purpose"): "give the modal's fields as field=value",
            ("send", "/whoami", "--user", "nobody"): "--user 'nobody': give a user id or one of:",
            ("send", "/whoami", "--channel", "nowhere"): "--channel 'nowhere': give a channel id or one of:",
            ("send", "/whoami", "--channel", "123456789012345678"): "unknown channel 123456789012345678",
            ("click",): "click needs a target",
        }
        for args, message in bad.items():
            result = run(*args)
            assert result.returncode != 0, args
            assert "Traceback" not in result.stderr, result.stderr
            [line] = result.stderr.strip().splitlines()
            assert line.startswith("CommandError: ") and message in line, (args, line)
    finally:
        for process in (bot, emulator):
            if process is not None:
                process.send_signal(signal.SIGINT)
                process.wait(timeout=30)
