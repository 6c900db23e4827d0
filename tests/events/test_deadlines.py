"""`deadline_scan(now=...)`: a reminder before the deadline, and at the deadline one overdue mark, one
supervision order and one escalation, each exactly once however often the scan runs.

Cases are brought to a status through the services, then given a known acceptance time and deadline,
so that each scan's `now` is exact."""

import importlib
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from dispatch.models import Department, DepartmentMember, SupervisionOrder
from events import worktime
from events.choices import OVERDUE_COLOUR, Source, Status
from events.deadlines import deadline_scan
from events.logchain import chain_problems
from events.models import Category, DeadlineMark, Event
from events.services import event_report, event_transition
from govgrid.models import Notification, SmsMessage
from tests.conftest import import_county, seat
from tests.factories import UserFactory

from .conftest import GRID, SCAN_NOTHING, deadline_marks

pytestmark = pytest.mark.usefixtures("fast_passwords")

NOTHING = SCAN_NOTHING


def move_deadline(event, *, ago: timedelta):
    """Put the case's deadline `ago` in the past (its reminder time an hour before that)."""
    due = timezone.now().replace(microsecond=0) - ago
    Event.objects.filter(pk=event.pk).update(due_at=due, remind_at=due - timedelta(hours=1))
    return Event.objects.get(pk=event.pk)


def inbox(kind):
    """Recipients of notifications of one kind, with how many each got."""
    return Counter(Notification.objects.filter(kind=kind).values_list("user_id", flat=True))


# --- when: set with the deadline at acceptance --------------------------------------------------


def test_a_long_limit_is_reminded_24_hours_before(case_in):
    event = case_in("accepted", category="0101")  # 私搭乱建: 56 working hours
    assert event.due_at > event.accepted_at + timedelta(hours=56)
    assert event.remind_at == event.due_at - timedelta(hours=24)
    assert Event.objects.get(pk=event.pk).remind_at == event.remind_at


@pytest.mark.parametrize("code, hours", [("0102", 4), ("0104", 2), ("0301", 8)])
def test_a_short_limit_in_working_hours_is_reminded_at_half_of_them(case_in, code, hours):
    event = case_in("accepted", category=code)
    assert worktime.working_hours_between(event.accepted_at, event.due_at) == pytest.approx(hours, abs=0.01)
    assert worktime.working_hours_between(event.remind_at, event.due_at) == pytest.approx(hours / 2, abs=1e-6)
    assert event.accepted_at < event.remind_at < event.due_at


def test_an_emergency_limit_is_reminded_at_half_of_the_clock_hours(case_in):
    event = case_in("accepted", category="0501")  # 管道破裂: 3 hours on the clock
    assert event.due_at - event.remind_at == timedelta(hours=1, minutes=30)
    assert abs(event.remind_at - event.accepted_at - timedelta(hours=1, minutes=30)) < timedelta(seconds=5)


def test_an_approved_extension_sets_a_new_reminder(case_in, center, department):
    event = case_in("in_progress", category="0101")
    event_transition(event=event, action="request_extension", actor=department.clerk, hours=60, reason="等审批")
    event = event_transition(event=event, action="approve_extension", actor=center)
    assert event.remind_at == event.due_at - timedelta(hours=24)
    assert Event.objects.get(pk=event.pk).remind_at == event.remind_at


# --- reminders ----------------------------------------------------------------------------------


def test_a_reminder_24_hours_before_the_deadline_exactly_once(case_in, run_scan, department):
    event = case_in("in_progress", category="0101")
    due = event.due_at
    assert run_scan(due - timedelta(hours=24, seconds=1)) == NOTHING
    assert run_scan(due - timedelta(hours=24)) == dict(NOTHING, reminded=1)
    assert run_scan(due - timedelta(hours=23)) == NOTHING
    assert run_scan(due - timedelta(minutes=1)) == NOTHING
    assert deadline_marks(event) == [("reminder", due)]
    assert inbox("event.reminder") == {department.head.pk: 1, department.clerk.pk: 1}
    note = Notification.objects.get(kind="event.reminder", user=department.clerk)
    assert event.number in note.title and note.url == f"/cases/{event.number}/"
    stored = Event.objects.get(pk=event.pk)
    assert (stored.overdue, stored.escalation_level) == (False, 0)


