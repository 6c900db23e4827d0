import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from grids.choices import Level
from grids.importer import DivisionsError
from grids.models import Grid, GridBoundaryVersion
from grids.services import divisions_import, grid_boundary_update, to_geos
from tests.conftest import COUNTIES, DATA, import_county

pytestmark = pytest.mark.django_db


def csv_rows(code):
    return list(csv.DictReader(io.StringIO((DATA / f"{code}.csv").read_text(encoding="utf-8"))))


@pytest.mark.parametrize("county", COUNTIES)
def test_every_division_is_present_with_its_parent_and_level(county):
    rows = [r for r in csv_rows(county) if r["level"] in ("county", "township", "village")]
    grids = {g.code: g for g in Grid.objects.filter(code__startswith=county).select_related("parent")}
    levels = {"county": Level.COUNTY, "township": Level.TOWNSHIP, "village": Level.COMMUNITY}
    for row in rows:
        grid = grids[row["code"]]
        assert grid.name == row["name"]
        assert grid.level == levels[row["level"]]
        if row["level"] != "county":
            assert grid.parent.code == row["parent_code"]
    assert sum(1 for g in grids.values() if g.level <= Level.COMMUNITY) == len(rows)


def test_counts_match_the_seed_article():
    counts = dict(
        Grid.objects.filter(code__startswith="530702").values_list("level").annotate(n=Count("pk")).order_by()
    )
    assert counts[Level.TOWNSHIP] == 11 and counts[Level.COMMUNITY] == 65
    assert 8 * 65 <= counts[Level.GRID] <= 11 * 65
    assert 600 <= counts[Level.GRID] <= 660  # "about 620" unit grids, as the article reports


@pytest.mark.parametrize("county", COUNTIES)
def test_reimport_changes_nothing(county):
    before = {g.code: (g.boundary.wkb, g.name, g.updated_at) for g in Grid.objects.filter(code__startswith=county)}
    report = import_county(county)
    assert (report.created, report.updated) == (0, 0)
    assert report.unchanged == len(before)
    after = {g.code: (g.boundary.wkb, g.name, g.updated_at) for g in Grid.objects.filter(code__startswith=county)}
    assert after == before
    assert not GridBoundaryVersion.objects.exists()


def test_check_grids_is_clean_on_the_import(capsys):
    call_command("check_grids")
    assert "consistent" in capsys.readouterr().out


def test_every_code_extends_its_parents_and_matches_its_level():
    for code, level, parent_code in Grid.objects.values_list("code", "level", "parent__code"):
        assert len(code) == level
        if parent_code is not None:
            assert code.startswith(parent_code) and len(parent_code) < len(code)


def test_another_seed_gives_other_generated_boundaries_and_keeps_history(capsys):
    active = Grid.objects.filter(code__startswith="530127", active_to__isnull=True)
    before = active.count()
    report = import_county("530127", seed=2)
    assert report.updated > 0
    assert GridBoundaryVersion.objects.filter(grid__code__startswith="530127").count() > 0
    # Grids the new seed no longer produces are retired, so the active tree stays a partition.
    assert active.count() == before + report.created - report.retired
    assert report.created or report.retired
    call_command("check_grids", within="530127")


def test_surveyed_boundary_is_never_overwritten(county_center):
    community = Grid.objects.get(code="530702001001")
    surveyed = community.boundary.buffer(-0.0005)
    surveyed = to_geos(__import__("shapely").from_wkb(bytes(surveyed.wkb)))
    grid_boundary_update(actor=county_center, grid=community, boundary=surveyed, note="survey 2026")
    import_county("530702")
    community.refresh_from_db()
    assert not community.boundary_generated
    assert community.boundary.equals_exact(surveyed, tolerance=1e-9)
    version = GridBoundaryVersion.objects.get(grid=community)
    assert version.replaced_by == county_center and version.boundary_generated


def test_micro_grids_are_generated_under_unit_grids():
    import_county("530127", micro_grids=3)
    grid = Grid.objects.filter(code__startswith="530127", level=Level.GRID).first()
    micro = list(grid.children.order_by("code"))
    assert [m.code for m in micro] == [grid.code + s for s in ("001", "002", "003")]
    assert all(m.level == Level.MICRO and m.boundary_generated for m in micro)
    call_command("check_grids", within=grid.code)


def test_management_command_reports_counts(capsys):
    call_command(
        "import_divisions",
        str(DATA / "530127.csv"),
        boundary=str(DATA / "530127.boundary.geojson"),
        grids_per_community="2-4",
        seed=1,
    )
    assert "0 created, 0 updated" in capsys.readouterr().out


