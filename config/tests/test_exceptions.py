"""config.exceptions: ApplicationError's plain rendering and the API's one error shape."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from config.exceptions import ApplicationError, ChannelRef, RoleRef, UserRef, api_exception_handler

START = datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
DISCORD_MARKUP = ("<t:", "<@", "<#")


@pytest.mark.parametrize(
    ("template", "params", "message"),
    [
        ("Starts {start}.", {"start": START}, "Starts 2026-03-08T07:30:00Z."),
        # Another zone is shown in UTC; the Discord styles mean nothing in plain text.
        ("Starts {start}.", {"start": datetime(2026, 3, 8, 3, 30, tzinfo=ZoneInfo("America/New_York"))},
         "Starts 2026-03-08T07:30:00Z."),
        ("Starts {start:R}.", {"start": START}, "Starts 2026-03-08T07:30:00Z."),
        ("Starts {start:FR}.", {"start": START}, "Starts 2026-03-08T07:30:00Z."),
        ("Claimed by {who}.", {"who": UserRef(1180000000000000001)}, "Claimed by user 1180000000000000001."),
        ("Post in {channel}.", {"channel": ChannelRef(7)}, "Post in channel 7."),
        ("Needs {role}.", {"role": RoleRef(9)}, "Needs role 9."),
        ("{hours:g} of {cap:g} hours.", {"hours": 2.5, "cap": 3.0}, "2.5 of 3 hours."),
        ("{share:.0%} done, {count:03d} left.", {"share": 0.5, "count": 7}, "50% done, 007 left."),
        ("{zone!r} is not a zone.", {"zone": "Mars/Olympus"}, "'Mars/Olympus' is not a zone."),
        ("On {day}.", {"day": date(2026, 3, 8)}, "On 2026-03-08."),
        ("No parameters, {braces} kept.", {}, "No parameters, {braces} kept."),
    ],
)  # fmt: skip
def test_message_is_plain_text(template, params, message):
    error = ApplicationError(template, params=params)
    assert error.message == message
    assert str(error) == message
    assert error.template == template
    assert error.params == params
    assert not any(marker in error.message for marker in DISCORD_MARKUP)


def test_defaults_and_field_errors():
    error = ApplicationError("Nope.")
    assert (error.field, error.code, error.extra, error.params) == (None, "invalid", {}, {})
    assert error.field_errors() == {}
    named = ApplicationError("Too long.", field="duration", code="too_long")
    assert named.field_errors() == {"duration": ["Too long."]}


def test_render_with_a_custom_presenter():
    class Shout:
        def __init__(self, value):
            self.value = value

        def __format__(self, spec):
            return str(self.value.id if isinstance(self.value, UserRef) else self.value).upper()

    error = ApplicationError("{who} says {word}.", params={"who": UserRef(42), "word": "hello"})
    assert error.render(Shout) == "42 says HELLO."
    assert error.message == "user 42 says hello."  # rendering does not change the error


def test_api_params_are_json():
    error = ApplicationError(
        "x",
        params={
            "start": START,
            "who": UserRef(1180000000000000001),
            "channel": ChannelRef(7),
            "role": RoleRef(9),
            "hours": 2.5,
            "count": 3,
            "name": "raid",
            "flag": True,
            "nothing": None,
            "day": date(2026, 3, 8),
        },
    )
    assert error.api_params() == {
        "start": "2026-03-08T07:30:00Z",
        "who": "1180000000000000001",
        "channel": "7",
        "role": "9",
        "hours": 2.5,
        "count": 3,
        "name": "raid",
        "flag": True,
        "nothing": None,
        "day": "2026-03-08",
    }


def handle(exc):
    response = api_exception_handler(exc, {})
    return response.status_code, response.data


def test_an_application_error_is_a_400_in_the_one_shape():
    error = ApplicationError(
        "{who} already claimed this shift, which starts {start:FR}.",
        params={"who": UserRef(42), "start": START},
        field="shift_id",
        code="claimed",
    )
    status, body = handle(error)
    message = "user 42 already claimed this shift, which starts 2026-03-08T07:30:00Z."
    assert (status, body) == (400, {"detail": message, "code": "claimed", "fields": {"shift_id": [message]}})


def test_an_application_errors_extra_joins_the_body():
    status, body = handle(ApplicationError("Slow down.", code="cooldown", extra={"retry_after": 30}))
    assert (status, body) == (400, {"detail": "Slow down.", "code": "cooldown", "fields": {}, "retry_after": 30})


def test_a_django_validation_error_with_fields_is_the_same_400():
    error = DjangoValidationError({"name": ["Too long."], "__all__": ["Overlaps another shift."]})
    status, body = handle(error)
    assert status == 400
    assert body == {
        "detail": "Some fields are not valid.",
        "code": "invalid",
        "fields": {"name": ["Too long."], "non_field_errors": ["Overlaps another shift."]},
    }


def test_a_django_validation_error_about_no_field_reads_as_its_message():
    assert handle(DjangoValidationError({"__all__": ["Overlaps another shift."]})) == (
        400,
        {
            "detail": "Overlaps another shift.",
            "code": "invalid",
            "fields": {"non_field_errors": ["Overlaps another shift."]},
        },
    )
    assert handle(DjangoValidationError(["First problem.", "Second problem."])) == (
        400,
        {
            "detail": "First problem.",
            "code": "invalid",
            "fields": {"non_field_errors": ["First problem.", "Second problem."]},
        },
    )
    assert handle(DjangoValidationError("Only %(what)s.", params={"what": "one"})) == (
        400,
        {"detail": "Only one.", "code": "invalid", "fields": {"non_field_errors": ["Only one."]}},
    )


def test_nested_drf_errors_get_dotted_paths():
    error = exceptions.ValidationError({"days": [{"day_of_week": ["Not a day."]}, {}], "window": {"end": ["Before."]}})
    status, body = handle(error)
    assert status == 400
    assert body["fields"] == {"days[0].day_of_week": ["Not a day."], "window.end": ["Before."]}


def test_not_found_and_permission_denied_have_the_shape():
    assert handle(Http404()) == (404, {"detail": "Not found.", "code": "not_found", "fields": {}})
    status, body = handle(PermissionDenied())
    assert status == 403
    assert body["code"] == "permission_denied" and body["fields"] == {}


class RefusingView(APIView):
    def post(self, request):
        raise ApplicationError(
            "{who} cannot post in {channel} (needs {role}) before {start:FR}.",
            params={"who": UserRef(42), "channel": ChannelRef(7), "role": RoleRef(9), "start": START},
            field="channel_id",
        )


@pytest.mark.django_db
def test_a_refusal_through_the_api_carries_no_discord_markup():
    user = get_user_model().objects.create_user(username="member", password="x-long-password-1")
    request = APIRequestFactory().post("/refuse/", {}, format="json")
    force_authenticate(request, user=user)
    response = RefusingView.as_view()(request)
    response.render()
    body = response.content.decode()
    assert response.status_code == 400
    assert not any(marker in body for marker in DISCORD_MARKUP)
    assert response.data["detail"] == "user 42 cannot post in channel 7 (needs role 9) before 2026-03-08T07:30:00Z."


def test_a_permission_refusal_by_a_service_is_a_403_for_every_app():
    status, body = handle(ApplicationError("Only moderators can do this.", code="permission_denied"))
    assert (status, body) == (
        403,
        {"detail": "Only moderators can do this.", "code": "permission_denied", "fields": {}},
    )
