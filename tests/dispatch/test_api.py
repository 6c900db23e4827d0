"""Command-center API: the dashboard snapshot, statistics, nearest workers, worker positions, alerts."""

import datetime as dt
import math

import pytest
from django.contrib.gis.geos import Point
from django.test import TestCase

from dispatch import services
from govgrid import live
from grids.models import Grid, Membership
from tests.conftest import seat
from tests.dispatch.conftest import NEIGHBOUR, XIAN, XINHUA, Listener, at, earlier_today, make_event, unit_grid
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases():
    make_event(community=XINHUA, created_at=earlier_today(hours=1))
    make_event(
        community=XINHUA, created_at=at(days_ago=2), status="in_progress", accepted_at=at(days_ago=2), overdue=True
    )
    reported = earlier_today(hours=2)
    make_event(
        community=NEIGHBOUR,
        created_at=reported,
        status="closed",
        accepted_at=reported,
        closed_at=earlier_today(hours=1),
    )
    make_event(community=XIAN, created_at=earlier_today(hours=1))


def test_dashboard_snapshot_is_scoped_to_the_jurisdiction(client, cases, center, county_staff):
    client.force_login(center)
    snap = client.get("/api/v1/dashboard/").json()
    assert snap["root"] == "530702002"
    assert {e["grid"][:12] for e in snap["events"]} == {XINHUA}  # open cases only, none of 西安街道
    assert snap["load"][XINHUA] == {"open": 2, "overdue": 1}
    assert XIAN not in snap["load"]
    assert snap["today"]["reported_today"] >= 2 and snap["today"]["overdue_now"] == 1
    assert snap["kpis"]["reported"] == 3
    assert [e["colour"] for e in snap["events"] if e["overdue"]] == ["#d32f2f"]
    client.force_login(county_staff)
    county = client.get("/api/v1/dashboard/").json()
    assert county["root"] == "530702" and county["kpis"]["reported"] == 4
    drilled = client.get(f"/api/v1/dashboard/?grid={XIAN}&parts=figures,charts").json()
    assert drilled["kpis"]["reported"] == 1 and "events" not in drilled
    live = client.get(f"/api/v1/dashboard/?grid={XIAN}&parts=figures").json()
    assert "today" in live and "kpis" not in live  # the 30-day rates come with the shared charts
    assert [p["code"] for p in drilled["path"]] == ["530702", "530702001", XIAN]


@pytest.mark.parametrize(
    "query", ["parts=everything", "parts=map,nothing", "parts=,,", "grid=530702001", "grid=abc", "grid=" + "5" * 19]
)
def test_dashboard_refuses_what_it_cannot_answer(client, center, query):
    client.force_login(center)
    response = client.get(f"/api/v1/dashboard/?{query}")
    assert response.status_code == 400


def test_only_command_staff_read_the_dashboard(client, gridworker):
    assert client.get("/api/v1/dashboard/").status_code == 403
    client.force_login(gridworker)
    assert client.get("/api/v1/dashboard/").status_code == 403
    assert client.get("/api/v1/stats/").status_code == 403
    assert client.get("/dashboard/").status_code == 403


def test_stats_api_answers_and_refuses(client, cases, center):
    client.force_login(center)
    report = client.get("/api/v1/stats/").json()
    assert report["kpis"]["reported"] == 3
    assert {"trend", "categories", "levels", "heat", "grids", "departments", "hot_hours", "hot_areas"} <= set(report)
    for bad in (
        "date_from=2026-02-30",
        "date_from=2026-11-20&date_to=2026-11-01",
        "grid=530702001",
        "category=zz",
        "department=x",
        "date_from=2000-01-01",
    ):
        response = client.get(f"/api/v1/stats/?{bad}")
        assert response.status_code == 400, bad
        assert response.json()


# --- nearest workers -------------------------------------------------------------------------------


def offset(lat, lng, north_m=0.0, east_m=0.0):
    """A point `north_m` and `east_m` metres away (small distances, spherical Earth)."""
    dlat = north_m / 6371008.8 * 180 / math.pi
    dlng = east_m / (6371008.8 * math.cos(math.radians(lat))) * 180 / math.pi
    return lat + dlat, lng + dlng


def placed(username, code, lat, lng, on_duty=True):
    user = seat(UserFactory(username=username, roles=["grid_worker"]), code, "full_time")
    Membership.objects.filter(user=user).update(last_position=Point(lng, lat, srid=4326), on_duty=on_duty)
    return user


