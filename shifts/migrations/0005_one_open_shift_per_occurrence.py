"""An occurrence of a moderator's schedule is (guild, moderator, start instant): at most one shift
for it that is not cancelled, whichever slot row it was dropped from (a slot removed and added
again is a new row, which the old per-slot constraint did not see). Duplicates already stored are
cancelled first, keeping the claimed one, else the oldest. Also: the mark that a claimed shift's
message was re-rendered for its start."""

from django.db import migrations, models
from django.db.models import Count, Q
from django.utils import timezone

DUPLICATE_REASON = "Duplicate of shift #{keep} (the same occurrence was dropped twice)."


def cancel_duplicates(apps, schema_editor):
    Shift = apps.get_model("shifts", "Shift")
    open_drops = Shift.objects.filter(cancelled=False, assigned_user_id__isnull=False)
    groups = (
        open_drops.values("guild_id", "assigned_user_id", "start_time_utc")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    now = timezone.now()
    for group in groups:
        rows = list(
            open_drops.filter(
                guild_id=group["guild_id"],
                assigned_user_id=group["assigned_user_id"],
                start_time_utc=group["start_time_utc"],
            ).order_by("id")
        )
        keep = next((row for row in rows if row.claimed_by is not None), rows[0])
        for row in rows:
            if row.pk != keep.pk:
                Shift.objects.filter(pk=row.pk).update(
                    cancelled=True,
                    cancelled_at=now,
                    cancel_reason=DUPLICATE_REASON.format(keep=keep.pk),
                    version=row.version + 1,
                )


class Migration(migrations.Migration):
    dependencies = [
        ("shifts", "0004_exact_durations"),
    ]

    operations = [
        migrations.AddField(
            model_name="shift",
            name="start_passed_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When a claimed shift's message was re-rendered for its start (once).",
                null=True,
            ),
        ),
        migrations.AddIndex(
            model_name="shift",
            index=models.Index(
                condition=Q(claimed_by__isnull=False, cancelled=False, start_passed_at__isnull=True),
                fields=["start_time_utc"],
                name="shift_start_pass_due",
            ),
        ),
        migrations.RunPython(cancel_duplicates, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="shift", name="shift_one_drop_per_occurrence"),
        migrations.AddConstraint(
            model_name="shift",
            constraint=models.UniqueConstraint(
                condition=Q(cancelled=False, assigned_user_id__isnull=False),
                fields=["guild_id", "assigned_user_id", "start_time_utc"],
                name="shift_one_open_per_occurrence",
            ),
        ),
    ]
