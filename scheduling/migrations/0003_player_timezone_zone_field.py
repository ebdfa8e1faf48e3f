"""Player.timezone becomes a ZoneField. Stored names are first rewritten to their canonical
spelling ("europe/berlin" → "Europe/Berlin", a legacy alias such as "US/Eastern" → its zone);
a name that is no zone at all becomes "UTC"."""

from django.db import migrations

import config.fields
from config.timeutils import stored_zone_name as canonical_or_utc


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
