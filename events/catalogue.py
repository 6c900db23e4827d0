"""The starting category catalogue (数字城管 / 综治 style), seeded from events/data/categories.csv by a
data migration; administrators edit it in admin afterwards."""

import csv
import json
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "categories.csv"
ATTRIBUTES = Path(__file__).resolve().parent / "data" / "category_attributes.json"
PALETTE = [
    "#1565c0",
    "#2e7d32",
    "#6a1b9a",
    "#ef6c00",
    "#00838f",
    "#ad1457",
    "#4e342e",
    "#283593",
    "#558b2f",
    "#c62828",
    "#00695c",
    "#5d4037",
]


def category_seed(*, category_model=None) -> int:
    """Create or update the catalogue's categories (idempotent); a migration passes its model (and
    seeds the extra questions in its own, later migration: `category_attributes_seed`)."""
    seed_attributes = category_model is None
    if category_model is None:
        from .models import Category as category_model
    with DATA.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    colours: dict[str, str] = {}
    for row in rows:
        major = row["parent_code"] or row["code"]
        colours.setdefault(major, PALETTE[len(colours) % len(PALETTE)])
        parent = category_model.objects.get(code=row["parent_code"]) if row["parent_code"] else None
        category_model.objects.update_or_create(
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
    if seed_attributes:
        category_attributes_seed(category_model=category_model)
    return len(rows)


def category_attributes_seed(*, category_model=None) -> int:
    """Give the categories in events/data/category_attributes.json their extra questions."""
    from .attributes import attribute_definitions_clean

    if category_model is None:
        from .models import Category as category_model
    definitions = json.loads(ATTRIBUTES.read_text(encoding="utf-8"))
    for code, attributes in definitions.items():
        category_model.objects.filter(code=code).update(attributes=attribute_definitions_clean(attributes))
    return len(definitions)
