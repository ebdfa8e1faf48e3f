"""Store every tracked user's zone under its canonical IANA name before the column becomes a zone
field: "europe/berlin" becomes "Europe/Berlin", a legacy alias its zone ("US/Eastern" becomes
"America/New_York", when both keep the same offsets), and anything else (``localtime``,
``posixrules``, a name no longer in the zone database) "UTC"."""

from django.db import migrations

from config.timeutils import stored_zone_name as canonical_or_utc


def canonicalise(apps, schema_editor):
    TrackedUser = apps.get_model("timetracking", "TrackedUser")
    for name in TrackedUser.objects.values_list("timezone", flat=True).distinct():
        fixed = canonical_or_utc(name)
        if fixed != name:
            TrackedUser.objects.filter(timezone=name).update(timezone=fixed)


class Migration(migrations.Migration):
    dependencies = [("timetracking", "0001_initial")]

    operations = [migrations.RunPython(canonicalise, migrations.RunPython.noop)]
