"""`event_transition`: every step of the closed loop through the service, and every step the table
refuses. Cases are brought to a status by legal steps (`case_in` in conftest)."""

import pytest

from events import worktime
from events.choices import Status
from events.models import Event
from events.services import EventError, event_transition
from events.workflow import ASSIGNEE, WORKFLOW

from .conftest import step_details

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

ALL_STATUSES = [s.value for s in Status]


def snapshot(event):
    """Everything stored about a case, and how long its log is."""
    return Event.objects.filter(pk=event.pk).values().get(), event.log.count()


def actions(event):
    return list(event.log.order_by("seq").values_list("action", flat=True))


def refused(excinfo, status, field=None):
    assert excinfo.value.status == status, excinfo.value.message
    assert excinfo.value.field == field


# --- the loop's branches ------------------------------------------------------------------------


def test_returned_case_is_redispatched_to_a_worker(case_in, center, department, gridworker):
    event = case_in("dispatched")
    event = event_transition(event=event, action="return", actor=department.clerk, reason="这是网格内的事")
    assert event.status == Status.RETURNED
    assert event.log.get(action="return").note == "这是网格内的事"

    event = event_transition(event=event, action="dispatch", actor=center, worker=gridworker)  # 改派
    assert event.status == Status.DISPATCHED
    assert (event.assignee_user, event.assignee_department) == (gridworker, None)
    assert event.log.order_by("-seq").first().data == {"worker": gridworker.get_full_name()}

    # The department that returned it is no longer on the case; the worker now is.
    with pytest.raises(EventError) as excinfo:
        event_transition(event=event, action="claim", actor=department.clerk)
    refused(excinfo, 404)
    event = event_transition(event=event, action="claim", actor=gridworker)
    assert event.status == Status.IN_PROGRESS and event.claimed_at is not None
    assert actions(event) == ["report", "accept", "dispatch", "return", "dispatch", "claim"]


def test_dispatch_to_a_worker_who_does_not_serve_the_grid_is_refused(case_in, center, other_worker):
    event = case_in("returned")
    before = snapshot(event)
    with pytest.raises(EventError) as excinfo:
        event_transition(event=event, action="dispatch", actor=center, worker=other_worker)
    refused(excinfo, 400, "worker")
    assert snapshot(event) == before


@pytest.mark.parametrize("targets", ["neither", "both"])
def test_dispatch_needs_exactly_one_department_or_worker(case_in, center, department, gridworker, targets):
    event = case_in("accepted")
    before = snapshot(event)
    details = {} if targets == "neither" else {"department": department, "worker": gridworker}
    with pytest.raises(EventError) as excinfo:
        event_transition(event=event, action="dispatch", actor=center, **details)
    refused(excinfo, 400, "department")
    assert snapshot(event) == before


def test_dispatch_to_an_inactive_department_is_refused(case_in, center, department):
    event = case_in("accepted")
    department.active = False
    department.save(update_fields=["active"])
    with pytest.raises(EventError) as excinfo:
        event_transition(event=event, action="dispatch", actor=center, department=department.pk)
    refused(excinfo, 400, "department")
    assert Event.objects.get(pk=event.pk).status == Status.ACCEPTED


def test_rework_counts_and_goes_back_in_progress(case_in, department, gridworker):
    event = case_in("resolved")
    event = event_transition(event=event, action="rework", actor=gridworker, reason="现场仍有垃圾")
    assert (event.status, event.rework_count) == (Status.IN_PROGRESS, 1)
    assert event.log.order_by("-seq").first().data == {"rework": 1}

    event = event_transition(event=event, action="resolve", actor=department.clerk, result="二次清运")
    event = event_transition(event=event, action="rework", actor=gridworker, reason="还是没清干净")
    assert (event.status, event.rework_count) == (Status.IN_PROGRESS, 2)
    assert Event.objects.get(pk=event.pk).rework_count == 2
    assert actions(event) == ["report", "accept", "dispatch", "claim", "resolve", "rework", "resolve", "rework"]


