"""A resident on a phone reports a problem on /report/ and follows it on /track/<code>/."""

import io
import re

import pytest
from django.contrib.gis.geos import Point
from PIL import Image
from playwright.sync_api import expect

from events.models import Event
from grids.models import Grid
from tests.conftest import import_county

GRID = "530702002001001"  # 大研街道 新华社区 第1网格
PHONE = {"width": 390, "height": 844}


def small_jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 150, 80)).save(buf, "JPEG")
    return buf.getvalue()


def console_error(page, msg):
    """Script errors and CSP refusals count; the locate API's 404 for a point outside does not."""
    if msg.type == "error" and "/grids/locate/" not in (msg.location or {}).get("url", ""):
        page.problems.append(msg.text)


@pytest.fixture
def phone(browser, live_server, transactional_db):
    """A phone-sized Chromium that lets the page know where it stands: inside the demo grid."""
    import_county("530702")
    spot = Grid.objects.get(code=GRID).boundary.point_on_surface
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": spot.y, "longitude": spot.x, "accuracy": 20},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda exc: page.problems.append(str(exc)))
    page.on("console", lambda msg: console_error(page, msg))
    yield page
    context.close()


def test_resident_reports_a_problem_and_follows_it(phone, transactional_db):
    page = phone
    grid = Grid.objects.get(code=GRID)
    page.goto("/report/")
    expect(page.locator("#report-map .leaflet-overlay-pane path").first).to_be_visible()  # the county outline

    # "Use my location" puts the marker at the phone's position and names its grid.
    page.locator("#use-location").click()
    status = page.locator("#point-status")
    expect(status).to_contain_text("新华社区第1网格")
    expect(page.locator("#report-map .leaflet-marker-icon")).to_be_visible()

    # The resident moves the point a little by tapping the map next to the marker.
    box = page.locator("#report-map").bounding_box()
    target = None
    for dx, dy in ((60, 0), (-60, 0), (0, 60), (0, -60), (30, 30), (-30, -30)):
        x, y = box["width"] / 2 + dx, box["height"] / 2 + dy
        lat, lng = page.evaluate(
            "([x, y]) => { const p = govgridReportMap.containerPointToLatLng([x, y]); return [p.lat, p.lng]; }", [x, y]
        )
        if grid.boundary.contains(Point(lng, lat, srid=4326)):
            target = (x, y, lat, lng)
            break
    assert target, "no point near the marker inside the grid"
    before = page.locator("#id_lat").input_value()
    page.locator("#report-map").tap(position={"x": target[0], "y": target[1]})
    expect(page.locator("#id_lat")).not_to_have_value(before)
    picked = float(page.locator("#id_lat").input_value()), float(page.locator("#id_lng").input_value())
    assert abs(picked[0] - target[2]) < 2e-5 and abs(picked[1] - target[3]) < 2e-5  # within a pixel
    expect(status).to_contain_text("新华社区第1网格")

    page.locator("#id_category").select_option(label="暴露垃圾")
    page.locator("#id_description").fill("新华街口有一堆垃圾，好几天没人清理了。")
    expect(page.locator("#description-count")).to_contain_text("19 / 4000")
    page.locator("#id_photos").set_input_files(
        files=[{"name": "street.jpg", "mimeType": "image/jpeg", "buffer": small_jpeg()}]
    )
    expect(page.locator("#photo-list img")).to_have_count(1)
    page.locator("#report-submit").click()

    page.wait_for_url(re.compile(r"/report/done/[A-Z2-9]{10}/$"))
    code = page.locator("#tracking-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{10}", code)
    event = Event.objects.get(tracking_code=code)
    assert event.grid.code == GRID and event.category.code == "0102" and event.photos.count() == 1
    assert (round(event.point.y, 6), round(event.point.x, 6)) == picked

    page.locator(f'a[href="/track/{code}/"]').click()
    page.wait_for_url(f"**/track/{code}/")
    badge = page.locator(".pub-status")
    expect(badge).to_have_text("待受理")
    expect(badge).to_have_attribute("data-status", "reported")
    expect(page.locator(".pub-case")).to_contain_text("暴露垃圾")
    expect(page.locator(".pub-timeline li")).to_have_count(1)
    page.screenshot(path="/tmp/e2e-public-track.png", full_page=True)

    # Back to the form for another problem nearby: a second case, not the first one again.
    page.go_back()
    page.go_back()
    page.wait_for_url(re.compile(r"/report/$"))
    if not page.locator("#id_lat").input_value():  # the browser may have reloaded the form
        page.locator("#use-location").click()
        expect(status).to_contain_text("新华社区第1网格")
        page.locator("#id_category").select_option(label="暴露垃圾")
    page.locator("#id_description").fill("旁边的路灯也坏了。")
    page.locator("#report-submit").click()
    page.wait_for_url(re.compile(r"/report/done/[A-Z2-9]{10}/$"))
    assert page.locator("#tracking-code").inner_text().strip() != code
    assert Event.objects.count() == 2
    assert page.problems == []


def test_a_point_outside_the_service_area_is_refused_before_sending(phone, transactional_db):
    page = phone
    page.goto("/report/")
    expect(page.locator("#report-map .leaflet-overlay-pane path").first).to_be_visible()
    # Somewhere west of the county: no grid there.
    page.evaluate("govgridReportMap.setView([26.0, 99.0], 12)")
    page.locator("#report-map").tap(position={"x": 200, "y": 150})
    expect(page.locator("#point-status .pub-point-error")).to_be_visible()
    page.locator("#id_category").select_option(label="暴露垃圾")
    page.locator("#id_description").fill("这里有垃圾")
    page.locator("#report-submit").click()
    expect(page).to_have_url(re.compile(r"/report/$"))
    expect(page.locator("#point-status .pub-point-error")).to_be_visible()
    assert Event.objects.count() == 0
    assert page.problems == []
