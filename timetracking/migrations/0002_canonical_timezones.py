"""Store every tracked user's zone under its canonical IANA name before the column becomes a zone
field: "europe/berlin" becomes "Europe/Berlin", a legacy alias its zone ("US/Eastern" becomes
"America/New_York", when both keep the same offsets), and anything else (``localtime``,
``posixrules``, a name no longer in the zone database) "UTC"."""

from django.db import migrations

from config.fields import canonicalise_zone_column


def canonicalise(apps, schema_editor):
    canonicalise_zone_column(apps.get_model("timetracking", "TrackedUser"))


class Migration(migrations.Migration):
    dependencies = [("timetracking", "0001_initial")]

    operations = [migrations.RunPython(canonicalise, migrations.RunPython.noop)]