def test_a_short_limit_is_reminded_once_at_half_time(case_in, run_scan, department):
    event = case_in("in_progress")  # 0102: 4 working hours
    assert run_scan(event.remind_at - timedelta(seconds=1)) == NOTHING
    assert run_scan(event.remind_at) == dict(NOTHING, reminded=1)
    assert run_scan(event.remind_at + timedelta(minutes=1)) == NOTHING
    assert run_scan(event.due_at - timedelta(seconds=1)) == NOTHING
    assert inbox("event.reminder") == {department.head.pk: 1, department.clerk.pk: 1}


def test_no_reminder_for_a_case_without_deadline_or_already_resolved(case_in, run_scan):
    reported = case_in("reported")
    assert (reported.due_at, reported.remind_at) == (None, None)
    resolved = case_in("resolved")
    assert run_scan(resolved.remind_at) == NOTHING
    assert run_scan(resolved.due_at - timedelta(seconds=1)) == NOTHING
    assert not DeadlineMark.objects.exists()


# --- at the deadline ----------------------------------------------------------------------------


def test_at_the_deadline_one_mark_one_order_one_escalation(case_in, run_scan, department, center):
    event = case_in("in_progress")
    due = event.due_at
    assert run_scan(due - timedelta(seconds=1)) == dict(NOTHING, reminded=1)
    assert not Event.objects.get(pk=event.pk).overdue

    assert run_scan(due) == {"reminded": 0, "overdue": 1, "supervised": 1, "escalated": 1}
    for later in (due + timedelta(minutes=1), due + timedelta(hours=1), due + timedelta(days=3)):
        assert run_scan(later) == NOTHING

    stored = Event.objects.get(pk=event.pk)
    assert (stored.status, stored.overdue, stored.escalation_level) == (Status.IN_PROGRESS, True, 1)
    assert stored.colour == OVERDUE_COLOUR
    assert deadline_marks(event) == [("escalation", due), ("overdue", due), ("reminder", due)]
    order = SupervisionOrder.objects.get(event=event)
    assert (order.deadline, order.department, order.addressee, order.status) == (
        due,
        department,
        department.head,
        "open",
    )
    assert event.number in order.reason
    rows = list(stored.log.order_by("seq").values_list("action", "actor", "from_status", "to_status"))
    assert rows[-2:] == [
        ("mark_overdue", None, "in_progress", "in_progress"),
        ("escalate", None, "in_progress", "in_progress"),
    ]
    assert [r[0] for r in rows].count("mark_overdue") == 1 and [r[0] for r in rows].count("escalate") == 1

    # One inbox entry per recipient and kind: the assignees are told it is overdue, the head gets
    # the supervision order, the center above the grid hears of the escalation.
    assert inbox("event.mark_overdue") == {department.head.pk: 1, department.clerk.pk: 1}
    assert inbox("supervision") == {department.head.pk: 1}
    assert inbox("event.escalate") == {center.pk: 1}
    assert chain_problems() == []


def test_the_supervision_order_is_also_sent_by_sms_once(case_in, run_scan, department):
    seat(department.head, "530702", "department_seat")
    department.head.memberships.update(phone="13800000001")
    event = case_in("in_progress")
    run_scan(event.due_at)
    run_scan(event.due_at + timedelta(minutes=1))
    sms = SmsMessage.objects.get()
    assert (sms.phone, sms.status, sms.attempts) == ("13800000001", "sent", 1)
    assert event.number in sms.body


@pytest.mark.parametrize("chief_at", ["grid", "community"])
def test_an_overdue_case_no_department_holds_is_supervised_through_the_nearest_grid_chief(case_in, run_scan, chief_at):
    community_chief = seat(UserFactory(username="chief-c", roles=["grid_worker"]), GRID[:12], "grid_chief")
    grid_chief = (
        seat(UserFactory(username="chief-g", roles=["grid_worker"]), GRID, "grid_chief") if chief_at == "grid" else None
    )
    nearest = grid_chief or community_chief
    event = case_in("accepted")  # accepted, never dispatched
    assert run_scan(event.due_at)["supervised"] == 1
    order = SupervisionOrder.objects.get(event=event)
    assert (order.department, order.addressee) == (None, nearest)
    assert inbox("supervision") == {nearest.pk: 1}


