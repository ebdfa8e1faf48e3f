from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('scheduling', '0008_copy_member_zones'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='player',
            name='timezone',
        ),
    ]
