import pytest
from django.contrib.gis.geos import Point

from grids.choices import Level
from grids.models import Grid
from grids.selectors import grid_locate

pytestmark = pytest.mark.django_db


def test_a_point_on_every_unit_grid_routes_to_it():
    grids = list(Grid.objects.filter(level=Level.GRID, active_to__isnull=True).only("code", "boundary"))
    assert len(grids) > 700  # both counties
    wrong = [
        (g.code, located.code if located else None)
        for g in grids
        if (located := grid_locate(g.boundary.point_on_surface)) is None or located.code != g.code
    ]
    assert wrong == []


@pytest.mark.parametrize("lng, lat", [(116.39, 39.91), (100.0, 20.0), (0, 0), (-179.9, -89.9)])
def test_points_outside_the_counties_are_refused(lng, lat):
    assert grid_locate(Point(lng, lat, srid=4326)) is None


def test_retired_grids_are_not_routed_to():
    grid = Grid.objects.filter(level=Level.GRID).first()
    point = grid.boundary.point_on_surface
    Grid.objects.filter(pk=grid.pk).update(active_to="2026-01-01")
    located = grid_locate(point)
    assert located.code == grid.code[:12]  # its community catches the point


def test_locate_api_answers_code_name_level_and_ancestors(client, django_assert_max_num_queries):
    grid = Grid.objects.get(code="530702002001001")
    p = grid.boundary.point_on_surface
    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/grids/locate/", {"lat": p.y, "lng": p.x})
    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["name"], body["level"]) == (grid.code, grid.name, 15)
    assert [a["code"] for a in body["ancestors"]] == ["530702", "530702002", "530702002001"]


def test_locate_outside_is_404_with_a_clear_message(client):
    client.cookies["django_language"] = "en"
    response = client.get("/api/v1/grids/locate/", {"lat": 39.91, "lng": 116.39})
    assert response.status_code == 404
    assert response.json()["detail"] == "This point lies outside the area this platform serves."
    client.cookies["django_language"] = "zh-hans"
    assert "不在本平台服务范围" in client.get("/api/v1/grids/locate/", {"lat": 39.91, "lng": 116.39}).json()["detail"]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"lat": "abc", "lng": "100"}, "lat"),
        ({"lat": "26.8"}, "lng"),
        ({"lat": "91", "lng": "100"}, "lat"),
        ({"lat": "26.8", "lng": "-181"}, "lng"),
        ({"lat": "nan", "lng": "100"}, "lat"),
        ({"lat": "26", "lng": "inf"}, "lng"),
    ],
)
def test_malformed_coordinates_are_400(client, params, field):
    response = client.get("/api/v1/grids/locate/", params)
    assert response.status_code == 400
    assert field in response.json()["fields"]  # the API's one error shape (govgrid/api.py)


def test_spatialite_spatial_index_is_enabled_and_filled():
    """Guards the migration that recreates SpatiaLite's R-trees after Django rebuilds a table."""
    from django.db import connection

    if connection.vendor != "sqlite":
        assert connection.vendor == "postgresql"  # PostGIS keeps its GiST index through migrations
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT CheckSpatialIndex('grids_grid', 'boundary')")
        assert cursor.fetchone()[0] == 1
        cursor.execute("SELECT count(*) FROM idx_grids_grid_boundary")
        assert cursor.fetchone()[0] == Grid.objects.count()