def test_one_second_before_the_deadline_is_not_overdue(case_in, run_scan):
    event = case_in("in_progress")
    run_scan(event.due_at - timedelta(seconds=1))
    assert not Event.objects.get(pk=event.pk).overdue
    assert not SupervisionOrder.objects.exists()
    assert not DeadlineMark.objects.filter(kind__in=["overdue", "escalation"]).exists()


@pytest.mark.parametrize("status", ["resolved", "closed"])
def test_a_resolved_or_closed_case_is_not_marked_overdue(case_in, run_scan, status):
    event = move_deadline(case_in(status), ago=timedelta(hours=28))
    length = event.log.count()
    assert run_scan(timezone.now()) == NOTHING
    stored = Event.objects.get(pk=event.pk)
    assert (stored.overdue, stored.escalation_level, stored.log.count()) == (False, 0, length)
    assert not SupervisionOrder.objects.exists() and not DeadlineMark.objects.exists()


@pytest.mark.parametrize("status", ["accepted", "dispatched", "returned", "in_progress"])
def test_every_open_status_with_a_deadline_goes_overdue(case_in, run_scan, status):
    event = case_in(status)
    assert run_scan(event.due_at) == {"reminded": 0, "overdue": 1, "supervised": 1, "escalated": 1}
    assert Event.objects.get(pk=event.pk).overdue


def test_at_the_top_level_the_overdue_case_is_supervised_but_not_escalated(case_in, run_scan, center):
    event = case_in("in_progress")
    for _ in range(3):
        event_transition(event=event, action="escalate", actor=center, reason="升级")
    assert run_scan(event.due_at) == {"reminded": 0, "overdue": 1, "supervised": 1, "escalated": 0}
    assert run_scan(event.due_at + timedelta(hours=1)) == NOTHING
    stored = Event.objects.get(pk=event.pk)
    assert (stored.overdue, stored.escalation_level) == (True, 3)
    assert stored.log.filter(action="escalate").count() == 3
    assert SupervisionOrder.objects.filter(event=event).count() == 1


def test_an_extension_after_overdue_clears_it_and_the_new_deadline_is_watched_again(
    case_in, run_scan, center, department
):
    event = move_deadline(case_in("in_progress"), ago=timedelta(hours=8))  # no scan ran before it
    first_due = event.due_at
    assert run_scan(timezone.now())["overdue"] == 1
    event = event_transition(event=event, action="request_extension", actor=department.clerk, hours=8, reason="等材料")
    assert event.overdue  # asking is not enough
    event = event_transition(event=event, action="approve_extension", actor=center)
    stored = Event.objects.get(pk=event.pk)
    assert (stored.overdue, stored.extension_count) == (False, 1)
    assert timezone.now() < stored.remind_at < stored.due_at
    second_due = stored.due_at

    # The new deadline gets its own reminder, overdue mark, supervision order and escalation.
    assert run_scan(stored.remind_at - timedelta(seconds=1)) == NOTHING
    assert run_scan(stored.remind_at) == dict(NOTHING, reminded=1)
    assert run_scan(second_due) == {"reminded": 0, "overdue": 1, "supervised": 1, "escalated": 1}
    assert run_scan(second_due + timedelta(hours=1)) == NOTHING
    stored = Event.objects.get(pk=event.pk)
    assert (stored.overdue, stored.escalation_level) == (True, 2)
    assert sorted(SupervisionOrder.objects.filter(event=event).values_list("deadline", flat=True)) == [
        first_due,
        second_due,
    ]
    assert deadline_marks(event) == sorted(
        [
            ("overdue", first_due),
            ("escalation", first_due),
            ("reminder", second_due),
            ("overdue", second_due),
            ("escalation", second_due),
        ]
    )
    assert inbox("supervision") == {department.head.pk: 2}
    assert inbox("event.reminder") == {department.head.pk: 1, department.clerk.pk: 1}


