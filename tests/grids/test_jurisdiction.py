"""A township user sees only their subtree, through every API and page (404 outside)."""

import pytest

from grids.models import Grid
from grids.selectors import jurisdiction_q, user_jurisdiction
from tests.conftest import seat
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
INSIDE = "530702002001001"  # 大研街道 … unit grid
OUTSIDE = "530702001001001"  # 西安街道 … unit grid
OTHER_COUNTY = "530127001001"


def test_jurisdiction_is_the_membership_roots(township_center):
    seat(township_center, "530702002001")  # a seat inside the first one adds nothing
    assert user_jurisdiction(township_center) == ("530702002",)
    codes = set(Grid.objects.filter(jurisdiction_q(township_center)).values_list("code", flat=True))
    assert codes and all(c.startswith("530702002") for c in codes)


def test_user_without_seat_sees_nothing(client):
    user = UserFactory(username="unseated", roles=["command_center"])
    client.force_login(user)
    assert client.get("/api/v1/grids/").json()["count"] == 0


def test_api_list_is_scoped(client, township_center):
    client.force_login(township_center)
    body = client.get("/api/v1/grids/", {"limit": 1000}).json()
    assert body["count"] == Grid.objects.filter(code__startswith="530702002", active_to__isnull=True).count()
    assert all(g["code"].startswith("530702002") for g in body["results"])


@pytest.mark.parametrize(
    "path",
    ["/api/v1/grids/{code}/", "/grids/{code}/", "/grids/{code}/card/", "/grids/{code}/children/"],
)
def test_objects_outside_are_404(client, township_center, path):
    client.force_login(township_center)
    assert client.get(path.format(code=INSIDE)).status_code == 200
    assert client.get(path.format(code=OUTSIDE)).status_code == 404
    assert client.get(path.format(code=OTHER_COUNTY)).status_code == 404


def test_geojson_is_scoped(client, township_center):
    client.force_login(township_center)
    features = client.get("/api/v1/grids/boundaries/", {"level": 15}).json()["features"]
    assert features and all(f["properties"]["code"].startswith("530702002") for f in features)
    assert client.get("/api/v1/grids/boundaries/", {"level": 15, "within": "530702001"}).json()["features"] == []


def test_tree_and_search_are_scoped(client, township_center):
    client.force_login(township_center)
    page = client.get("/grids/").content.decode()
    assert "大研街道" in page and "西安街道" not in page
    results = client.get("/grids/", {"q": "社区"}).content.decode()
    assert "530702002" in results and "530702001001" not in results


def test_roster_import_outside_is_404(client, township_center):
    client.force_login(township_center)
    response = client.post(f"/grids/{OUTSIDE}/roster/", {})
    assert response.status_code == 404


def test_county_user_sees_the_whole_county_but_not_the_other(client, county_center):
    client.force_login(county_center)
    assert client.get(f"/api/v1/grids/{OUTSIDE}/").status_code == 200
    assert client.get(f"/api/v1/grids/{OTHER_COUNTY}/").status_code == 404


def test_admin_role_sees_everything(client):
    admin = UserFactory(username="root-admin", roles=["admin"])
    client.force_login(admin)
    assert client.get(f"/api/v1/grids/{OTHER_COUNTY}/").status_code == 200
    assert client.get(f"/api/v1/grids/{OUTSIDE}/").status_code == 200


def test_anonymous_gets_no_grids(client):
    assert client.get("/api/v1/grids/").status_code == 403
    assert client.get("/grids/map/").status_code == 302
