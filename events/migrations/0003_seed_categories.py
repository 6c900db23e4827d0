from django.db import migrations


def seed(apps, schema_editor):
    from events.catalogue import category_seed

    category_seed(category_model=apps.get_model("events", "Category"))


class Migration(migrations.Migration):
    dependencies = [("events", "0002_dailysequence_event_deadlinemark_callbackrecord_and_more")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
