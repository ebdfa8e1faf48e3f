"""The local sandbox's Discord: where `manage.py discord_emulator` serves and the environment that
points the bot, the Celery worker and the management commands at it (`make sandbox` gives it to
every process). Read without loading Django."""

from __future__ import annotations

import os

DEFAULT_PORT = 8765
TOKEN = "local-emulator-token"
APPLICATION_ID = 1_150_000_000_000_000_001


def emulator_port() -> int:
    """DISCORD_EMULATOR_PORT, else 8765."""
    raw = os.environ.get("DISCORD_EMULATOR_PORT", "").strip()
    if not raw:
        return DEFAULT_PORT
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ValueError(f"DISCORD_EMULATOR_PORT={raw!r} is not a port number (1-65535).")
    return int(raw)


def environment(port: int = DEFAULT_PORT) -> dict[str, str]:
    """What points a process at an emulator served on 127.0.0.1:`port` by `discord_emulator`."""
    return {
        "DISCORD_TOKEN": TOKEN,
        "DISCORD_APPLICATION_ID": str(APPLICATION_ID),
        "DISCORD_API_BASE": f"http://127.0.0.1:{port}/api/v10",
        "DISCORD_GATEWAY_URL": f"ws://127.0.0.1:{port}/gateway",
    }
