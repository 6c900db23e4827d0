"""The wish deadline scan: a day before the deadline the member holding it is reminded, at the
deadline it is marked overdue and the organisers above it are told, each once however often the
scan runs. Beat schedules it (settings.CELERY_BEAT_SCHEDULE)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from govgrid.models import Notification
from party import services
from party.models import Wish
from party.services import wish_deadline_scan

pytestmark = pytest.mark.django_db


@pytest.fixture
def scan(django_capture_on_commit_callbacks, eager_celery):
    def _scan(now):
        with django_capture_on_commit_callbacks(execute=True):
            return wish_deadline_scan(now=now)

    return _scan


def test_remind_once_then_overdue_once(scan, organiser, make_member, wish):
    member = make_member("m-due")
    w = services.wish_claim(actor=member.user, wish=wish(due_days=2))
    due = Wish.objects.get(pk=w.pk).due_at

    assert scan(due - timedelta(hours=30)) == {"reminded": 0, "overdue": 0}
    assert scan(due - timedelta(hours=20)) == {"reminded": 1, "overdue": 0}
    assert scan(due - timedelta(hours=19)) == {"reminded": 0, "overdue": 0}
    assert Notification.objects.filter(user=member.user, kind="wish.reminder").count() == 1

    assert scan(due + timedelta(minutes=1)) == {"reminded": 0, "overdue": 1}
    assert scan(due + timedelta(minutes=6)) == {"reminded": 0, "overdue": 0}
    stored = Wish.objects.get(pk=w.pk)
    assert stored.overdue_at is not None and stored.colour == "#d32f2f"
    assert Notification.objects.filter(user=organiser, kind="wish.overdue").count() == 1
    assert Notification.objects.filter(user=member.user, kind="wish.overdue").count() == 1
    assert list(stored.log.filter(action="overdue").values_list("action", flat=True)) == ["overdue"]


def test_done_and_cancelled_wishes_are_left_alone(scan, organiser, make_member, wish):
    from .conftest import photo

    member = make_member("m-done")
    done = services.wish_claim(actor=member.user, wish=wish(due_days=1))
    services.wish_complete(actor=member.user, wish=done, note="好了", hours="1", photo=photo())
    services.wish_cancel(actor=organiser, wish=wish(due_days=1), reason="重复")
    assert scan(timezone.now() + timedelta(days=3)) == {"reminded": 0, "overdue": 0}


def test_the_scan_is_on_beats_schedule_and_runs_as_a_task(eager_celery, wish):
    from party.tasks import wish_deadline_scan as task

    assert settings.CELERY_BEAT_SCHEDULE["wish-deadline-scan"]["task"] == task.name == "party.wish_deadline_scan"
    wish(due_days=1)
    Wish.objects.update(due_at=timezone.now() - timedelta(minutes=1))
    assert task.delay().get() == {"reminded": 0, "overdue": 1}
