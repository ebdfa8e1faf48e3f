"""How every app's admin shows days and times: weekdays by name, instants with their zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html

from config.timeutils import DAY_CHOICES, DAY_NAMES


def day_column(field: str = "day_of_week", *, description: str = "day") -> Callable:
    """A list column showing a weekday number (0 = Monday) by name."""

    def show(modeladmin, obj) -> str:
        value = getattr(obj, field)
        return DAY_NAMES[value] if isinstance(value, int) and 0 <= value < len(DAY_NAMES) else "—"

    show.short_description = description
    show.admin_order_field = field
    return show


class DayFilter(admin.SimpleListFilter):
    """Filter by weekday, offered by name (a subclass may set ``field``)."""

    title = "day"
    parameter_name = "day"
    field = "day_of_week"

    def lookups(self, request, model_admin):
        return [(str(number), name) for number, name in DAY_CHOICES]

    def queryset(self, request, queryset):
        value = self.value()
        if value in {str(number) for number, _ in DAY_CHOICES}:
            return queryset.filter(**{self.field: int(value)})
        return queryset


def day_form_field(**kwargs) -> forms.TypedChoiceField:
    """A weekday select (Monday … Sunday) whose value is the day's number."""
    return forms.TypedChoiceField(choices=DAY_CHOICES, coerce=int, **{"label": "day", **kwargs})


def format_instant(value: datetime | None, zone: str | None = None) -> str:
    """`value` in `zone` (the site's zone when None) with the zone named: "Mon 1 Dec 18:00 UTC"
    (the year too when it is not this year's)."""
    if value is None:
        return "—"
    tz = ZoneInfo(zone) if zone else timezone.get_current_timezone()
    local = value.astimezone(tz)
    name = zone or local.tzname() or str(tz)
    shown = (
        f"{local:%a %-d %b %H:%M}"
        if local.year == timezone.now().astimezone(tz).year
        else f"{local:%a %-d %b %Y %H:%M}"
    )
    return format_html('<span class="gh-when">{} {}</span>', shown, name)


def when(field: str, *, description: str, zone_field: str | None = None) -> Callable:
    """A list column showing the instant in `field` with its zone: the row's zone (`zone_field`)
    when it has one, else the site's."""

    def show(modeladmin, obj) -> str:
        zone = getattr(obj, zone_field, None) if zone_field else None
        return format_instant(getattr(obj, field), str(zone) if zone else None)

    show.short_description = description
    show.admin_order_field = field
    return show
