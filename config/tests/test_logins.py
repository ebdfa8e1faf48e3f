"""Logins cannot be guessed: lockout per username and per address on the token endpoint and the
admin login, a message saying when to try again, and API tokens rotated on a password change."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

PASSWORD = "s3cret-pass-word"
TOKEN_URL = "/api/auth/token/"
ADMIN_LOGIN_URL = "/admin/login/"


@pytest.fixture
def officer():
    return get_user_model().objects.create_user(username="officer", password=PASSWORD, is_staff=True)


@pytest.fixture
def api():
    return APIClient()


def token_login(api, username, password, address="10.0.0.1"):
    return api.post(TOKEN_URL, {"username": username, "password": password}, REMOTE_ADDR=address)


def admin_login(client, username, password, address="10.0.0.1"):
    return client.post(
        ADMIN_LOGIN_URL,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def age_failures(minutes: int) -> None:
    """Move every recorded failure back in time (the cool-off is counted from the last one)."""
    from axes.models import AccessAttempt

    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= timedelta(minutes=minutes)
        attempt.save(update_fields=["attempt_time"])


def test_token_endpoint_locks_a_username_after_the_failure_limit(api, officer):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert token_login(api, "officer", "wrong").status_code == 400
    locked = token_login(api, "officer", "wrong")
    assert locked.status_code == 429
    body = locked.json()
    assert set(body) == {"detail", "code", "fields"}
    assert body["code"] == "locked_out"
    assert body["fields"] == {}
    assert "Too many failed logins" in body["detail"]
    assert "Try again after" in body["detail"]
    assert int(locked["Retry-After"]) > 60 * (settings.LOGIN_COOLOFF_MINUTES - 1)


def test_right_password_is_refused_until_the_cool_off_ends(api, officer):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        token_login(api, "officer", "wrong")
    refused = token_login(api, "officer", PASSWORD)
    assert refused.status_code == 429
    assert "token" not in refused.json()
    assert not Token.objects.filter(user=officer).exists()

    age_failures(settings.LOGIN_COOLOFF_MINUTES + 1)
    accepted = token_login(api, "officer", PASSWORD)
    assert accepted.status_code == 200
    assert accepted.json()["token"] == Token.objects.get(user=officer).key


def test_admin_login_locks_with_a_readable_page(client, officer):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert admin_login(client, "officer", "wrong").status_code == 200  # the form again, with its error
    locked = admin_login(client, "officer", "wrong")
    assert locked.status_code == 429
    assert locked["Content-Type"].startswith("text/html")
    page = locked.content.decode()
    assert "Too many failed logins" in page
    assert "Try again after" in page
    assert "Guildhall" in page  # the admin's own look, not a bare line of text

    refused = admin_login(client, "officer", PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session

    age_failures(settings.LOGIN_COOLOFF_MINUTES + 1)
    assert admin_login(client, "officer", PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(officer.pk)


def test_one_address_trying_many_usernames_is_locked_out(api, officer):
    for number in range(settings.AXES_FAILURE_LIMIT):
        token_login(api, f"guess{number}", "wrong", address="10.0.0.9")
    assert token_login(api, "officer", PASSWORD, address="10.0.0.9").status_code == 429
    # The account itself is not locked: another address logs in.
    assert token_login(api, "officer", PASSWORD, address="10.0.0.10").status_code == 200


def test_a_username_is_locked_whatever_address_tries_it(api, officer):
    for number in range(settings.AXES_FAILURE_LIMIT):
        token_login(api, "officer", "wrong", address=f"10.0.1.{number}")
    assert token_login(api, "officer", PASSWORD, address="10.0.2.1").status_code == 429


def test_failures_on_the_admin_count_for_the_token_endpoint(client, api, officer):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        admin_login(client, "officer", "wrong")
    assert token_login(api, "officer", PASSWORD).status_code == 429


def test_staff_see_lockouts_in_the_admin(admin_client, api, officer):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        token_login(api, "officer", "wrong")
    page = admin_client.get("/admin/axes/accessattempt/")
    assert page.status_code == 200
    assert "officer" in page.content.decode()


def test_changing_the_password_rotates_the_api_token(api, officer):
    old = Token.objects.create(user=officer)
    api.credentials(HTTP_AUTHORIZATION=f"Token {old.key}")
    assert api.get("/api/shifts/shifts/").status_code == 200

    officer.set_password("another-long-pass-phrase")
    officer.save()
    assert not Token.objects.filter(key=old.key).exists()
    assert api.get("/api/shifts/shifts/").status_code == 401

    fresh = APIClient().post(TOKEN_URL, {"username": "officer", "password": "another-long-pass-phrase"})
    assert fresh.status_code == 200
    assert fresh.json()["token"] != old.key


def test_saving_a_user_without_a_new_password_keeps_the_token(officer):
    token = Token.objects.create(user=officer)
    officer.first_name = "Ada"
    officer.save()
    assert Token.objects.filter(key=token.key).exists()
