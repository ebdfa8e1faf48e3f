from django.db import migrations


def load_reference_data(apps, schema_editor):
    from scheduling import reference_data

    reference_data.load(
        apps.get_model("scheduling", "Role"),
        apps.get_model("scheduling", "WowClass"),
        apps.get_model("scheduling", "Specialization"),
    )


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [migrations.RunPython(load_reference_data, migrations.RunPython.noop)]
