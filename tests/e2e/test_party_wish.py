"""A party member on the phone (390×844): finds a resident's wish in their community, takes it on,
completes it with a note, hours and a photo; the resident confirms it with the tracking code."""

import io
import re
from decimal import Decimal

from playwright.sync_api import expect

from govgrid.demo import DEMO_PASSWORD
from grids.models import Grid
from party import services
from party.choices import OrgKind
from party.models import PartyMember, Wish
from tests.conftest import import_county
from tests.factories import UserFactory

GRID = "530702002001001"


def jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 60, 40)).save(buf, "JPEG")
    return buf.getvalue()


def test_member_claims_and_completes_a_wish_on_the_phone(browser, live_server, transactional_db):
    import_county("530702")
    grid = Grid.objects.get(code=GRID)
    top = services.org_create(
        actor=None, name="大研街道党工委", kind=OrgKind.WORKING_COMMITTEE, grid=Grid.objects.get(code=GRID[:9])
    )
    branch = services.org_create(actor=None, name="新华第1网格党支部", kind=OrgKind.BRANCH, parent=top, grid=grid)
    user = UserFactory(username="member", password=DEMO_PASSWORD, roles=[])
    member = services.member_create(actor=None, name="和志华", org=branch, home_grid=grid, user=user)
    wish = services.wish_post(actor=None, title="帮忙修一下漏水的水龙头", grid=grid, phone="13900018888")

    phone = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = phone.new_page()
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill("member")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("button[type=submit]").click()
    page.goto("/party/m/")
    page.locator(f"#wishes-open li[data-wish='{wish.number}'] a").click()
    expect(page).to_have_url(re.compile(rf"/party/m/wishes/{wish.number}/$"))
    page.locator("#claim-button").click()
    expect(page.locator(".status[data-status]")).to_have_attribute("data-status", "claimed")
    page.locator("#complete-note").fill("已更换水龙头垫圈，不再漏水")
    page.locator("#complete-hours").fill("1.5")
    page.locator("#complete-photo").set_input_files({"name": "done.jpg", "mimeType": "image/jpeg", "buffer": jpeg()})
    # Nothing on the phone page is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("#complete-button").click()
    expect(page.locator(".status[data-status]")).to_have_attribute("data-status", "completed")
    expect(page.locator("#wish-waiting")).to_be_visible()
    page.goto("/party/m/")
    expect(page.locator(f"#wishes-mine li[data-wish='{wish.number}']")).to_be_visible()
    phone.close()

    stored = Wish.objects.get(pk=wish.pk)
    assert (stored.status, stored.assignee_member_id, stored.hours) == ("completed", member.pk, Decimal("1.5"))
    assert stored.completion_photo

    resident = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 390, "height": 844})
    page = resident.new_page()
    page.goto(f"/wishes/{wish.tracking_code}/")
    expect(page.locator(".wish-photo")).to_be_visible()
    page.locator("#confirm-form input[name=rating][value='5']").check()
    page.locator("#confirm-form button[type=submit]").click()
    expect(page.locator("#wish-rated")).to_be_visible()
    resident.close()
    assert PartyMember.objects.get(pk=member.pk).hours == Decimal("1.5")
