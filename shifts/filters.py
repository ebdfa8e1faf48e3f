"""The list filters of the shifts API (django-filter FilterSets), with the query parameters the
API has always had."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone

from config.filters import IsoDateTimeFilter, SnowflakeFilter
from shifts.models import ModSchedule, Shift


class ScheduleFilter(django_filters.FilterSet):
    guild_id = SnowflakeFilter(help_text="Only this guild's slots.")
    user_id = SnowflakeFilter(help_text="Only this moderator's slots.")

    class Meta:
        model = ModSchedule
        fields = ["guild_id", "user_id"]


class ShiftFilter(django_filters.FilterSet):
    guild_id = SnowflakeFilter(help_text="Only this guild's shifts.")
    state = django_filters.ChoiceFilter(choices=Shift.State.choices, method="filter_state")
    start_after = IsoDateTimeFilter(
        field_name="start_time_utc", lookup_expr="gte", help_text="Shifts starting at or after this instant."
    )
    start_before = IsoDateTimeFilter(
        field_name="start_time_utc", lookup_expr="lt", help_text="Shifts starting before this instant."
    )
    user_id = SnowflakeFilter(method="filter_user", help_text="Dropped, assigned or claimed by.")

    class Meta:
        model = Shift
        fields = ["guild_id", "state", "start_after", "start_before", "user_id"]

    def filter_state(self, queryset, name, value):
        # The view's clock, so the filter and the serialized `state` agree on "now".
        view = (getattr(self.request, "parser_context", None) or {}).get("view")
        now = getattr(view, "now", None) or timezone.now()
        return queryset.with_state(value, now=now)

    def filter_user(self, queryset, name, value):
        return queryset.filter(Q(created_by=value) | Q(assigned_user_id=value) | Q(claimed_by=value))
