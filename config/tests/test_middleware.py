"""MachineEndpointMiddleware: the interactions endpoint skips the browser middleware (its own
behaviour is tested with the endpoint, botworker/tests/test_endpoint.py)."""

import pytest

from config.middleware import MachineEndpointMiddleware

pytestmark = pytest.mark.django_db


def test_other_paths_take_the_whole_middleware(client):
    response = client.get("/api/health/")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_a_urlconf_without_the_endpoint_serves_its_pages(client, settings):
    settings.ROOT_URLCONF = "config.tests.urls_without_interactions"
    response = client.get("/hello/")
    assert response.status_code == 200
    assert response.content == b"hello"


def test_the_endpoint_is_found_by_its_url_name():
    middleware = MachineEndpointMiddleware(lambda request: None)
    [(path, view)] = middleware.views().items()
    assert path == "/discord/interactions/"
    assert view.__name__ == "interactions_endpoint"
