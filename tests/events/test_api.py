import json

import pytest

from events.models import Event, EventPhoto
from tests.events.conftest import photo

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports/"


def body(spot, **over):
    data = {"category": "0102", "description": "垃圾堆放", "lat": spot.y, "lng": spot.x}
    data.update(over)
    return data


def test_public_report_json_creates_a_routed_case(client, spot):
    response = client.post(URL, json.dumps(body(spot, phone="13800001111")), content_type="application/json")
    assert response.status_code == 201
    data = response.json()
    event = Event.objects.get(tracking_code=data["tracking_code"])
    assert data["status"] == "reported" and data["grid"] == event.grid.name
    assert event.grid.code == "530702002001001" and event.source == "public_api"
    assert data["track_url"].endswith(f"/track/{event.tracking_code}/")


def test_public_report_multipart_with_photos(client, spot):
    response = client.post(URL, {**body(spot), "photos": [photo("a.jpg"), photo("b.png", fmt="PNG")]})
    assert response.status_code == 201, response.content
    event = Event.objects.get(tracking_code=response.json()["tracking_code"])
    assert EventPhoto.objects.filter(event=event, stage="report").count() == 2


def test_idempotency_key_makes_retries_safe(client, spot):
    first = client.post(URL, json.dumps(body(spot)), content_type="application/json", HTTP_IDEMPOTENCY_KEY="abc-1")
    again = client.post(URL, json.dumps(body(spot)), content_type="application/json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["tracking_code"] == again.json()["tracking_code"]
    assert Event.objects.filter(idempotency_key="abc-1").count() == 1


@pytest.mark.parametrize(
    "over, field",
    [
        ({"category": "9999"}, "category"),
        ({"category": "01"}, "category"),
        ({"lat": 39.9, "lng": 116.4}, "lat"),
        ({"lat": "north"}, "lat"),
        ({"lat": 95}, "lat"),
        ({"description": ""}, "description"),
        ({"description": "x" * 4001}, "description"),
        ({"phone": "call me maybe"}, "phone"),
    ],
)
def test_bad_reports_are_400_and_save_nothing(client, spot, over, field):
    before = Event.objects.count()
    response = client.post(URL, json.dumps(body(spot, **over)), content_type="application/json")
    assert response.status_code == 400
    assert field in json.dumps(response.json())
    assert Event.objects.count() == before


def test_non_image_upload_is_refused(client, spot):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("x.jpg", b"not really a jpeg", content_type="image/jpeg")
    response = client.post(URL, {**body(spot), "photos": [fake]})
    assert response.status_code == 400 and response.json()["field"] == "photos"
    assert not Event.objects.exists()


def test_malformed_json_is_400_not_500(client):
    response = client.post(URL, "{oops", content_type="application/json")
    assert response.status_code == 400


def test_rate_limit_per_address(client, spot, settings):
    settings.PUBLIC_REPORT_RATE = 2
    codes = [
        client.post(URL, json.dumps(body(spot)), content_type="application/json", REMOTE_ADDR="10.9.9.9").status_code
        for _ in range(3)
    ]
    assert codes == [201, 201, 429]
    assert (
        client.post(URL, json.dumps(body(spot)), content_type="application/json", REMOTE_ADDR="10.9.9.8").status_code
        == 201
    )


def test_public_tracking_has_no_personal_data(client, report):
    event = report(phone="13912345678", name="张三")
    data = client.get(f"/api/v1/reports/{event.tracking_code}/").json()
    assert data["status"] == "reported" and data["timeline"][0]["action"] == "report"
    text = json.dumps(data, ensure_ascii=False)
    assert "5678" not in text and "张" not in text
    assert client.get("/api/v1/reports/NOSUCHCODE/").status_code == 404


def test_categories_are_public(client):
    data = client.get("/api/v1/categories/").json()
    codes = {c["code"] for c in data}
    assert {"01", "0102", "0101"} <= codes
    assert next(c for c in data if c["code"] == "0102")["grid_can_resolve"] is True


def test_staff_list_detail_and_actions(client, center, report, department, django_assert_max_num_queries):
    event = report()
    client.force_login(center)
    listing = client.get("/api/v1/events/", {"status": "reported"}).json()
    assert [e["number"] for e in listing["results"]] == [event.number]
    detail = client.get(f"/api/v1/events/{event.number}/").json()
    assert detail["reporter_phone_masked"] == "" and detail["grid_code"] == event.grid.code
    accepted = client.post(
        f"/api/v1/events/{event.number}/actions/", {"action": "accept", "level": 2}, content_type="application/json"
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert accepted.json()["due_at"]
    dispatched = client.post(
        f"/api/v1/events/{event.number}/actions/",
        {"action": "dispatch", "department": department.pk},
        content_type="application/json",
    )
    assert dispatched.json()["assignee"] == department.name
    # Illegal steps answer with the reason and a status code; nothing changes.
    again = client.post(
        f"/api/v1/events/{event.number}/actions/", {"action": "accept"}, content_type="application/json"
    )
    assert again.status_code == 409
    assert (
        client.post(
            f"/api/v1/events/{event.number}/actions/", {"action": "fly"}, content_type="application/json"
        ).status_code
        == 400
    )
    with django_assert_max_num_queries(8):
        client.get("/api/v1/events/", {"limit": 50})


def test_staff_outside_the_jurisdiction_get_404(client, report, other_worker):
    event = report()
    client.force_login(other_worker)
    assert client.get(f"/api/v1/events/{event.number}/").status_code == 404
    assert (
        client.post(
            f"/api/v1/events/{event.number}/actions/", {"action": "accept"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert client.get("/api/v1/events/").json()["count"] == 0


@pytest.mark.parametrize("params", [{"date_from": "yesterday"}, {"grid": "abc"}])
def test_bad_list_filters_are_400(client, center, params):
    client.force_login(center)
    assert client.get("/api/v1/events/", params).status_code == 400
