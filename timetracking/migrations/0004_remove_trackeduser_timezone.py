from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('timetracking', '0003_zone_field'),
        # The zones are copied into scheduling.MemberZone before the column goes.
        ('scheduling', '0008_copy_member_zones'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='trackeduser',
            name='timetracking_user_timezone_set',
        ),
        migrations.RemoveField(
            model_name='trackeduser',
            name='timezone',
        ),
    ]
