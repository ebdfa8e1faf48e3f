"""The list filters of the time-tracking API (django-filter FilterSets)."""

from __future__ import annotations

import django_filters

from config.filters import DateFilter, IdFilter, SnowflakeFilter
from config.timeutils import monday_of
from timetracking.models import FocusSession, Subject, WeeklyAllocation


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
    week = DateFilter(field_name="week_start_date", method=_week, help_text=WEEK_HELP)

    class Meta:
        model = WeeklyAllocation
        fields = ["user", "week"]


class SessionFilter(django_filters.FilterSet):
    user = SnowflakeFilter(field_name="user_id", help_text="Only this Discord user's sessions.")
    subject = IdFilter(field_name="subject_id", help_text="Only this subject's sessions.")
    status = django_filters.ChoiceFilter(choices=FocusSession.Status.choices)
    week = DateFilter(
        field_name="week_start_date", method=_week, help_text="Sessions that started in this week. " + WEEK_HELP
    )

    class Meta:
        model = FocusSession
        fields = ["user", "subject", "status", "week"]
