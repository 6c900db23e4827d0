import csv
from pathlib import Path

from django.db import migrations

PALETTE = ["#1565c0", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f", "#ad1457", "#4e342e", "#283593", "#558b2f",
           "#c62828", "#00695c", "#5d4037"]


def seed(apps, schema_editor):
    Category = apps.get_model("events", "Category")
    path = Path(__file__).resolve().parent.parent / "data" / "categories.csv"
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    colours = {}
    for row in rows:
        major = row["parent_code"] or row["code"]
        colours.setdefault(major, PALETTE[len(colours) % len(PALETTE)])
        parent = Category.objects.get(code=row["parent_code"]) if row["parent_code"] else None
        Category.objects.update_or_create(
            code=row["code"],
            defaults={
                "parent": parent,
                "name": row["name_zh"],
                "name_en": row["name_en"],
                "kind": row["kind"],
                "level": int(row["level"]) if row["level"] else None,
                "limit_hours": int(row["limit_hours"]) if row["limit_hours"] else None,
                "limit_unit": row["limit_unit"],
                "department_type": row["default_department"],
                "grid_can_resolve": row["grid_can_resolve"] == "1",
                "colour": colours[major],
            },
        )


class Migration(migrations.Migration):
    dependencies = [("events", "0002_dailysequence_event_deadlinemark_callbackrecord_and_more")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
