"""The list filters of the time-tracking API (django-filter FilterSets)."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.validators import RegexValidator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from config.serializers import SNOWFLAKE_PATTERN
from config.timeutils import monday_of
from timetracking.models import FocusSession, Subject, WeeklyAllocation


class SnowflakeFormField(forms.CharField):
    """A Discord id typed in a query string: digits, as Discord writes them."""

    default_validators = [
        RegexValidator(SNOWFLAKE_PATTERN, "A Discord id is a whole number, for example 1180000000000000001.")
    ]

    def to_python(self, value):
        value = super().to_python(value)
        return value.strip() if value else value

    def clean(self, value):
        value = super().clean(value)
        return int(value) if value else None


@extend_schema_field(OpenApiTypes.STR)
class SnowflakeFilter(django_filters.Filter):
    field_class = SnowflakeFormField


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """A row id (not a Discord id): a whole number."""

    field_class = forms.IntegerField


def _week(queryset, name, value):
    """Any date of a week stands for its Monday."""
    return queryset.filter(**{name: monday_of(value)})


WEEK_HELP = "Any date of the week (YYYY-MM-DD); its Monday is used."


class SubjectFilter(django_filters.FilterSet):
    user = SnowflakeFilter(field_name="user_id", help_text="Only this Discord user's subjects.")

    class Meta:
        model = Subject
        fields = ["user"]


class AllocationFilter(django_filters.FilterSet):
    user = SnowflakeFilter(field_name="user_id", help_text="Only this Discord user's allocations.")
    week = django_filters.DateFilter(field_name="week_start_date", method=_week, help_text=WEEK_HELP)

    class Meta:
        model = WeeklyAllocation
        fields = ["user", "week"]


class SessionFilter(django_filters.FilterSet):
    user = SnowflakeFilter(field_name="user_id", help_text="Only this Discord user's sessions.")
    subject = IdFilter(field_name="subject_id", help_text="Only this subject's sessions.")
    status = django_filters.ChoiceFilter(choices=FocusSession.Status.choices)
    week = django_filters.DateFilter(
        field_name="week_start_date", method=_week, help_text="Sessions that started in this week. " + WEEK_HELP
    )

    class Meta:
        model = FocusSession
        fields = ["user", "subject", "status", "week"]
