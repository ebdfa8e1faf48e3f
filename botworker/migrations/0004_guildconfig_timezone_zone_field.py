"""GuildConfig.timezone becomes a ZoneField. Stored names are rewritten first with the time
layer's rule for stored zones (canonical spelling; a legacy alias its zone; anything else UTC)."""

from django.db import migrations

import config.fields
from config.fields import canonicalise_zone_column


def canonicalise(apps, schema_editor):
    canonicalise_zone_column(apps.get_model("botworker", "GuildConfig"))


class Migration(migrations.Migration):
    dependencies = [
        ("botworker", "0003_move_shift_policy_settings"),
    ]

    operations = [
        migrations.RunPython(canonicalise, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="guildconfig",
            name="timezone",
            field=config.fields.ZoneField(
                default="UTC", help_text="The guild's zone, used where a member has not chosen one of their own."
            ),
        ),
    ]