# --- bad input: refused with the record named, nothing changed ------------------------------------

BOUNDARY = (DATA / "530127.boundary.geojson").read_text(encoding="utf-8")
HEADER = "code,name,parent_code,level\n"
GOOD = HEADER + "530127,嵩明县,,county\n530127001,嵩阳街道,530127,township\n"


def square(x0=103.0, y0=25.3, d=0.1):
    return [[[x0, y0], [x0 + d, y0], [x0 + d, y0 + d], [x0, y0 + d], [x0, y0]]]


def collection(*geometries, code="530127"):
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {"adcode": code}, "geometry": g} for g in geometries],
        }
    )


@pytest.mark.parametrize(
    "csv_text, boundary, message",
    [
        (
            HEADER + "530127,嵩明县,,county\n53012701,X,530127,township\n",
            BOUNDARY,
            "line 3 (53012701): a township code has 9 digits",
        ),
        (
            GOOD + "530128001,Y,530127,township\n",
            BOUNDARY,
            "line 4 (530128001): code does not extend its parent's code 530127",
        ),
        (
            GOOD + "530127001,嵩阳街道,530127,township\n",
            BOUNDARY,
            "line 4 (530127001): duplicate code, first on line 3",
        ),
        (
            GOOD + "530127002001,Z,530127002,village\n",
            BOUNDARY,
            "line 4 (530127002001): parent 530127002 is not on an earlier line",
        ),
        (GOOD + "530127009,W,530127,hamlet\n", BOUNDARY, "line 4 (530127009): unknown level 'hamlet'"),
        (GOOD + "5301270AB,W,530127,township\n", BOUNDARY, "line 4 (5301270AB): code must be digits only"),
        ("code,name,level\n530127,嵩明县,county\n", BOUNDARY, "missing column(s) parent_code"),
        (GOOD, "{not json", "boundary file: not JSON"),
        (GOOD, collection({"type": "Polygon", "coordinates": []}), "feature 1 (530127): geometry is empty"),
        (
            GOOD,
            collection({"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}),
            "feature 1 (530127): invalid geometry (Self-intersection",
        ),
        (GOOD, collection({"type": "Polygon", "coordinates": square(x0=200)}), "outside WGS 84 ranges"),
        (
            GOOD,
            collection({"type": "Polygon", "coordinates": square()}, code="999999"),
            "feature 1 (999999): code is not in the divisions CSV",
        ),
        (
            GOOD,
            collection({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}),
            "must be a Polygon or MultiPolygon",
        ),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(csv_text, boundary, message):
    before = list(Grid.objects.order_by("code").values_list("code", "name", "updated_at"))
    with pytest.raises(DivisionsError) as exc:
        divisions_import(csv_text=csv_text, boundary_text=boundary, grids_per_community=(2, 2))
    assert any(message in p for p in exc.value.problems), exc.value.problems
    assert list(Grid.objects.order_by("code").values_list("code", "name", "updated_at")) == before


def test_command_refuses_with_the_reasons(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD + "530128001,Y,530127,township\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"(?s)Nothing imported:.*line 4"):
        call_command("import_divisions", str(bad), boundary=str(DATA / "530127.boundary.geojson"))
    with pytest.raises(CommandError, match="expected N or MIN-MAX"):
        call_command(
            "import_divisions", str(bad), boundary=str(DATA / "530127.boundary.geojson"), grids_per_community="lots"
        )


def test_a_failure_deep_in_the_tree_rolls_everything_back():
    """Surveyed children that leave no room for their generated siblings fail the whole import."""
    county = Grid.objects.get(code="530127")
    whole = json.loads(county.boundary.json)
    features = [
        {"type": "Feature", "properties": {"code": "530127"}, "geometry": whole},
        {"type": "Feature", "properties": {"code": "530127001"}, "geometry": whole},
    ]
    csv_text = (DATA / "530127.csv").read_text(encoding="utf-8").replace("嵩阳街道", "嵩阳街道（改）")
    before = list(Grid.objects.order_by("code").values_list("code", "name", "updated_at"))
    with pytest.raises(DivisionsError, match="no room left"):
        divisions_import(
            csv_text=csv_text, boundary_text=json.dumps({"type": "FeatureCollection", "features": features})
        )
    assert list(Grid.objects.order_by("code").values_list("code", "name", "updated_at")) == before
