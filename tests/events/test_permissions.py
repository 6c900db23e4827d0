"""Who may take which step on a case: roles from the workflow table, jurisdiction from seats.

Outside one's jurisdiction a case is absent (404); inside it, a step one's role may not take is a
403. The case is at 530702002001001 (大研街道 新华社区 第1网格), dispatched to the county's
sanitation department when the walk passes through dispatch."""

import pytest

from events.choices import Source, Status
from events.models import CallbackRecord, Event
from events.services import EventError, callback_record, event_transition, reporter_phone_reveal
from events.workflow import ASSIGNEE, CENTER, GRID, SYSTEM, WORKFLOW

from .conftest import step_details

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

ASSIGNED = {Status.DISPATCHED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED}  # RETURNED: see test_found_bugs

# The workflow roles each persona holds on the case, written out by hand from the seats in conftest.
PERSONAS = {
    "center": lambda status: {CENTER},  # command center of the township
    "county_center": lambda status: {CENTER},  # command center of the county, above it
    "other_center": lambda status: set(),  # command center of another township
    "gridworker": lambda status: {GRID},  # full-time worker of the case's grid
    "community_chief": lambda status: {GRID},  # grid chief of the community above the grid
    "neighbour_worker": lambda status: set(),  # worker of the next grid in the same community
    "other_worker": lambda status: set(),  # worker in another township
    "dept_clerk": lambda status: {ASSIGNEE} if status in ASSIGNED else set(),
    "other_dept_clerk": lambda status: set(),
    "nobody": lambda status: set(),  # signed in, no role, no seat
    "system": lambda status: {SYSTEM},  # actor=None: the deadline scan
}


@pytest.fixture
def people(
    center,
    county_center,
    other_center,
    gridworker,
    community_chief,
    neighbour_worker,
    other_worker,
    department,
    other_department,
    nobody,
):
    return {
        "center": center,
        "county_center": county_center,
        "other_center": other_center,
        "gridworker": gridworker,
        "community_chief": community_chief,
        "neighbour_worker": neighbour_worker,
        "other_worker": other_worker,
        "dept_clerk": department.clerk,
        "other_dept_clerk": other_department.clerk,
        "nobody": nobody,
        "system": None,
    }


def take(event, action, actor, department, report):
    details = step_details(
        action, department=department, into=report(description="另一件").number if action == "merge" else None
    )
    return event_transition(event=event, action=action, actor=actor, **details)


def snapshot(event):
    return Event.objects.filter(pk=event.pk).values().get(), event.log.count()


MATRIX = [(action, persona) for action in WORKFLOW for persona in PERSONAS]


@pytest.mark.parametrize("action, persona", MATRIX)
def test_role_and_jurisdiction_matrix(case_in, people, department, report, action, persona):
    """Each action from its first legal status, by each persona: 404 without any role on the case,
    403 with roles the table does not let take the step, done otherwise."""
    status = WORKFLOW[action].sources[0]
    event = case_in(status)
    if action == "approve_extension":
        event = event_transition(
            event=event, action="request_extension", actor=department.clerk, hours=4, reason="需要时间"
        )
    roles = PERSONAS[persona](status)
    before = snapshot(event)
    if not roles:
        expected = 404
    elif not roles & WORKFLOW[action].who:
        expected = 403
    else:
        expected = None
    if expected:
        with pytest.raises(EventError) as excinfo:
            take(event, action, people[persona], department, report)
        assert excinfo.value.status == expected, excinfo.value.message
        assert snapshot(event) == before
    else:
        event = take(event, action, people[persona], department, report)
        assert event.log.count() == before[1] + 1
        assert event.log.order_by("-seq").first().action == action


def test_a_worker_of_another_township_gets_404_on_every_action_and_every_write(
    case_in, other_worker, department, report
):
    for action, step in WORKFLOW.items():
        for status in step.sources:
            event = case_in(status)
            before = snapshot(event)
            with pytest.raises(EventError) as excinfo:
                take(event, action, other_worker, department, report)
            assert excinfo.value.status == 404, (action, status)
            assert snapshot(event) == before
    event = case_in("closed", source=Source.HOTLINE, phone="13912345678")
    with pytest.raises(EventError) as excinfo:
        callback_record(event=event, actor=other_worker, reached=True)
    assert excinfo.value.status == 404
    with pytest.raises(EventError) as excinfo:
        reporter_phone_reveal(event=event, actor=other_worker)
    assert excinfo.value.status == 404
    assert not CallbackRecord.objects.filter(event=event).exists()
    assert not event.log.filter(action__in=["callback", "reveal_phone"]).exists()


