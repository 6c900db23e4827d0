"""The proxy loop over HTTP: the resident's form and tracking page, the worker's phone view, the
API, and jurisdiction isolation."""

import re

import pytest

from services.models import ProxyRequest
from services.services import proxy_request_create, proxy_transition

pytestmark = pytest.mark.django_db
PHONE = "13912345678"


def test_resident_files_worker_handles_resident_rates(client, home, gridworker):
    form = client.get("/services/proxy/", {"item": "MZ004", "lat": home.y, "lng": home.x})
    assert form.status_code == 200 and b'value="MZ004" selected' in form.content
    response = client.post(
        "/services/proxy/",
        {"item": "MZ004", "lat": home.y, "lng": home.x, "phone": PHONE, "name": "和秀英", "address": "新华街12号"},
    )
    assert response.status_code == 303
    code = re.search(r"/services/proxy/([A-Z0-9]+)/$", response["Location"]).group(1)
    request = ProxyRequest.objects.get(code=code)
    assert request.grid.code == "530702002001001"
    page = client.get(response["Location"])
    assert page.status_code == 200 and b'data-status="requested"' in page.content
    assert PHONE.encode() not in page.content and b"139****5678" not in page.content

    worker = client.__class__()
    worker.force_login(gridworker)
    tasks = worker.get("/m/proxy/")
    assert f'data-code="{code}"'.encode() in tasks.content
    assert b'id="proxy-tasks-link"' in worker.get("/m/").content
    detail = worker.get(f"/m/proxy/{code}/")
    assert detail.status_code == 200 and b"139****5678" in detail.content and PHONE.encode() not in detail.content
    shown = worker.post(f"/m/proxy/{code}/act/", {"action": "reveal_phone"})
    assert PHONE.encode() in shown.content
    for data in (
        {"action": "accept"},
        {"action": "collect", "materials": ["居民身份证", "户口簿", "银行卡"]},
        {"action": "submit", "submitted_to": "大研街道便民服务中心"},
        {"action": "complete", "result": "已审核通过"},
    ):
        assert worker.post(f"/m/proxy/{code}/act/", data).status_code == 303, data
    bad = worker.post(f"/m/proxy/{code}/act/", {"action": "accept"})
    assert bad.status_code == 409 and b'id="action-error"' in bad.content

    page = client.get(f"/services/proxy/{code}/")
    assert b'data-status="completed"' in page.content and b'id="rate"' in page.content
    assert client.post(f"/services/proxy/{code}/", {"action": "rate", "satisfaction": "9"}).status_code == 400
    assert client.post(f"/services/proxy/{code}/", {"action": "rate", "satisfaction": "5"}).status_code == 303
    assert ProxyRequest.objects.get(code=code).satisfaction == 5
    assert client.post(f"/services/proxy/{code}/", {"action": "rate", "satisfaction": "4"}).status_code == 409
    assert client.get("/services/proxy/track/", {"code": code.lower()})["Location"].endswith(f"/{code}/")


def test_public_form_refuses_items_that_need_the_resident(client, home):
    response = client.post("/services/proxy/", {"item": "HJ002", "lat": home.y, "lng": home.x, "phone": PHONE})
    assert response.status_code == 400 and not ProxyRequest.objects.exists()
    response = client.post("/services/proxy/", {"item": "MZ004", "phone": PHONE})  # no place given
    assert response.status_code == 400 and not ProxyRequest.objects.exists()
    response = client.post("/services/proxy/", {"item": "MZ004", "community": "530702002001", "phone": ""})
    assert response.status_code == 400 and not ProxyRequest.objects.exists()
    response = client.post("/services/proxy/", {"item": "MZ004", "lat": 25.04, "lng": 102.71, "phone": PHONE})
    assert response.status_code == 400 and not ProxyRequest.objects.exists()
    assert client.get("/services/proxy/PNOSUCHONE/").status_code == 404


def test_public_form_is_rate_limited(client, settings):
    settings.PUBLIC_REPORT_RATE = 2
    for _ in range(2):
        client.post("/services/proxy/", {"item": "MZ004", "community": "530702002001", "phone": PHONE})
    response = client.post("/services/proxy/", {"item": "MZ004", "community": "530702002001", "phone": PHONE})
    assert response.status_code == 429 and ProxyRequest.objects.count() == 2


