"""吹哨报到: a command center summons departments to a case; they report in time or are marked
late once; the whistler rates them; the figures rank departments."""

import datetime as dt

import pytest
from django.test import TestCase
from django.utils import timezone

from dispatch import selectors, services
from dispatch.models import Department, WhistleResponse
from events import stats
from govgrid import live
from govgrid.models import Notification
from grids.models import Grid
from tests.dispatch.conftest import Listener
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def township_station(db):
    """大研街道's law-enforcement squad: serves the case's area; a clerk, no head."""
    dept = Department.objects.create(
        name="大研综合执法中队", type="综合行政执法", level=2, area=Grid.objects.get(code="530702002")
    )
    clerk = UserFactory(username="dy-clerk", roles=["department_staff"])
    dept.memberships.create(user=clerk)
    dept.clerk = clerk
    return dept


@pytest.fixture
def far_station(db):
    return Department.objects.create(
        name="西安综合执法中队", type="综合行政执法", level=2, area=Grid.objects.get(code="530702001")
    )


@pytest.fixture
def blown(report, center, department, township_station, eager_celery):
    event = report()
    with TestCase.captureOnCommitCallbacks(execute=True):
        whistle = services.whistle_blow(
            actor=center,
            event=event,
            department_ids=[department.pk, township_station.pk],
            reason="占道经营反复出现，需联合执法",
        )
    return whistle


def test_whistling_summons_the_departments_and_tells_their_members(blown, department, township_station):
    assert blown.respond_by == pytest.approx(blown.created_at + dt.timedelta(minutes=30), abs=dt.timedelta(seconds=5))
    assert set(blown.responses.values_list("department_id", flat=True)) == {department.pk, township_station.pk}
    told = set(Notification.objects.filter(kind="whistle").values_list("user__username", flat=True))
    assert told == {"hw-head", "hw-clerk", "dy-clerk"}


def test_a_whistle_is_pushed_to_the_dashboards_above_the_case(report, center, department):
    listener = Listener(live.grid_group("530702002"))
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.whistle_blow(actor=center, event=report(), department_ids=[department.pk], reason="联合处置")
    [message] = [m for m in listener.messages() if m["type"] == "whistle.blown"]
    assert [r["department"] for r in message["whistle"]["responses"]] == [department.name]


@pytest.mark.parametrize(
    "who, departments, reason, minutes, status",
    [
        ("worker", "mine", "联合处置", 30, 403),
        ("center", "far", "联合处置", 30, 400),  # does not serve the case's area
        ("center", "none", "联合处置", 30, 400),
        ("center", "unknown", "联合处置", 30, 400),
        ("center", "mine", "  ", 30, 400),
        ("center", "mine", "联合处置", 2, 400),
    ],
)
def test_whistles_that_cannot_be_blown(
    report, center, gridworker, department, far_station, who, departments, reason, minutes, status
):
    ids = {"mine": [department.pk], "far": [far_station.pk], "none": [], "unknown": [987654]}[departments]
    actor = {"center": center, "worker": gridworker}[who]
    with pytest.raises(services.AlertError) as refused:
        services.whistle_blow(actor=actor, event=report(), department_ids=ids, reason=reason, minutes=minutes)
    assert refused.value.status == status
    assert not WhistleResponse.objects.exists()


def test_a_department_reports_once_and_is_rated_once(blown, center, department, township_station):
    response = blown.responses.get(department=township_station)
    with pytest.raises(services.AlertError) as early:
        services.whistle_rate(actor=center, response=response, rating=5)
    assert early.value.status == 409
    with pytest.raises(services.AlertError) as stranger:
        services.whistle_report(actor=department.clerk, response=response)
    assert stranger.value.status == 403
    services.whistle_report(actor=township_station.clerk, response=response, note="已到场")
    response.refresh_from_db()
    assert response.reported_at and not response.late and response.note == "已到场"
    with pytest.raises(services.AlertError) as twice:
        services.whistle_report(actor=township_station.clerk, response=response)
    assert twice.value.status == 409
    for bad in (0, 6, "5"):
        with pytest.raises(services.AlertError):
            services.whistle_rate(actor=center, response=response, rating=bad)
    services.whistle_rate(actor=center, response=response, rating=4)
    with pytest.raises(services.AlertError) as rerate:
        services.whistle_rate(actor=center, response=response, rating=5)
    assert rerate.value.status == 409


