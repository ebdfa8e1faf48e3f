"""Serializer fields every app's API shares.

* :class:`SnowflakeField`: a Discord id. **Ids are strings in JSON**, as in Discord's own API,
  because JavaScript rounds integers above 2^53; input may be a string or an integer, and must be
  a snowflake (0 < id < 2^63).
* :class:`ZoneSerializerField`: an IANA zone name (any case) with a "did you mean" answer.
* :class:`DateField`, :class:`IntegerField`, :class:`HoursField`: DRF's, within the ranges the
  project computes with (dates in years 1970 to 2999, so a week or a zone's offset around one
  never leaves Python's calendar; whole numbers within PostgreSQL's bigint; hours within
  ±100,000, so they convert to a timedelta). Every input serializer uses these, not DRF's own.
* :class:`ModelSerializer`: DRF's, with Discord id columns (``PositiveBigIntegerField``) and
  zone columns mapped to those two fields, so a model serializer gets them without saying so.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from timezone_field.rest_framework import TimeZoneSerializerField

from config.fields import ZoneField
from config.snowflakes import SNOWFLAKE_PATTERN, is_snowflake_range, whole_number
from config.timeutils import canonical_zone_name, zone_error_message

DATE_MIN = dt.date(1970, 1, 1)
DATE_MAX = dt.date(2999, 12, 31)
DATE_RANGE_MESSAGE = f"Dates are between {DATE_MIN.isoformat()} and {DATE_MAX.isoformat()}."
INTEGER_MIN = -(1 << 63)
INTEGER_MAX = (1 << 63) - 1
HOURS_LIMIT = 100_000


@extend_schema_field({"type": "string", "pattern": SNOWFLAKE_PATTERN, "example": "1180000000000000001"})
class SnowflakeField(serializers.Field):
    """A Discord id: a string of digits in JSON (an integer is accepted on input)."""

    default_error_messages = {
        "invalid": 'A Discord id is a whole number written as a string of digits, for example "1180000000000000001".',
        "range": "A Discord id is between 1 and 9223372036854775807.",
    }

    def __init__(self, **kwargs):
        # A model column's integer bounds are the snowflake range here.
        kwargs.pop("min_value", None)
        kwargs.pop("max_value", None)
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> int:
        value = whole_number(data.strip() if isinstance(data, str) else data)
        if value is None:
            self.fail("invalid")
        if not is_snowflake_range(value):
            self.fail("range")
        return value

    def to_representation(self, value) -> str:
        return str(value)


class DateField(serializers.DateField):
    """A date between DATE_MIN and DATE_MAX."""

    default_error_messages = {"range": DATE_RANGE_MESSAGE}

    def to_internal_value(self, value) -> dt.date:
        date = super().to_internal_value(value)
        if not DATE_MIN <= date <= DATE_MAX:
            self.fail("range")
        return date


class IntegerField(serializers.IntegerField):
    """A whole number; never beyond PostgreSQL's bigint, whatever bounds the caller gives."""

    def __init__(self, **kwargs):
        kwargs["min_value"] = max(kwargs.get("min_value", INTEGER_MIN), INTEGER_MIN)
        kwargs["max_value"] = min(kwargs.get("max_value", INTEGER_MAX), INTEGER_MAX)
        super().__init__(**kwargs)


class HoursField(serializers.FloatField):
    """A finite number of hours within ±HOURS_LIMIT (DRF refuses NaN and infinity), so it always
    converts to a timedelta; the services check the range that makes sense."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", -HOURS_LIMIT)
        kwargs.setdefault("max_value", HOURS_LIMIT)
        super().__init__(**kwargs)


@extend_schema_field({"type": "string", "example": "Europe/Berlin"})
class ZoneSerializerField(TimeZoneSerializerField):
    """An IANA zone: any case on input ("europe/berlin"), its canonical name on output."""

    def to_internal_value(self, data) -> zoneinfo.ZoneInfo:
        canonical = canonical_zone_name(data if isinstance(data, str) else "")
        if canonical is None:
            raise serializers.ValidationError(zone_error_message(data), code="invalid_timezone")
        return zoneinfo.ZoneInfo(canonical)

    def to_representation(self, value) -> str:
        return value.key if isinstance(value, zoneinfo.ZoneInfo) else str(value)


class ModelSerializer(serializers.ModelSerializer):
    """DRF's ModelSerializer with Discord ids as strings and zones as zone names."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.PositiveBigIntegerField: SnowflakeField,
        models.DateField: DateField,
        models.IntegerField: IntegerField,
        models.SmallIntegerField: IntegerField,
        models.PositiveIntegerField: IntegerField,
        models.PositiveSmallIntegerField: IntegerField,
        models.BigIntegerField: IntegerField,
        ZoneField: ZoneSerializerField,
    }

    def build_standard_field(self, field_name, model_field):
        field_class, field_kwargs = super().build_standard_field(field_name, model_field)
        if isinstance(model_field, ZoneField):
            # DRF turns every model field with choices into a ChoiceField, which would take
            # only exact names, refuse without a suggestion and list every zone in the schema.
            field_kwargs.pop("choices", None)
            if model_field.blank:
                field_kwargs["allow_blank"] = True
            return ZoneSerializerField, field_kwargs
        return field_class, field_kwargs
