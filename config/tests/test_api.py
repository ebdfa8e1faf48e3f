import logging

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework import serializers
from rest_framework.test import APIRequestFactory
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from config.exceptions import ApplicationError

pytestmark = pytest.mark.django_db


class WidgetSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=5)
    size = serializers.IntegerField(min_value=1)


class ProbeView(APIView):
    """A view that exercises each kind of failure the API can have."""

    def post(self, request):
        mode = request.query_params.get("mode")
        if mode == "refuse":
            raise ApplicationError("That shift is already claimed by <@42>.", field="shift_id", code="claimed")
        if mode == "crash":
            raise RuntimeError("database exploded")
        serializer = WidgetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _ok(request)


def _ok(request):
    from rest_framework.response import Response

    return Response({"user": request.user.username})


class OneAnonRequestPerMinute(AnonRateThrottle):
    rate = "1/minute"


class ThrottledView(APIView):
    permission_classes: list = []
    throttle_classes = [OneAnonRequestPerMinute]

    def get(self, request):
        return _ok(request)


@pytest.fixture
def user():
    return get_user_model().objects.create_user(username="officer", password="s3cret-pass-word")


@pytest.fixture
def factory():
    return APIRequestFactory()


def test_domain_error_is_a_400_with_its_message_and_field(factory, user):
    request = factory.post("/probe/?mode=refuse", {}, format="json")
    from rest_framework.test import force_authenticate

    force_authenticate(request, user=user)
    response = ProbeView.as_view()(request)
    assert response.status_code == 400
    assert response.data == {
        "detail": "That shift is already claimed by <@42>.",
        "code": "claimed",
        "fields": {"shift_id": ["That shift is already claimed by <@42>."]},
    }


def test_validation_error_lists_each_field(factory, user):
    from rest_framework.test import force_authenticate

    request = factory.post("/probe/", {"name": "much too long", "size": 0}, format="json")
    force_authenticate(request, user=user)
    response = ProbeView.as_view()(request)
    assert response.status_code == 400
    assert response.data["detail"] == "Some fields are not valid."
    assert response.data["code"] == "invalid"
    assert response.data["fields"] == {
        "name": ["Ensure this field has no more than 5 characters."],
        "size": ["Ensure this value is greater than or equal to 1."],
    }


def test_unauthenticated_is_refused_in_the_same_shape(factory):
    response = ProbeView.as_view()(factory.post("/probe/", {}, format="json"))
    assert response.status_code == 401
    assert response.data == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
        "fields": {},
    }


def test_crash_is_a_500_with_a_reference_that_is_in_the_log(factory, user, caplog):
    from rest_framework.test import force_authenticate

    request = factory.post("/probe/?mode=crash", {}, format="json")
    force_authenticate(request, user=user)
    with caplog.at_level(logging.ERROR, logger="guildhall.api"):
        response = ProbeView.as_view()(request)
    assert response.status_code == 500
    assert response.data["code"] == "server_error"
    reference = response.data["detail"].split("reference ")[1].rstrip(").")
    assert len(reference) == 10
    assert any(reference in record.getMessage() and record.exc_info for record in caplog.records)
    assert "exploded" not in response.data["detail"]


def test_throttled_answer_has_the_same_shape(factory):
    from django.core.cache import cache

    cache.clear()
    first = ThrottledView.as_view()(factory.get("/t/"))
    second = ThrottledView.as_view()(factory.get("/t/"))
    assert first.status_code == 200
    assert second.status_code == 429
    assert second.data["code"] == "throttled"
    assert second.data["fields"] == {}


def test_token_login_then_token_authenticates(client, factory, user):
    response = client.post("/api/auth/token/", {"username": "officer", "password": "s3cret-pass-word"})
    assert response.status_code == 200
    token = response.json()["token"]
    request = factory.post("/probe/", {"name": "ok", "size": 2}, format="json", HTTP_AUTHORIZATION=f"Token {token}")
    assert ProbeView.as_view()(request).data == {"user": "officer"}


def test_token_login_with_a_wrong_password_names_the_problem(client, user):
    response = client.post("/api/auth/token/", {"username": "officer", "password": "nope"})
    assert response.status_code == 400
    assert response.json()["detail"] == "Unable to log in with provided credentials."


def test_schema_generates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(out))
    text = out.read_text()
    assert "/api/health/" in text
    assert "/api/auth/token/" in text


def test_swagger_ui_is_served_without_a_cdn(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn.jsdelivr" not in html


def test_admin_shows_celery_beat_periodic_tasks(admin_client):
    response = admin_client.get("/admin/")
    assert response.status_code == 200
    assert "/admin/django_celery_beat/periodictask/" in response.content.decode()
