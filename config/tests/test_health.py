import json

import pytest

from conftest import run_python

pytestmark = pytest.mark.django_db

HEALTH_IN_CHILD = """
import os, django, json
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.test import Client
response = Client().get('/api/health/', HTTP_HOST='localhost', secure=True)
print(json.dumps({'status': response.status_code, 'body': response.json()}))
"""


def test_health_ok_without_login(client):
    response = client.get("/api/health/")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "down": [],
        "degraded": [],
        "checks": {"database": {"ok": True}, "broker": {"ok": True}, "cache": {"ok": True}},
    }


def test_broker_unreachable_gives_503_naming_it(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/api/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["down"] == ["broker"]
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["broker"] == {"ok": False}  # anonymous: which component, not why


def test_staff_see_why_a_component_is_down(admin_client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    body = admin_client.get("/api/health/").json()
    assert body["down"] == ["broker"]
    assert body["checks"]["broker"]["ok"] is False
    assert "ConnectionError" in body["checks"]["broker"]["error"]


def test_a_token_that_is_not_staff_sees_no_detail(client, settings, django_user_model):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=django_user_model.objects.create_user("player", password="x-long-pass-1"))
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    body = client.get("/api/health/", HTTP_AUTHORIZATION=f"Token {token.key}").json()
    assert body["checks"]["broker"] == {"ok": False}


def test_health_ignores_a_bad_token_and_still_answers(client):
    response = client.get("/api/health/", HTTP_AUTHORIZATION="Token not-a-token")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_filesystem_broker_checked_for_a_writable_folder(client, settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://localhost/"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "queue")}
    assert client.get("/api/health/").status_code == 200

    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(blocked / "queue")}
    response = client.get("/api/health/")
    assert response.status_code == 503
    assert response.json()["down"] == ["broker"]
    assert response.json()["checks"]["broker"] == {"ok": False}


def test_database_unreachable_gives_503_naming_it(subprocess_env):
    env = {**subprocess_env, "ALLOWED_HOSTS": "localhost", "DATABASE_URL": "postgres://postgres@127.0.0.1:1/guildhall"}
    result = run_python(HEALTH_IN_CHILD, env)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    assert answer["body"]["down"] == ["database"]
    assert answer["body"]["checks"]["broker"] == {"ok": True}
    assert answer["body"]["checks"]["database"] == {"ok": False}


def test_both_down_names_both(subprocess_env):
    env = {
        **subprocess_env,
        "ALLOWED_HOSTS": "localhost",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/guildhall",
        "REDIS_URL": "redis://127.0.0.1:1/0",
    }
    result = run_python(HEALTH_IN_CHILD, env)
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    assert answer["body"]["down"] == ["database", "broker"]
