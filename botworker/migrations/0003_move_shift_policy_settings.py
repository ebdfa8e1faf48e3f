"""Move the two guild settings a shift policy used to hold into the guild configuration, their one
home from now on: a policy's channel becomes the guild's "shifts" channel, its default zone the
guild's zone. A policy's values won over the guild's before, so they win here too. Only guilds
that have a configuration are touched; nothing else is created. Runs before shifts drops the
columns."""

from django.db import migrations

from config.timeutils import canonical_zone_name


def copy_policy_settings(apps, schema_editor):
    ShiftPolicy = apps.get_model("shifts", "ShiftPolicy")
    GuildConfig = apps.get_model("botworker", "GuildConfig")
    GuildChannel = apps.get_model("botworker", "GuildChannel")
    policies = ShiftPolicy.objects.exclude(channel_id__isnull=True, default_timezone="")
    for policy in policies:
        config = GuildConfig.objects.filter(guild_id=policy.guild_id).first()
        if config is None:
            continue
        if policy.channel_id:
            GuildChannel.objects.update_or_create(
                guild=config, feature="shifts", defaults={"channel_id": policy.channel_id}
            )
        zone = canonical_zone_name(policy.default_timezone) if policy.default_timezone else None
        if zone:
            config.timezone = zone
            config.save(update_fields=["timezone"])


class Migration(migrations.Migration):
    dependencies = [
        ("botworker", "0002_interactionrecord_followup_started_at"),
        ("shifts", "0002_zone_fields"),
    ]
    run_before = [
        ("shifts", "0003_remove_shiftpolicy_channel_id_and_default_timezone"),
    ]

    operations = [
        migrations.RunPython(copy_policy_settings, migrations.RunPython.noop),
    ]
