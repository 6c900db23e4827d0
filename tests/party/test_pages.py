"""Pages and lists answer for who may use them (and refuse others), admin pages exist for every
model, the API lists are scoped, and the demo seeds a party dataset with a member login."""

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group

from party import models as party_models
from party import services
from tests.factories import UserFactory

from .conftest import photo

pytestmark = pytest.mark.django_db

ORGANISER_PAGES = [
    "/party/",
    "/party/orgs/",
    "/party/members/",
    "/party/units/",
    "/party/wishes/",
    "/party/activities/",
    "/party/evaluation/",
    "/party/evaluation/?year=abc",
]
API_LISTS = [
    "orgs",
    "members",
    "units",
    "items",
    "projects",
    "wishes",
    "activities",
    "records",
    "coverage",
    "evaluations",
]


def test_organiser_pages_answer_and_others_are_refused(client, organiser, gridworker, make_member, wish):
    member = make_member("m-pages2")
    w = wish()
    client.force_login(organiser)
    for url in ORGANISER_PAGES + [f"/party/members/{member.pk}/", f"/party/wishes/{w.number}/"]:
        assert client.get(url).status_code == 200, url
    client.force_login(gridworker)
    for url in ORGANISER_PAGES:
        assert client.get(url).status_code == 403, url
    client.logout()
    assert client.get("/party/").status_code == 302


def test_member_pages_answer_for_members_only(client, organiser, make_member, wish):
    member = make_member("m-phone-pages")
    w = wish()
    client.force_login(member.user)
    for url in ["/party/m/", "/party/m/hours/", "/party/m/activities/", f"/party/m/wishes/{w.number}/"]:
        assert client.get(url).status_code == 200, url
    page = client.get(f"/party/m/wishes/{w.number}/")
    assert b'id="claim-button"' in page.content
    assert client.post(f"/party/m/wishes/{w.number}/", {"action": "confirm"}).status_code == 302
    client.force_login(organiser)
    response = client.get("/party/m/")
    assert response.status_code == 403 and b'id="not-member"' in response.content


def test_the_completion_photo_is_served_only_within_the_jurisdiction(
    client, organiser, other_organiser, make_member, wish
):
    member = make_member("m-photo-view")
    w = services.wish_claim(actor=member.user, wish=wish())
    services.wish_complete(actor=member.user, wish=w, note="好了", hours="1", photo=photo())
    client.force_login(organiser)
    response = client.get(f"/party/wishes/{w.number}/photo/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    client.force_login(other_organiser)
    assert client.get(f"/party/wishes/{w.number}/photo/").status_code == 404


def test_every_api_list_answers(client, organiser):
    client.force_login(organiser)
    for name in API_LISTS:
        assert client.get(f"/api/v1/party/{name}/").status_code == 200, name
    client.logout()
    assert client.get("/api/v1/party/wishes/").status_code == 403


def test_every_party_model_has_an_admin_page(admin_client):
    for model in (m for m in vars(party_models).values() if isinstance(m, type) and getattr(m, "_meta", None)):
        if model._meta.app_label != "party" or model._meta.abstract:
            continue
        assert model in admin.site._registry, model
        url = f"/admin/party/{model._meta.model_name}/"
        assert admin_client.get(url).status_code == 200, url


def test_the_demo_seeds_a_party_dataset_with_a_member_login(client):
    from govgrid.demo import DEMO_PASSWORD, demo_users_create
    from party.demo import demo_party_create

    for name in ("admin", "command_center", "grid_worker", "department_staff", "party_organiser"):
        Group.objects.get_or_create(name=name)
    demo_users_create()
    from django.contrib.auth.hashers import make_password

    assert demo_party_create(password_hash=make_password(DEMO_PASSWORD)) == 30
    assert demo_party_create(password_hash=make_password(DEMO_PASSWORD)) == 0  # idempotent
    assert party_models.PartyMember.objects.filter(kind="serving").count() >= 5
    assert party_models.Unit.objects.count() == 3
    assert party_models.Wish.objects.filter(status="confirmed").count() == 1
    assert party_models.Activity.objects.count() == 1
    for username, page in (("member", "/party/m/"), ("party", "/party/")):
        client.post("/accounts/logout/")
        signed_in = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
        assert signed_in.status_code == 302, username
        assert client.get(page).status_code == 200, page


def test_a_nobody_gets_403_on_organiser_pages(client):
    client.force_login(UserFactory(username="nobody-party", roles=[]))
    assert client.get("/party/wishes/").status_code == 403


def test_a_member_without_a_role_finds_their_pages_in_the_menu(client, make_member):
    member = make_member("menu-member")
    client.force_login(member.user)
    assert 'href="/party/m/"' in client.get("/").content.decode()
    client.force_login(UserFactory(username="not-a-member", roles=[]))
    assert 'href="/party/m/"' not in client.get("/").content.decode()


def test_party_pages_use_the_party_words_in_chinese(client, organiser, make_member, wish):
    """A dispatched wish is 已派单 (a case is 已派遣), hours are service hours, and the activity list
    counts sign-ups while an activity's page gives their times."""
    member = make_member("m-words")
    w = services.wish_dispatch(actor=organiser, wish=wish(), member=member)
    client.force_login(organiser)
    zh = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
    page = client.get(f"/party/wishes/{w.number}/", **zh).content.decode()
    assert "已派单" in page and "已派遣" not in page
    members = client.get("/party/members/", **zh).content.decode()
    assert "<th>服务时长</th>" in members
    activities = client.get("/party/activities/", **zh).content.decode()
    assert "<th>报名人数</th>" in activities and "<th>计入时长</th>" in activities and "已报名" not in activities


def test_party_service_notes_are_not_called_case_handling(client, organiser, make_member, wish):
    member = make_member("m-words")
    w = services.wish_claim(actor=member.user, wish=wish())
    client.force_login(member.user)
    page = client.get(f"/party/m/wishes/{w.number}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "处置情况" not in page
    client.force_login(organiser)
    page = client.get(f"/party/members/{member.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "处置情况" not in page


def test_the_public_wish_inputs_use_the_public_form_styles(client):
    page = client.get("/wishes/").content.decode()
    for name in ("title", "name", "address"):
        assert re.search(rf'<input type="text" id="wish-{name}"', page), name
    assert 'class="pub-lookup" id="wish-lookup"' in page and 'class="pub-code-input"' in page


def test_a_member_without_a_staff_role_is_told_what_is_theirs_at_home(client, make_member):
    member = make_member("m-home")
    client.force_login(member.user)
    page = client.get("/").content.decode()
    assert "您是党员" in page and 'href="/party/m/"' in page
    assert "您还没有任何角色" not in page and "我的管辖范围" not in page
