"""What staff read: a case history in admin in words, category names in their language."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_case_history_reads_as_steps_and_statuses_not_codes(admin_client, report, center):
    from events.services import event_transition

    event = event_transition(event=report(), action="accept", actor=center)
    page = admin_client.get(f"/admin/events/event/{event.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "EventLog object" not in html
    assert "待受理" in html and "已立案" in html  # statuses by their names, not reported/accepted
    assert ">accepted<" not in html and ">reported<" not in html
    assert admin_client.post(f"/admin/events/event/{event.pk}/change/", {}).status_code == 403  # read-only


def test_staff_pages_in_english_name_categories_in_english(client, report, center):
    from events.services import event_transition

    event = event_transition(event=report(), action="accept", actor=center)  # 0102 暴露垃圾
    client.force_login(center)
    client.cookies["django_language"] = "en"
    for url in ("/cases/", f"/cases/{event.number}/"):
        html = client.get(url).content.decode()
        assert "Exposed garbage" in html and "暴露垃圾" not in html, url
    feed = client.get("/api/v1/dashboard/?parts=figures,map").json()
    assert {e["category"] for e in feed["events"]} == {"Exposed garbage"}
    client.cookies["django_language"] = "zh-hans"
    assert "暴露垃圾" in client.get("/cases/").content.decode()


def test_category_choices_in_english_and_none_chosen_for_staff(client, center):
    client.force_login(center)
    client.cookies["django_language"] = "en"
    for url in ("/cases/", "/cases/new/", "/dashboard/stats/"):
        html = client.get(url).content.decode()
        assert "City appearance" in html, url
        assert "暴露垃圾" not in html and "市容环境" not in html, url
    client.cookies["django_language"] = "zh-hans"
    assert (
        '<select name="category" required><option value="">请选择类别</option>'
        in client.get("/cases/new/").content.decode()
    )
