"""Notifications and live pushes of case steps: only after commit, once per user however often a
delivery is retried, SMS once per user with a work phone, and nothing at all when the step rolls back."""

import pytest
from django.db import transaction

from events.choices import Source, Status
from events.models import Event
from events.services import event_report, event_transition
from govgrid import live
from govgrid.models import Notification, SmsMessage
from govgrid.tasks import deliver_notification
from tests.conftest import seat
from tests.factories import UserFactory

from .conftest import GRID, Listener, photo

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords", "eager_celery", "media_root")]


def inbox():
    return sorted(Notification.objects.values_list("user_id", "kind"))


def test_dispatch_to_a_department_notifies_its_members_after_commit(
    case_in, center, department, django_capture_on_commit_callbacks
):
    event = case_in("accepted")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        event = event_transition(event=event, action="dispatch", actor=center, department=department)
        assert inbox() == []  # nothing before the commit
    assert len(callbacks) == 2  # the live push and the notification
    assert inbox() == sorted([(department.head.pk, "event.dispatch"), (department.clerk.pk, "event.dispatch")])
    note = Notification.objects.get(user=department.clerk)
    assert event.number in note.title and note.url == f"/cases/{event.number}/" and note.read_at is None
    assert note.dedupe_key == f"event:{event.pk}:{event.log_head[:16]}:{department.clerk.pk}"


def test_dispatch_to_a_worker_notifies_only_that_worker(
    case_in, center, gridworker, department, django_capture_on_commit_callbacks
):
    event = case_in("accepted")
    with django_capture_on_commit_callbacks(execute=True):
        event_transition(event=event, action="dispatch", actor=center, worker=gridworker)
    assert inbox() == [(gridworker.pk, "event.dispatch")]


def test_a_return_notifies_the_centers_above_the_grid(
    case_in, department, center, county_center, other_center, django_capture_on_commit_callbacks
):
    event = case_in("dispatched")
    with django_capture_on_commit_callbacks(execute=True):
        event_transition(event=event, action="return", actor=department.clerk, reason="不归我们")
    assert inbox() == sorted([(center.pk, "event.return"), (county_center.pk, "event.return")])
    assert Notification.objects.get(user=center).body == "不归我们"


def test_a_rework_notifies_the_assignees(case_in, gridworker, department, django_capture_on_commit_callbacks):
    event = case_in("resolved")
    with django_capture_on_commit_callbacks(execute=True):
        event_transition(event=event, action="rework", actor=gridworker, reason="没扫干净")
    assert inbox() == sorted([(department.head.pk, "event.rework"), (department.clerk.pk, "event.rework")])


def test_steps_nobody_needs_to_hear_of_notify_nobody(case_in, department, django_capture_on_commit_callbacks):
    event = case_in("dispatched")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        event_transition(event=event, action="claim", actor=department.clerk)
    assert len(callbacks) == 1  # the live push only
    assert inbox() == []


def test_a_retried_delivery_creates_no_duplicates(department, gridworker):
    args = (
        [department.head.pk, department.clerk.pk, gridworker.pk],
        "event.dispatch",
        "案件 1 已派遣",
        "正文",
        "/cases/1/",
        "event:1:abcdef0123456789",
    )
    deliver_notification(*args)
    deliver_notification(*args)  # a retry after a lost acknowledgement
    deliver_notification.delay(*args)  # and once more through the queue
    assert inbox() == sorted((uid, "event.dispatch") for uid in args[0])
    assert sorted(Notification.objects.values_list("dedupe_key", flat=True)) == sorted(
        f"event:1:abcdef0123456789:{uid}" for uid in args[0]
    )
    # Another notification to the same users is not a duplicate.
    deliver_notification(*args[:-1], "event:1:fedcba9876543210")
    assert Notification.objects.count() == 6


def test_sms_once_per_user_with_a_work_phone(department, gridworker):
    seat(department.head, "530702", "department_seat")
    department.head.memberships.update(phone="13800000001")
    gridworker.memberships.update(phone="13800000002")
    seat(gridworker, "530702002001", "informant")  # a second seat: still one SMS
    gridworker.memberships.update(phone="13800000002")
    no_phone = department.clerk  # no membership at all
    blank = seat(UserFactory(username="blank-phone", roles=["grid_worker"]), "530702002001003", "part_time")
    users = [department.head.pk, gridworker.pk, no_phone.pk, blank.pk]
    args = (users, "supervision", "督办：案件 7 已超期", "", "/cases/7/", "supervise:7")

    deliver_notification(*args, sms=True)
    deliver_notification(*args, sms=True)  # retried
    messages = {m.phone: m for m in SmsMessage.objects.all()}
    assert sorted(messages) == ["13800000001", "13800000002"]
    for phone, uid in (("13800000001", department.head.pk), ("13800000002", gridworker.pk)):
        message = messages[phone]
        assert (message.status, message.attempts, message.body, message.error) == ("sent", 1, "督办：案件 7 已超期", "")
        assert message.dedupe_key == f"supervise:7:{uid}" and message.sent_at is not None
    assert Notification.objects.count() == 4  # the inbox gets everyone, phone or not


