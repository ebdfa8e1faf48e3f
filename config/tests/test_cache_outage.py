"""With the cache unreachable (a closed port), the API and guild interactions keep working:
throttling fails open with a warning, guild configuration is read from the database, and
/api/health/ reports the cache."""

import logging

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

UNREACHABLE = "redis://127.0.0.1:1/0"


def cache_at(url: str) -> dict:
    return {
        "default": {
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


@pytest.fixture
def cache_down(settings, monkeypatch):
    from config.cache import FailOpenRedisCache

    # The warning comes at most once a minute per process: start as if none came yet.
    monkeypatch.setattr(FailOpenRedisCache, "_last_warning", 0.0)
    settings.CACHES = cache_at(UNREACHABLE)


@pytest.fixture
def cache_up(settings):
    settings.CACHES = cache_at(settings.REDIS_URL or "redis://127.0.0.1:6379/0")


def test_settings_use_the_fail_open_backend_for_cache_url(monkeypatch):
    from conftest import run_python

    code = (
        "import django; django.setup(); from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    )
    import os

    env = {**os.environ, "CACHE_URL": "redis://127.0.0.1:6379/9"}
    result = run_python(code, env)
    assert result.stdout.strip() == "config.cache.FailOpenRedisCache", result.stderr


def test_authenticated_api_call_answers_with_the_cache_down(cache_down, django_user_model, caplog):
    user = django_user_model.objects.create_user("player", password="a-long-pass-phrase-1")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    with caplog.at_level(logging.WARNING, logger="guildhall.cache"):
        response = api.get("/api/scheduling/roles/")
    assert response.status_code == 200
    assert any("cache unreachable" in record.getMessage() for record in caplog.records)


def test_throttling_counts_again_once_the_cache_is_back(cache_up, monkeypatch, django_user_model):
    from django.core.cache import cache
    from rest_framework.throttling import SimpleRateThrottle

    cache.clear()
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "user": "2/minute"})
    try:
        user = django_user_model.objects.create_user("player", password="a-long-pass-phrase-1")
        api = APIClient()
        api.force_authenticate(user)
        codes = [api.get("/api/scheduling/roles/").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
    finally:
        cache.clear()


def test_guild_interaction_reads_its_configuration_from_the_database(cache_down, caplog):
    from botworker.guilds import guild_config_for, guild_configure

    guild_configure(guild_id=555, name="Raiders", moderator_role_ids=[77])
    with caplog.at_level(logging.WARNING, logger="guildhall.cache"):
        config = guild_config_for(555)
    assert config.name == "Raiders"
    assert [role.role_id for role in config.roles.all()] == [77]
    assert guild_config_for(556) is None


def test_health_reports_the_cache_without_failing_the_probe(cache_down, client, admin_client):
    response = client.get("/api/health/")
    assert response.status_code == 200  # the site works without its cache: degraded, not down
    body = response.json()
    assert body["status"] == "degraded"
    assert body["degraded"] == ["cache"]
    assert body["down"] == []
    assert body["checks"]["cache"] == {"ok": False}
    staff = admin_client.get("/api/health/").json()
    assert "ConnectionError" in staff["checks"]["cache"]["error"]


def test_health_says_the_cache_is_fine_when_it_is(cache_up, client):
    body = client.get("/api/health/").json()
    assert body["checks"]["cache"] == {"ok": True}
    assert body["status"] == "ok"
