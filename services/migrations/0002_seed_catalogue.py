from django.db import migrations


def seed(apps, schema_editor):
    from services.catalogue import catalogue_seed

    catalogue_seed(item_model=apps.get_model("services", "ServiceItem"))


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