def test_public_api_create_track_rate(client, home, gridworker):
    created = client.post(
        "/api/v1/services/proxy/",
        {"item": "YB002", "lat": home.y, "lng": home.x, "phone": PHONE},
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "requested" and "phone" not in str(body).lower().replace("phone_", "")
    code = body["code"]
    assert client.get(f"/api/v1/services/proxy/{code}/").json()["timeline"][0]["action"] == "request"
    assert (
        client.post(
            f"/api/v1/services/proxy/{code}/rate/", {"satisfaction": 5}, content_type="application/json"
        ).status_code
        == 409
    )
    for payload, status in (
        ({"item": "NOPE", "community": "530702002001", "phone": PHONE}, 404),
        ({"item": "HJ002", "community": "530702002001", "phone": PHONE}, 400),
        ({"item": "YB002", "lat": 95, "lng": 100, "phone": PHONE}, 400),
        ({"item": "YB002", "community": "530702002001"}, 400),
        ({"item": "YB002", "lat": 26.9, "phone": PHONE}, 400),  # half a position
    ):
        assert client.post("/api/v1/services/proxy/", payload, content_type="application/json").status_code == status
    assert ProxyRequest.objects.count() == 1


def test_staff_api_actions_and_lists_are_scoped(client, home, gridworker, other_worker, township_center, other_center):
    request = proxy_request_create(item="MZ004", phone=PHONE, point=home)
    client.force_login(gridworker)
    url = f"/api/v1/services/proxy-requests/{request.code}/actions/"
    assert client.post(url, {"action": "accept"}, content_type="application/json").json()["status"] == "accepted"
    response = client.post(url, {"action": "collect", "materials": ["居民身份证"]}, content_type="application/json")
    assert response.json()["materials_collected"] == ["居民身份证"]
    assert (
        client.post(url, {"action": "submit", "submitted_to": "x"}, content_type="application/json").status_code == 409
    )
    assert client.post(url, {"action": "rate"}, content_type="application/json").status_code == 400
    listing = client.get("/api/v1/services/proxy-requests/").json()["results"]
    assert [r["code"] for r in listing] == [request.code] and listing[0]["phone_masked"] == "139****5678"

    client.force_login(other_worker)
    assert client.post(url, {"action": "decline", "reason": "x"}, content_type="application/json").status_code == 404
    assert client.get("/api/v1/services/proxy-requests/").json()["results"] == []
    assert client.get(f"/m/proxy/{request.code}/").status_code == 404
    assert client.post(f"/m/proxy/{request.code}/act/", {"action": "reveal_phone"}).status_code == 404

    client.force_login(other_center)
    assert client.get("/api/v1/services/proxy-requests/").json()["results"] == []
    assert client.get("/api/v1/services/stats/").json()["total"]["requests"] == 0
    client.force_login(township_center)
    assert [r["code"] for r in client.get("/api/v1/services/proxy-requests/").json()["results"]] == [request.code]
    declined = client.post(url, {"action": "decline", "reason": "老人已搬走"}, content_type="application/json")
    assert declined.json()["status"] == "declined"
    client.logout()
    assert client.get("/api/v1/services/proxy-requests/").status_code == 403


def test_manage_page_is_for_the_center(client, home, gridworker, township_center):
    request = proxy_request_create(item="MZ004", phone=PHONE, point=home)
    proxy_transition(request=request, action="accept", actor=gridworker)
    client.force_login(gridworker)
    assert client.get("/services/manage/").status_code == 403
    client.force_login(township_center)
    page = client.get("/services/manage/")
    assert page.status_code == 200 and f'data-code="{request.code}"'.encode() in page.content
    assert b'data-total-requests="1"' in page.content
    assert client.get("/services/manage/", {"by": "grid"}).status_code == 200


def test_list_and_map_endpoints_have_a_fixed_number_of_queries(
    client, home, township_center, grid, django_assert_max_num_queries
):
    from services.services import service_point_create

    for n in range(5):
        proxy_request_create(item="MZ004", phone=PHONE, point=home)
        service_point_create(
            actor=None, name=f"站{n}", kind="red_station", point=grid.label_point, hours_text="Daily 08:00-20:00"
        )
    near = {"lat": home.y, "lng": home.x}
    client.get("/api/v1/services/points/", near)  # the backend's spheroid is looked up once per connection
    with django_assert_max_num_queries(1):
        assert len(client.get("/api/v1/services/points.geojson").json()["features"]) == 5
    with django_assert_max_num_queries(1):
        assert len(client.get("/api/v1/services/points/", near).json()) == 5
    client.force_login(township_center)
    client.get("/api/v1/services/proxy-requests/")  # the session and the user's seats are read once
    with django_assert_max_num_queries(6):
        assert len(client.get("/api/v1/services/proxy-requests/").json()["results"]) == 5


def test_every_step_is_pushed_to_the_grid_and_its_ancestors(home, gridworker, django_capture_on_commit_callbacks):
    from tests.events.conftest import Listener

    listener = Listener("grid.530702002", "grid.530702001")
    with django_capture_on_commit_callbacks(execute=True):
        request = proxy_request_create(item="MZ004", phone=PHONE, point=home)
        proxy_transition(request=request, action="accept", actor=gridworker)
    got = listener.messages()
    assert [m["proxy"]["status"] for m in got] == ["requested", "accepted"]
    assert all(m["type"] == "proxy.updated" and m["proxy"]["grid"] == "530702002001001" for m in got)
    assert PHONE not in str(got)


@pytest.mark.parametrize("phone", ["12345", "123", "1391234567"])
def test_public_form_refuses_a_phone_no_one_can_call(client, phone):
    response = client.post(
        "/services/proxy/",
        {"item": "MZ004", "community": "530702002001", "phone": phone},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400 and not ProxyRequest.objects.exists()
    assert f"{phone} 不是电话号码。" in response.content.decode()


def test_public_form_without_a_map_requires_the_community_and_says_so(client, home):
    en = {"HTTP_ACCEPT_LANGUAGE": "en"}
    page = client.get("/services/proxy/", **en).content.decode()
    label = re.search(r'<label[^>]*for="id_community"[^>]*>(.*?)</label>', page, re.S).group(1)
    assert "optional" not in label and "required" in re.search(r'<select[^>]*id="id_community"[^>]*>', page).group(0)
    response = client.post("/services/proxy/", {"item": "MZ004", "phone": PHONE}, **en)
    text = response.content.decode()
    assert response.status_code == 400 and "Choose your community or village." in text
    assert "mark where you live on the map" not in text  # there is no map on this page
    # with a location from the near-me page the community may be left out
    page = client.get("/services/proxy/", {"lat": home.y, "lng": home.x}, **en).content.decode()
    label = re.search(r'<label[^>]*for="id_community"[^>]*>(.*?)</label>', page, re.S).group(1)
    assert "optional" in label and 'id="position-given"' in page


def test_worker_form_speaks_of_the_resident(client, gridworker):
    client.force_login(gridworker)
    en = {"HTTP_ACCEPT_LANGUAGE": "en"}
    page = client.get("/m/proxy/new/", **en).content.decode()
    assert "Resident&#x27;s community or village" in page and "Choose your community" not in page
    response = client.post("/m/proxy/new/", {"item": "YB002", "phone": PHONE}, **en)
    text = response.content.decode()
    assert response.status_code == 400 and "Choose the resident&#x27;s community or village." in text
    assert "where you live" not in text and not ProxyRequest.objects.exists()


def test_cancelling_needs_a_confirmation_and_the_page_then_says_cancelled(client):
    request = proxy_request_create(item="MZ004", phone=PHONE, community="530702002001")
    url = f"/services/proxy/{request.code}/"
    en = {"HTTP_ACCEPT_LANGUAGE": "en"}
    page = client.get(url, **en).content.decode()
    assert 'name="confirm"' in page and "rate it when it is done" in page and 'id="due"' in page
    assert '<dt id="place-label">Community / village</dt>' in page  # a community, not called a grid
    one_tap = client.post(url, {"action": "cancel"}, **en)
    assert one_tap.status_code == 400 and 'id="cancel-error"' in one_tap.content.decode()
    assert "Tick the box" in one_tap.content.decode()
    assert ProxyRequest.objects.get(pk=request.pk).status == "requested"
    assert client.post(url, {"action": "cancel", "confirm": "1"}).status_code == 303
    assert ProxyRequest.objects.get(pk=request.pk).status == "cancelled"
    page = client.get(url, **en).content.decode()
    assert 'id="cancelled-note"' in page and 'id="cancel-form"' not in page
    assert "rate it when it is done" not in page and 'id="due"' not in page and 'id="rate"' not in page


def test_cancelling_a_request_that_moved_on_is_refused_with_a_message(client, gridworker):
    request = proxy_request_create(item="MZ004", phone=PHONE, community="530702002001")
    for action in ("accept", "collect"):
        proxy_transition(request=request, action=action, actor=gridworker, materials=["居民身份证"])
    response = client.post(f"/services/proxy/{request.code}/", {"action": "cancel", "confirm": "1"})
    assert response.status_code in (400, 409) and 'id="cancel-error"' in response.content.decode()
    assert ProxyRequest.objects.get(pk=request.pk).status == "collected"
