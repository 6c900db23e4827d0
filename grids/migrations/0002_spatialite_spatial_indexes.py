"""On SQLite, Django rebuilds a table to add a CHECK constraint (0001 does, for grid codes); the
rebuild brings the geometry columns back but not their SpatiaLite R-tree indexes, which then stay
disabled and empty. Recreate them. PostGIS keeps its GiST indexes: nothing to do there."""

from django.db import migrations

SPATIAL_COLUMNS = [("grids_grid", "boundary"), ("grids_grid", "label_point"), ("grids_membership", "last_position")]


def recreate(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, column in SPATIAL_COLUMNS:
            cursor.execute(f'DROP TABLE IF EXISTS "idx_{table}_{column}"')
            cursor.execute("SELECT CreateSpatialIndex(%s, %s)", [table, column])


class Migration(migrations.Migration):
    dependencies = [("grids", "0001_initial")]
    operations = [migrations.RunPython(recreate, migrations.RunPython.noop)]
