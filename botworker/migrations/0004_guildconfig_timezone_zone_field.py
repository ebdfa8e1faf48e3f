"""GuildConfig.timezone becomes a ZoneField. Stored names are rewritten first with the time
layer's rule for stored zones (canonical spelling; a legacy alias its zone; anything else UTC)."""

from django.db import migrations

import config.fields
from config.timeutils import stored_zone_name


def canonicalise(apps, schema_editor):
    GuildConfig = apps.get_model("botworker", "GuildConfig")
    for name in list(GuildConfig.objects.order_by().values_list("timezone", flat=True).distinct()):
        fixed = stored_zone_name(name)
        if fixed != name:
            GuildConfig.objects.filter(timezone=name).update(timezone=fixed)


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
