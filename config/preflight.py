"""`python -m config.preflight [test|run]`: can the services be reached? `make test` and `make run`
(and `make sandbox`) run it first.

    test (default): PostgreSQL at DATABASE_URL and Redis at REDIS_URL, which the suite needs.
    run: what the settings will use: PostgreSQL when DATABASE_URL names it (SQLite needs nothing)
         and Redis when REDIS_URL is set (else the filesystem broker); read from the environment
         or `.env`, as the processes read them.

Prints one line naming what to start when something is down and exits 1. Creates the database
named in DATABASE_URL when the server has none of that name, and says so in one line; otherwise
silent. It reads the URLs directly, without loading Django.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url

from config.env import mask_url

TIMEOUT_SECONDS = 3


def database_problem(url: str, created: list[str] | None = None) -> str | None:
    """What is wrong with the PostgreSQL database at `url`, or None. A missing database is
    created (its name appended to `created`)."""
    import psycopg
    import psycopg.sql

    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        return f"DATABASE_URL={mask_url(url)!r} is not a PostgreSQL URL; the test suite runs against PostgreSQL."
    config = dj_database_url.parse(url)
    where = f"{config.get('HOST') or '127.0.0.1'}:{config.get('PORT') or 5432}"
    name = config["NAME"]
    try:
        with psycopg.connect(
            host=config.get("HOST") or "127.0.0.1",
            port=int(config.get("PORT") or 5432),
            user=config.get("USER") or None,
            password=config.get("PASSWORD") or None,
            dbname="postgres",
            connect_timeout=TIMEOUT_SECONDS,
            autocommit=True,
        ) as conn:
            # The suite runs in test_<NAME>; NAME itself must exist for `makemigrations --check`.
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                return None
            try:
                conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
            except psycopg.Error as exc:
                return (
                    f"PostgreSQL at {where} has no database {name!r} and it could not be created "
                    f"({_first_line(exc)}): create it, or set DATABASE_URL."
                )
    except psycopg.Error as exc:
        return f"PostgreSQL is not reachable at {where} ({_first_line(exc)}): start it, or set DATABASE_URL."
    if created is not None:
        created.append(name)
    return None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def redis_problem(url: str) -> str | None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS)
    try:
        client.ping()
    except redis.RedisError as exc:
        return f"Redis is not reachable at {mask_url(url)} ({exc}): start it, or set REDIS_URL."
    finally:
        client.close()
    return None


def _setting(name: str, *, dotenv: bool) -> str:
    value = os.environ.get(name, "").strip()
    if value or not dotenv:
        return value
    path = Path(__file__).resolve().parent.parent / ".env"
    if path.is_file():
        from dotenv import dotenv_values

        return (dotenv_values(path).get(name) or "").strip()
    return ""


def main(argv: list[str] | None = None) -> int:
    mode = (argv or ["test"])[0]
    if mode not in ("test", "run"):
        print(f"config.preflight: unknown mode {mode!r} (test or run)", file=sys.stderr)
        return 2
    running = mode == "run"
    database_url = _setting("DATABASE_URL", dotenv=running)
    redis_url = _setting("REDIS_URL", dotenv=running)
    created: list[str] = []
    problems = []
    if not running or database_url.startswith(("postgres://", "postgresql://", "pgsql://")):
        problems.append(database_problem(database_url, created))
    if not running or redis_url:
        problems.append(redis_problem(redis_url))
    problems = [problem for problem in problems if problem]
    if problems:
        print(f"make {mode}: " + " ".join(problems), file=sys.stderr)
        return 1
    for name in created:
        print(f"make {mode}: created the PostgreSQL database {name!r} (it did not exist).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
