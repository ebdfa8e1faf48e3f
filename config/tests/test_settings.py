import secrets

import pytest

from config.env import ConfigError, env_bool, env_timezone, parse_database_url
from conftest import BASE_DIR, run_python

SETTINGS_LOAD = (
    "import django; django.setup(); from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
)


def clean_env(**values: str) -> dict[str, str]:
    """A child environment holding only what a deploy would set, plus PATH."""
    import os

    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "GUILDHALL_VAR_DIR": "/tmp/guildhall-settings-test",
    }
    env.update(values)
    return env


@pytest.mark.parametrize(
    ("url", "engine", "name"),
    [
        ("postgres://u:p@db.internal:5433/guildhall", "config.postgresql", "guildhall"),
        ("postgresql://u@127.0.0.1/guild_prod", "config.postgresql", "guild_prod"),
        ("sqlite:////tmp/x.sqlite3", "django.db.backends.sqlite3", "/tmp/x.sqlite3"),
    ],
)
def test_database_url_accepted(url, engine, name):
    config = parse_database_url(url, conn_max_age=60)
    assert config["ENGINE"] == engine
    assert config["NAME"] == name


def test_postgres_gets_persistent_connections_with_health_checks():
    config = parse_database_url("postgres://u@h:5432/db", conn_max_age=60)
    assert config["CONN_MAX_AGE"] == 60
    assert config["CONN_HEALTH_CHECKS"] is True
    assert config["OPTIONS"]["connect_timeout"] == 5
    assert (
        parse_database_url("postgres://u@h:5432/db", conn_max_age=60, health_checks=False)["CONN_HEALTH_CHECKS"]
        is False
    )


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://u@h/db", "not a database URL Guildhall can use"),
        ("just-a-word", "not a database URL Guildhall can use"),
        ("postgres://u@h:5432", "names no database"),
        ("postgres://u@h:notaport/db", "cannot be parsed"),
    ],
)
def test_bad_database_url_refused_with_a_clear_message(url, says):
    with pytest.raises(ConfigError) as excinfo:
        parse_database_url(url, conn_max_age=0)
    assert says in str(excinfo.value)
    assert "DATABASE_URL" in str(excinfo.value)


def test_bad_boolean_and_time_zone_refused(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ConfigError, match="DEBUG='maybe' is not a boolean"):
        env_bool("DEBUG")
    monkeypatch.setenv("TIME_ZONE", "Mars/Olympus")
    with pytest.raises(ConfigError, match="not an IANA time zone"):
        env_timezone("TIME_ZONE")


def test_bad_database_url_stops_the_process_with_one_line():
    result = run_python(SETTINGS_LOAD, clean_env(DEBUG="true", DATABASE_URL="mysql://root@localhost/guild"))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "DATABASE_URL='mysql://root@localhost/guild'" in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("entry", ["manage.py check", "import config.wsgi", "celery -A config worker"])
def test_production_without_secret_key_refuses_to_start(entry):
    import subprocess
    import sys

    env = clean_env(DEBUG="false", DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres")
    if entry.startswith("manage.py"):
        cmd = [sys.executable, "manage.py", "check"]
    elif entry.startswith("celery"):
        cmd = [sys.executable, "-m", "celery", "-A", "config", "worker"]
    else:
        cmd = [sys.executable, "-c", entry]
    result = subprocess.run(cmd, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "guildhall: configuration error: SECRET_KEY is not set. In production (DEBUG off) Guildhall refuses to "
        "start without one: set SECRET_KEY to a long random string, for example the output of "
        "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`."
    ]


def test_debug_mode_runs_without_secret_key_on_sqlite():
    result = run_python(SETTINGS_LOAD, clean_env(DEBUG="true"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.sqlite3"


def test_check_deploy_is_clean_in_production_mode():
    import subprocess
    import sys

    env = clean_env(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="guildhall.example.org",
        CSRF_TRUSTED_ORIGINS="https://guildhall.example.org",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
        REDIS_URL="redis://127.0.0.1:6379/0",
        CACHE_URL="redis://127.0.0.1:6379/1",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_server_runs_in_utc(settings):
    assert settings.TIME_ZONE == "UTC"
    assert settings.USE_TZ is True
    assert settings.CELERY_TIMEZONE == "UTC"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("UTC", "UTC"), ("Europe/Berlin", "Europe/Berlin"), ("europe/berlin", "Europe/Berlin"), (" utc ", "UTC")],
)
def test_time_zone_is_read_in_its_canonical_spelling(monkeypatch, value, expected):
    monkeypatch.setenv("TIME_ZONE", value)
    assert env_timezone("TIME_ZONE") == expected


def test_time_zone_defaults_when_unset_or_blank(monkeypatch):
    monkeypatch.delenv("TIME_ZONE", raising=False)
    assert env_timezone("TIME_ZONE") == "UTC"
    assert env_timezone("TIME_ZONE", "Europe/London") == "Europe/London"
    monkeypatch.setenv("TIME_ZONE", "  ")
    assert env_timezone("TIME_ZONE") == "UTC"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("US/Eastern", "TIME_ZONE='US/Eastern' is not an IANA time zone. Did you mean America/New_York?"),
        ("localtime", "TIME_ZONE='localtime' is not an IANA time zone. Did you mean UTC?"),
        ("Europe/Berln", "TIME_ZONE='Europe/Berln' is not an IANA time zone. Did you mean Europe/Berlin?"),
        (
            "Mars/Olympus",
            "TIME_ZONE='Mars/Olympus' is not an IANA time zone (for example Europe/Berlin or America/New_York).",
        ),
    ],
)
def test_time_zone_that_is_not_canonical_is_refused_with_a_suggestion(monkeypatch, value, message):
    monkeypatch.setenv("TIME_ZONE", value)
    with pytest.raises(ConfigError) as refused:
        env_timezone("TIME_ZONE")
    assert str(refused.value) == message


