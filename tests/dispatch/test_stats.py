"""The assessment formulas (events.stats) on a hand-built set of cases with known answers."""

import datetime as dt

import pytest
from django.utils import timezone

from events import stats
from tests.dispatch.conftest import NEIGHBOUR, XIAN, XINHUA, at, make_event

pytestmark = pytest.mark.django_db


def H(hours):
    return dt.timedelta(hours=hours)


@pytest.fixture
def dataset(department):
    """Seven cases reported 5 days ago in 新华社区 (plus one elsewhere in time and place):

    1 closed on time, rated 5    — response 1 h, handled in 10 h
    2 closed late, reworked once, rated 3 — response 3 h, handled in 30 h
    3 open, past its deadline (overdue), given more time once
    4 open, deadline still ahead
    5 rejected (never accepted)
    6 just reported (not accepted)
    7 closed before its (future) deadline, not rated — handled in 2 h
    """
    t0 = at(days_ago=5)
    past, future = at(days_ago=1), at(days_ago=-3)
    common = {"community": XINHUA, "created_at": t0}
    make_event(
        **common,
        status="closed",
        accepted_at=t0 + H(1),
        due_at=past,
        closed_at=t0 + H(10),
        satisfaction=5,
        assignee_department=department,
    )
    make_event(
        **common,
        status="closed",
        accepted_at=t0 + H(3),
        due_at=t0 + H(20),
        closed_at=t0 + H(30),
        rework_count=1,
        satisfaction=3,
        assignee_department=department,
    )
    make_event(
        **common,
        status="in_progress",
        accepted_at=t0 + H(1),
        due_at=past,
        overdue=True,
        extension_count=1,
        assignee_department=department,
    )
    make_event(**common, status="dispatched", accepted_at=t0 + H(1), due_at=future)
    make_event(**common, status="rejected")
    make_event(**common, status="reported")
    make_event(**common, status="closed", accepted_at=t0 + H(1), due_at=future, closed_at=t0 + H(2))
    # Outside the period (40 days ago) and outside 大研街道's subtree: never counted below.
    make_event(
        community=XINHUA,
        created_at=at(days_ago=40),
        status="closed",
        accepted_at=at(days_ago=40),
        closed_at=at(days_ago=39),
    )
    make_event(community=XIAN, created_at=t0, status="reported")


def test_kpis_follow_the_standard_formulas(dataset, center):
    f = stats.stats_filter_parse(user=center, params={})
    k = stats.kpis(stats.stats_events(user=center, f=f))
    assert k["reported"] == 7
    assert k["accepted"] == 5  # 1, 2, 3, 4, 7
    assert k["due_to_close"] == 4  # closed 1, 2, 7 and overdue 3; 4 is not yet due
    assert k["closed"] == 3
    assert k["closed_on_time"] == 2  # 1 and 7
    assert k["open"] == 3  # 3, 4, 6
    assert k["overdue_open"] == 1
    assert k["close_rate"] == 0.75
    assert k["on_time_rate"] == 0.5
    assert k["overdue_rate"] == 0.5  # 3 (open, late) and 2 (closed late)
    assert k["rework_rate"] == round(1 / 3, 4)
    assert k["extension_rate"] == 0.2
    assert k["satisfaction_rate"] == 0.5  # one of two ratings is 4 or 5
    assert k["avg_response_hours"] == pytest.approx((1 + 3 + 1 + 1 + 1) / 5, abs=0.01)
    assert k["avg_handling_hours"] == pytest.approx((10 + 30 + 2) / 3, abs=0.01)


def test_rates_are_none_when_nothing_is_due(center):
    k = stats.kpis(stats.stats_events(user=center, f=stats.stats_filter_parse(user=center, params={})))
    assert k["reported"] == 0
    assert k["close_rate"] is None and k["satisfaction_rate"] is None and k["avg_handling_hours"] is None


