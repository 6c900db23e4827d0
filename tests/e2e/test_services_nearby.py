"""A resident on a phone finds the service points near where they stand, sees the 15-minute
walking circle, and asks the grid worker there to handle a service for them (代办)."""

import re

import pytest
from playwright.sync_api import expect

from grids.models import Grid
from services.catalogue import catalogue_seed
from services.demo import demo_service_points_create
from services.models import ProxyRequest
from services.selectors import WALK_RADIUS_M, points_near
from tests.conftest import import_county

GRID = "530702002001001"  # 大研街道 新华社区 第1网格


def console_error(page, msg):
    if msg.type == "error":
        page.problems.append(msg.text)


@pytest.fixture
def resident(browser, live_server, transactional_db):
    import_county("530702")
    catalogue_seed()
    demo_service_points_create(county_code="530702")
    spot = Grid.objects.get(code=GRID).boundary.point_on_surface
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": spot.y, "longitude": spot.x, "accuracy": 20},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda exc: page.problems.append(str(exc)))
    page.on("console", lambda msg: console_error(page, msg))
    page.spot = spot
    yield page
    context.close()


def test_resident_finds_the_nearest_service_point_and_files_a_proxy_request(resident):
    page, spot = resident, resident.spot
    expected = points_near(origin=spot, limit=30)
    page.goto("/services/nearby/")
    expect(page.locator("#svc-map .svc-marker").first).to_be_attached(timeout=15000)  # every point, before a position

    page.locator("#near-me").click()
    expect(page).to_have_url(re.compile(r"lat=26\.|lat=27\."))
    items = page.locator("#nearby-list > li")
    expect(items.first).to_be_visible()
    assert items.first.get_attribute("data-id") == str(expected[0].pk)
    distances = [
        int(d) for d in page.locator("#nearby-list > li").evaluate_all("els => els.map(e => e.dataset.distance)")
    ]
    assert distances == sorted(distances) and distances[0] == round(expected[0].distance.m)
    inside = sum(1 for p in expected if p.distance.m <= WALK_RADIUS_M)
    expect(page.locator("#nearby-list > li.svc-in-circle")).to_have_count(inside)
    expect(page.locator("#svc-map path.svc-walk-circle")).to_be_visible()

    page.locator("#proxy-here").click()
    expect(page.locator("#position-given")).to_be_visible()
    page.locator("#id_item").select_option("MZ004")  # 高龄津贴申领
    page.locator("#id_phone").fill("13912345678")
    page.locator("#id_name").fill("和秀英")
    page.locator("#id_address").fill("新华街12号")
    page.locator("#proxy-submit").click()
    expect(page.locator("#proxy")).to_have_attribute("data-status", "requested")
    code = page.locator("#proxy-code").inner_text().strip()
    request = ProxyRequest.objects.get(code=code)
    assert request.item.code == "MZ004" and request.grid.code == GRID and request.phone_masked == "139****5678"
    assert page.problems == []


def test_the_grid_map_shows_service_points_as_a_layer(page, transactional_db):
    from govgrid.demo import DEMO_PASSWORD, demo_users_create

    import_county("530702")
    catalogue_seed()
    demo_users_create()
    demo_service_points_create(county_code="530702")
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill("dayan")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto("/grids/map/")
    expect(page.locator(".leaflet-lv15-pane path").first).to_be_visible(timeout=15000)
    markers = page.locator("#gridmap path.service-point")
    expect(markers).to_have_count(0)
    page.locator("#layer-service-points").check()
    expect(markers.first).to_be_visible()
    assert markers.count() > 100  # every demo point
    page.locator("#layer-service-points").uncheck()
    expect(markers).to_have_count(0)
