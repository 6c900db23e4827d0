import pytest
from django.contrib.auth.models import Group

from govgrid.permissions import ROLES
from tests.factories import PASSWORD, UserFactory


@pytest.mark.django_db
def test_role_groups_exist():
    assert set(Group.objects.filter(name__in=ROLES).values_list("name", flat=True)) == set(ROLES)


@pytest.mark.django_db
def test_admin_group_holds_every_permission():
    from django.contrib.auth.models import Permission

    assert Group.objects.get(name="admin").permissions.count() == Permission.objects.count()


@pytest.mark.django_db
def test_residents_find_a_front_door_and_staff_pages_still_need_sign_in(client):
    page = client.get("/")
    assert page.status_code == 200 and b'id="portal"' in page.content
    for url in ("/report/", "/track/", "/services/", "/services/proxy/", "/services/nearby/", "/wishes/"):
        assert f'href="{url}"'.encode() in page.content, url
        assert client.get(url).status_code == 200, url
    assert b'href="/accounts/login/"' in page.content
    response = client.get("/cases/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "roles, landing",
    [
        (["grid_worker"], "/m/"),
        (["department_staff"], "/m/"),
        (["command_center"], "/"),
        (["grid_worker", "admin"], "/"),
    ],
)
def test_sign_in_lands_where_the_role_works(client, roles, landing):
    UserFactory(username="lander", roles=roles)
    response = client.post("/accounts/login/", {"username": "lander", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == landing
    client.logout()
    response = client.post("/accounts/login/?next=/inbox/", {"username": "lander", "password": PASSWORD})
    assert response["Location"] == "/inbox/"  # an asked-for page wins


@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, title, roles_heading",
    [("zh-hans", "登录 GovGrid 网格治理平台", "我的角色"), ("en", "Sign in to GovGrid", "Your roles")],
)
def test_login_and_logout_in_both_languages(client, dispatcher, language, title, roles_heading):
    client.cookies["django_language"] = language
    page = client.get("/accounts/login/")
    assert title in page.content.decode()

    response = client.post("/accounts/login/", {"username": "dispatcher", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert roles_heading in response.content.decode()
    assert response.context["user"].username == "dispatcher"

    response = client.post("/accounts/logout/", follow=True)
    assert response.context["user"].is_anonymous
    assert client.get("/cases/").status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("language, message", [("zh-hans", "请输入一个正确的"), ("en", "Please enter a correct")])
def test_wrong_password_is_refused_in_the_users_language(client, dispatcher, language, message):
    client.cookies["django_language"] = language
    response = client.post("/accounts/login/", {"username": "dispatcher", "password": "wrong"})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_repeated_failures_lock_the_account(client, dispatcher, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "dispatcher", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "dispatcher", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_navigation_follows_the_role(client, dispatcher):
    admin = UserFactory(username="boss", roles=["admin"], is_staff=True)
    client.force_login(dispatcher)
    assert "/admin/" not in client.get("/").content.decode()
    client.force_login(admin)
    assert 'href="/admin/"' in client.get("/").content.decode()
    nobody = UserFactory(username="no-role", roles=[])  # e.g. a party member: no staff menus
    client.force_login(nobody)
    page = client.get("/").content.decode()
    assert 'href="/cases/"' not in page and 'href="/grids/"' not in page and 'href="/grids/map/"' not in page


@pytest.mark.django_db
def test_language_switch_sets_english(client, dispatcher):
    client.force_login(dispatcher)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    assert "Your roles" in response.content.decode()


@pytest.mark.django_db
def test_unknown_page_is_a_friendly_404(client, dispatcher):
    client.force_login(dispatcher)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy(client):
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy


@pytest.mark.django_db
def test_only_admin_pages_allow_inline_scripts(admin_client):
    assert (
        "'unsafe-inline'"
        not in admin_client.get("/").headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    )
    admin_policy = admin_client.get("/admin/").headers["Content-Security-Policy"]
    assert "'unsafe-inline'" in admin_policy.split("script-src")[1].split(";")[0]


@pytest.mark.django_db
def test_the_favicon_browsers_ask_for_is_found(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("img/favicon.svg")
