"""Reading deploy-time configuration from the environment.

Every value the settings need comes from here, so a wrong value fails at start-up with one clear
message naming the variable, never later with a traceback somewhere else.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.timeutils import canonical_zone_name, zone_error_message

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}
DATABASE_SCHEMES = {"postgres", "postgresql", "pgsql", "sqlite"}


def mask_url(url: str) -> str:
    """`url` with the password in it replaced by ***, for messages and logs
    (postgres://admin:S3cret@host/db -> postgres://admin:***@host/db). The last @ ends the
    credentials, so a password holding @ or / is hidden whole."""
    scheme, separator, rest = url.partition("://")
    if not separator or "@" not in rest:
        return url
    userinfo, _, host = rest.rpartition("@")
    if ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


def env_redis_url(name: str) -> str:
    """A Redis URL (redis://, rediss:// or unix://) or "" when unset."""
    url = env_str(name)
    if url and not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"{name}={mask_url(url)!r} must be a Redis URL (redis://HOST:PORT/DB).")
    return url


class ConfigError(ImproperlyConfigured):
    """A deploy-time setting is missing or wrong; the message says which and how to fix it."""


def load_dotenv_file(base_dir: Path) -> None:
    """Read `.env` from the project folder when present; real environment variables win."""
    from dotenv import load_dotenv

    path = base_dir / ".env"
    if path.is_file():
        load_dotenv(path, override=False)


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean: use one of true/false, 1/0, yes/no, on/off.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number.") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number.") from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_timezone(name: str, default: str = "UTC") -> str:
    """A canonical IANA zone name (any case is accepted and spelled canonically); a legacy alias,
    an abbreviation or a typo stops start-up with a "did you mean" answer."""
    value = env_str(name, default) or default
    canonical = canonical_zone_name(value)
    if canonical is None:
        raise ConfigError(f"{name}={zone_error_message(value)}")
    return canonical


POSTGRESQL_ENGINE = "config.postgresql"


def parse_database_url(url: str, *, conn_max_age: int, health_checks: bool = True) -> dict:
    """Turn DATABASE_URL into a Django DATABASES entry, refusing anything but PostgreSQL or SQLite."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in DATABASE_SCHEMES:
        raise ConfigError(
            f"DATABASE_URL={mask_url(url)!r} is not a database URL Guildhall can use: "
            "expected postgres://USER:PASSWORD@HOST:PORT/NAME or sqlite:///PATH."
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=conn_max_age)
    except (ValueError, dj_database_url.UnknownSchemeError) as exc:
        raise ConfigError(f"DATABASE_URL={mask_url(url)!r} cannot be parsed: {exc}") from None
    if config["ENGINE"] == "django.db.backends.postgresql":
        if not config.get("NAME"):
            raise ConfigError(f"DATABASE_URL={mask_url(url)!r} names no database: add /NAME at the end.")
        # Django's backend with a health check that needs no query (config/postgresql/base.py).
        config["ENGINE"] = POSTGRESQL_ENGINE
        config["CONN_HEALTH_CHECKS"] = health_checks
        config.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    else:
        # SQLite: persistent connections buy nothing and only hold file locks.
        config["CONN_MAX_AGE"] = 0
    return config
