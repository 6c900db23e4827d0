"""The loop as people live it: a reported case reaches a grid worker's phone, the worker claims,
resolves with a photo, the command center verifies it (not the worker who resolved it), and the
resident sees it closed with what was done, and rates it."""

import io
import re

from playwright.sync_api import expect

from events.choices import Source
from events.models import Event
from events.services import event_report, event_transition
from govgrid.demo import DEMO_PASSWORD, demo_users_create
from grids.models import Grid
from tests.conftest import import_county

GRID = "530702002001001"  # the demo worker's grid


def jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (40, 120, 200)).save(buf, "JPEG")
    return buf.getvalue()


def test_worker_resolves_on_the_phone_and_the_resident_rates(browser, live_server, transactional_db):
    import_county("530702")
    users = {u.username: u for u in demo_users_create()}
    spot = Grid.objects.get(code=GRID).boundary.point_on_surface
    event, _ = event_report(source=Source.PUBLIC_FORM, category="0102", description="巷口垃圾堆了三天", point=spot)
    event = event_transition(event=event, action="accept", actor=users["dayan"])
    event_transition(event=event, action="dispatch", actor=users["dayan"], worker=users["worker"])

    phone = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = phone.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill("worker")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto("/m/")
    page.get_by_text("巷口垃圾堆了三天").click()
    expect(page).to_have_url(re.compile(rf"/m/cases/{event.number}/$"))
    page.get_by_role("button", name="签收").click()
    expect(page.locator(".status")).to_have_text("处置中")
    page.locator(".action-resolve textarea[name=result]").fill("已清运并冲洗地面")
    page.locator(".action-resolve input[type=file]").set_input_files(
        {"name": "after.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
    )
    page.locator(".action-resolve button[type=submit]").click()
    expect(page.locator(".status")).to_have_text("已处置")
    expect(page.locator(".action-close")).to_have_count(0)  # who resolved it does not verify it
    phone.close()
    event_transition(event=event, action="close", actor=users["dayan"])  # the command center verifies

    event.refresh_from_db()
    assert event.status == "closed" and event.photos.filter(stage="after").count() == 1

    resident = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 390, "height": 844})
    page = resident.new_page()
    page.goto(f"/track/{event.tracking_code}/")
    expect(page.locator(".pub-status")).to_have_text("已结案")
    expect(page.get_by_alt_text("处置后照片")).to_be_visible()
    expect(page.locator("#handling-result")).to_have_text("已清运并冲洗地面")
    page.get_by_text("非常满意").click()
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_text("感谢您的评价。")).to_be_visible()
    resident.close()
    assert Event.objects.get(pk=event.pk).satisfaction == 5
