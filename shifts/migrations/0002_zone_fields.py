"""Zones become ZoneFields (canonical IANA names only). Stored names are canonicalised first:
"europe/berlin" → "Europe/Berlin", a legacy alias its zone (US/Eastern → America/New_York),
anything else "UTC" (config.timeutils.stored_zone_name)."""

import config.fields
from django.db import migrations

from config.fields import canonicalise_zone_column


def canonicalise_zones(apps, schema_editor):
    for model_name in ("ModSchedule", "Shift"):
        canonicalise_zone_column(apps.get_model("shifts", model_name))


class Migration(migrations.Migration):
    dependencies = [
        ("shifts", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(canonicalise_zones, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="modschedule",
            name="timezone",
            field=config.fields.ZoneField(default="UTC"),
        ),
        migrations.AlterField(
            model_name="shift",
            name="timezone",
            field=config.fields.ZoneField(default="UTC", help_text="The zone the start was given in."),
        ),
    ]
