import pytest
from django.contrib.gis.geos import MultiPolygon

from grids.models import Grid

pytestmark = pytest.mark.django_db


def test_map_page_offers_levels_and_no_tiles_by_default(client, county_center):
    client.force_login(county_center)
    html = client.get("/grids/map/").content.decode()
    assert 'id="gridmap"' in html and 'data-tile-url=""' in html
    assert "乡镇/街道" in html and "/static/vendor/leaflet/leaflet.js" in html


def test_map_page_uses_the_configured_tile_server(client, county_center, settings):
    settings.MAP_TILE_URL = "http://tiles.intranet/{z}/{x}/{y}.png"
    client.force_login(county_center)
    assert 'data-tile-url="http://tiles.intranet/{z}/{x}/{y}.png"' in client.get("/grids/map/").content.decode()


def test_tree_expands_children(client, county_center):
    client.force_login(county_center)
    html = client.get("/grids/530702002/children/").content.decode()
    codes = set(Grid.objects.filter(parent__code="530702002").values_list("code", flat=True))
    assert codes and all(code in html for code in codes)


def test_search_partial_for_htmx(client, county_center):
    client.force_login(county_center)
    html = client.get("/grids/", {"q": "530702002001"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in html and "530702002001" in html


def test_grid_page_shows_facts_chain_and_subgrids(client, county_center):
    client.force_login(county_center)
    html = client.get("/grids/530702002001/").content.decode()
    assert "古城区" in html and "大研街道" in html  # parent chain
    assert "530702002001001" in html  # a sub-grid
    assert "由导入自动生成" in html


def test_admin_pages_render_with_map_widgets(admin_client):
    grid = Grid.objects.get(code="530702002")
    assert admin_client.get("/admin/grids/grid/?q=大研").status_code == 200
    change = admin_client.get(f"/admin/grids/grid/{grid.pk}/change/")
    assert change.status_code == 200 and "leaflet" in change.content.decode().lower()
    assert admin_client.get("/admin/grids/membership/").status_code == 200


def test_admin_boundary_edit_keeps_the_old_boundary(admin_client, admin_user):
    from grids.services import grid_admin_save

    grid = Grid.objects.get(code="530702002001001")
    old = grid.boundary
    grid.boundary = MultiPolygon(grid.boundary.buffer(-0.0001), srid=4326)
    grid_admin_save(actor=admin_user, grid=grid, changed=["boundary"])
    grid.refresh_from_db()
    version = grid.boundary_versions.get()
    assert version.boundary.equals_exact(old, 1e-9) and version.replaced_by == admin_user
    assert not grid.boundary_generated
