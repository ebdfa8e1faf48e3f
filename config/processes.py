"""`python -m config.processes`: which Procfile processes `make run` starts.

The web server, a Celery worker and Celery beat always; the Discord bot too when DISCORD_TOKEN is
set and the bot process exists in this installation.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def processes() -> list[str]:
    names = ["web", "worker", "beat"]
    procfile = (BASE_DIR / "Procfile").read_text()
    has_bot = any(line.startswith("bot:") for line in procfile.splitlines())
    if has_bot and _discord_token():
        names.append("bot")
    return names


def _discord_token() -> str:
    token = os.environ.get("DISCORD_TOKEN", "").strip()
    if token:
        return token
    dotenv = BASE_DIR / ".env"
    if dotenv.is_file():
        from dotenv import dotenv_values

        return (dotenv_values(dotenv).get("DISCORD_TOKEN") or "").strip()
    return ""


if __name__ == "__main__":
    print(" ".join(processes()))
