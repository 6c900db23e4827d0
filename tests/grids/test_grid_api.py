import pytest

from grids.models import Grid, Membership
from grids.services import grid_admin_save

pytestmark = pytest.mark.django_db


def test_list_filters_by_level_within_and_search(client, county_center):
    client.force_login(county_center)
    townships = client.get("/api/v1/grids/", {"level": 9}).json()
    assert townships["count"] == 11
    assert {g["level_label"] for g in townships["results"]} == {"乡镇/街道"}
    within = client.get("/api/v1/grids/", {"within": "530702002", "level": 12, "limit": 100}).json()
    assert within["count"] == Grid.objects.filter(code__startswith="530702002", level=12).count()
    found = client.get("/api/v1/grids/", {"q": "大研"}).json()
    assert [g["code"] for g in found["results"]] == ["530702002"]


def test_detail_has_ancestors_members_and_children(client, county_center):
    grid = Grid.objects.get(code="530702002001001")
    worker = county_center  # any user will do as a seated worker
    Membership.objects.create(user=worker, grid=grid, role="full_time", phone="13900001111", on_duty=True)
    client.force_login(county_center)
    body = client.get(f"/api/v1/grids/{grid.code}/").json()
    assert body["parent_code"] == "530702002001"
    assert [a["level"] for a in body["ancestors"]] == [6, 9, 12]
    assert body["members"] == [
        {
            "name": worker.first_name,
            "role": "full_time",
            "role_label": "专职网格员",
            "phone": "13900001111",
            "on_duty": True,
        }
    ]
    assert body["children"] == 0
    assert body["boundary_generated"] is True


@pytest.mark.parametrize("params", [{"level": "x"}, {"level": "99"}, {"within": "53a"}, {"within": "1" * 19}])
def test_bad_filters_are_400(client, county_center, params):
    client.force_login(county_center)
    assert client.get("/api/v1/grids/", params).status_code == 400
    assert client.get("/api/v1/grids/boundaries/", params).status_code == 400


def test_boundaries_geojson_with_etag(client, county_center):
    client.force_login(county_center)
    response = client.get("/api/v1/grids/boundaries/", {"level": 12, "zoom": 12})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = response.json()
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 65
    props = data["features"][0]["properties"]
    assert set(props) == {"code", "name", "level", "kind", "generated", "label"}
    etag = response["ETag"]
    assert (
        client.get("/api/v1/grids/boundaries/", {"level": 12, "zoom": 12}, HTTP_IF_NONE_MATCH=etag).status_code == 304
    )
    # A change to any grid in the set gives a new ETag and a fresh body.
    grid = Grid.objects.get(code="530702002001")
    grid.name = "改名社区"
    grid_admin_save(actor=county_center, grid=grid, changed=["name"])
    changed = client.get("/api/v1/grids/boundaries/", {"level": 12, "zoom": 12}, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "改名社区" in changed.content.decode()


def vertex_count(data):
    def count(coords):
        return len(coords) if coords and isinstance(coords[0][0], float) else sum(count(c) for c in coords)

    return sum(count(f["geometry"]["coordinates"]) for f in data["features"])


def test_lower_zoom_sends_fewer_vertices(client, county_center):
    client.force_login(county_center)
    full = vertex_count(client.get("/api/v1/grids/boundaries/", {"level": 6}).json())
    far = vertex_count(client.get("/api/v1/grids/boundaries/", {"level": 6, "zoom": 8}).json())
    assert far < full / 3


def test_query_counts_are_pinned(client, county_center, django_assert_num_queries):
    client.force_login(county_center)
    # list: session + user + roles + memberships + count + page
    with django_assert_num_queries(6):
        assert client.get("/api/v1/grids/", {"level": 15, "limit": 200}).status_code == 200
    # GeoJSON: session + user + roles + memberships + aggregate + rows (first time)
    with django_assert_num_queries(6):
        client.get("/api/v1/grids/boundaries/", {"level": 15, "zoom": 14})
    # detail: session + user + roles + memberships + grid + ancestors + members + children
    with django_assert_num_queries(8):
        client.get("/api/v1/grids/530702002001001/")
