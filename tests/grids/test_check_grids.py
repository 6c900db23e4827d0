import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.management import CommandError, call_command

from grids.checks import grid_problems
from grids.models import Grid

pytestmark = pytest.mark.django_db


def square(x, y, d):
    return MultiPolygon(Polygon.from_bbox((x, y, x + d, y + d)), srid=4326)


@pytest.fixture
def tree():
    """A made-up county 990001 split into two township halves."""
    county = Grid.objects.create(
        code="990001",
        name="测试县",
        level=6,
        boundary=square(0, 0, 2),
        label_point=square(0, 0, 2).point_on_surface,
        active_from="2026-01-01",
    )
    for i, x in enumerate((0, 1), start=1):
        b = MultiPolygon(Polygon.from_bbox((x, 0, x + 1, 2)), srid=4326)
        Grid.objects.create(
            code=f"990001{i:03d}",
            parent=county,
            name=f"镇{i}",
            level=9,
            boundary=b,
            label_point=b.point_on_surface,
            active_from="2026-01-01",
        )
    return county


def test_clean_tree_has_no_problems(tree):
    assert grid_problems(within="990001") == []


def test_overlap_outside_and_gap_are_reported(tree):
    Grid.objects.filter(code="990001001").update(boundary=MultiPolygon(Polygon.from_bbox((0, 0, 1.5, 2)), srid=4326))
    problems = grid_problems(within="990001")
    assert any("990001001 and 990001002 overlap" in p for p in problems)
    Grid.objects.filter(code="990001001").update(boundary=MultiPolygon(Polygon.from_bbox((-0.5, 0, 0.9, 2)), srid=4326))
    problems = grid_problems(within="990001")
    assert any(p.startswith("990001001:") and "outside its parent 990001" in p for p in problems)
    assert any(p.startswith("990001:") and "in none of its children" in p for p in problems)


def test_code_mismatches_are_reported(tree):
    county = Grid.objects.get(code="990001")
    b = square(0, 0, 0.5)
    Grid.objects.create(
        code="990002003",
        parent=county,
        name="错码",
        level=9,
        boundary=b,
        label_point=b.point_on_surface,
        active_from="2026-01-01",
    )
    Grid.objects.filter(code="990001002").update(level=12)
    problems = grid_problems(within="99000")
    assert "990002003: does not extend its parent's code 990001" in problems
    assert "990001002: code length 9 does not match level 12" in problems


def test_command_exits_non_zero_on_problems(tree, capsys):
    Grid.objects.filter(code="990001001").update(boundary=MultiPolygon(Polygon.from_bbox((0, 0, 1.5, 2)), srid=4326))
    with pytest.raises(CommandError, match="problem"):
        call_command("check_grids", within="990001")
    assert "overlap" in capsys.readouterr().out
