import pytest
from openpyxl import load_workbook

from events.models import Event
from tests.events.conftest import photo

pytestmark = pytest.mark.django_db


def test_case_list_filters_and_marks_overdue(client, center, report):
    first, second = report(), report(category="0103", description="渣土")
    Event.objects.filter(pk=second.pk).update(overdue=True)
    client.force_login(center)
    html = client.get("/cases/").content.decode()
    assert first.number in html and second.number in html and "row-overdue" in html
    html = client.get("/cases/", {"overdue": "1"}).content.decode()
    assert second.number in html and first.number not in html
    html = client.get("/cases/", {"category": "01", "q": "渣土"}).content.decode()
    assert second.number in html and first.number not in html
    assert client.get("/cases/", {"date_from": "garbage", "grid": "x"}).status_code == 200  # ignored, not a 500


def test_export_xlsx_has_the_filtered_cases(client, center, report):
    event = report()
    client.force_login(center)
    response = client.get("/cases/export.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    import io

    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[1][0] == event.number and len(rows) == 2


def test_intake_queue_flags_duplicates(client, center, report):
    first = report()
    second = report()
    assert second.possible_duplicate_of == first
    client.force_login(center)
    html = client.get("/cases/intake/").content.decode()
    assert first.number in html and f'href="/cases/{first.number}/"' in html


def test_case_page_walks_the_loop(client, center, report, department, gridworker):
    event = report(phone="13912345678")
    client.force_login(center)
    page = client.get(f"/cases/{event.number}/").content.decode()
    assert 'value="accept"' in page and "139****5678" in page and "13912345678" not in page
    client.post(f"/cases/{event.number}/act/", {"action": "accept", "level": "2"})
    client.post(f"/cases/{event.number}/act/", {"action": "dispatch", "department": department.pk})
    event.refresh_from_db()
    assert event.status == "dispatched" and event.level == 2
    client.force_login(department.clerk)
    client.post(f"/cases/{event.number}/act/", {"action": "claim"})
    response = client.post(
        f"/cases/{event.number}/act/", {"action": "resolve", "result": "已清运", "photos": [photo()]}, follow=True
    )
    assert "已清运" in response.content.decode()
    client.force_login(gridworker)
    client.post(f"/cases/{event.number}/act/", {"action": "close"})
    event.refresh_from_db()
    assert event.status == "closed" and event.photos.filter(stage="after").count() == 1


def test_refused_steps_show_the_reason(client, center, report):
    event = report()
    client.force_login(center)
    response = client.post(f"/cases/{event.number}/act/", {"action": "reject"}, follow=True)
    assert "reason" in response.content.decode() or "原因" in response.content.decode()
    event.refresh_from_db()
    assert event.status == "reported"


def test_phone_reveal_is_logged(client, center, report):
    event = report(phone="13912345678")
    client.force_login(center)
    response = client.post(f"/cases/{event.number}/act/", {"action": "reveal_phone"}, follow=True)
    assert "13912345678" in response.content.decode()
    assert event.log.filter(action="reveal_phone", actor=center).exists()


def test_open_redirect_is_refused(client, center, report):
    event = report()
    client.force_login(center)
    response = client.post(f"/cases/{event.number}/act/", {"action": "accept", "next": "https://evil.example/"})
    assert response["Location"] == f"/cases/{event.number}/"


def test_outside_jurisdiction_is_404(client, other_worker, report):
    event = report()
    client.force_login(other_worker)
    assert client.get(f"/cases/{event.number}/").status_code == 404
    assert client.post(f"/cases/{event.number}/act/", {"action": "accept"}).status_code == 404


def test_mobile_inbox_orders_overdue_first(client, center, report, gridworker):
    from events.services import event_transition

    a, b = report(), report(category="0103", description="渣土")
    for e in (a, b):
        e = event_transition(event=e, action="accept", actor=center)
        event_transition(event=e, action="dispatch", actor=center, worker=gridworker)
    Event.objects.filter(pk=b.pk).update(overdue=True)
    client.force_login(gridworker)
    html = client.get("/m/").content.decode()
    assert html.index(b.number) < html.index(a.number) and "task-overdue" in html
    page = client.get(f"/m/cases/{a.number}/").content.decode()
    assert 'value="claim"' in page and 'value="dispatch"' not in page


def test_worker_reports_and_resolves_on_the_spot(client, gridworker, spot):
    client.force_login(gridworker)
    response = client.post(
        "/m/report/",
        {
            "category": "0102",
            "description": "小广告",
            "lat": spot.y,
            "lng": spot.x,
            "on_spot": "1",
            "result": "已清除",
            "photos": [photo("before.jpg")],
            "after_photos": [photo("after.jpg")],
            "idempotency_key": "tok-1",
        },
    )
    event = Event.objects.get(idempotency_key="tok-1")
    assert response.status_code == 302 and event.status == "closed" and event.self_resolved
    assert event.source == "worker" and event.reporter == gridworker


def test_worker_report_errors_keep_the_form(client, gridworker, spot):
    client.force_login(gridworker)
    response = client.post("/m/report/", {"category": "0102", "description": "x", "lat": "", "lng": ""})
    assert response.status_code == 400 and not Event.objects.exists()


def test_staff_files_a_hotline_case_with_masked_caller(client, center, spot):
    client.force_login(center)
    assert client.get("/cases/new/").status_code == 200
    response = client.post(
        "/cases/new/",
        {
            "source": "hotline",
            "name": "王小明",
            "phone": "13700001234",
            "category": "0102",
            "description": "来电反映垃圾",
            "lat": spot.y,
            "lng": spot.x,
        },
    )
    event = Event.objects.get(source="hotline")
    assert response["Location"] == f"/cases/{event.number}/"
    assert event.reporter_name == "王**" and event.reporter_phone_masked == "137****1234" and event.callback_required
    bad = client.post(
        "/cases/new/", {"source": "public_form", "category": "0102", "description": "x", "lat": spot.y, "lng": spot.x}
    )
    assert bad.status_code == 400 and Event.objects.count() == 1


def test_only_command_center_enters_cases(client, gridworker):
    client.force_login(gridworker)
    assert client.get("/cases/new/").status_code == 403


def test_photos_are_served_only_to_those_who_see_the_case(client, center, other_worker, report):
    event = report(photos=[photo()])
    pid = event.photos.get().pk
    client.force_login(center)
    response = client.get(f"/cases/{event.number}/photos/{pid}/")
    assert response.status_code == 200 and b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    client.force_login(other_worker)
    assert client.get(f"/cases/{event.number}/photos/{pid}/").status_code == 404
    client.logout()
    assert client.get(f"/cases/{event.number}/photos/{pid}/").status_code == 302