@pytest.mark.parametrize(
    "action, status", [("accept", "reported"), ("dispatch", "accepted"), ("reject", "reported"), ("merge", "reported")]
)
def test_a_grid_worker_cannot_accept_or_dispatch(case_in, gridworker, department, report, action, status):
    event = case_in(status)
    before = snapshot(event)
    with pytest.raises(EventError) as excinfo:
        take(event, action, gridworker, department, report)
    assert excinfo.value.status == 403
    assert snapshot(event) == before


def test_a_clerk_of_another_department_cannot_claim(case_in, other_department, department):
    event = case_in("dispatched")
    with pytest.raises(EventError) as excinfo:
        event_transition(event=event, action="claim", actor=other_department.clerk)
    assert excinfo.value.status == 404
    with pytest.raises(EventError) as excinfo:
        event_transition(event=event, action="return", actor=other_department.clerk, reason="不是我们的")
    assert excinfo.value.status == 404
    assert Event.objects.get(pk=event.pk).status == Status.DISPATCHED
    # The head of the assigned department may.
    assert event_transition(event=event, action="claim", actor=department.head).status == Status.IN_PROGRESS


def test_the_assignee_cannot_close_their_own_resolved_case(case_in, department):
    event = case_in("resolved")
    for member in (department.clerk, department.head):
        with pytest.raises(EventError) as excinfo:
            event_transition(event=event, action="close", actor=member)
        assert excinfo.value.status == 403
        with pytest.raises(EventError) as excinfo:
            event_transition(event=event, action="rework", actor=member, reason="我再弄一下")
        assert excinfo.value.status == 403
    assert Event.objects.get(pk=event.pk).status == Status.RESOLVED


def test_an_assignee_who_is_the_grid_worker_does_not_verify_their_own_result(case_in, center, gridworker):
    event = case_in("returned")
    event = event_transition(event=event, action="dispatch", actor=center, worker=gridworker)
    event = event_transition(event=event, action="claim", actor=gridworker)
    event = event_transition(event=event, action="resolve", actor=gridworker, result="已处理")
    with pytest.raises(EventError) as excinfo:
        event_transition(event=event, action="close", actor=gridworker)
    assert excinfo.value.status == 403
    event = event_transition(event=event, action="close", actor=center)  # the command center verifies
    assert event.status == Status.CLOSED
    row = event.log.order_by("-seq").first()
    assert (row.action, row.actor) == ("close", center)


def test_a_center_that_resolved_the_case_does_not_close_it_itself(case_in, center, gridworker):
    event = case_in("accepted")
    event = event_transition(event=event, action="resolve", actor=center, result="已协调")
    with pytest.raises(EventError) as excinfo:
        event_transition(event=event, action="close", actor=center)
    assert excinfo.value.status == 403
    assert event_transition(event=event, action="close", actor=gridworker).status == Status.CLOSED


# --- the public rating --------------------------------------------------------------------------


def test_public_rating_needs_the_right_tracking_code(case_in):
    event = case_in("closed")
    wrong = "ABCDEFGHJK" if event.tracking_code != "ABCDEFGHJK" else "ZZZZZZZZZZ"
    for code in (wrong, event.tracking_code.lower(), event.tracking_code[:-1]):
        with pytest.raises(EventError) as excinfo:
            event_transition(event=event, action="rate", actor=None, tracking_code=code, satisfaction=5)
        assert excinfo.value.status == 404, code
    assert Event.objects.get(pk=event.pk).satisfaction is None

    event = event_transition(
        event=event, action="rate", actor=None, tracking_code=event.tracking_code, satisfaction=4, comment="还行"
    )
    assert (event.satisfaction, event.rating_comment) == (4, "还行")
    row = event.log.order_by("-seq").first()
    assert (row.action, row.actor, row.data, row.from_status, row.to_status) == (
        "rate",
        None,
        {"satisfaction": 4},
        "closed",
        "closed",
    )


@pytest.mark.parametrize("status", ["reported", "accepted", "dispatched", "in_progress", "resolved"])
def test_public_rating_only_after_closing(case_in, status):
    event = case_in(status)
    with pytest.raises(EventError) as excinfo:
        event_transition(event=event, action="rate", actor=None, tracking_code=event.tracking_code, satisfaction=5)
    assert excinfo.value.status == 409
    assert Event.objects.get(pk=event.pk).satisfaction is None