def test_without_sms_no_message_is_written(department):
    seat(department.head, "530702", "department_seat")
    department.head.memberships.update(phone="13800000001")
    deliver_notification([department.head.pk], "event.dispatch", "t", "", "/", "k:1")
    assert not SmsMessage.objects.exists() and Notification.objects.count() == 1


# --- live pushes --------------------------------------------------------------------------------


def test_a_step_is_pushed_to_the_grid_and_its_ancestors_after_commit(
    case_in, center, department, django_capture_on_commit_callbacks
):
    event = case_in("accepted")
    township, province = Listener("grid.530702002"), Listener("grid.53")
    sibling = Listener("grid.530702001")
    with django_capture_on_commit_callbacks(execute=True):
        event_transition(event=event, action="dispatch", actor=center, department=department)
    for listener in (township, province):
        [message] = listener.messages()
        assert message["type"] == "event.updated"
        assert {k: message["event"][k] for k in ("id", "number", "status", "grid", "overdue")} == {
            "id": event.pk,
            "number": event.number,
            "status": "dispatched",
            "grid": "530702002001001",
            "overdue": False,
        }
    assert sibling.messages() == []


def test_a_rolled_back_step_publishes_and_notifies_nothing(
    case_in, center, department, django_capture_on_commit_callbacks
):
    event = case_in("accepted")
    length = event.log.count()
    listener = Listener(*live.grid_groups("530702002001001"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                event_transition(event=event, action="dispatch", actor=center, department=department)
                raise RuntimeError("the request failed after the step")
    assert callbacks == []
    assert listener.messages() == []
    assert inbox() == []
    stored = Event.objects.get(pk=event.pk)
    assert (stored.status, stored.assignee_department, stored.log.count()) == (Status.ACCEPTED, None, length)

    # The same step, committed, does publish and notify (the check above can fail).
    listener = Listener("grid.530702002001001")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            event_transition(event=event, action="dispatch", actor=center, department=department)
    assert len(callbacks) == 2
    assert [m["event"]["status"] for m in listener.messages()] == ["dispatched"]
    assert len(inbox()) == 2


def test_an_on_the_spot_resolution_is_pushed_once_as_closed(spot, gridworker, django_capture_on_commit_callbacks):
    """The case is closed when the transaction commits: dashboards are not told it awaits acceptance."""
    listener = Listener(f"grid.{GRID}")
    with django_capture_on_commit_callbacks(execute=True):
        event, _ = event_report(
            source=Source.WORKER,
            category="0102",
            description="路口有垃圾",
            point=spot,
            actor=gridworker,
            resolve_on_spot=True,
            photos=[photo()],
            after_photos=[photo()],
            result="已当场清理",
        )
    pushed = [(m["type"], m["event"]["status"]) for m in listener.messages()]
    assert pushed == [("event.created", "closed")]


# --- the reporter's SMS -------------------------------------------------------------------------


def test_the_reporter_is_told_by_sms_in_the_site_language_with_the_number_masked(
    report, center, gridworker, django_capture_on_commit_callbacks
):
    from django.utils import translation

    with django_capture_on_commit_callbacks(execute=True):
        event = report(phone="13912345678")
    assert not SmsMessage.objects.exists()  # filing is acknowledged on the page, not by SMS
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        event = event_transition(event=event, action="accept", actor=center)  # staff working in English
    sms = SmsMessage.objects.get()
    assert sms.phone == "139****5678" and sms.status == "sent"  # kept masked; the backend had it whole
    assert event.tracking_code in sms.body and "已受理" in sms.body and "暴露垃圾" in sms.body
    with django_capture_on_commit_callbacks(execute=True):
        event_transition(event=event, action="dispatch", actor=center, worker=gridworker.pk)
    assert SmsMessage.objects.count() == 1  # steps inside the loop are not texted


def test_a_refused_report_says_why_and_a_rolled_back_step_sends_nothing(
    report, center, django_capture_on_commit_callbacks
):
    event = report(phone="13912345678")
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            event_transition(event=event, action="reject", actor=center, reason="不属于受理范围。")
            raise RuntimeError("the request failed after the step")
    assert not SmsMessage.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        event_transition(event=event, action="reject", actor=center, reason="不属于受理范围。")
    (sms,) = SmsMessage.objects.all()
    assert "不属于受理范围。" in sms.body and "。。" not in sms.body


def test_no_number_or_resident_sms_off_means_no_message(report, center, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        event_transition(event=report(), action="accept", actor=center)  # no phone left
        settings.RESIDENT_SMS = False
        event_transition(event=report(phone="13912345678"), action="accept", actor=center)
    assert not SmsMessage.objects.exists()
