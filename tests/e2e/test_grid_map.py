import re

from playwright.sync_api import expect

from govgrid.demo import DEMO_PASSWORD, demo_users_create
from tests.conftest import import_county


def sign_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("欢迎"))).to_be_visible()


def test_command_center_opens_the_grid_map_and_a_grid_card(page, transactional_db):
    import_county("530702")
    demo_users_create()
    sign_in(page, "dayan")  # 大研街道 only
    page.goto("/grids/map/")
    unit_grids = page.locator(".leaflet-lv15-pane path")
    expect(unit_grids.first).to_be_visible(timeout=15000)
    count = unit_grids.count()
    assert 40 <= count <= 200  # 大研街道's unit grids, not the county's 600
    page.get_by_text("大研街道").first.wait_for()
    unit_grids.nth(count // 2).click(force=True)
    card = page.locator("#grid-card")
    expect(card.get_by_role("heading", level=2)).to_contain_text("网格")
    expect(card.locator("a.tel")).to_have_count(2)  # the grid chief and the full-time worker
    expect(card).to_contain_text("网格长")
    expect(card).to_contain_text("530702002")


def test_tree_expands_on_demand_and_searches_as_you_type(page, transactional_db):
    import_county("530702")
    demo_users_create()
    sign_in(page, "dayan")
    page.goto("/grids/")
    # The triangle opens the community (its unit grids load); the name links to the grid's page.
    page.locator("summary", has_text="新华社区居委会").click(position={"x": 4, "y": 8})
    expect(page.get_by_role("link", name="新华社区第1网格")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/grids/$"))
    page.get_by_placeholder(re.compile("按编码或名称搜索")).fill("七一")
    expect(page.locator("#grid-results")).to_contain_text("七一社区居委会")
    expect(page).to_have_url(re.compile(r"q=%E4%B8%83%E4%B8%80"))
