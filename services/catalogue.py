"""The service catalogue: the starting list (services/data/catalogue.json, seeded by a data
migration and by the demo) and the xlsx import administrators use to keep it current.

In the data file `where` lists where an item can be done: C county hall, T township centre,
V village or community station, O online.
"""

import io
import json
from pathlib import Path
from zipfile import BadZipFile

from django.db import transaction
from django.utils.translation import gettext as _

from .choices import CATEGORY_WORDS, ItemCategory, LimitUnit
from .text import split_list

DATA = Path(__file__).resolve().parent / "data" / "catalogue.json"
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 2000
WHERE_FIELDS = {"C": "at_county", "T": "at_township", "V": "at_community", "O": "online"}
# Columns of the import sheet: header → (field, required).
COLUMNS = {
    "code": ("code", True),
    "name": ("name", True),
    "category": ("category", True),
    "department": ("department", True),
    "aliases": ("aliases", False),
    "keywords": ("keywords", False),
    "materials": ("materials", False),
    "limit_days": ("limit_days", False),
    "limit_unit": ("limit_unit", False),
    "where": ("where", False),
    "proxy_allowed": ("proxy_allowed", False),
    "fee": ("fee", False),
    "online_url": ("online_url", False),
    "conditions": ("conditions", False),
    "description": ("description", False),
}
TRUE_WORDS = {"1", "yes", "y", "true", "是", "可", "可以", "√"}
FALSE_WORDS = {"", "0", "no", "n", "false", "否", "不可", "不可以", "×"}


