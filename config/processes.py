"""`python -m config.processes`: which Procfile processes `make run` starts.

The web server, a Celery worker and Celery beat always. With DISCORD_TOKEN set, also what speaks
to Discord: the gateway bot when this installation has one (it delivers the outbox itself),
otherwise the stand-alone outbox deliverer.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def processes() -> list[str]:
    names = ["web", "worker", "beat"]
    if not _discord_token():
        return names
    declared = {line.split(":", 1)[0] for line in (BASE_DIR / "Procfile").read_text().splitlines() if ":" in line}
    names.append("bot" if "bot" in declared else "outbox")
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
