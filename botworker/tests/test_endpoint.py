"""The signed HTTP interactions endpoint."""

import json
import threading
import time

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client

from botworker.interactions import handling
from botworker.models import InteractionRecord
from botworker.tests.factories import Signer, command_payload
from botworker.tests.routers import build_test_router

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def test_router(monkeypatch):
    monkeypatch.setattr(handling, "router", build_test_router())


@pytest.fixture
def signer(settings):
    s = Signer()
    settings.DISCORD_PUBLIC_KEY = s.public_key_hex
    return s


def echo(text="hi"):
    return command_payload("echo", [{"name": "text", "type": 3, "value": text}])


def test_ping_gets_pong(client, signer):
    response = signer.post(client, {"type": 1, "id": "1", "application_id": "1", "token": "t", "version": 1})
    assert response.status_code == 200
    assert response.json() == {"type": 1}


def test_valid_signature_dispatches(client, signer):
    response = signer.post(client, echo("signed"))
    assert response.status_code == 200
    assert response.json()["data"]["content"].startswith("echo signed")


def test_missing_headers_are_401(client, signer):
    response = client.post("/discord/interactions/", data=json.dumps(echo()), content_type="application/json")
    assert response.status_code == 401
    assert response.json() == {"error": "invalid request signature"}


def test_invalid_signature_is_401(client, signer):
    body = json.dumps(echo()).encode()
    headers = signer.headers(body)
    headers["HTTP_X_SIGNATURE_ED25519"] = "00" * 64
    response = client.post("/discord/interactions/", data=body, content_type="application/json", **headers)
    assert response.status_code == 401


def test_signature_that_is_not_hex_is_401(client, signer):
    body = json.dumps(echo()).encode()
    headers = {**signer.headers(body), "HTTP_X_SIGNATURE_ED25519": "not-hex!"}
    assert (
        client.post("/discord/interactions/", data=body, content_type="application/json", **headers).status_code == 401
    )


def test_tampered_body_is_401(client, signer):
    body = json.dumps(echo("original")).encode()
    headers = signer.headers(body)
    tampered = body.replace(b"original", b"tampered")
    response = client.post("/discord/interactions/", data=tampered, content_type="application/json", **headers)
    assert response.status_code == 401
    assert not Group.objects.exists()


@pytest.mark.parametrize("offset", [-301, 301, -3600])
def test_stale_or_future_timestamp_is_401(client, signer, offset):
    response = signer.post(client, echo(), timestamp=int(time.time()) + offset)
    assert response.status_code == 401


def test_timestamp_within_five_minutes_is_accepted(client, signer):
    assert signer.post(client, echo(), timestamp=int(time.time()) - 290).status_code == 200


def test_signed_with_another_key_is_401(client, signer):
    other = Signer()
    assert other.post(client, echo()).status_code == 401


def test_malformed_json_is_400(client, signer):
    response = signer.post(client, None, raw=b"{not json")
    assert response.status_code == 400
    assert response.json()["error"].startswith("not a valid interaction")


@pytest.mark.parametrize("body", [{"type": 42, "id": "1"}, {"type": 2}, ["a"], "text", {"type": "two"}])
def test_unknown_or_incomplete_interactions_are_400(client, signer, body):
    assert signer.post(client, body).status_code == 400


def test_get_is_405(client):
    assert client.get("/discord/interactions/").status_code == 405


def test_unconfigured_public_key_is_503(client, settings):
    settings.DISCORD_PUBLIC_KEY = ""
    assert client.post("/discord/interactions/", data=b"{}", content_type="application/json").status_code == 503


def test_repeated_interaction_is_answered_with_the_first_answer(client, signer):
    payload = command_payload("write")
    first = signer.post(client, payload).json()
    second = signer.post(client, payload).json()
    assert first == second
    assert Group.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_interaction_have_one_effect(signer):
    """Eight clients post the same interaction at once: one handler run, eight equal answers."""
    payload = command_payload("write")
    body = json.dumps(payload).encode()
    answers, errors = [], []
    barrier = threading.Barrier(8)

    def post():
        try:
            barrier.wait()
            response = Client().post(
                "/discord/interactions/", data=body, content_type="application/json", **signer.headers(body)
            )
            answers.append((response.status_code, response.json()))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(answers) == 8
    assert all(status == 200 for status, _ in answers)
    assert len({json.dumps(a, sort_keys=True) for _, a in answers}) == 1
    assert Group.objects.filter(name=f"written-by-{payload['id']}").count() == 1
    assert InteractionRecord.objects.filter(interaction_id=int(payload["id"])).count() == 1


def test_the_endpoint_skips_the_browser_middleware_but_keeps_the_security_headers(client, signer):
    response = signer.post(client, echo("lean"))
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # Set by the CSP, clickjacking, session and CSRF middleware on every other answer.
    assert "Content-Security-Policy" not in response.headers
    assert "X-Frame-Options" not in response.headers
    assert not response.cookies
    assert client.get("/api/health/").headers["Content-Security-Policy"]


def test_the_endpoint_still_refuses_a_host_not_allowed(client, signer, settings):
    settings.ALLOWED_HOSTS = ["guildhall.example"]
    body = json.dumps(echo()).encode()
    response = client.post(
        "/discord/interactions/",
        data=body,
        content_type="application/json",
        HTTP_HOST="evil.example",
        **signer.headers(body),
    )
    assert response.status_code == 400
    assert not InteractionRecord.objects.exists()


def test_the_endpoint_still_redirects_plain_http_to_https(client, signer, settings):
    settings.SECURE_SSL_REDIRECT = True
    body = json.dumps(echo()).encode()
    response = client.post("/discord/interactions/", data=body, content_type="application/json", **signer.headers(body))
    assert response.status_code == 301
    assert response.headers["Location"].startswith("https://")
    assert not InteractionRecord.objects.exists()