def test_nearby_lists_on_duty_workers_nearest_first(client, center):
    origin = unit_grid(XINHUA).label_point
    lat, lng = origin.y, origin.x
    grid = unit_grid(XINHUA).code
    placed("far", grid, *offset(lat, lng, north_m=1500))
    placed("near", grid, *offset(lat, lng, east_m=400))
    placed("mid", grid, *offset(lat, lng, north_m=-700, east_m=700))  # ≈ 990 m
    placed("outside-radius", grid, *offset(lat, lng, north_m=2600))
    placed("off-duty", grid, *offset(lat, lng, east_m=100), on_duty=False)
    placed("other-township", unit_grid(XIAN).code, *offset(lat, lng, east_m=200))
    client.force_login(center)
    body = client.get(f"/api/v1/workers/nearby/?lat={lat}&lng={lng}").json()
    got = [(w["name"], w["distance_m"]) for w in body["results"]]
    names = [UserFactory._meta.model.objects.get(username=u).first_name for u in ("near", "mid", "far")]
    assert [n for n, _d in got] == names
    for (_n, d), want in zip(got, (400, 990, 1500), strict=True):
        assert d == pytest.approx(want, rel=0.01)
    assert body["radius"] == 2000 and body["count"] == 3
    narrow = client.get(f"/api/v1/workers/nearby/?lat={lat}&lng={lng}&radius=500").json()
    assert narrow["count"] == 1


@pytest.mark.parametrize(
    "query",
    ["", "lat=26.8", "lat=abc&lng=100.2", "lat=91&lng=100", "lat=26&lng=100&radius=0", "lat=26&lng=100&radius=999999"],
)
def test_nearby_refuses_malformed_points(client, center, query):
    client.force_login(center)
    assert client.get(f"/api/v1/workers/nearby/?{query}").status_code == 400


# --- positions --------------------------------------------------------------------------------------


def test_a_worker_reports_a_position_and_dashboards_see_it_move(client, gridworker, grid):
    p = grid.label_point
    listener = Listener(live.grid_group("530702002"), live.grid_group(XIAN))
    client.force_login(gridworker)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            "/api/v1/me/position/", {"lat": p.y, "lng": p.x, "on_duty": True}, content_type="application/json"
        )
    assert response.status_code == 200
    seat_row = Membership.objects.get(user=gridworker)
    assert seat_row.on_duty and seat_row.last_position.equals_exact(Point(p.x, p.y, srid=4326), 1e-9)
    pushed = listener.messages()
    assert [m["type"] for m in pushed] == ["worker.moved"]
    assert pushed[0]["worker"]["user"] == gridworker.pk


@pytest.mark.parametrize(
    "body",
    [
        {"lat": "north", "lng": 100.2},
        {"lat": 26.8},
        {"lat": 200, "lng": 100},
        {"lat": 0.0, "lng": 0.0},
        {"lat": 26.8, "lng": 100.2, "on_duty": "perhaps"},
    ],
)
def test_malformed_positions_are_refused_and_nothing_moves(client, gridworker, body):
    client.force_login(gridworker)
    response = client.post("/api/v1/me/position/", body, content_type="application/json")
    assert response.status_code == 400
    assert Membership.objects.get(user=gridworker).last_position is None


def test_positions_are_for_grid_workers_and_rate_limited(client, center, gridworker, grid):
    client.force_login(center)
    p = grid.label_point
    assert client.post("/api/v1/me/position/", {"lat": p.y, "lng": p.x}).status_code == 403
    client.force_login(gridworker)
    codes = [client.post("/api/v1/me/position/", {"lat": p.y, "lng": p.x}).status_code for _ in range(13)]
    assert codes[:12] == [200] * 12 and codes[12] == 429


# --- alerts ------------------------------------------------------------------------------------------


def test_alerts_are_listed_and_acknowledged_within_the_jurisdiction(client, center, county_staff):
    grid = Grid.objects.get(code=XINHUA)
    alert = services.alert_raise(
        grid_code=grid.code, category_id=make_event().category_id, start=at(1), end=at(0), observed=5, expected=0.5
    )
    other = services.alert_raise(
        grid_code=XIAN, category_id=alert.category_id, start=at(1), end=at(0), observed=5, expected=0.5
    )
    client.force_login(center)
    listed = client.get("/api/v1/alerts/?open=1").json()["results"]
    assert [a["id"] for a in listed] == [alert.pk]
    assert client.post(f"/api/v1/alerts/{other.pk}/acknowledge/").status_code == 404
    assert client.post(f"/api/v1/alerts/{alert.pk}/acknowledge/").json()["acknowledged"] is True
    assert client.post(f"/api/v1/alerts/{alert.pk}/acknowledge/").status_code == 409
    assert client.get("/api/v1/alerts/?open=1").json()["results"] == []


