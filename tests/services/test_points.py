"""Service points: inside the deployment only, validated hours, and "near me" sorted by real
(ellipsoidal) distance on SpatiaLite and PostGIS alike."""

import pytest
from django.contrib.gis.geos import Point
from django.utils import translation

from services.admin import ServicePointForm
from services.choices import PointKind
from services.models import ServicePoint
from services.selectors import WALK_RADIUS_M, points_near
from services.services import ServiceError, service_point_create

from .conftest import vincenty

pytestmark = pytest.mark.django_db
HOURS = "Mon-Fri 09:00-12:00,14:30-18:00"


def make(name, lng, lat, kind=PointKind.COMMUNITY_STATION, hours=HOURS):
    return service_point_create(actor=None, name=name, kind=kind, point=Point(lng, lat, srid=4326), hours_text=hours)


@pytest.fixture
def origin(db):
    """A position in 祥和街道 with the whole county around it for several kilometres."""
    return Point(100.3, 26.9, srid=4326)


@pytest.fixture
def ring(origin):
    """Points around the origin. East 1000 m and north 1080 m are a trap for distances in degrees:
    at 26.9° a degree of longitude is shorter than one of latitude, so in degrees the north point
    looks nearer, in metres the east one is."""
    x, y = origin.x, origin.y
    offsets = {  # name: (dlng, dlat) in degrees
        "east-1000": (0.010065, 0.0),
        "north-1080": (0.0, 0.009753),
        "southwest-420": (-0.0030, -0.0027),
        "north-250": (0.0, 0.00226),
        "west-2600": (-0.02617, 0.0),
    }
    return {name: make(name, x + dx, y + dy) for name, (dx, dy) in offsets.items()}


def test_near_me_is_sorted_by_geodesic_distance(origin, ring):
    near = points_near(origin=origin)
    expected = sorted(ring.values(), key=lambda sp: vincenty(origin, sp.point))
    assert [sp.name for sp in near] == [sp.name for sp in expected]
    assert [sp.name for sp in near][:4] == ["north-250", "southwest-420", "east-1000", "north-1080"]
    for sp in near:
        assert sp.distance.m == pytest.approx(vincenty(origin, sp.point), abs=1.0)
    assert near[2].distance.m < near[3].distance.m  # metres, not degrees
    assert abs(near[2].point.x - origin.x) > abs(near[3].point.y - origin.y)


def test_radius_keeps_the_15_minute_circle(origin, ring):
    assert WALK_RADIUS_M == 1250  # 15 minutes at 5 km/h
    inside = points_near(origin=origin, radius_m=WALK_RADIUS_M)
    assert [sp.name for sp in inside] == ["north-250", "southwest-420", "east-1000", "north-1080"]
    assert inside[0].walk_minutes == 3  # 250 m at 83.3 m a minute
    assert [sp.name for sp in points_near(origin=origin, radius_m=300)] == ["north-250"]


def test_kind_filter_and_inactive_points(origin, ring):
    make("食堂", origin.x + 0.001, origin.y, kind=PointKind.CANTEEN, hours="Daily 07:00-19:00")
    assert [sp.name for sp in points_near(origin=origin, kind=PointKind.CANTEEN)] == ["食堂"]
    ServicePoint.objects.filter(name="north-250").update(active=False)
    assert [sp.name for sp in points_near(origin=origin)][:2] == ["食堂", "southwest-420"]


def test_a_point_records_its_grid_and_parsed_hours(grid):
    sp = make("新华社区党群服务中心", grid.label_point.x, grid.label_point.y)
    assert sp.grid.code == grid.code
    assert sp.hours["sat"] == [] and sp.hours["mon"] == [["09:00", "12:00"], ["14:30", "18:00"]]


def test_a_point_outside_the_deployment_is_refused():
    with pytest.raises(ServiceError) as exc:
        make("昆明某站", 102.71, 25.04)  # Kunming, outside both imported counties
    assert exc.value.field == "point"
    assert not ServicePoint.objects.exists()


