from django.db import migrations


def seed(apps, schema_editor):
    from events.catalogue import category_attributes_seed

    category_attributes_seed(category_model=apps.get_model("events", "Category"))


class Migration(migrations.Migration):
    dependencies = [("events", "0007_category_attributes_event_attributes_event_media_url")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
