from django.db import migrations


def seed(apps, schema_editor):
    from events.worktime import holiday_seed

    holiday_seed(holiday_model=apps.get_model("events", "Holiday"))


class Migration(migrations.Migration):
    dependencies = [("events", "0003_seed_categories")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
