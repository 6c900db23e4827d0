"""proxy_stats: handled, on-time rate and satisfaction per township and grid, scoped, JSON-ready."""

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from grids.models import Grid
from services.models import ProxyRequest
from services.selectors import proxy_stats, township_coverage
from services.services import proxy_request_create, proxy_transition
from tests.conftest import seat
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def finish(request, worker, *, action="complete", rating=None):
    for step, details in (
        ("accept", {}),
        ("collect", {"materials": request.item.materials}),
        ("submit", {"submitted_to": "便民服务中心"}),
        (action, {"result": "结果"}),
    ):
        request = proxy_transition(request=request, action=step, actor=worker, **details)
    if rating:
        request = proxy_transition(
            request=request, action="rate", actor=None, tracking_code=request.code, satisfaction=rating
        )
    return request


@pytest.fixture
def data(home, gridworker, other_worker):
    """大研: three requests (two on time rated 5 and 3, one late, not rated) and one open; 西安: one."""
    xian_home = Grid.objects.get(code="530702001001001").boundary.point_on_surface
    finish(proxy_request_create(item="MZ004", phone="13900000001", point=home), gridworker, rating=5)
    finish(proxy_request_create(item="YB002", phone="13900000002", point=home), gridworker, action="fail", rating=3)
    late = finish(proxy_request_create(item="SB003", phone="13900000003", point=home), gridworker)
    ProxyRequest.objects.filter(pk=late.pk).update(due_at=late.finished_at - timedelta(hours=1))
    proxy_request_create(item="JS001", phone="13900000004", point=home)
    finish(proxy_request_create(item="MZ004", phone="13900000005", point=xian_home), other_worker, rating=4)


def test_per_township_for_the_county(data):
    county = seat(UserFactory(username="county-cc", roles=["command_center"]), "530702")
    stats = proxy_stats(user=county)
    json.dumps(stats)  # plain JSON types only
    by_code = {g["code"]: g for g in stats["groups"]}
    assert set(by_code) == {"530702001", "530702002"}
    dayan = by_code["530702002"]
    assert dayan["name"] == "大研街道"
    assert (dayan["requests"], dayan["open"], dayan["handled"], dayan["completed"], dayan["on_time"]) == (4, 1, 3, 2, 2)
    assert dayan["on_time_rate"] == pytest.approx(0.667, abs=0.001)
    assert dayan["satisfaction"] == 4.0 and dayan["rated"] == 2
    assert stats["total"]["requests"] == 5 and stats["total"]["satisfaction"] == 4.0
    assert stats["total"]["on_time_rate"] == 0.75


def test_per_grid_and_scoped_to_the_township(data, township_center):
    stats = proxy_stats(user=township_center, by="grid")
    assert [g["code"] for g in stats["groups"]] == ["530702002001001"]
    assert stats["total"]["requests"] == 4


def test_date_range_and_api(client, data, township_center):
    today = timezone.localdate()
    assert proxy_stats(user=township_center, date_from=today + timedelta(days=1))["total"]["requests"] == 0
    client.force_login(township_center)
    body = client.get("/api/v1/services/stats/", {"by": "township", "date_from": today.isoformat()}).json()
    assert body["groups"][0]["code"] == "530702002" and body["total"]["handled"] == 3
    assert client.get("/api/v1/services/stats/", {"by": "street"}).status_code == 400
    assert client.get("/api/v1/services/stats/", {"date_from": "yesterday"}).status_code == 400


def test_narrowed_to_one_area_of_the_jurisdiction(client, data):
    """The dashboard's 代办 panel follows its drill-down: only that area's requests."""
    county = seat(UserFactory(username="county-cc2", roles=["command_center"]), "530702")
    assert proxy_stats(user=county, grid="530702001")["total"]["requests"] == 1
    client.force_login(county)
    assert client.get("/api/v1/services/stats/", {"grid": "530702002"}).json()["total"]["requests"] == 4
    assert client.get("/api/v1/services/stats/", {"grid": "5307x"}).status_code == 400
    assert client.get("/api/v1/services/stats/", {"grid": "530703"}).status_code == 400  # not in the jurisdiction


def test_nothing_to_count():
    nobody = UserFactory(username="nobody-svc", roles=["command_center"])
    assert proxy_stats(user=nobody) == {
        "by": "township",
        "date_from": None,
        "date_to": None,
        "total": {
            "code": "",
            "name": "",
            "requests": 0,
            "open": 0,
            "overdue": 0,
            "handled": 0,
            "completed": 0,
            "on_time": 0,
            "rated": 0,
            "on_time_rate": None,
            "satisfaction": None,
        },
        "groups": [],
    }


def test_without_leaving_the_village_per_township(client):
    from services.choices import PointKind
    from services.models import ServiceItem
    from services.services import service_point_create

    community = Grid.objects.get(code="530702002001")
    station = service_point_create(
        actor=None,
        name="新华社区党群服务中心",
        kind=PointKind.PARTY_CENTRE,
        point=community.label_point,
        hours_text="Mon-Fri 09:00-18:00",
    )
    station.items.set(ServiceItem.objects.filter(code__in=["MZ004", "MZ001", "YB002"]))  # YB002 is online anyway
    rows = {r["code"]: r for r in township_coverage()}
    online = ServiceItem.objects.filter(online=True, active=True).count()
    total = ServiceItem.objects.filter(active=True).count()
    assert rows["530702002"]["without_leaving_village"] == online + 2
    assert rows["530702001"]["without_leaving_village"] == online
    assert rows["530702002"]["share"] == round((online + 2) / total, 3)
    assert client.get("/api/v1/services/coverage/").json()[0]["items"] == total