class CatalogueError(Exception):
    """An import refused as a whole; `problems` lists what is wrong, row by row."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems[:5]))
        self.problems = problems


def _defaults(row: dict) -> dict:
    where = row.get("where", "C")
    return {
        "name": row["name"],
        "category": row["category"],
        "department": row["department"],
        "aliases": row.get("aliases", ""),
        "keywords": row.get("keywords", ""),
        "description": row.get("description", ""),
        "conditions": row.get("conditions", ""),
        "materials": list(row.get("materials", [])),
        "limit_days": int(row.get("limit_days") or 0),
        "limit_unit": row.get("limit_unit") or LimitUnit.WORK_DAYS,
        "online_url": row.get("online_url", ""),
        "proxy_allowed": bool(row.get("proxy", False)),
        "fee": row.get("fee") or "免费",
        "faq": [{"q": q, "a": a} for q, a in row.get("faq", [])],
        **{field: letter in where for letter, field in WHERE_FIELDS.items()},
    }


def catalogue_seed(*, item_model=None) -> int:
    """Create or update the starting catalogue (idempotent); a data migration passes its model."""
    from .text import fold

    model = item_model
    if model is None:
        from .models import ServiceItem as model
    rows = json.loads(DATA.read_text(encoding="utf-8"))
    for row in rows:
        item, _created = model.objects.update_or_create(code=row["code"], defaults=_defaults(row))
        if item_model is not None:  # a migration's historical model has no save() override
            parts = [
                item.name,
                item.code,
                item.aliases,
                item.keywords,
                item.department,
                CATEGORY_WORDS.get(item.category, ""),
            ]
            model.objects.filter(pk=item.pk).update(search_text="|".join(fold(p) for p in parts if p))
    return len(rows)


def _bool(value, *, row: int, column: str, problems: list[str]) -> bool:
    text = str(value if value is not None else "").strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    problems.append(
        _("Row %(row)d: %(column)s must be yes or no, not %(value)r.")
        % {"row": row, "column": column, "value": text[:20]}
    )
    return False


def _parse_row(number: int, raw: dict, problems: list[str]) -> dict | None:
    before = len(problems)
    cell = {k: ("" if v is None else str(v).strip()) for k, v in raw.items()}
    for header, (_field, required) in COLUMNS.items():
        if required and not cell.get(header):
            problems.append(_("Row %(row)d: %(column)s is required.") % {"row": number, "column": header})
    code, name = cell.get("code", ""), cell.get("name", "")
    if code and (len(code) > 20 or not code.replace("-", "").isalnum()):
        problems.append(
            _("Row %(row)d: code %(code)r must be up to 20 letters and digits.") % {"row": number, "code": code[:30]}
        )
    if len(name) > 100:
        problems.append(_("Row %(row)d: the name is longer than 100 characters.") % {"row": number})
    category = cell.get("category", "")
    if category and category not in ItemCategory.values:
        problems.append(
            _("Row %(row)d: unknown category %(value)r (one of %(allowed)s).")
            % {"row": number, "value": category[:30], "allowed": ", ".join(ItemCategory.values)}
        )
    try:
        limit_days = int(float(cell.get("limit_days") or 0))
        if not 0 <= limit_days <= 365:
            raise ValueError
    except ValueError:
        limit_days = 0
        problems.append(_("Row %(row)d: limit_days must be a whole number of days from 0 to 365.") % {"row": number})
    unit = cell.get("limit_unit") or LimitUnit.WORK_DAYS
    if unit not in LimitUnit.values:
        problems.append(_("Row %(row)d: limit_unit must be work_days or calendar_days.") % {"row": number})
    where = (cell.get("where") or "C").upper()
    if not where or set(where) - set(WHERE_FIELDS):
        problems.append(
            _("Row %(row)d: where is letters from C (county), T (township), V (village), O (online).") % {"row": number}
        )
    url = cell.get("online_url", "")
    if url and not url.startswith(("https://", "http://")):
        problems.append(_("Row %(row)d: online_url must start with https://.") % {"row": number})
    for column, limit in (("department", 60), ("aliases", 300), ("keywords", 300), ("fee", 100)):
        if len(cell.get(column, "")) > limit:
            problems.append(
                _("Row %(row)d: %(column)s is longer than %(limit)d characters.")
                % {"row": number, "column": column, "limit": limit}
            )
    proxy = _bool(cell.get("proxy_allowed"), row=number, column="proxy_allowed", problems=problems)
    if len(problems) > before:
        return None
    return {
        "code": code,
        "name": name,
        "category": category,
        "department": cell["department"],
        "aliases": cell.get("aliases", ""),
        "keywords": cell.get("keywords", ""),
        "materials": split_list(cell.get("materials", "").replace("；", ";")),
        "limit_days": limit_days,
        "limit_unit": unit,
        "where": where,
        "proxy": proxy,
        "fee": cell.get("fee", ""),
        "online_url": url,
        "conditions": cell.get("conditions", ""),
        "description": cell.get("description", ""),
    }


@transaction.atomic
def catalogue_import(*, actor, content: bytes) -> dict:
    """Create or update items from an xlsx sheet (first sheet, header row of COLUMNS names).

    All or nothing: any bad row refuses the whole file with every row's problems listed. Returns
    {"created": n, "updated": m}."""
    import openpyxl

    from .models import ServiceItem

    if len(content) > MAX_IMPORT_BYTES:
        raise CatalogueError([_("The file is larger than 2 MB.")])
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (BadZipFile, OSError, ValueError, KeyError):
        raise CatalogueError([_("This is not an .xlsx workbook.")]) from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(h or "").strip().lower() for h in next(rows, ())]
    missing = [c for c, (_f, required) in COLUMNS.items() if required and c not in header]
    if missing:
        raise CatalogueError([_("The header row lacks the column(s): %(columns)s.") % {"columns": ", ".join(missing)}])
    problems: list[str] = []
    parsed: list[dict] = []
    seen: dict[str, int] = {}
    for number, values in enumerate(rows, start=2):
        if number - 1 > MAX_IMPORT_ROWS:
            raise CatalogueError([_("More than %(n)d rows: split the file.") % {"n": MAX_IMPORT_ROWS}])
        if not any(v not in (None, "") for v in values):
            continue
        raw = {h: v for h, v in zip(header, values, strict=False) if h in COLUMNS}
        row = _parse_row(number, raw, problems)
        if row is None:
            continue
        if row["code"] in seen:
            problems.append(
                _("Row %(row)d: code %(code)s is already on row %(first)d.")
                % {"row": number, "code": row["code"], "first": seen[row["code"]]}
            )
            continue
        seen[row["code"]] = number
        parsed.append(row)
    if problems:
        raise CatalogueError(problems)
    if not parsed:
        raise CatalogueError([_("The sheet has no rows to import.")])
    existing = set(ServiceItem.objects.filter(code__in=seen).values_list("code", flat=True))
    for row in parsed:
        defaults = _defaults(row)
        defaults.pop("faq")  # the sheet has no FAQ column: keep what admin entered
        ServiceItem.objects.update_or_create(code=row["code"], defaults=defaults)
    return {"created": len(parsed) - len(existing), "updated": len(existing)}
