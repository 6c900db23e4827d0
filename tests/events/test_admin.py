"""The case in Django admin: read-only, its history in people's words."""

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
