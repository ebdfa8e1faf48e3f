"""Schemathesis over the whole OpenAPI schema, as staff: no generated request is a server error."""

from __future__ import annotations

import pytest
import schemathesis
from django.contrib.auth.models import User
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token

from config.wsgi import application

# Transactional: each request commits or fails on its own, as in production.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

EXAMPLES_PER_OPERATION = 25


@pytest.fixture
def staff_token() -> str:
    user = User.objects.create_user("fuzz-staff", is_staff=True, is_superuser=True)
    return Token.objects.create(user=user).key


@pytest.fixture
def wsgi_app(settings):
    settings.ALLOWED_HOSTS = ["localhost"]
    return application


def test_no_operation_answers_a_server_error(staff_token, wsgi_app):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    headers = {"Authorization": f"Token {staff_token}"}
    server_errors: list[str] = []
    cases = 0

    @settings(
        max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def run(case):
        nonlocal cases
        cases += 1
        response = case.call(headers=headers)
        if response.status_code >= 500:
            server_errors.append(f"{case.operation.label}: {case.as_curl_command()} -> {response.status_code}")

    for result in schema.get_all_operations():
        given(case=result.ok().as_strategy())(run)()
    print(f"schemathesis: {cases} cases, {len(server_errors)} server errors")
    assert server_errors == []