def test_going_off_duty_needs_no_position_and_takes_the_worker_off_the_nearby_list(client, center, gridworker, grid):
    p = grid.label_point
    client.force_login(gridworker)
    assert client.post("/api/v1/me/position/", {"lat": p.y, "lng": p.x, "on_duty": True}).status_code == 200
    client.force_login(center)
    assert client.get(f"/api/v1/workers/nearby/?lat={p.y}&lng={p.x}").json()["count"] == 1
    client.force_login(gridworker)
    assert client.post("/api/v1/me/position/", {"on_duty": False}, content_type="application/json").status_code == 200
    assert client.post("/api/v1/me/position/", {}, content_type="application/json").status_code == 400
    client.force_login(center)
    assert client.get(f"/api/v1/workers/nearby/?lat={p.y}&lng={p.x}").json()["count"] == 0


def test_the_dispatch_form_lists_nearby_workers_with_a_call_link(client, center, gridworker, grid, report):
    from events.services import event_transition

    p = grid.label_point
    Membership.objects.filter(user=gridworker).update(last_position=p, on_duty=True, phone="13900001111")
    event = event_transition(event=report(point=p), action="accept", actor=center)
    client.force_login(center)
    page = client.get(f"/cases/{event.number}/").content.decode()
    assert 'id="nearby-workers"' in page
    assert f'data-user="{gridworker.pk}"' in page and 'href="tel:13900001111"' in page


def test_the_worker_phone_shows_the_duty_switch(client, gridworker):
    client.force_login(gridworker)
    page = client.get("/m/").content.decode()
    assert 'id="duty"' in page and 'data-on="0"' in page


def _charts_total(snap: dict) -> int:
    return sum(c["count"] for c in snap["categories"])


def test_dashboard_charts_are_shared_for_a_while_then_refreshed(client, center, settings, eager_celery):
    """Charts are kept STATS_MAX_AGE seconds for every dashboard of the root; today's
    tiles stay live; an older entry is answered once more while a refresh computes the next."""
    from django.core.cache import cache

    from dispatch.selectors import charts_cache_key

    settings.STATS_MAX_AGE = 60
    make_event(community=XINHUA, created_at=earlier_today(hours=1))
    client.force_login(center)
    url = "/api/v1/dashboard/?parts=figures,charts"
    first = client.get(url).json()
    assert _charts_total(first) == 1 and first["today"]["reported_today"] == 1
    make_event(community=XINHUA, created_at=earlier_today(hours=1))
    second = client.get(url).json()
    assert second["today"]["reported_today"] == 2  # live
    assert _charts_total(second) == 1 and second["charts_at"] == first["charts_at"]  # shared
    key = charts_cache_key(user=center, root="530702002")
    entry = cache.get(key)
    entry["charts_at"] = (dt.datetime.fromisoformat(entry["charts_at"]) - dt.timedelta(seconds=61)).isoformat()
    cache.set(key, entry)
    stale = client.get(url).json()
    assert _charts_total(stale) == 1  # answered at once; the refresh ran (eagerly here) behind it
    fresh = client.get(url).json()
    assert _charts_total(fresh) == 2 and fresh["charts_at"] > first["charts_at"]
    settings.STATS_MAX_AGE = 0
    make_event(community=XINHUA, created_at=earlier_today(hours=1))
    assert _charts_total(client.get(url).json()) == 3  # 0: computed on every load


def test_shared_charts_are_kept_apart_by_jurisdiction(client, center, settings):
    """Two users looking at the same root but allowed different parts of it never share charts."""
    settings.STATS_MAX_AGE = 60
    third = (
        Grid.objects.filter(code__startswith="530702002", level=12)
        .exclude(code__in=[XINHUA, NEIGHBOUR])
        .order_by("code")
        .first()
    )
    make_event(community=third.code, created_at=earlier_today(hours=1))
    make_event(community=XINHUA, created_at=earlier_today(hours=1))
    two_communities = seat(seat(UserFactory(username="two-cc", roles=["command_center"]), XINHUA), NEIGHBOUR)
    url = "/api/v1/dashboard/?parts=charts"
    client.force_login(center)
    whole = client.get(url).json()
    client.force_login(two_communities)
    part = client.get(url).json()
    assert whole["root"] == part["root"] == "530702002"  # same root (the two communities' common one)
    assert _charts_total(whole) == 2 and _charts_total(part) == 1


def test_a_statistics_report_is_shared_per_filter_for_a_while(client, center, settings):
    settings.STATS_MAX_AGE = 60
    make_event(community=XINHUA, created_at=at(days_ago=3))
    client.force_login(center)
    assert client.get("/api/v1/stats/").json()["kpis"]["reported"] == 1
    make_event(community=XINHUA, created_at=at(days_ago=3))
    assert client.get("/api/v1/stats/").json()["kpis"]["reported"] == 1  # the same filter: kept
    assert client.get(f"/api/v1/stats/?grid={XINHUA}").json()["kpis"]["reported"] == 2  # another filter
    settings.STATS_MAX_AGE = 0
    assert client.get("/api/v1/stats/").json()["kpis"]["reported"] == 2
