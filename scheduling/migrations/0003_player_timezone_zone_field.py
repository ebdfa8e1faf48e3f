"""Player.timezone becomes a ZoneField. Stored names are first rewritten to their canonical
spelling ("europe/berlin" → "Europe/Berlin", a legacy alias such as "US/Eastern" → its zone);
a name that is no zone at all becomes "UTC"."""

from django.db import migrations

import config.fields
from config.fields import canonicalise_zone_column


def canonicalise(apps, schema_editor):
    canonicalise_zone_column(apps.get_model("scheduling", "Player"))


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
