"""Durations become whole minutes and the policy's hours exact decimals, so the fairness cap's
7-day sum and its comparison are exact (a float sum of 0.6, 0.7, 0.8 and 0.9 hours is
2.9999999999999996, under a cap of 3). Stored hours are read as the decimal they print as and
rounded once to whole minutes."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import migrations, models
from django.db.models import Q


def _minutes(hours) -> int:
    return int((Decimal(repr(float(hours))) * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def hours_to_minutes(apps, schema_editor):
    for name in ("ModSchedule", "Shift"):
        model = apps.get_model("shifts", name)
        for row in model.objects.only("pk", "duration_hours").iterator():
            model.objects.filter(pk=row.pk).update(duration_minutes=max(1, _minutes(row.duration_hours)))


def minutes_to_hours(apps, schema_editor):
    for name in ("ModSchedule", "Shift"):
        model = apps.get_model("shifts", name)
        for row in model.objects.only("pk", "duration_minutes").iterator():
            model.objects.filter(pk=row.pk).update(duration_hours=row.duration_minutes / 60)


def _hours(default: str, **kwargs):
    return models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(default), **kwargs)


class Migration(migrations.Migration):
    dependencies = [
        ("shifts", "0003_remove_shiftpolicy_channel_id_and_default_timezone"),
    ]

    operations = [
        migrations.AddField(
            model_name="modschedule",
            name="duration_minutes",
            field=models.PositiveIntegerField(null=True, help_text="The length in whole minutes."),
        ),
        migrations.AddField(
            model_name="shift",
            name="duration_minutes",
            field=models.PositiveIntegerField(null=True, help_text="The length in whole minutes."),
        ),
        migrations.RunPython(hours_to_minutes, minutes_to_hours),
        migrations.RemoveConstraint(model_name="modschedule", name="modschedule_duration_in_range"),
        migrations.RemoveConstraint(model_name="shift", name="shift_duration_in_range"),
        migrations.RemoveField(model_name="modschedule", name="duration_hours"),
        migrations.RemoveField(model_name="shift", name="duration_hours"),
        migrations.AlterField(
            model_name="modschedule",
            name="duration_minutes",
            field=models.PositiveIntegerField(help_text="The length in whole minutes."),
        ),
        migrations.AlterField(
            model_name="shift",
            name="duration_minutes",
            field=models.PositiveIntegerField(help_text="The length in whole minutes."),
        ),
        migrations.AddConstraint(
            model_name="modschedule",
            constraint=models.CheckConstraint(
                condition=Q(duration_minutes__gt=0) & Q(duration_minutes__lte=10080),
                name="modschedule_duration_in_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="shift",
            constraint=models.CheckConstraint(
                condition=Q(duration_minutes__gt=0) & Q(duration_minutes__lte=10080),
                name="shift_duration_in_range",
            ),
        ),
        migrations.AlterField(
            model_name="shiftpolicy",
            name="max_hours_7d",
            field=_hours(
                "3.00", help_text="A moderator with this many claimed hours in the last 7 days is 'heavy'."
            ),
        ),
        migrations.AlterField(model_name="shiftpolicy", name="min_duration_hours", field=_hours("0.25")),
        migrations.AlterField(model_name="shiftpolicy", name="max_duration_hours", field=_hours("24.00")),
        migrations.AlterField(
            model_name="shiftpolicy",
            name="default_duration_hours",
            field=_hours("1.00", help_text="Duration of a schedule slot added without one."),
        ),
    ]
