"""On PostGIS, `workers_nearby` measures on the geography of a worker's last position: this
expression index lets ST_DWithin(last_position::geography, …) use GiST instead of scanning."""

from django.db import migrations

INDEX = "grids_membership_position_geog_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON grids_membership USING GIST ((last_position::geography))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("grids", "0002_spatialite_spatial_indexes")]
    operations = [migrations.RunPython(create, drop)]