def test_settings_checking_the_time_zone_leave_drf_settings_intact():
    """The settings read TIME_ZONE through the time layer; importing DRF's views on the way would
    freeze DRF's settings before REST_FRAMEWORK exists (the schema then fails to generate)."""
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "from rest_framework.settings import api_settings; "
        "print(settings.TIME_ZONE, api_settings.DEFAULT_SCHEMA_CLASS.__name__, api_settings.EXCEPTION_HANDLER.__name__)"
    )
    result = run_python(code, clean_env(DEBUG="true", TIME_ZONE="europe/berlin"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["Europe/Berlin", "GuildhallAutoSchema", "api_exception_handler"]


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("mysql://admin:S3cret@db.internal/guild", "mysql://admin:***@db.internal/guild"),
        ("postgres://admin:S3cret@db.internal:5432", "postgres://admin:***@db.internal:5432"),
        ("postgres://admin:S3cret@db.internal:notaport/guild", "postgres://admin:***@db.internal:notaport/guild"),
    ],
)
def test_a_database_url_in_an_error_has_its_password_masked(url, shown):
    with pytest.raises(ConfigError) as excinfo:
        parse_database_url(url, conn_max_age=0)
    assert f"DATABASE_URL={shown!r}" in str(excinfo.value)
    assert "S3cret" not in str(excinfo.value)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgres://admin:S3cret@host/db", "postgres://admin:***@host/db"),
        ("redis://:p%40ss@cache:6379/1", "redis://:***@cache:6379/1"),
        ("redis://user:pa@ss/word@cache:6379/1", "redis://user:***@cache:6379/1"),
        ("postgres://admin@host/db", "postgres://admin@host/db"),
        ("sqlite:///tmp/x.sqlite3", "sqlite:///tmp/x.sqlite3"),
        ("not a url", "not a url"),
    ],
)
def test_mask_url_hides_only_the_password(url, shown):
    from config.env import mask_url

    assert mask_url(url) == shown


@pytest.mark.parametrize("name", ["REDIS_URL", "CACHE_URL"])
def test_a_redis_url_in_an_error_has_its_password_masked(name):
    result = run_python(SETTINGS_LOAD, clean_env(DEBUG="true", **{name: "http://admin:S3cret@cache.internal:6379/0"}))
    assert result.returncode != 0
    assert f"{name}='http://admin:***@cache.internal:6379/0'" in result.stderr
    assert "S3cret" not in result.stderr


def test_preflight_masks_the_password_of_an_unreachable_service():
    from config.preflight import database_problem, redis_problem

    problem = database_problem("mysql://admin:S3cret@db.internal/guild")
    assert "S3cret" not in problem and "admin:***@db.internal" in problem
    problem = redis_problem("redis://admin:S3cret@127.0.0.1:1/0")
    assert "S3cret" not in problem and "admin:***@127.0.0.1:1" in problem


def test_check_deploy_warns_when_cache_url_is_missing():
    import subprocess
    import sys

    env = clean_env(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="guildhall.example.org",
        CSRF_TRUSTED_ORIGINS="https://guildhall.example.org",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = result.stdout + result.stderr
    assert "guildhall.W001" in output
    assert "CACHE_URL is not set" in output
