"""Query parameters of the scheduling API's lists (reminders, dispatches), as django-filter FilterSets."""

from __future__ import annotations

import django_filters

from config.filters import IdFilter, SnowflakeFilter
from scheduling.models import Dispatch, Reminder


class ReminderFilter(django_filters.FilterSet):
    channel = SnowflakeFilter(field_name="channel_id", help_text="Only the reminders posted in this channel")
    status = django_filters.ChoiceFilter(choices=Reminder.Status.choices, help_text="active or archived")
    recurring = django_filters.BooleanFilter(
        field_name="event_time", lookup_expr="isnull", help_text="true: recurring only; false: one-offs only"
    )

    class Meta:
        model = Reminder
        fields = ["channel", "status", "recurring"]


class DispatchFilter(django_filters.FilterSet):
    source = django_filters.CharFilter(max_length=32, help_text="What fired: reminder, job, …")
    source_id = IdFilter(help_text="The id of the reminder (or job) that fired")
    status = django_filters.ChoiceFilter(choices=Dispatch.Status.choices, help_text="sent, late, missed or failed")
    outcome = django_filters.ChoiceFilter(choices=Dispatch.Outcome.choices, help_text="What delivery said")

    class Meta:
        model = Dispatch
        fields = ["source", "source_id", "status", "outcome"]
