"""Query-string filters every app's API shares (django-filter)."""

from __future__ import annotations

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from config.serializers import SNOWFLAKE_MAX, SNOWFLAKE_PATTERN


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


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """A row id (not a Discord id): a whole number."""

    field_class = forms.IntegerField
