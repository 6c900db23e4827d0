"""The reporter's phone: each reveal is one row of the personal-data audit trail (govgrid.audit)
besides the case's own log entry; a refused or rolled-back reveal leaves neither."""

import pytest
from django.db import transaction

from events.services import reporter_phone_reveal
from govgrid.models import PersonalDataAccess

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]
PHONE = "13912345678"


def test_a_reveal_on_the_case_page_is_one_audit_row(client, center, report):
    event = report(phone=PHONE)
    client.force_login(center)
    response = client.post(f"/cases/{event.number}/act/", {"action": "reveal_phone"}, follow=True)
    assert PHONE in response.content.decode()
    row = PersonalDataAccess.objects.get()
    assert (row.actor, row.username, row.kind, row.label, row.grid_code) == (
        center,
        "dayan-cc",
        PersonalDataAccess.Kind.CASE_REPORTER_PHONE,
        event.number,
        event.grid.code,
    )
    assert row.record == event and PHONE not in row.label
    assert event.log.filter(action="reveal_phone", actor=center).count() == 1  # the case's own history too


def test_the_assignee_reveal_is_recorded_as_theirs(case_in, department):
    event = case_in("in_progress", phone=PHONE)
    assert reporter_phone_reveal(event=event, actor=department.clerk) == PHONE
    assert list(PersonalDataAccess.objects.values_list("actor", "kind")) == [
        (department.clerk.pk, PersonalDataAccess.Kind.CASE_REPORTER_PHONE)
    ]


def test_refused_reveals_write_nothing(client, report, gridworker, other_worker):
    event = report(phone=PHONE)
    client.force_login(gridworker)  # sees the case (its grid) but may not call the reporter
    response = client.post(f"/cases/{event.number}/act/", {"action": "reveal_phone"}, follow=True)
    assert response.status_code == 200 and PHONE not in response.content.decode()
    client.force_login(other_worker)  # another township: the case is not there at all
    assert client.post(f"/cases/{event.number}/act/", {"action": "reveal_phone"}).status_code == 404
    assert not PersonalDataAccess.objects.exists()
    assert not event.log.filter(action="reveal_phone").exists()


def test_a_case_without_a_phone_reveals_nothing_to_record(center, report):
    event = report()
    assert reporter_phone_reveal(event=event, actor=center) == ""
    assert not PersonalDataAccess.objects.exists()


def test_a_rolled_back_reveal_leaves_no_row(center, report):
    """The row is written in the reveal's transaction, not on its own: when the work around the
    reveal fails and rolls back, the audit row goes with the case-log entry."""
    event = report(phone=PHONE)
    with pytest.raises(RuntimeError), transaction.atomic():
        assert reporter_phone_reveal(event=event, actor=center) == PHONE
        assert PersonalDataAccess.objects.count() == 1
        raise RuntimeError("the page could not be sent")
    assert not PersonalDataAccess.objects.exists()
    assert not event.log.filter(action="reveal_phone").exists()
