"""Copy every member's zone from the two places it was kept (a roster row per guild,
`scheduling.Player.timezone`, and the time-tracking row, `timetracking.TrackedUser.timezone`)
into `MemberZone`, before both columns are removed. Per Discord user the most recently updated
row wins (both tables have `updated_at`; a tie goes to the roster row). A row whose zone does not
load is skipped."""

from django.db import migrations


def copy_zones(apps, schema_editor):
    Player = apps.get_model("scheduling", "Player")
    TrackedUser = apps.get_model("timetracking", "TrackedUser")
    MemberZone = apps.get_model("scheduling", "MemberZone")
    newest = {}
    rows = [
        (updated_at, 0, user_id, zone)
        for user_id, zone, updated_at in TrackedUser.objects.values_list("id", "timezone", "updated_at")
    ] + [
        (updated_at, 1, user_id, zone)
        for user_id, zone, updated_at in Player.objects.values_list("discord_user_id", "timezone", "updated_at")
    ]
    for updated_at, _rank, user_id, zone in sorted(rows, key=lambda row: (row[0], row[1])):
        if zone:
            newest[user_id] = zone
    MemberZone.objects.bulk_create(
        [MemberZone(discord_user_id=user_id, timezone=zone) for user_id, zone in newest.items()],
        batch_size=1000,
        ignore_conflicts=True,
    )


def copy_back(apps, schema_editor):
    Player = apps.get_model("scheduling", "Player")
    TrackedUser = apps.get_model("timetracking", "TrackedUser")
    MemberZone = apps.get_model("scheduling", "MemberZone")
    for user_id, zone in MemberZone.objects.values_list("discord_user_id", "timezone"):
        Player.objects.filter(discord_user_id=user_id).update(timezone=zone)
        TrackedUser.objects.filter(pk=user_id).update(timezone=zone)


class Migration(migrations.Migration):

    dependencies = [
        ('scheduling', '0007_memberzone'),
        ('timetracking', '0003_zone_field'),
    ]

    operations = [
        migrations.RunPython(copy_zones, copy_back),
    ]