def test_extension_asked_and_approved_moves_the_deadline(case_in, center, department):
    event = case_in("in_progress")
    old_due = event.due_at
    event = event_transition(
        event=event, action="request_extension", actor=department.clerk, hours=8, reason="需要调车"
    )
    assert (event.extension_requested_hours, event.due_at) == (8, old_due)

    event = event_transition(event=event, action="approve_extension", actor=center)
    # The deadline was still ahead, so the 8 working hours are added to it.
    assert event.due_at == worktime.deadline(old_due, 8, "work_hours")
    assert event.due_at > old_due
    assert (event.extension_count, event.extension_requested_hours, event.status) == (1, None, Status.IN_PROGRESS)
    stored = Event.objects.get(pk=event.pk)
    assert (stored.due_at, stored.extension_count) == (event.due_at, 1)

    # Approving again without a new request is refused.
    with pytest.raises(EventError) as excinfo:
        event_transition(event=event, action="approve_extension", actor=center)
    refused(excinfo, 409)
    assert Event.objects.get(pk=event.pk).extension_count == 1


@pytest.mark.parametrize("hours", [0, 721, "eight", -3])
def test_extension_hours_out_of_range_are_refused(case_in, department, hours):
    event = case_in("in_progress")
    before = snapshot(event)
    with pytest.raises(EventError) as excinfo:
        event_transition(event=event, action="request_extension", actor=department.clerk, hours=hours, reason="x")
    refused(excinfo, 400, "hours")
    assert snapshot(event) == before


def test_reject_with_reason(case_in, center):
    event = case_in("reported")
    event = event_transition(event=event, action="reject", actor=center, reason="不属于受理范围")
    assert event.status == Status.REJECTED
    row = event.log.order_by("-seq").first()
    assert (row.action, row.from_status, row.to_status, row.note, row.actor) == (
        "reject",
        "reported",
        "rejected",
        "不属于受理范围",
        center,
    )


def test_merge_into_another_case(case_in, report, center):
    target = report(description="已有的案件")
    event = case_in("reported")
    event = event_transition(event=event, action="merge", actor=center, into=target.number)
    assert (event.status, event.merged_into) == (Status.MERGED, target)
    assert event.log.order_by("-seq").first().data == {"into": target.number}
    assert list(target.merged_events.all()) == [event]


@pytest.mark.parametrize("into", ["self", "unknown", "rejected", "merged"])
def test_merge_into_an_unusable_case_is_refused(case_in, report, center, into):
    event = case_in("reported")
    number = {
        "self": lambda: event.number,
        "unknown": lambda: "209901019999",
        "rejected": lambda: case_in("rejected").number,
        "merged": lambda: case_in("merged").number,
    }[into]()
    before = snapshot(event)
    with pytest.raises(EventError) as excinfo:
        event_transition(event=event, action="merge", actor=center, into=number)
    refused(excinfo, 400, "into")
    assert snapshot(event) == before


def test_center_resolves_an_accepted_case_itself(case_in, center, gridworker):
    event = case_in("accepted")
    event = event_transition(event=event, action="resolve", actor=center, result="电话协调物业已清理")
    assert (event.status, event.result) == (Status.RESOLVED, "电话协调物业已清理")
    assert event.resolved_at is not None and event.dispatched_at is None
    assert (event.assignee_user, event.assignee_department) == (None, None)
    event = event_transition(event=event, action="close", actor=gridworker)  # verified by someone else
    assert event.status == Status.CLOSED and event.closed_at >= event.resolved_at
    assert actions(event) == ["report", "accept", "resolve", "close"]


def test_accept_takes_level_and_category(case_in, center):
    event = case_in("reported")
    event = event_transition(event=event, action="accept", actor=center, category="0101")
    assert (event.category.code, event.level) == ("0101", 2)  # 私搭乱建: level 2 by default
    assert event.due_at > event.created_at
    event2 = case_in("reported")
    event2 = event_transition(event=event2, action="accept", actor=center, level=1)
    assert (event2.category.code, event2.level) == ("0102", 1)


@pytest.mark.parametrize(
    "details, field", [({"level": 4}, "level"), ({"category": "01"}, "category"), ({"category": "9999"}, "category")]
)
def test_accept_with_bad_level_or_category_is_refused(case_in, center, details, field):
    event = case_in("reported")
    before = snapshot(event)
    with pytest.raises(EventError) as excinfo:
        event_transition(event=event, action="accept", actor=center, **details)
    refused(excinfo, 400, field)
    assert snapshot(event) == before


def test_escalate_one_level_at_a_time_and_refused_at_the_top(case_in, center):
    event = case_in("in_progress")
    for level in (1, 2, 3):  # unit grid → community → township → county
        event = event_transition(event=event, action="escalate", actor=center, reason=f"第{level}次升级")
        assert (event.escalation_level, event.status) == (level, Status.IN_PROGRESS)
        assert event.log.order_by("-seq").first().data == {"escalation_level": level}
    before = snapshot(event)
    with pytest.raises(EventError) as excinfo:
        event_transition(event=event, action="escalate", actor=center, reason="再升级")
    refused(excinfo, 409)
    assert snapshot(event) == before
    assert snapshot(event)[0]["escalation_level"] == 3


