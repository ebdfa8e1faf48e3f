"""The shift channel and the guild's default zone live in the guild configuration only.
botworker's 0003_move_shift_policy_settings copies them there first (it runs before this one)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("shifts", "0002_zone_fields"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="shiftpolicy",
            name="channel_id",
        ),
        migrations.RemoveField(
            model_name="shiftpolicy",
            name="default_timezone",
        ),
    ]
