"""Early warnings: the spike test on synthetic series, the hourly scan, acknowledgement."""

import pytest
from django.test import TestCase
from django.utils import timezone

from dispatch import services
from dispatch.models import Alert
from govgrid import live
from govgrid.models import Notification
from tests.dispatch.conftest import NEIGHBOUR, XIAN, XINHUA, Listener, at, make_event


@pytest.mark.parametrize(
    "observed, baseline, spike",
    [
        (6, [1] * 28, True),  # a flat 1 a day, then 6
        (3, [1] * 28, False),  # 1 a day, then 3: within 1 + 3·√1
        (4, [1] * 28, True),  # the threshold 1 + 3·max(σ=0, √1) = 4 is inclusive
        (3, [0] * 28, True),  # nothing ever, then 3
        (2, [0] * 28, False),  # fewer than three is never an alarm
        (12, [5, 6, 4, 5, 7, 5, 6] * 4, False),  # a busy place stays busy
        (20, [5, 6, 4, 5, 7, 5, 6] * 4, True),
        (9, [0] * 21 + [8] * 7, False),  # a steady new normal: spread follows the series
    ],
)
def test_spike_test_on_synthetic_series(observed, baseline, spike):
    assert services.spike_test(observed, baseline)[0] is spike


def test_spike_expected_is_the_baseline_mean():
    assert services.spike_test(5, [2] * 14 + [4] * 14)[1] == 3.0


def _history(community, category="0102", per_day=1, days=28):
    for d in range(days):
        for _ in range(per_day):
            make_event(community=community, category=category, created_at=at(days_ago=d + 2))


@pytest.mark.django_db
def test_scan_raises_one_alert_for_a_spike_and_none_for_quiet_places(center, county_staff, eager_celery):
    _history(XINHUA)
    _history(NEIGHBOUR)
    for h in range(7):
        make_event(community=XINHUA, created_at=at(hours=h + 1.5))
    for h in range(2):
        make_event(community=NEIGHBOUR, created_at=at(hours=h + 1.5))
    listener = Listener(live.grid_group("530702002"), live.grid_group(XIAN))
    with TestCase.captureOnCommitCallbacks(execute=True):
        raised = services.spike_scan()
    assert [(a.grid.code, a.category.code, a.observed) for a in raised] == [(XINHUA, "0102", 7)]
    assert raised[0].expected == pytest.approx(1.0, abs=0.05)
    pushed = listener.messages()
    assert [m["type"] for m in pushed] == ["alert.raised"]  # 大研街道 hears of it, 西安街道 does not
    assert pushed[0]["alert"]["grid"] == XINHUA
    # The staff of 大研街道 and of the county are told; running the scan again changes nothing.
    told = set(Notification.objects.filter(kind="alert.spike").values_list("user__username", flat=True))
    assert told == {center.username, county_staff.username}
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert services.spike_scan() == []
    assert Alert.objects.count() == 1


@pytest.mark.django_db
def test_acknowledging_twice_is_refused(center):
    _history(XINHUA, days=3)
    for h in range(5):
        make_event(community=XINHUA, created_at=at(hours=h + 1.5))
    [alert] = services.spike_scan()
    services.alert_acknowledge(alert=alert, actor=center)
    alert.refresh_from_db()
    assert alert.acknowledged_by == center and alert.acknowledged_at <= timezone.now()
    with pytest.raises(services.AlertError) as second:
        services.alert_acknowledge(alert=alert, actor=center)
    assert second.value.status == 409
