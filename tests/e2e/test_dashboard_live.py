"""The command center as it is watched: a case filed through the API appears on an open dashboard
(marker, feed, KPI tile) without a reload, over the real websocket."""

import socket
import threading
import time

import pytest
from playwright.sync_api import expect

from govgrid.demo import DEMO_PASSWORD, demo_users_create
from grids.models import Grid
from tests.conftest import import_county


@pytest.fixture
def asgi_server(transactional_db):
    """The whole ASGI application (HTTP + websockets) served by uvicorn in a thread, on the test
    database; static files from the finders, as the live server does."""
    import uvicorn
    from channels.routing import ProtocolTypeRouter
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from django.core.asgi import get_asgi_application

    from govgrid.asgi import application

    app = ProtocolTypeRouter(
        {
            "http": ASGIStaticFilesHandler(get_asgi_application()),
            "websocket": application.application_mapping["websocket"],
        }
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_a_new_case_reaches_the_open_dashboard_without_a_reload(browser, asgi_server):
    import_county("530702")
    demo_users_create()
    spot = Grid.objects.get(code="530702002001001").boundary.point_on_surface
    context = browser.new_context(base_url=asgi_server, locale="zh-CN", viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill("dayan")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto("/dashboard/")
    board = page.locator("#dashboard")
    expect(board).to_have_attribute("data-loaded", "1")
    expect(page.locator("#dash-conn")).to_have_attribute("data-state", "live")
    expect(board).to_have_attribute("data-markers", "0")
    expect(page.locator('#dash-proxy [data-proxy="requests"]')).to_have_text("0")  # the 代办 panel loaded
    tile = page.locator('.tile[data-kpi="reported_today"] b')
    expect(tile).to_have_text("0")
    page.evaluate("window.__sameDocument = true")

    response = page.request.post(
        "/api/v1/reports/",
        data={"category": "0102", "description": "巷口垃圾堆了三天", "lat": spot.y, "lng": spot.x},
    )
    assert response.status == 201, response.text()
    number = response.json()["number"]

    expect(board).to_have_attribute("data-markers", "1")
    expect(page.locator("#dash-feed li").first).to_contain_text(number)
    expect(tile).to_have_text("1")
    assert page.evaluate("window.__sameDocument") is True  # updated in place, never reloaded
    context.close()