def test_malformed_hours_are_refused_and_nothing_saved(origin):
    with pytest.raises(ServiceError) as exc:
        make("站", origin.x, origin.y, hours="Mon-Fri 9-5")
    assert exc.value.field == "hours_text"
    assert not ServicePoint.objects.exists()


def test_admin_form_refuses_outside_points_and_bad_hours(origin):
    form = ServicePointForm(
        data={
            "name": "x",
            "kind": "clinic",
            "point": "SRID=4326;POINT (102.71 25.04)",
            "hours_text": HOURS,
            "active": True,
        }
    )
    assert not form.is_valid() and "point" in form.errors
    form = ServicePointForm(
        data={"name": "x", "kind": "clinic", "point": origin.ewkt, "hours_text": "always", "active": True}
    )
    assert not form.is_valid() and "hours_text" in form.errors
    form = ServicePointForm(
        data={"name": "x", "kind": "clinic", "point": origin.ewkt, "hours_text": HOURS, "active": True}
    )
    assert form.is_valid(), form.errors
    assert form.save().grid.code == "530702003005011"


def test_demo_points_all_lie_inside_and_cover_every_township():
    from grids.models import Grid
    from services.demo import demo_service_points_create

    demo_service_points_create(county_code="530702")
    townships = set(Grid.objects.filter(code__startswith="530702", level=9).values_list("code", flat=True))
    points = ServicePoint.objects.select_related("grid")
    assert points.count() > 100
    assert {sp.grid.code[:9] for sp in points.filter(kind="township_centre")} == townships
    assert all(sp.grid.code.startswith("530702") for sp in points)
    assert demo_service_points_create(county_code="530702") and points.count() == ServicePoint.objects.count()


def test_api_near_me_and_geojson(client, origin, ring):
    body = client.get("/api/v1/services/points/", {"lat": origin.y, "lng": origin.x, "radius": 1250}).json()
    assert [p["name"] for p in body] == ["north-250", "southwest-420", "east-1000", "north-1080"]
    assert body[0]["distance_m"] == pytest.approx(vincenty(origin, ring["north-250"].point), abs=1.0)
    for bad in ({"lat": "x", "lng": 100}, {"lat": 26.8, "lng": 100.2, "radius": "0"}, {"kind": "spa"}):
        assert client.get("/api/v1/services/points/", bad).status_code == 400
    geo = client.get("/api/v1/services/points.geojson")
    assert geo["Content-Type"] == "application/geo+json"
    assert len(geo.json()["features"]) == 5


def test_nearby_page_lists_points_by_distance(client, origin, ring):
    page = client.get("/services/nearby/", {"lat": origin.y, "lng": origin.x})
    assert page.status_code == 200
    html = page.content.decode()
    order = [html.index(f'data-id="{ring[n].pk}"') for n in ("north-250", "southwest-420", "east-1000", "west-2600")]
    assert order == sorted(order)
    assert html.count("svc-in-circle") == 4
    assert client.get("/services/nearby/", {"lat": "abc", "lng": "1"}).status_code == 200  # shows the error, no list


def test_chinese_hours_are_stored_as_typed_and_parsed_like_english(origin):
    sp = make(
        "社区食堂", origin.x, origin.y, kind=PointKind.CANTEEN, hours=" 周一至周五 9:00-12:00，14:30-18:00；节假日休息 "
    )
    assert sp.hours_text == "周一至周五 9:00-12:00，14:30-18:00；节假日休息"
    english = make("站", origin.x + 0.001, origin.y)
    assert {k: v for k, v in sp.hours.items() if k != "holiday"} == english.hours and sp.hours["holiday"] == []
    sp.refresh_from_db()
    assert sp.hours["mon"] == [["09:00", "12:00"], ["14:30", "18:00"]]


