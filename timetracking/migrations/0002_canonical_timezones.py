"""Store every tracked user's zone under its canonical IANA name before the column becomes a zone
field: "europe/berlin" becomes "Europe/Berlin", a legacy alias its zone ("US/Eastern" becomes
"America/New_York", when both keep the same offsets), and anything else (``localtime``,
``posixrules``, a name no longer in the zone database) "UTC"."""

import zoneinfo
from datetime import UTC, datetime

from django.db import migrations

from config.timeutils import canonical_zone_name, zone_suggestion

# Instants at which an alias and its suggested zone must agree to be taken for the same zone.
_PROBES = [datetime(year, month, 15, tzinfo=UTC) for year in (2000, 2026, 2027) for month in (1, 4, 7, 10)]


def canonical_or_utc(name: str) -> str:
    canonical = canonical_zone_name(name)
    if canonical is not None:
        return canonical
    suggestion = zone_suggestion(name)
    try:
        stored = zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return "UTC"
    if suggestion is not None:
        suggested = zoneinfo.ZoneInfo(suggestion)
        if all(stored.utcoffset(p.replace(tzinfo=None)) == suggested.utcoffset(p.replace(tzinfo=None)) for p in _PROBES):
            return suggestion
    return "UTC"


def canonicalise(apps, schema_editor):
    TrackedUser = apps.get_model("timetracking", "TrackedUser")
    for name in TrackedUser.objects.values_list("timezone", flat=True).distinct():
        fixed = canonical_or_utc(name)
        if fixed != name:
            TrackedUser.objects.filter(timezone=name).update(timezone=fixed)


class Migration(migrations.Migration):
    dependencies = [("timetracking", "0001_initial")]

    operations = [migrations.RunPython(canonicalise, migrations.RunPython.noop)]
