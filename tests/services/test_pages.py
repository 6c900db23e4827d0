"""Pages render for who may see them, and the grid map offers the service points layer."""

import pytest

from services.services import service_point_create

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/services/",
        "/services/?q=低保&category=civil_affairs",
        "/services/items/SB001/",
        "/services/nearby/",
        "/services/nearby/?lat=26.9&lng=100.3&kind=clinic",
        "/services/proxy/",
        "/services/proxy/track/",
        "/services/proxy/track/?code=",
    ],
)
def test_public_pages(client, url):
    assert client.get(url).status_code == 200


def test_the_catalogue_shows_the_village_figure_per_township(client):
    page = client.get("/services/")
    assert b'id="coverage"' in page.content and b'data-code="530702002"' in page.content


def test_grid_map_has_a_service_points_layer(client, township_center, grid):
    service_point_create(
        actor=None,
        name="新华社区党群服务中心",
        kind="party_centre",
        point=grid.label_point,
        hours_text="Mon-Fri 09:00-18:00",
    )
    client.force_login(township_center)
    page = client.get("/grids/map/").content.decode()
    assert 'id="layer-service-points"' in page and 'data-url="/api/v1/services/points.geojson"' in page
    assert client.get("/api/v1/services/points.geojson").json()["features"][0]["properties"]["kind"] == "party_centre"


def test_worker_pages_need_a_login(client, gridworker):
    assert client.get("/m/proxy/").status_code == 302
    client.force_login(gridworker)
    assert client.get("/m/proxy/").status_code == 200
    assert client.get("/m/proxy/new/").status_code == 200
    assert client.get("/m/proxy/PNOSUCHONE/").status_code == 404


def test_worker_files_for_a_resident_on_the_phone(client, gridworker):
    client.force_login(gridworker)
    response = client.post("/m/proxy/new/", {"item": "YB002", "community": "530702002001", "phone": "13912345678"})
    assert response.status_code == 303
    from services.models import ProxyRequest

    request = ProxyRequest.objects.get()
    assert request.worker == gridworker and request.status == "accepted"
    bad = client.post("/m/proxy/new/", {"item": "HJ002", "community": "530702002001", "phone": "13912345678"})
    assert bad.status_code == 400 and ProxyRequest.objects.count() == 1


def test_admin_pages(client, admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    for url in (
        "/admin/services/serviceitem/",
        "/admin/services/servicepoint/",
        "/admin/services/servicepoint/add/",
        "/admin/services/proxyrequest/",
        "/admin/services/serviceitem/1/change/",
    ):
        assert client.get(url).status_code == 200, url


def test_api_schema_includes_the_services_endpoints(client, township_center):
    client.force_login(township_center)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    assert "/api/v1/services/stats/" in schema["paths"] and "/api/v1/services/proxy/" in schema["paths"]


def test_the_list_and_the_item_page_give_the_same_time_limit(client):
    from services.models import ServiceItem

    item = ServiceItem.objects.filter(limit_unit="work_days", limit_days__gt=1).order_by("code").first()
    expected = f"{item.limit_days} 个工作日"
    assert expected in client.get("/services/", {"q": item.name}).content.decode()
    assert expected in client.get(f"/services/items/{item.code}/").content.decode()