def test_departments_that_miss_the_limit_are_marked_late_once(blown, department, township_station):
    later = blown.respond_by + dt.timedelta(minutes=1)
    services.whistle_report(actor=township_station.clerk, response=blown.responses.get(department=township_station))
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert services.whistle_scan(now=later) == 1
        assert services.whistle_scan(now=later) == 0
    late = blown.responses.get(department=department)
    assert late.late and late.reported_at is None
    assert list(Notification.objects.filter(kind="whistle.late").values_list("user__username", flat=True)) == [
        "hw-head"
    ]
    services.whistle_report(actor=department.clerk, response=late)  # a late report still counts, as late
    late.refresh_from_db()
    assert late.reported_at and late.late


def test_a_scan_tells_dashboards_once_per_whistle_with_every_late_department(blown, department, township_station):
    listener = Listener(live.grid_group("530702002"))
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert services.whistle_scan(now=blown.respond_by + dt.timedelta(minutes=1)) == 2
    [message] = [m for m in listener.messages() if m["type"] == "whistle.updated"]
    assert [r["late"] for r in message["whistle"]["responses"]] == [True, True]


def test_whistle_figures_rank_departments(blown, center, department, township_station):
    services.whistle_report(actor=township_station.clerk, response=blown.responses.get(department=township_station))
    services.whistle_rate(actor=center, response=blown.responses.get(department=township_station), rating=5)
    rows = selectors.whistle_department_stats(user=center, f=stats.stats_filter_parse(user=center, params={}))
    by_name = {r["name"]: r for r in rows}
    assert by_name[township_station.name]["reported"] == 1 and by_name[township_station.name]["rating"] == 5.0
    assert by_name[township_station.name]["on_time_rate"] == 1.0
    assert by_name[township_station.name]["minutes_to_report"] < 1
    assert by_name[department.name]["reported"] == 0 and by_name[department.name]["on_time_rate"] == 0.0


def test_whistles_through_the_api_and_the_case_page(client, report, center, other_worker, township_station):
    event = report()
    client.force_login(center)
    url = f"/api/v1/events/{event.number}/whistles/"
    assert client.post(url, {"departments": [], "reason": "x"}, content_type="application/json").status_code == 400
    assert client.post(url, {"departments": ["a"], "reason": "x"}, content_type="application/json").status_code == 400
    made = client.post(
        url, {"departments": [township_station.pk], "reason": "联合处置"}, content_type="application/json"
    )
    assert made.status_code == 201
    response_id = made.json()["responses"][0]["id"]
    assert client.get(url).json()["results"][0]["reason"] == "联合处置"
    page = client.get(f"/dashboard/whistles/case/{event.number}/").content.decode()
    assert 'class="action whistle-form"' in page and f'data-response="{response_id}"' in page
    assert (
        f'hx-get="/dashboard/whistles/case/{event.number}/"' in client.get(f"/cases/{event.number}/").content.decode()
    )
    client.force_login(township_station.clerk)
    assert client.post(f"/api/v1/whistle-responses/{response_id}/report/", {}).status_code == 200
    assert client.post(f"/api/v1/whistle-responses/{response_id}/report/", {}).status_code == 409
    client.force_login(center)
    assert client.post(f"/api/v1/whistle-responses/{response_id}/rate/", {"rating": 9}).status_code == 400
    assert client.post(f"/api/v1/whistle-responses/{response_id}/rate/", {"rating": 4}).status_code == 200
    client.force_login(other_worker)  # another township: the case does not exist for them
    assert client.get(url).status_code == 404
    assert client.post(f"/api/v1/whistle-responses/{response_id}/report/", {}).status_code == 404


