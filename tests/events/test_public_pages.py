"""The public pages: the report form (/report/), its done page, and case tracking and rating
(/track/<code>/). No login anywhere; the tracking code is the only key."""

import re
import secrets

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from events.choices import PhotoStage, Source, Status
from events.models import Event, EventPhoto
from events.services import event_transition
from tests.events.conftest import GRID, photo

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    """The rate limit counts in the cache: every test starts with a clean count."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def form(spot):
    def _form(**overrides):
        data = {
            "category": "0102",
            "description": "路边有一堆垃圾没人清理",
            "lat": repr(spot.y),
            "lng": repr(spot.x),
            "address": "新华街 12 号门口",
            "phone": "13912345678",
            "name": "张三丰",
            "idempotency_key": secrets.token_urlsafe(24),
        }
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}

    return _form


def closed(event, *, center, department, gridworker):
    """Walk a case through the loop to closed, as staff would."""
    event = event_transition(event=event, action="accept", actor=center)
    event = event_transition(event=event, action="dispatch", actor=center, department=department)
    event = event_transition(event=event, action="claim", actor=department.clerk)
    event = event_transition(
        event=event, action="resolve", actor=department.clerk, result="已清运", photos=[photo("after.jpg")]
    )
    return event_transition(event=event, action="close", actor=gridworker)


# --- the form ----------------------------------------------------------------------------


def test_form_renders_in_chinese_by_default(client):
    response = client.get("/report/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert '<optgroup label="市容环境">' in html and ">暴露垃圾</option>" in html  # categories in Chinese
    assert "Exposed garbage" not in html
    assert 'type="file"' in html and 'accept="image/*"' in html and "multiple" in html and "capture" in html
    assert 'id="area-data"' in html and '"530702"' not in html  # the outline, not the grid codes
    assert re.search(r'name="idempotency_key" value="[\w-]{20,}"', html)
    assert "/static/vendor/leaflet/leaflet.js" in html and "http://" not in html.replace("http://www.w3.org", "")


def test_form_renders_in_english(client):
    response = client.get("/report/", **EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Report a problem" in html and "Use my location" in html and "Send report" in html
    assert '<optgroup label="City appearance">' in html and ">Exposed garbage</option>" in html
    assert "暴露垃圾" not in html


def test_each_form_gets_its_own_idempotency_key(client):
    keys = [
        re.search(r'name="idempotency_key" value="([\w-]+)"', client.get("/report/").content.decode())[1]
        for _ in range(2)
    ]
    assert keys[0] != keys[1]


def test_area_outline_is_the_root_grids_geojson(client):
    response = client.get("/report/")
    area = response.context["area"]
    roots = [f for f in area["features"] if f["properties"]["root"]]
    assert {f["properties"]["name"] for f in roots} == {"古城区", "嵩明县"}
    assert roots[0]["geometry"]["type"] in ("Polygon", "MultiPolygon")


# --- filing a report ---------------------------------------------------------------------


def test_valid_report_with_a_photo_files_one_case_in_the_right_grid(client, form):
    response = client.post("/report/", {**form(), "photos": [photo("street.jpg")]})
    assert response.status_code == 303
    event = Event.objects.get()
    assert response["Location"] == f"/report/done/{event.tracking_code}/"
    assert event.grid.code == GRID and event.category.code == "0102"
    assert event.source == Source.PUBLIC_FORM and event.status == Status.REPORTED
    assert event.address == "新华街 12 号门口" and event.reporter is None
    assert event.reporter_phone_masked == "139****5678" and event.reporter_name == "张**"
    assert list(event.photos.values_list("stage", flat=True)) == [PhotoStage.REPORT]

    done = client.get(response["Location"])
    assert done.status_code == 200
    html = done.content.decode()
    assert f'id="tracking-code" data-code="{event.tracking_code}">{event.tracking_code}<' in html
    assert f'href="/track/{event.tracking_code}/"' in html


def test_both_photo_pickers_add_up(client, form):
    response = client.post("/report/", {**form(), "photos": [photo("a.jpg"), photo("b.png", fmt="PNG")]})
    assert response.status_code == 303
    assert EventPhoto.objects.count() == 2


def test_the_same_idempotency_key_twice_files_one_case(client, form):
    data = form()
    first = client.post("/report/", {**data, "photos": [photo()]})
    second = client.post("/report/", {**data, "photos": [photo()]})
    assert first.status_code == second.status_code == 303
    assert first["Location"] == second["Location"]
    assert Event.objects.count() == 1 and EventPhoto.objects.count() == 1


def test_a_report_without_contact_details_is_fine(client, form):
    response = client.post("/report/", form(phone="", name="", address=""))
    assert response.status_code == 303
    event = Event.objects.get()
    assert event.reporter_phone_masked == "" and event.reporter_name == ""


@pytest.mark.parametrize(
    "overrides, files, message",
    [
        ({"category": "9999"}, [], "Choose what kind of problem it is from the list."),
        ({"category": "01"}, [], "Choose what kind of problem it is from the list."),  # a major class
        ({"lat": "39.9042", "lng": "116.4074"}, [], "This point lies outside the area this platform serves."),
        ({"lat": None, "lng": None}, [], "Tap the map to mark where the problem is."),
        ({"lat": "north", "lng": "100.2"}, [], "Tap the map to mark where the problem is."),
        ({"description": "   "}, [], "Describe the problem."),
        ({"description": "长" * 4001}, [], "The description is longer than 4,000 characters."),
        ({"phone": "call me"}, [], "callme is not a phone number."),
        (
            {},
            [SimpleUploadedFile("notes.jpg", b"just text", content_type="image/jpeg")],
            "notes.jpg is not a photo we can read (JPEG, PNG or WebP).",
        ),
        ({}, [photo(f"p{i}.jpg") for i in range(7)], "At most 6 photos."),
    ],
    ids=[
        "unknown-category",
        "major-class",
        "outside",
        "no-point",
        "bad-point",
        "empty-description",
        "long-description",
        "bad-phone",
        "not-an-image",
        "seven-photos",
    ],
)
def test_refused_reports_say_why_and_save_nothing(client, form, overrides, files, message):
    for f in files:
        f.seek(0)
    response = client.post("/report/", {**form(**overrides), "photos": files}, **EN)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html.replace("&#x27;", "'")
    assert 'class="field-error"' in html or 'class="pub-alert"' in html
    assert Event.objects.count() == 0 and EventPhoto.objects.count() == 0


def test_a_refused_form_keeps_what_was_typed_and_asks_for_the_photos_again(client, form, spot):
    data = form(description="   ", address="新华街口")
    response = client.post("/report/", {**data, "photos": [photo()]}, **EN)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'value="新华街口"' in html and f'value="{data["idempotency_key"]}"' in html
    assert 'name="lat" value="' in html  # the picked point comes back for the map
    assert "Attach your photos again" in html


def test_the_rate_limit_refuses_with_429_after_the_limit(client, form, settings):
    settings.PUBLIC_REPORT_RATE = 2
    codes = [client.post("/report/", form(), **EN).status_code for _ in range(3)]
    assert codes == [303, 303, 429]
    refused = client.post("/report/", form(), **EN)
    assert refused.status_code == 429 and refused["Retry-After"] == "3600"
    assert "Too many reports from this connection" in refused.content.decode()
    assert Event.objects.count() == 2
    assert client.get("/report/").status_code == 200  # looking at the form is never limited


def test_the_rate_limit_counts_per_address(client, form, settings):
    settings.PUBLIC_REPORT_RATE = 1
    assert client.post("/report/", form(), REMOTE_ADDR="10.0.0.1").status_code == 303
    assert client.post("/report/", form(), REMOTE_ADDR="10.0.0.1").status_code == 429
    assert client.post("/report/", form(), REMOTE_ADDR="10.0.0.2").status_code == 303


# --- tracking ----------------------------------------------------------------------------


def test_tracking_page_shows_the_case_and_never_personal_data(client, report, center, department, gridworker):
    event = report(phone="13912345678", name="张三丰", address="新华街 12 号门口", photos=[photo()])
    html = client.get(f"/track/{event.tracking_code}/", **EN).content.decode()
    assert 'data-status="reported"' in html and ">Reported</span>" in html and "#7b1fa2" in html
    assert "Exposed garbage" in html and "路边有一堆垃圾没人清理" in html
    assert "新华社区第1网格" in html and "Report received" in html
    for secret in ("13912345678", "139****5678", "张**", "张三丰", "新华街 12 号门口"):
        assert secret not in html

    event = closed(event, center=center, department=department, gridworker=gridworker)
    response = client.get(f"/track/{event.tracking_code}/", **EN)
    html = response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0") and "no-store" in response["Cache-Control"]
    assert 'data-status="closed"' in html
    labels = re.findall(r'class="pub-tl-label">([^<]+)<', html)
    assert labels == [
        "Report received",
        "Accepted as a case",
        "Sent to the unit responsible",
        "The unit responsible has taken it on",
        "Handled",
        "Checked on the spot and closed",
    ]
    after = event.photos.get(stage=PhotoStage.AFTER)
    photo_url = f"/track/{event.tracking_code}/photos/{after.pk}/"
    assert photo_url in html
    assert client.get(photo_url).status_code == 200
    # The reporter's own photos may show their surroundings: never public.
    report_photo = event.photos.get(stage="report")
    assert client.get(f"/track/{event.tracking_code}/photos/{report_photo.pk}/").status_code == 404
    for user in (center, department.head, department.clerk, gridworker):
        assert user.get_full_name() not in html and user.username not in html
    assert department.name not in html  # who handled it stays inside
    assert '<p class="pub-desc" id="handling-result">已清运</p>' in html  # what was done is the reporter's to know


def test_tracking_page_in_chinese_uses_chinese_category_names(client, report):
    event = report()
    html = client.get(f"/track/{event.tracking_code}/").content.decode()
    assert "暴露垃圾" in html and "Exposed garbage" not in html


def test_codes_are_found_in_any_case_and_from_the_lookup_form(client, report):
    event = report()
    assert client.get(f"/track/{event.tracking_code.lower()}/").status_code == 200
    response = client.get("/track/", {"code": f" {event.tracking_code[:5].lower()} {event.tracking_code[5:]} "})
    assert response.status_code == 302 and response["Location"] == f"/track/{event.tracking_code}/"
    empty = client.get("/track/", {"code": ""}, **EN)
    assert empty.status_code == 200 and "Enter your tracking code." in empty.content.decode()


def test_an_unknown_code_is_a_friendly_404(client, report):
    report()
    for url in ("/track/ZZZZZZZZZZ/", "/report/done/ZZZZZZZZZZ/"):
        response = client.get(url, **EN)
        assert response.status_code == 404
        html = response.content.decode()
        assert "We cannot find that report" in html and 'name="code"' in html
    response = client.post("/track/ZZZZZZZZZZ/", {"satisfaction": "5"}, **EN)
    assert response.status_code == 404


# --- rating ------------------------------------------------------------------------------


def test_an_open_case_cannot_be_rated(client, report):
    event = report()
    page = client.get(f"/track/{event.tracking_code}/", **EN).content.decode()
    assert 'name="satisfaction"' not in page
    response = client.post(f"/track/{event.tracking_code}/", {"satisfaction": "5"}, **EN)
    assert response.status_code == 409
    assert "cannot be" in response.content.decode()
    event.refresh_from_db()
    assert event.satisfaction is None and not event.log.filter(action="rate").exists()


def test_a_closed_case_is_rated_once(client, report, center, department, gridworker):
    event = closed(report(), center=center, department=department, gridworker=gridworker)
    url = f"/track/{event.tracking_code}/"
    page = client.get(url, **EN).content.decode()
    assert page.count('name="satisfaction"') == 5 and 'name="comment"' in page

    response = client.post(url, {"satisfaction": "4", "comment": "  处理得挺快  "}, **EN)
    assert response.status_code == 303 and response["Location"] == url
    event.refresh_from_db()
    assert event.satisfaction == 4 and event.rating_comment == "处理得挺快"
    page = client.get(url, **EN).content.decode()
    assert "Thank you for your rating." in page
    assert "Your rating" in page and "4 out of 5" in page and "处理得挺快" in page
    assert 'name="satisfaction"' not in page and "You rated the handling" in page

    again = client.post(url, {"satisfaction": "1"}, **EN)
    assert again.status_code == 409
    assert "This case has been rated already." in again.content.decode()
    event.refresh_from_db()
    assert event.satisfaction == 4 and event.log.filter(action="rate").count() == 1


@pytest.mark.parametrize("value", ["", "0", "6", "lots"])
def test_a_rating_must_be_1_to_5(client, report, center, department, gridworker, value):
    event = closed(report(), center=center, department=department, gridworker=gridworker)
    response = client.post(f"/track/{event.tracking_code}/", {"satisfaction": value}, **EN)
    assert response.status_code == 400
    assert "Rate from 1 to 5." in response.content.decode()
    event.refresh_from_db()
    assert event.satisfaction is None
