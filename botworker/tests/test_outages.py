"""Interactions when a service behind them is down: the cache (guild configuration is read from
the database) and the Celery broker (deferred commands)."""

import pytest

from botworker.guilds import guild_configure
from botworker.interactions import handle_interaction, handling
from botworker.tests.factories import GUILD_ID, MOD_ROLE, command_payload
from botworker.tests.routers import build_test_router

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def test_router(monkeypatch):
    router = build_test_router()
    monkeypatch.setattr(handling, "router", router)
    return router


@pytest.fixture
def cache_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


def test_guild_interaction_is_answered_with_the_cache_down(cache_down):
    guild_configure(guild_id=GUILD_ID, name="Test", moderator_role_ids=[MOD_ROLE])
    response = handle_interaction(command_payload("mod_only", roles=(MOD_ROLE,)))
    assert response["data"]["content"] == "moderator things"
