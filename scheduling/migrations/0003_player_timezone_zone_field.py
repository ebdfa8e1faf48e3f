"""Player.timezone becomes a ZoneField. Stored names are first rewritten to their canonical
spelling ("europe/berlin" → "Europe/Berlin", a legacy alias such as "US/Eastern" → its zone);
a name that is no zone at all becomes "UTC"."""

import zoneinfo

from django.db import migrations

import config.fields
from config.timeutils import canonical_zone_name, zone_suggestion


def canonical_or_utc(name: str) -> str:
    canonical = canonical_zone_name(name)
    if canonical:
        return canonical
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return "UTC"
    # A real zone file under a legacy name: its canonical zone, when tzdata names one.
    return zone_suggestion(name) or "UTC"


def canonicalise(apps, schema_editor):
    Player = apps.get_model("scheduling", "Player")
    for name in Player.objects.values_list("timezone", flat=True).distinct():
        fixed = canonical_or_utc(name)
        if fixed != name:
            Player.objects.filter(timezone=name).update(timezone=fixed)


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0002_reference_data"),
    ]

    operations = [
        migrations.RunPython(canonicalise, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="player",
            name="timezone",
            field=config.fields.ZoneField(default="America/Chicago"),
        ),
    ]