def test_rankings_and_distributions(dataset, center, department):
    f = stats.stats_filter_parse(user=center, params={})
    qs = stats.stats_events(user=center, f=f)
    grids = stats.by_grid(qs, root="530702002")
    assert [(g["code"], g["count"], g["closed"], g["open"], g["overdue"]) for g in grids] == [(XINHUA, 7, 3, 3, 1)]
    # 按期率 with the KPI's formula: closed on time (1, 7) / due to close (1, 2, 3 past its deadline, 7)
    assert grids[0]["on_time_rate"] == 0.5 == stats.kpis(qs)["on_time_rate"]
    assert grids[0]["satisfaction"] == 4.0
    depts = stats.by_department(qs)
    assert [(d["id"], d["count"], d["closed"], d["overdue"]) for d in depts] == [(department.pk, 3, 2, 1)]
    assert depts[0]["on_time_rate"] == round(1 / 3, 4)  # 1 on time of its 3 due (1, 2, 3)
    assert stats.by_category(qs) == [{"code": "01", "name": stats.Category.objects.get(code="01").name, "count": 7}]
    assert sum(row[2] for row in stats.weekday_hour(qs)) == 7
    local = timezone.localtime(at(days_ago=5))
    assert [local.isoweekday(), local.hour, 7] in stats.weekday_hour(qs)
    assert stats.hot_hours(stats.weekday_hour(qs)) == [{"hour": local.hour, "count": 7}]


def test_trend_counts_reports_and_closings_per_day(dataset, center):
    f = stats.stats_filter_parse(user=center, params={})
    trend = stats.trend(stats.stats_scope(user=center, f=f), f)
    assert len(trend) == 30
    assert trend[-1]["day"] == timezone.localdate().isoformat()
    by_day = {d["day"]: d for d in trend}
    reported_day = timezone.localtime(at(days_ago=5)).date().isoformat()
    assert by_day[reported_day]["reported"] == 7
    assert sum(d["reported"] for d in trend) == 7
    assert sum(d["closed"] for d in trend) == 3


def test_trend_and_heat_fold_local_hours_across_midnight(center):
    """The trend's reported counts folded from the hourly grouping equal its own per-day query,
    on local days: 23:30 and 00:30 one hour apart are two days, two weekdays."""
    day = timezone.localdate() - dt.timedelta(days=3)
    late = timezone.make_aware(dt.datetime.combine(day, dt.time(23, 30)))
    for created in (late, late + H(0.2), late + H(1)):
        make_event(created_at=created)
    f = stats.StatsFilter.last_days(30)
    scope, qs = stats.stats_scope(user=center, f=f), stats.stats_events(user=center, f=f)
    hours = stats.hourly(qs)
    folded = stats.trend(scope, f, hours=hours)
    assert folded == stats.trend(scope, f)
    by_day = {d["day"]: d["reported"] for d in folded}
    next_day = day + dt.timedelta(days=1)
    assert (by_day[day.isoformat()], by_day[next_day.isoformat()]) == (2, 1)
    heat = stats.weekday_hour(qs, hours=hours)
    assert heat == stats.weekday_hour(qs)
    assert [day.isoweekday(), 23, 2] in heat and [next_day.isoweekday(), 0, 1] in heat


def test_a_township_never_counts_another_townships_cases(dataset, center, county_staff):
    f = stats.stats_filter_parse(user=county_staff, params={})
    assert stats.kpis(stats.stats_events(user=county_staff, f=f))["reported"] == 8  # 西安街道's too
    assert stats.kpis(stats.stats_events(user=center, f=f))["reported"] == 7


def test_filters_narrow_by_grid_category_and_department(dataset, center, department):
    def reported(**params):
        f = stats.stats_filter_parse(user=center, params=params)
        return stats.kpis(stats.stats_events(user=center, f=f))["reported"]

    assert reported(grid=XINHUA) == 7
    assert reported(grid=NEIGHBOUR) == 0
    assert reported(category="01") == 7
    assert reported(category="0102") == 7
    assert reported(category="02") == 0
    assert reported(department=str(department.pk)) == 3
    assert reported(date_from=(timezone.localdate() - dt.timedelta(days=45)).isoformat()) == 8


@pytest.mark.parametrize(
    "params, field",
    [
        ({"date_from": "2026-13-01"}, "date_from"),
        ({"date_to": "yesterday"}, "date_to"),
        ({"date_from": "2026-11-20", "date_to": "2026-11-01"}, "date_from"),
        ({"date_from": "2020-01-01", "date_to": "2026-01-01"}, "date_from"),
        ({"grid": "53070x"}, "grid"),
        ({"grid": "5" * 19}, "grid"),
        ({"grid": "530702001"}, "grid"),  # 西安街道: outside 大研街道's jurisdiction
        ({"category": "9999"}, "category"),
        ({"department": "one"}, "department"),
    ],
)
def test_impossible_filters_are_refused(center, params, field):
    with pytest.raises(stats.StatsError) as refused:
        stats.stats_filter_parse(user=center, params=params)
    assert refused.value.field == field
