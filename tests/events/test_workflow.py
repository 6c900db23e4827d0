import pytest

from events.choices import Status
from events.services import event_transition

pytestmark = pytest.mark.django_db


def test_full_loop_through_services(report, center, department, gridworker, django_capture_on_commit_callbacks):
    event = report(phone="13912345678")
    assert event.status == Status.REPORTED and event.grid.code == "530702002001001"
    assert event.suggested_department == department
    assert event.reporter_phone_masked == "139****5678" and "13912345678" not in event.reporter_phone_encrypted
    event = event_transition(event=event, action="accept", actor=center)
    assert event.status == Status.ACCEPTED and event.due_at and event.level == 3
    event = event_transition(event=event, action="dispatch", actor=center, department=department)
    assert event.status == Status.DISPATCHED and event.assignee_department == department
    event = event_transition(event=event, action="claim", actor=department.clerk)
    assert event.status == Status.IN_PROGRESS and event.claimed_at
    event = event_transition(event=event, action="resolve", actor=department.clerk, result="已清运")
    assert event.status == Status.RESOLVED and event.result == "已清运"
    event = event_transition(event=event, action="close", actor=gridworker)
    assert event.status == Status.CLOSED and event.closed_at
    event = event_transition(
        event=event, action="rate", actor=None, tracking_code=event.tracking_code, satisfaction=5, comment="很快"
    )
    assert event.satisfaction == 5
    actions = list(event.log.order_by("seq").values_list("action", flat=True))
    assert actions == ["report", "accept", "dispatch", "claim", "resolve", "close", "rate"]