def test_public_rating_only_once(case_in, center):
    event = case_in("closed")
    event_transition(event=event, action="rate", actor=None, tracking_code=event.tracking_code, satisfaction=2)
    length = event.log.count()
    for actor, code in ((None, event.tracking_code), (center, None)):
        with pytest.raises(EventError) as excinfo:
            event_transition(event=event, action="rate", actor=actor, tracking_code=code, satisfaction=5)
        assert excinfo.value.status == 409
    stored = Event.objects.get(pk=event.pk)
    assert (stored.satisfaction, stored.log.count()) == (2, length)


@pytest.mark.parametrize("satisfaction", [0, 6, "great"])
def test_rating_outside_one_to_five_is_refused(case_in, satisfaction):
    event = case_in("closed")
    with pytest.raises(EventError) as excinfo:
        event_transition(
            event=event, action="rate", actor=None, tracking_code=event.tracking_code, satisfaction=satisfaction
        )
    assert (excinfo.value.status, excinfo.value.field) == (400, "satisfaction")


def test_without_a_code_the_public_cannot_rate(case_in):
    event = case_in("closed")
    with pytest.raises(EventError) as excinfo:  # actor None without a code is the system, which may not rate
        event_transition(event=event, action="rate", actor=None, satisfaction=5)
    assert excinfo.value.status == 403


@pytest.mark.parametrize("source", [Source.HOTLINE, Source.PETITION])
def test_hotline_and_petition_cases_need_a_callback_before_rating(case_in, center, gridworker, source):
    event = case_in("closed", source=source, phone="13912345678")
    assert event.callback_required
    with pytest.raises(EventError) as excinfo:
        event_transition(event=event, action="rate", actor=None, tracking_code=event.tracking_code, satisfaction=5)
    assert excinfo.value.status == 409
    with pytest.raises(EventError) as excinfo:
        event_transition(event=event, action="rate", actor=center, satisfaction=5)
    assert excinfo.value.status == 409

    with pytest.raises(EventError) as excinfo:  # only the center calls back
        callback_record(event=event, actor=gridworker, reached=True)
    assert excinfo.value.status == 404
    record = callback_record(event=event, actor=center, reached=True, satisfaction=5, note="群众满意")
    assert (record.staff, record.reached, record.satisfaction) == (center, True, 5)
    row = event.log.order_by("-seq").first()
    assert (row.action, row.actor, row.data) == ("callback", center, {"reached": True, "satisfaction": 5})

    event = event_transition(event=event, action="rate", actor=None, tracking_code=event.tracking_code, satisfaction=5)
    assert event.satisfaction == 5


def test_a_public_form_case_needs_no_callback(case_in):
    event = case_in("closed")
    assert not event.callback_required
    assert (
        event_transition(
            event=event, action="rate", actor=None, tracking_code=event.tracking_code, satisfaction=3
        ).satisfaction
        == 3
    )


def test_callback_satisfaction_outside_one_to_five_is_refused(case_in, center):
    event = case_in("closed", source=Source.HOTLINE)
    with pytest.raises(EventError) as excinfo:
        callback_record(event=event, actor=center, reached=True, satisfaction=9)
    assert (excinfo.value.status, excinfo.value.field) == (400, "satisfaction")
    assert not CallbackRecord.objects.filter(event=event).exists()


# --- revealing the reporter's phone -------------------------------------------------------------


def test_the_center_sees_the_whole_phone_and_the_reveal_is_logged(case_in, center):
    event = case_in("accepted", phone="139-1234-5678")
    assert event.reporter_phone_masked == "139****5678"
    length = event.log.count()
    assert reporter_phone_reveal(event=event, actor=center) == "13912345678"
    assert event.log.count() == length + 1
    row = event.log.order_by("-seq").first()
    assert (row.action, row.actor, row.from_status, row.to_status) == ("reveal_phone", center, "accepted", "accepted")
    assert "13912345678" not in row.note + str(row.data)


def test_the_assigned_department_may_see_the_phone(case_in, department):
    event = case_in("in_progress", phone="13912345678")
    assert reporter_phone_reveal(event=event, actor=department.clerk) == "13912345678"
    assert event.log.filter(action="reveal_phone", actor=department.clerk).count() == 1


@pytest.mark.parametrize("persona", ["other_worker", "gridworker", "other_center", "other_dept_clerk", "nobody"])
def test_others_get_404_and_nothing_is_logged(case_in, people, persona):
    event = case_in("in_progress", phone="13912345678")
    length = event.log.count()
    with pytest.raises(EventError) as excinfo:
        reporter_phone_reveal(event=event, actor=people[persona])
    assert excinfo.value.status == 404
    assert event.log.count() == length
