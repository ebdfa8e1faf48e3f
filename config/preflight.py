"""`python -m config.preflight`: are PostgreSQL and Redis reachable? Used by `make test`.

Prints one line naming what to start when either is down and exits 1; exits 0 silently otherwise.
Creates the database named in DATABASE_URL when the server has none of that name.
It reads DATABASE_URL and REDIS_URL directly, without loading Django.
"""

from __future__ import annotations

import os
import sys

import dj_database_url

from config.env import mask_url

TIMEOUT_SECONDS = 3


def database_problem(url: str) -> str | None:
    import psycopg
    import psycopg.sql

    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        return f"DATABASE_URL={mask_url(url)!r} is not a PostgreSQL URL; the test suite runs against PostgreSQL."
    config = dj_database_url.parse(url)
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
            name = config["NAME"]
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
    except psycopg.Error as exc:
        where = f"{config.get('HOST') or '127.0.0.1'}:{config.get('PORT') or 5432}"
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"PostgreSQL is not reachable at {where} ({reason}): start it, or set DATABASE_URL."
    return None


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


def main() -> int:
    problems = [
        problem
        for problem in (
            database_problem(os.environ.get("DATABASE_URL", "")),
            redis_problem(os.environ.get("REDIS_URL", "")),
        )
        if problem
    ]
    if problems:
        print("make test: " + " ".join(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
