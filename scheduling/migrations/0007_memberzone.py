import config.fields
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('scheduling', '0006_database_defaults'),
    ]

    operations = [
        migrations.CreateModel(
            name='MemberZone',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('discord_user_id', models.PositiveBigIntegerField(help_text='The Discord user id.', unique=True)),
                ('timezone', config.fields.ZoneField(help_text='IANA time zone, used by every feature for this member.')),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name': 'member time zone',
                'ordering': ['discord_user_id'],
                'constraints': [models.CheckConstraint(condition=models.Q(('timezone', ''), _negated=True), name='memberzone_timezone_set')],
            },
        ),
    ]
