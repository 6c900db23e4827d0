"""Behaviour the design promises that an earlier version of the services did not deliver: each test
states the promise it keeps."""

import os

import pytest

from dispatch.models import SupervisionOrder
from events.choices import Source
from events.logchain import chain_problems
from events.models import EventLog
from events.services import EventError, event_report, event_transition, reporter_phone_reveal
from govgrid.models import Notification
from tests.conftest import seat
from tests.factories import UserFactory

from .conftest import photo

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords", "eager_celery", "media_root")]


def test_reassigning_a_log_row_to_another_account_is_detected(case_in, center, gridworker):
    """events/models.py `EventLog`: "editing, deleting or inserting any row breaks the chain". Since
    the chain covers `actor_label` and not the account, pointing a row's `actor` at another user
    (what audit queries such as "every reveal by this user" read) goes unnoticed. Only an account's
    deletion (the FK set to null) is legitimate."""
    event = case_in("closed")
    row = event.log.get(action="close")
    assert row.actor == gridworker
    EventLog.objects.filter(pk=row.pk).update(actor=center)
    assert any(p.startswith(f"{event.number} #{row.seq}") for p in chain_problems())


def test_the_department_that_returned_a_case_is_not_supervised_for_it(case_in, run_scan, department):
    """DESIGN.md: "returned 退单: assignee says not theirs"; the case waits for the center to
    dispatch it again (改派). Its reminder, overdue notice and supervision order (督办单) must not go
    to the department that returned it, which keeps `assignee_department` after `return`."""
    event = case_in("returned")
    run_scan(event.remind_at)
    run_scan(event.due_at)
    order = SupervisionOrder.objects.get(event=event)
    assert order.department != department
    assert order.addressee not in (department.head, department.clerk)
    members = [department.head.pk, department.clerk.pk]
    assert list(Notification.objects.filter(user_id__in=members).values_list("kind", flat=True)) == []


def test_the_department_that_returned_a_case_no_longer_sees_the_reporters_phone(case_in, department):
    """DESIGN.md: personal data is "shown whole only to roles that need it". After returning the case
    as not theirs, the department's members still hold the ASSIGNEE role on it and may reveal it."""
    event = case_in("returned", phone="13912345678")
    with pytest.raises(EventError) as excinfo:
        reporter_phone_reveal(event=event, actor=department.clerk)
    assert excinfo.value.status == 404


@pytest.mark.parametrize("who", ["party organiser", "command-center staff"])
def test_a_case_is_dispatched_only_to_a_field_worker_of_its_grid(case_in, center, who):
    """events/services.py `_on_dispatch`: "That worker does not serve this grid". A worker is a field
    role (grids.choices.FIELD_ROLES: "Roles that work in the field"); the check only asks whether the
    user's jurisdiction covers the grid, so any seat above it passes."""
    user = (
        seat(UserFactory(username="party-1", roles=["party_organiser"]), "530702002", "party_seat")
        if who == "party organiser"
        else seat(UserFactory(username="cc-2", roles=["command_center"]), "530702002", "command_seat")
    )
    event = case_in("accepted")
    with pytest.raises(EventError) as excinfo:
        event_transition(event=event, action="dispatch", actor=center, worker=user)
    assert (excinfo.value.status, excinfo.value.field) == (400, "worker")


def test_recategorising_at_acceptance_updates_the_suggested_department(case_in, center, department, other_department):
    """events/services.py `event_report`: the suggested department follows "the category's owner type
    and the grid". When the center corrects the category on acceptance (0102 garbage → 0403 illegal
    parking, owned by 公安交警), the suggestion still names the sanitation department."""
    event = case_in("reported")
    assert event.suggested_department == department
    event = event_transition(event=event, action="accept", actor=center, category="0403")
    assert event.category.code == "0403"
    assert event.suggested_department == other_department


def test_a_refused_on_the_spot_report_leaves_no_photo_files(spot, other_worker, media_root):
    """A refused report leaves nothing behind; `event_report` writes the before/after photos to storage
    and only then checks that the actor is a worker of the grid (403), so the rollback removes the
    rows but the image files of a report that was never filed stay on disk."""
    with pytest.raises(EventError) as excinfo:
        event_report(
            source=Source.WORKER,
            category="0102",
            description="路口有垃圾",
            point=spot,
            actor=other_worker,
            resolve_on_spot=True,
            photos=[photo("before.jpg")],
            after_photos=[photo("after.jpg")],
            result="已清理",
        )
    assert excinfo.value.status == 403
    assert [f for _, _, files in os.walk(media_root) for f in files] == []