def test_unknown_action_is_refused(case_in, center):
    event = case_in("reported")
    before = snapshot(event)
    with pytest.raises(EventError) as excinfo:
        event_transition(event=event, action="delete", actor=center)
    refused(excinfo, 400)
    assert "delete" in excinfo.value.message
    assert snapshot(event) == before


# --- the whole table ----------------------------------------------------------------------------


def _act(event, action, *, center, department, report):
    """Take `action` with an actor who holds a role the table lets take it, and valid details."""
    details = step_details(
        action, department=department, into=report(description="另一件").number if action == "merge" else None
    )
    if action == "rate":
        return event_transition(event=event, action=action, actor=None, tracking_code=event.tracking_code, **details)
    if action == "mark_overdue":
        return event_transition(event=event, action=action, actor=None, **details)
    if WORKFLOW[action].who == {ASSIGNEE}:
        return event_transition(event=event, action=action, actor=department.clerk, **details)
    return event_transition(event=event, action=action, actor=center, **details)


LEGAL = [(action, source) for action, step in WORKFLOW.items() for source in step.sources]
ILLEGAL = [
    (action, status) for action, step in WORKFLOW.items() for status in ALL_STATUSES if status not in step.sources
]


def test_the_table_is_covered():
    assert len(LEGAL) + len(ILLEGAL) == len(WORKFLOW) * len(ALL_STATUSES) == 14 * 9


@pytest.mark.parametrize("action, source", LEGAL)
def test_every_legal_step_is_taken(case_in, center, department, report, action, source):
    event = case_in(source)
    if action == "approve_extension":
        event = event_transition(
            event=event, action="request_extension", actor=department.clerk, hours=4, reason="需要时间"
        )
    length = event.log.count()
    event = _act(event, action, center=center, department=department, report=report)
    target = WORKFLOW[action].target or source
    assert event.status == target == Event.objects.get(pk=event.pk).status
    assert event.log.count() == length + 1
    row = event.log.order_by("-seq").first()
    assert (row.action, row.from_status, row.to_status) == (action, source, target)


@pytest.mark.parametrize("action, status", ILLEGAL)
def test_every_illegal_step_is_refused(case_in, center, department, report, action, status):
    event = case_in(status)
    if WORKFLOW[action].who == {ASSIGNEE} and event.assignee_department_id is None:
        # Never dispatched: make the clerk the assignee anyway, so only the status stands in the way.
        Event.objects.filter(pk=event.pk).update(assignee_department=department)
    if action == "approve_extension":
        Event.objects.filter(pk=event.pk).update(extension_requested_hours=4)
    before = snapshot(event)
    with pytest.raises(EventError) as excinfo:
        _act(event, action, center=center, department=department, report=report)
    refused(excinfo, 409)
    assert snapshot(event) == before


REQUIRED = [(action, name) for action, step in WORKFLOW.items() for name in step.requires]


def test_required_details_are_the_documented_ones():
    assert sorted(REQUIRED) == sorted(
        [
            ("reject", "reason"),
            ("merge", "into"),
            ("return", "reason"),
            ("resolve", "result"),
            ("rework", "reason"),
            ("request_extension", "hours"),
            ("request_extension", "reason"),
            ("escalate", "reason"),
            ("rate", "satisfaction"),
        ]
    )


@pytest.mark.parametrize("missing", [None, ""], ids=["absent", "empty"])
@pytest.mark.parametrize("action, name", REQUIRED)
def test_a_missing_required_detail_is_a_400_naming_it(case_in, center, department, report, action, name, missing):
    event = case_in(WORKFLOW[action].sources[-1])
    details = step_details(
        action, department=department, into=report(description="另一件").number if action == "merge" else None
    )
    if missing is None:
        del details[name]
    else:
        details[name] = missing
    if action == "rate":
        actor, details["tracking_code"] = None, event.tracking_code
    else:
        actor = department.clerk if WORKFLOW[action].who == {ASSIGNEE} else center
    before = snapshot(event)
    with pytest.raises(EventError) as excinfo:
        event_transition(event=event, action=action, actor=actor, **details)
    refused(excinfo, 400, name)
    assert snapshot(event) == before
