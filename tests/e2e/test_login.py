import re

from playwright.sync_api import expect

from tests.factories import PASSWORD, UserFactory


def test_demo_user_signs_in_and_sees_home(page, transactional_db):
    UserFactory(username="center", first_name="指挥中心值班员", roles=["command_center"])
    page.goto("/")  # residents' front door; staff sign in from it
    expect(page.get_by_role("heading", name="有什么可以帮您？")).to_be_visible()
    page.get_by_role("link", name="工作人员登录").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("heading", name="登录 GovGrid 网格治理平台")).to_be_visible()

    page.get_by_label("用户名").fill("center")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()

    expect(page.get_by_role("heading", name="欢迎，指挥中心值班员")).to_be_visible()
    expect(page.locator(".badge")).to_have_text(["指挥中心"])


def test_language_switch_to_english(page, transactional_db):
    page.goto("/accounts/login/")
    page.select_option("#lang-select", "en")
    expect(page.get_by_role("heading", name="Sign in to GovGrid")).to_be_visible()