def test_whistle_forms_on_the_case_page(client, report, center, township_station):
    event = report()
    client.force_login(center)
    done = client.post(
        f"/dashboard/whistles/case/{event.number}/blow/",
        {"departments": [township_station.pk], "reason": "联合处置", "minutes": "20"},
    )
    assert done.status_code == 302 and done["Location"].endswith("#whistles")
    response = WhistleResponse.objects.get()
    assert (response.whistle.respond_by - response.whistle.created_at) == pytest.approx(
        dt.timedelta(minutes=20), abs=dt.timedelta(seconds=5)
    )
    bad = client.post(f"/dashboard/whistles/case/{event.number}/blow/", {"departments": ["x"], "reason": "y"})
    assert bad.status_code == 302 and WhistleResponse.objects.count() == 1
    client.force_login(township_station.clerk)
    client.post(f"/dashboard/whistles/responses/{response.pk}/report/", {"note": "到场"})
    response.refresh_from_db()
    assert response.reported_at is not None and response.reported_at <= timezone.now()


def test_huge_ids_are_refused_not_crashed_on(client, report, center):
    """Found by schemathesis: ids past the database's integers answered 500."""
    event = report()
    client.force_login(center)
    huge = 10**30
    body = {"departments": [huge], "reason": "x"}
    assert (
        client.post(f"/api/v1/events/{event.number}/whistles/", body, content_type="application/json").status_code
        == 400
    )
    assert client.post(f"/api/v1/whistle-responses/{huge}/report/", {}).status_code == 404
    assert client.post(f"/api/v1/alerts/{huge}/acknowledge/").status_code == 404
    assert client.get(f"/dashboard/bulletins/{huge}/").status_code == 404
    assert client.get(f"/api/v1/stats/?department={huge}").status_code == 400
    assert client.get(f"/cases/{event.number}/photos/{huge}/").status_code == 404  # every id route, not only these


def test_whistle_report_and_rating_are_in_the_case_history(client, blown, center, township_station):
    from events.logchain import chain_problems
    from events.models import Event

    response = blown.responses.get(department=township_station)
    services.whistle_report(actor=township_station.clerk, response=response, note="已到现场")
    services.whistle_rate(actor=center, response=response, rating=4)

    event = Event.objects.get(pk=blown.event_id)
    rows = list(event.log.order_by("seq").values_list("action", "note", "data"))
    assert [r[0] for r in rows] == ["report", "whistle", "whistle_report", "whistle_rate"]
    assert rows[1][1] == "占道经营反复出现，需联合执法" and township_station.name in rows[1][2]["departments"]
    assert rows[2][1:] == ("已到现场", {"department": township_station.name, "late": False})
    assert rows[3][2] == {"department": township_station.name, "rating": 4}
    assert event.status == "reported"  # the records leave the status alone
    assert chain_problems(events=Event.objects.filter(pk=event.pk)) == []

    client.force_login(center)
    html = client.get(f"/cases/{event.number}/").content.decode()
    timeline = html.split('class="timeline"')[1]
    assert "吹哨" in timeline and "报到" in timeline and f"{township_station.name} · 4 ★" in timeline


def test_a_refused_whistle_leaves_no_history(report, center, far_station):
    event = report()
    with pytest.raises(services.AlertError):
        services.whistle_blow(actor=center, event=event, department_ids=[far_station.pk], reason="联合执法")
    assert list(event.log.values_list("action", flat=True)) == ["report"]


def test_a_clerks_phone_task_list_shows_whistles_awaiting_their_report(client, blown, township_station, far_station):
    client.force_login(township_station.clerk)
    page = client.get("/m/").content.decode()
    response = blown.responses.get(department=township_station)
    assert 'id="whistles-due"' in page and f'data-response="{response.pk}"' in page
    assert f'href="/cases/{blown.event.number}/#whistles"' in page
    services.whistle_report(actor=township_station.clerk, response=response)
    assert 'id="whistles-due"' not in client.get("/m/").content.decode()  # reported: off the list
    other = UserFactory(username="xa-clerk", roles=["department_staff"])
    far_station.memberships.create(user=other)
    client.force_login(other)
    assert 'id="whistles-due"' not in client.get("/m/").content.decode()  # not summoned
