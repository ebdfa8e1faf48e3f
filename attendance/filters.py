"""Query parameters of the attendance API's lists, as django-filter FilterSets."""

from __future__ import annotations

import django_filters

from config.filters import IdFilter
from scheduling.models import Player


class StatisticsFilter(django_filters.FilterSet):
    """`player` narrows the players listed; `season` and `all_seasons` choose the events counted
    (the view reads them: they do not filter players)."""

    player = IdFilter(field_name="pk", help_text="Player id")
    season = IdFilter(method="events_only", help_text="Season id; default the current season")
    all_seasons = django_filters.BooleanFilter(
        method="events_only", help_text="Count every event of the guild instead of one season's"
    )

    class Meta:
        model = Player
        fields = ["player", "season", "all_seasons"]

    def events_only(self, queryset, name, value):
        return queryset
