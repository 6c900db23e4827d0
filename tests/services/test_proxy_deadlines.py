"""The proxy deadline scan: a reminder before the deadline and an overdue flag at it, each exactly
once however often the scan runs, through the platform's notification channel."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from govgrid.models import Notification, SmsMessage
from services.models import ProxyDeadlineMark, ProxyRequest
from services.services import proxy_deadline_scan, proxy_request_create, proxy_transition

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
FRIDAY = datetime(2026, 11, 20, 10, 0, tzinfo=TZ)


@pytest.fixture
def scan(django_capture_on_commit_callbacks, eager_celery):
    def _scan(now):
        with django_capture_on_commit_callbacks(execute=True):
            return proxy_deadline_scan(now=now)

    return _scan


@pytest.fixture
def accepted(home, gridworker, django_capture_on_commit_callbacks, eager_celery):
    with django_capture_on_commit_callbacks(execute=True):
        request = proxy_request_create(item="MZ004", phone="13912345678", point=home, now=FRIDAY)
        return proxy_transition(request=request, action="accept", actor=gridworker)


def test_new_requests_notify_the_grid_workers(
    home, gridworker, chief, other_worker, django_capture_on_commit_callbacks, eager_celery
):
    with django_capture_on_commit_callbacks(execute=True):
        request = proxy_request_create(item="MZ004", phone="13912345678", point=home)
    notes = Notification.objects.filter(kind="proxy.new")
    assert sorted(notes.values_list("user_id", flat=True)) == sorted([gridworker.pk, chief.pk])
    assert notes.first().url == f"/m/proxy/{request.code}/"


def test_reminder_once_then_overdue_once(accepted, gridworker, chief, scan):
    due = accepted.due_at
    assert scan(due - timedelta(hours=25)) == {"reminded": 0, "overdue": 0}
    assert scan(due - timedelta(hours=23)) == {"reminded": 1, "overdue": 0}
    assert scan(due - timedelta(hours=22)) == {"reminded": 0, "overdue": 0}
    assert Notification.objects.filter(kind="proxy.reminder", user=gridworker).count() == 1
    assert scan(due + timedelta(minutes=1)) == {"reminded": 0, "overdue": 1}
    assert scan(due + timedelta(minutes=2)) == {"reminded": 0, "overdue": 0}
    request = ProxyRequest.objects.get(pk=accepted.pk)
    assert request.overdue and request.status == "accepted"  # flagged, still the worker's to finish
    overdue = Notification.objects.filter(kind="proxy.overdue")
    assert sorted(overdue.values_list("user_id", flat=True)) == sorted([gridworker.pk, chief.pk])
    assert request.log.filter(action="mark_overdue").count() == 1
    assert ProxyDeadlineMark.objects.filter(request=request).count() == 2


def test_overdue_goes_by_sms_to_those_with_a_work_phone(accepted, gridworker, scan):
    gridworker.memberships.update(phone="13900001234")
    scan(accepted.due_at + timedelta(minutes=1))
    assert SmsMessage.objects.filter(phone="13900001234", status="sent").count() == 1


def test_two_scans_racing_for_the_same_request_act_once(accepted):
    from services.services import _claim

    assert _claim(accepted.pk, ProxyDeadlineMark.OVERDUE, accepted.due_at) is True
    assert _claim(accepted.pk, ProxyDeadlineMark.OVERDUE, accepted.due_at) is False


def test_finished_requests_are_not_chased(accepted, gridworker, scan):
    request = proxy_transition(request=accepted, action="decline", actor=gridworker, reason="老人已自行办理")
    assert scan(request.due_at + timedelta(days=1)) == {"reminded": 0, "overdue": 0}


def test_the_beat_schedule_runs_the_scan_every_minute(settings):
    from services.tasks import proxy_deadline_scan as task

    entry = settings.CELERY_BEAT_SCHEDULE["proxy-deadline-scan"]
    assert entry == {"task": task.name, "schedule": 60.0}
    assert task.apply().get() == {"reminded": 0, "overdue": 0}