def test_bad_chinese_hours_are_refused_in_chinese_and_nothing_saved(client, admin_user, origin):
    with translation.override("zh-hans"), pytest.raises(ServiceError) as exc:
        make("站", origin.x, origin.y, hours="周一至周五 上午九点")
    assert exc.value.field == "hours_text" and "开放时间" in str(exc.value) and "上午九点" in str(exc.value)
    assert not ServicePoint.objects.exists()
    # The admin form shows the same message on the field, not a server error.
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    response = client.post(
        "/admin/services/servicepoint/add/",
        {"name": "站", "kind": "clinic", "point": origin.ewkt, "hours_text": "周八 9:00-17:00", "active": "on"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    html = response.content.decode()
    assert response.status_code == 200 and "errorlist" in html and "开放时间：无法识别 &#x27;周八&#x27;" in html
    assert not ServicePoint.objects.exists()


def test_admin_form_takes_chinese_hours(origin):
    form = ServicePointForm(
        data={"name": "x", "kind": "clinic", "point": origin.ewkt, "hours_text": "工作日 8:30-17:30", "active": True}
    )
    assert form.is_valid(), form.errors
    assert form.save().hours["fri"] == [["08:30", "17:30"]]


def test_pages_and_api_show_hours_in_the_page_language(client, origin):
    make("英文站", origin.x, origin.y, hours="Mon-Fri 09:00-12:00,14:30-18:00; Sun closed")
    make("中文站", origin.x + 0.001, origin.y, hours="周一至周五 9:00-18:00；周六 9:00-12:00")
    nearby = {"lat": origin.y, "lng": origin.x}
    zh = client.get("/services/nearby/", nearby, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "周一至周五 09:00-12:00，14:30-18:00" in zh and "Mon-Fri" not in zh
    assert "周一至周五 9:00-18:00；周六 9:00-12:00" in zh  # typed in Chinese: shown as typed
    en = client.get("/services/nearby/", nearby, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Mon-Fri 09:00-12:00,14:30-18:00; Sun closed" in en  # as typed, as before
    assert "Mon-Fri 09:00-18:00; Sat 09:00-12:00" in en and "周一" not in en
    features = client.get("/api/v1/services/points.geojson", HTTP_ACCEPT_LANGUAGE="zh-hans").json()["features"]
    labels = {f["properties"]["name"]: f["properties"]["hours_label"] for f in features}
    assert labels["英文站"] == "周一至周五 09:00-12:00，14:30-18:00"
    assert features[0]["properties"]["hours_text"] in (
        "Mon-Fri 09:00-12:00,14:30-18:00; Sun closed",
        "周一至周五 9:00-18:00；周六 9:00-12:00",
    )


def test_nearby_page_gives_walking_minutes_only_for_walkable_distances(client, origin, ring):
    far = make("far-27km", origin.x, origin.y - 0.24)  # about 26.6 km south
    html = client.get("/services/nearby/", {"lat": origin.y, "lng": origin.x}, HTTP_ACCEPT_LANGUAGE="en").content
    html = html.decode()
    card = html[html.index(f'data-id="{far.pk}"') :].split("</li>")[0]
    assert "26.6 km" in card and "min walk" not in card
    card = html[html.index(f'data-id="{ring["west-2600"].pk}"') :].split("</li>")[0]
    assert "31 min walk" in card  # 2.6 km is still a walk


def test_nearby_page_lists_the_nearest_ten_with_the_legend_by_the_map(client, origin):
    for n in range(15):
        make(f"p{n}", origin.x + 0.02 + n * 0.005, origin.y)  # 2 km and further: outside the circle
    html = client.get("/services/nearby/", {"lat": origin.y, "lng": origin.x}).content.decode()
    listed = html.split('id="nearby-list"')[1].split("</ol>")[0]
    assert listed.count('class="pub-card svc-point') == 10 and 'id="show-more"' in html
    assert html.index('id="svc-legend"') < html.index('id="nearby-list"')  # by the map, not after the cards
    more = client.get("/services/nearby/", {"lat": origin.y, "lng": origin.x, "all": "1"}).content.decode()
    assert more.split('id="nearby-list"')[1].split("</ol>")[0].count('class="pub-card svc-point') == 15
    assert 'id="show-more"' not in more
