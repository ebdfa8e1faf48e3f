"""Model fields every app shares.

:class:`ZoneField` is django-timezone-field's ``TimeZoneField`` restricted to the time layer's
canonical zones: the admin offers them as a list, the value is a ``zoneinfo.ZoneInfo``, and a
name typed in another case is stored in its canonical spelling.
"""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from timezone_field import TimeZoneField

from config.timeutils import canonical_zone_name, canonical_zones, stored_zone_name, zone_error_message


def zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in canonical_zones()]


def validate_zone(value: object) -> None:
    """Model/form validator: a canonical IANA zone (any case), else a message with a suggestion."""
    if value in (None, ""):
        return
    if canonical_zone_name(value) is None:
        raise ValidationError(zone_error_message(value), code="invalid_timezone")


class ZoneField(TimeZoneField):
    """An IANA zone, stored as its name and read as a ``zoneinfo.ZoneInfo``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", zone_choices())
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        # The choices follow the installed zone database; they are not a schema fact.
        kwargs.pop("choices", None)
        return name, path, args, kwargs

    def _get_python_and_db_repr(self, value):
        if value is None or value == "":
            return (None, "")
        canonical = canonical_zone_name(value)
        if canonical is None:
            if isinstance(value, zoneinfo.ZoneInfo):
                # A row written before zones were restricted still loads.
                return (value, value.key)
            raise ValidationError(zone_error_message(value), code="invalid_timezone")
        return (zoneinfo.ZoneInfo(canonical), canonical)

    def from_db_value(self, value, *_args):
        if value in (None, ""):
            return None
        # A row written before zones were canonicalised ("europe/berlin") loads as its zone;
        # ZoneInfo() alone would not find it on a case-sensitive file system.
        canonical = canonical_zone_name(value)
        if canonical is not None:
            return zoneinfo.ZoneInfo(canonical)
        try:
            return zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return None


def canonicalise_zone_column(model, field: str = "timezone") -> None:
    """Rewrite every stored zone name in `model.field` with the time layer's rule for stored zones
    (:func:`config.timeutils.stored_zone_name`). Data migrations run this before a column becomes a
    :class:`ZoneField`."""
    stored = model.objects.order_by().values_list(field, flat=True).distinct()
    for name in list(stored):
        fixed = stored_zone_name(name)
        if fixed != name:
            model.objects.filter(**{field: name}).update(**{field: fixed})
