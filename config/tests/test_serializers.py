"""config.serializers: Discord ids are strings in JSON, zones are canonical names."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from django.db import models
from django.test.utils import isolate_apps
from django.urls import path
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.fields import ZoneField
from config.serializers import ModelSerializer, SnowflakeField, ZoneSerializerField
from config.snowflakes import SNOWFLAKE_MAX, SNOWFLAKE_PATTERN
from config.timeutils import UNKNOWN_ZONE, UNKNOWN_ZONE_SUGGEST

INVALID = SnowflakeField.default_error_messages["invalid"]
RANGE = SnowflakeField.default_error_messages["range"]


class MemberSerializer(serializers.Serializer):
    user_id = SnowflakeField()
    timezone = ZoneSerializerField()


@pytest.mark.parametrize(
    ("given", "read"),
    [
        ("1180000000000000001", 1180000000000000001),
        (1180000000000000001, 1180000000000000001),
        (" 42 ", 42),
        (1, 1),
        ("1", 1),
        (SNOWFLAKE_MAX, SNOWFLAKE_MAX),
        (str(SNOWFLAKE_MAX), SNOWFLAKE_MAX),
    ],
)
def test_snowflake_input_is_a_string_or_an_integer(given, read):
    assert SnowflakeField().to_internal_value(given) == read


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (0, RANGE),
        ("0", RANGE),
        (-5, RANGE),
        (2**63, RANGE),
        (str(2**63), RANGE),
        ("12a", INVALID),
        ("-5", INVALID),
        (1.5, INVALID),
        ("1.5", INVALID),
        (True, INVALID),
        (False, INVALID),
        ("", INVALID),
        ("9" * 21, INVALID),
        ("²", INVALID),
        ("１２３", INVALID),
        ([1], INVALID),
    ],
)
def test_snowflake_input_that_is_not_an_id_is_refused_with_the_fields_message(given, message):
    serializer = MemberSerializer(data={"user_id": given, "timezone": "UTC"})
    assert not serializer.is_valid()
    assert serializer.errors == {"user_id": [message]}


def test_snowflake_output_is_a_string():
    assert SnowflakeField().to_representation(1180000000000000001) == "1180000000000000001"
    data = MemberSerializer({"user_id": 9007199254740993, "timezone": ZoneInfo("Europe/Berlin")}).data
    assert data == {"user_id": "9007199254740993", "timezone": "Europe/Berlin"}  # 2^53 + 1 survives


def test_a_models_integer_bounds_do_not_reach_the_snowflake_field():
    field = SnowflakeField(min_value=0, max_value=10)
    assert field.to_internal_value("1180000000000000001") == 1180000000000000001


@pytest.mark.parametrize(
    ("given", "zone"), [("Europe/Berlin", "Europe/Berlin"), ("europe/berlin", "Europe/Berlin"), ("utc", "UTC")]
)
def test_zone_input_in_any_case_is_the_canonical_zone(given, zone):
    serializer = MemberSerializer(data={"user_id": "1", "timezone": given})
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["timezone"] == ZoneInfo(zone)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("US/Eastern", UNKNOWN_ZONE_SUGGEST.format(zone="US/Eastern", suggestion="America/New_York")),
        ("localtime", UNKNOWN_ZONE_SUGGEST.format(zone="localtime", suggestion="UTC")),
        ("xyzzy", UNKNOWN_ZONE.format(zone="xyzzy")),
    ],
)
def test_zone_input_that_is_not_canonical_is_refused_with_a_suggestion(given, message):
    serializer = MemberSerializer(data={"user_id": "1", "timezone": given})
    assert not serializer.is_valid()
    assert serializer.errors == {"timezone": [message]}
    assert serializer.errors["timezone"][0].code == "invalid_timezone"


@pytest.mark.parametrize("given", [5, ["UTC"], {"zone": "UTC"}])
def test_zone_input_that_is_not_a_string_is_refused(given):
    serializer = MemberSerializer(data={"user_id": "1", "timezone": given})
    assert not serializer.is_valid()
    assert serializer.errors["timezone"][0].code == "invalid_timezone"
    assert "is not an IANA time zone" in serializer.errors["timezone"][0]


def test_zone_output_is_the_name():
    field = ZoneSerializerField()
    assert field.to_representation(ZoneInfo("America/St_Johns")) == "America/St_Johns"
    assert field.to_representation("UTC") == "UTC"


class MemberView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    def get_serializer(self):
        return MemberSerializer()

    def post(self, request):
        serializer = MemberSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.data)


def test_the_schema_shows_ids_and_zones_as_strings():
    from drf_spectacular.utils import extend_schema

    view = extend_schema(request=MemberSerializer, responses=MemberSerializer)(MemberView)
    schema = SchemaGenerator(patterns=[path("members/", view.as_view())]).get_schema(request=None, public=True)
    properties = schema["components"]["schemas"]["Member"]["properties"]
    assert properties["user_id"]["type"] == "string"
    assert properties["user_id"]["pattern"] == SNOWFLAKE_PATTERN
    assert properties["timezone"]["type"] == "string"
    assert "integer" not in str(properties)


def test_the_snowflake_pattern_matches_the_ids_the_field_writes():
    import re

    pattern = re.compile(SNOWFLAKE_PATTERN)
    assert pattern.match(SnowflakeField().to_representation(SNOWFLAKE_MAX))
    assert pattern.match("1")
    assert not pattern.match("0")
    assert not pattern.match(str(2**64))


@isolate_apps("config")
def test_the_model_serializer_maps_id_and_zone_columns():
    class Member(models.Model):  # noqa: DJ008 - a model for this test only
        user_id = models.PositiveBigIntegerField()
        timezone = ZoneField(default="UTC")
        points = models.IntegerField(default=0)

        class Meta:
            app_label = "guildhall"

    class MemberModelSerializer(ModelSerializer):
        class Meta:
            model = Member
            fields = ["user_id", "timezone", "points"]

    fields = MemberModelSerializer().fields
    assert isinstance(fields["user_id"], SnowflakeField)
    assert isinstance(fields["timezone"], ZoneSerializerField)
    assert isinstance(fields["points"], serializers.IntegerField)
    member = Member(user_id=1180000000000000001, timezone="europe/berlin", points=3)
    assert MemberModelSerializer(member).data == {
        "user_id": "1180000000000000001",
        "timezone": "Europe/Berlin",
        "points": 3,
    }
    incoming = MemberModelSerializer(data={"user_id": 1180000000000000001, "timezone": "asia/kolkata"})
    assert incoming.is_valid(), incoming.errors
    assert incoming.validated_data == {"user_id": 1180000000000000001, "timezone": ZoneInfo("Asia/Kolkata")}
    refused = MemberModelSerializer(data={"user_id": "12a", "timezone": "US/Eastern"})
    assert not refused.is_valid()
    assert refused.errors == {
        "user_id": [INVALID],
        "timezone": [UNKNOWN_ZONE_SUGGEST.format(zone="US/Eastern", suggestion="America/New_York")],
    }


@isolate_apps("config")
def test_a_blank_zone_column_accepts_blank():
    class Subject(models.Model):  # noqa: DJ008 - a model for this test only
        timezone = ZoneField(blank=True)

        class Meta:
            app_label = "guildhall"

    class SubjectSerializer(ModelSerializer):
        class Meta:
            model = Subject
            fields = ["timezone"]

    field = SubjectSerializer().fields["timezone"]
    assert isinstance(field, ZoneSerializerField)
    assert field.required is False
    incoming = SubjectSerializer(data={"timezone": ""})
    assert incoming.is_valid(), incoming.errors
    assert SubjectSerializer(data={"timezone": "europe/paris"}).is_valid()


def test_a_view_answers_ids_as_strings_and_zones_by_name():
    from rest_framework.test import APIRequestFactory

    request = APIRequestFactory().post(
        "/members/", {"user_id": 1180000000000000001, "timezone": "europe/berlin"}, format="json"
    )
    response = MemberView.as_view()(request)
    assert (response.status_code, response.data["user_id"]) == (200, "1180000000000000001")
    assert response.data["timezone"] == "Europe/Berlin"