def test_a_reminded_deadline_that_is_extended_is_reminded_again(case_in, run_scan, center, department):
    event = case_in("in_progress")
    assert run_scan(event.remind_at) == dict(NOTHING, reminded=1)
    first_due = event.due_at
    event_transition(event=event, action="request_extension", actor=department.clerk, hours=16, reason="等材料")
    event = event_transition(event=event, action="approve_extension", actor=center)
    assert event.due_at > first_due and event.remind_at > first_due
    assert run_scan(event.remind_at - timedelta(seconds=1)) == NOTHING
    assert run_scan(event.remind_at) == dict(NOTHING, reminded=1)
    assert run_scan(event.remind_at + timedelta(minutes=5)) == NOTHING
    assert deadline_marks(event) == [("reminder", first_due), ("reminder", event.due_at)]
    assert inbox("event.reminder") == {department.head.pk: 2, department.clerk.pk: 2}


def test_several_cases_in_one_scan(case_in, run_scan):
    a = move_deadline(case_in("in_progress"), ago=timedelta(hours=2))
    b = move_deadline(case_in("dispatched"), ago=timedelta(minutes=1))
    c = case_in("in_progress")  # due hours from now, its reminder not yet due either
    assert run_scan(timezone.now()) == {"reminded": 0, "overdue": 2, "supervised": 2, "escalated": 2}
    assert {e.pk: e.overdue for e in Event.objects.filter(pk__in=[a.pk, b.pk, c.pk])} == {
        a.pk: True,
        b.pk: True,
        c.pk: False,
    }


# --- two scans at the same instant, on PostgreSQL -----------------------------------------------


def _seed_categories():
    """A transactional test may start after another one flushed the seeded catalogue."""
    if not Category.objects.filter(code="0102").exists():
        importlib.import_module("events.migrations.0003_seed_categories").seed(apps, None)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_scans_act_once_per_case(eager_celery):
    assert connection.vendor == "postgresql"
    import_county("530702")
    _seed_categories()
    from grids.models import Grid

    grid = Grid.objects.get(code="530702002001001")
    center = seat(UserFactory(username="race-cc", roles=["command_center"]), "530702002")
    department = Department.objects.create(
        name="环卫站", type="环境卫生", level=3, area=Grid.objects.get(code="530702")
    )
    clerk = UserFactory(username="race-clerk", roles=["department_staff"])
    DepartmentMember.objects.create(department=department, user=clerk, is_head=True)

    cases = []
    for i in range(8):
        event, _ = event_report(
            source=Source.PUBLIC_FORM, category="0102", description=f"垃圾{i}", point=grid.boundary.point_on_surface
        )
        event = event_transition(event=event, action="accept", actor=center)
        event = event_transition(event=event, action="dispatch", actor=center, department=department)
        event = event_transition(event=event, action="claim", actor=clerk)
        cases.append(event)
    now = timezone.now()
    Event.objects.filter(pk__in=[e.pk for e in cases]).update(
        due_at=now - timedelta(minutes=5), remind_at=now - timedelta(hours=1)
    )

    barrier = threading.Barrier(2, timeout=30)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(deadline_scan(now=now))
        except Exception as exc:  # reported below: a thread's exception would otherwise vanish
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [] and len(results) == 2
    total = Counter()
    for result in results:
        total.update(result)
    assert dict(total) == {"reminded": 0, "overdue": 8, "supervised": 8, "escalated": 8}

    for event in cases:
        stored = Event.objects.get(pk=event.pk)
        assert (stored.overdue, stored.escalation_level) == (True, 1)
        assert Counter(DeadlineMark.objects.filter(event=event).values_list("kind", flat=True)) == {
            "overdue": 1,
            "escalation": 1,
        }
        assert SupervisionOrder.objects.filter(event=event).count() == 1
        actions = Counter(stored.log.values_list("action", flat=True))
        assert (actions["mark_overdue"], actions["escalate"]) == (1, 1)
    assert chain_problems() == []
    assert Notification.objects.filter(kind="supervision", user=clerk).count() == 8
