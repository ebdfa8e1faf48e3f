"""Query-string filters every app's API shares (django-filter)."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from config.serializers import DATE_MAX, DATE_MIN, DATE_RANGE_MESSAGE
from config.snowflakes import SNOWFLAKE_MAX, SNOWFLAKE_PATTERN


class SnowflakeFormField(forms.IntegerField):
    default_error_messages = {
        "invalid": "A Discord id is a whole number written as digits, for example 1180000000000000001.",
    }

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=SNOWFLAKE_MAX, **kwargs)


@extend_schema_field({"type": "string", "pattern": SNOWFLAKE_PATTERN, "example": "1180000000000000001"})
class SnowflakeFilter(django_filters.NumberFilter):
    """A Discord id in a query string (documented as a string, like ids in JSON)."""

    field_class = SnowflakeFormField


class IdFormField(forms.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=SNOWFLAKE_MAX, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """A row id (not a Discord id): a whole number."""

    field_class = IdFormField


class DateFormField(forms.DateField):
    default_error_messages = {"range": DATE_RANGE_MESSAGE}

    def to_python(self, value):
        date = super().to_python(value)
        if date is not None and not DATE_MIN <= date <= DATE_MAX:
            raise forms.ValidationError(self.error_messages["range"], code="range")
        return date


class DateFilter(django_filters.DateFilter):
    """A date in a query string, between DATE_MIN and DATE_MAX (a week around it stays computable)."""

    field_class = DateFormField


class IsoDateTimeFormField(django_filters.fields.IsoDateTimeField):
    default_error_messages = {"range": DATE_RANGE_MESSAGE}

    def to_python(self, value):
        # Any ISO 8601 offset is accepted and the instant passed on in UTC: PostgreSQL refuses
        # offsets beyond about ±16 hours in a parameter, which ISO 8601 allows (up to ±23:59).
        instant = super().to_python(value)
        if instant is None:
            return instant
        if not DATE_MIN <= instant.date() <= DATE_MAX:
            raise forms.ValidationError(self.error_messages["range"], code="range")
        if instant.utcoffset() is not None:
            instant = instant.astimezone(dt.UTC)
            if not DATE_MIN <= instant.date() <= DATE_MAX:
                raise forms.ValidationError(self.error_messages["range"], code="range")
        return instant


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 instant in a query string, its date between DATE_MIN and DATE_MAX."""

    field_class = IsoDateTimeFormField
