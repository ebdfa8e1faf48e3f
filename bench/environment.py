"""What every benchmark that loads the project does first: its own PostgreSQL database
(`<BENCH_DB_PREFIX>_<name>`, prefix `guildhall_bench` by default, created when missing) and quiet,
production-like settings. Call `configure(name)` before anything imports Django."""

from __future__ import annotations

import os

ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"


def database_name(name: str) -> str:
    return f"{os.environ.get('BENCH_DB_PREFIX', 'guildhall_bench')}_{name}"


def configure(name: str, *, redis_url: str | None = None) -> str:
    """Point the settings at the benchmark's database (and `redis_url` when given); returns the
    database's name. Values already in the environment win, except the database's."""
    database = database_name(name)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
    if redis_url is not None:
        os.environ["REDIS_URL"] = redis_url
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return database


def ensure_database(database: str) -> None:
    """Create the database when it does not exist yet."""
    import psycopg

    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            conn.execute(f'CREATE DATABASE "{database}"')
