"""Reading and checking division files before anything is written.

CSV: `code,name,parent_code,level` (the format of the National Bureau of Statistics division
lists, levels province, city, county, township, village; `grid` and `micro` rows may add real
unit grids). GeoJSON: a FeatureCollection whose features carry a code in `code` or `adcode`
(a single feature without one belongs to the shallowest CSV row). Every problem is reported
with its line or feature and reason; callers write nothing unless the whole input is clean.
"""

import csv
import io
import json
from dataclasses import dataclass, field

import shapely
from shapely.geometry import MultiPolygon, Polygon, shape

from .choices import CSV_LEVELS, Level

REQUIRED_COLUMNS = ("code", "name", "parent_code", "level")


class DivisionsError(Exception):
    """Input refused; `problems` lists each reason, naming the line or feature."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Division:
    code: str
    name: str
    parent_code: str
    level: int
    line: int
    children: list["Division"] = field(default_factory=list)


def parse_divisions(text: str) -> dict[str, Division]:
    """Parse and check the CSV; returns divisions by code, parents before children."""
    problems: list[str] = []
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise DivisionsError([f"line 1: missing column(s) {', '.join(missing)}; expected {','.join(REQUIRED_COLUMNS)}"])
    divisions: dict[str, Division] = {}
    for row in reader:
        line = reader.line_num
        code = (row["code"] or "").strip()
        name = (row["name"] or "").strip()
        parent_code = (row["parent_code"] or "").strip()
        level_name = (row["level"] or "").strip().lower()
        where = f"line {line} ({code or 'no code'})"
        if not code.isdigit() or not code.isascii():
            problems.append(f"{where}: code must be digits only")
            continue
        if level_name not in CSV_LEVELS:
            problems.append(f"{where}: unknown level {level_name!r}; expected one of {', '.join(CSV_LEVELS)}")
            continue
        level = CSV_LEVELS[level_name]
        if len(code) != level:
            problems.append(f"{where}: a {level_name} code has {int(level)} digits, this one has {len(code)}")
            continue
        if not name or len(name) > 100:
            problems.append(f"{where}: name must be 1 to 100 characters")
            continue
        if code in divisions:
            problems.append(f"{where}: duplicate code, first on line {divisions[code].line}")
            continue
        if parent_code:
            if not code.startswith(parent_code) or len(parent_code) >= len(code):
                problems.append(f"{where}: code does not extend its parent's code {parent_code}")
                continue
            parent = divisions.get(parent_code)
            if parent is None:
                problems.append(f"{where}: parent {parent_code} is not on an earlier line")
                continue
            if parent.level >= level:
                problems.append(f"{where}: parent {parent_code} is not above a {level_name}")
                continue
        divisions[code] = division = Division(code, name, parent_code, level, line)
        if parent_code:
            divisions[parent_code].children.append(division)
    if problems:
        raise DivisionsError(problems)
    if not divisions:
        raise DivisionsError(["the CSV has no divisions"])
    return divisions


def _check_geometry(geom, where: str) -> MultiPolygon:
    if not isinstance(geom, Polygon | MultiPolygon):
        raise DivisionsError([f"{where}: geometry must be a Polygon or MultiPolygon, not {geom.geom_type}"])
    if geom.is_empty:
        raise DivisionsError([f"{where}: geometry is empty"])
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise DivisionsError([f"{where}: coordinates outside WGS 84 ranges (longitude -180..180, latitude -90..90)"])
    if not geom.is_valid:
        raise DivisionsError([f"{where}: invalid geometry ({shapely.is_valid_reason(geom)})"])
    return geom if isinstance(geom, MultiPolygon) else MultiPolygon([geom])


def parse_boundaries(text: str, divisions: dict[str, Division]) -> dict[str, MultiPolygon]:
    """Parse and check the GeoJSON; returns boundaries by division code."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DivisionsError([f"boundary file: not JSON ({exc.msg} at line {exc.lineno})"]) from None
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not data.get("features"):
        raise DivisionsError(["boundary file: expected a GeoJSON FeatureCollection with at least one feature"])
    features = data["features"]
    shallowest = min(divisions.values(), key=lambda d: d.level)
    result: dict[str, MultiPolygon] = {}
    problems: list[str] = []
    for i, feature in enumerate(features, start=1):
        props = (feature or {}).get("properties") or {}
        code = str(props.get("code") or props.get("adcode") or "")
        if not code:
            if len(features) > 1:
                problems.append(f"feature {i}: no code or adcode property")
                continue
            code = shallowest.code
        where = f"feature {i} ({code})"
        if code not in divisions:
            problems.append(f"{where}: code is not in the divisions CSV")
            continue
        try:
            geom = shape(feature["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException) as exc:
            problems.append(f"{where}: unreadable geometry ({exc})")
            continue
        try:
            result[code] = _check_geometry(geom, where)
        except DivisionsError as exc:
            problems.extend(exc.problems)
    if problems:
        raise DivisionsError(problems)
    return result


def roots(divisions: dict[str, Division], boundaries: dict[str, MultiPolygon]) -> list[Division]:
    """The deployment roots: the shallowest divisions with a boundary (rows above them are context)."""
    found = []
    for division in divisions.values():
        if division.code in boundaries and not any(a in boundaries for a in _ancestors(division, divisions)):
            found.append(division)
    if not found:
        raise DivisionsError(["boundary file: no feature belongs to a division in the CSV"])
    if any(r.level > Level.COMMUNITY for r in found):
        raise DivisionsError(["boundary file: the deployment root must be a community or above"])
    return found


def _ancestors(division: Division, divisions: dict[str, Division]) -> list[str]:
    codes = []
    while division.parent_code:
        codes.append(division.parent_code)
        division = divisions[division.parent_code]
    return codes
