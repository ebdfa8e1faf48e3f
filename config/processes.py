"""`python -m config.processes`: which Procfile processes `make run` starts, and what `make run` and
`make sandbox` print and hand to their processes.

    python -m config.processes            # the process names for `honcho start` (make run)
    python -m config.processes banner     # the banner with the real addresses (make run)
    python -m config.processes sandbox    # writes var/sandbox.env, prints the sandbox's banner (make sandbox)

`make run` starts the web server, a Celery worker and Celery beat always. With DISCORD_TOKEN set,
also what speaks to Discord: the gateway bot when this installation has one (it delivers the outbox
itself), otherwise the stand-alone outbox deliverer.

`make sandbox` starts everything in Procfile.sandbox (the Discord emulator, the bot, web, worker,
beat) with var/sandbox.env, which points every one of them at the emulator.

The web server listens on WEB_ADDRESS (`[HOST:]PORT`, default 127.0.0.1:8000), read from the
environment or `.env` like everything else; the banners print the address to open in a browser.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from config import sandbox

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_WEB_ADDRESS = "127.0.0.1:8000"
# Addresses that mean "every interface": a browser on this machine reaches them on the loopback.
EVERY_INTERFACE = {"0.0.0.0", "::", "[::]", ""}


def processes() -> list[str]:
    names = ["web", "worker", "beat"]
    if not _discord_token():
        return names
    declared = {line.split(":", 1)[0] for line in (BASE_DIR / "Procfile").read_text().splitlines() if ":" in line}
    names.append("bot" if "bot" in declared else "outbox")
    return names


def _setting(name: str) -> str:
    """A setting from the environment, else from `.env` (as the processes themselves read it)."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    dotenv = BASE_DIR / ".env"
    if dotenv.is_file():
        from dotenv import dotenv_values

        return (dotenv_values(dotenv).get(name) or "").strip()
    return ""


def _discord_token() -> str:
    return _setting("DISCORD_TOKEN")


def web_url() -> str:
    """The address to open for the web server on WEB_ADDRESS (`8000`, `0.0.0.0:8000`, `[::1]:8000`,
    `localhost:9000` ...), as http://HOST:PORT."""
    address = _setting("WEB_ADDRESS") or DEFAULT_WEB_ADDRESS
    host, separator, port = address.rpartition(":")
    if not separator:
        host, port = "", address
    if host in EVERY_INTERFACE:
        host = "127.0.0.1"
    return f"http://{host}:{port}"


def banner() -> str:
    url = web_url()
    return f"Guildhall: admin at {url}/admin/, API docs at {url}/api/docs/ (Ctrl-C stops everything)"


def write_sandbox_env() -> Path:
    """var/sandbox.env: the emulator's environment for every sandbox process (it wins over `.env`)."""
    path = BASE_DIR / "var" / "sandbox.env"
    path.parent.mkdir(parents=True, exist_ok=True)
    values = {**sandbox.environment(sandbox.emulator_port()), "DISCORD_EMULATOR_PORT": str(sandbox.emulator_port())}
    path.write_text("".join(f"{name}={value}\n" for name, value in values.items()))
    return path


def _emulator_port_from_dotenv() -> None:
    port = _setting("DISCORD_EMULATOR_PORT")
    if port:
        os.environ["DISCORD_EMULATOR_PORT"] = port


def sandbox_banner() -> str:
    port = sandbox.emulator_port()
    python = BASE_DIR / ".venv" / "bin" / "python"
    return (
        f"{banner()}\n"
        f"Guildhall sandbox: Discord emulator at http://127.0.0.1:{port} with the demo guild; in another terminal:\n"
        f"  {python} manage.py discord_emulator send /whoami"
    )


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "processes"
    try:
        if command == "processes":
            print(" ".join(processes()))
        elif command == "banner":
            print(banner())
        elif command == "sandbox":
            _emulator_port_from_dotenv()
            write_sandbox_env()
            print(sandbox_banner())
        else:
            print(f"config.processes: unknown command {command!r} (processes, banner or sandbox)", file=sys.stderr)
            return 2
    except ValueError as exc:
        print(f"config.processes: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
