"""Open311 GeoReport v2 at /open311/v2/: every JSON answer validates against the GeoReport schemas
(tests/events/open311_schema/), every XML answer parses and uses the spec's element names, filing
goes through the common intake, and bad input is a 4xx in the spec's error format."""

import json
from datetime import datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from events.choices import Source
from events.models import Event, EventLog
from events.services import event_transition
from govgrid.apikeys import api_key_create, api_key_revoke
from tests.events.conftest import GRID

pytestmark = pytest.mark.django_db
BASE = "/open311/v2/"
SCHEMAS = Path(__file__).resolve().parent / "open311_schema"
REGISTRY = Registry().with_resources(
    (p.name, Resource.from_contents(json.loads(p.read_text()), default_specification=DRAFT7))
    for p in SCHEMAS.glob("*.json")
)
DATETIME_FIELDS = {"requested_datetime", "updated_datetime", "expected_datetime", "changeset"}

# The element names of the spec, per root element (XML is "schemaless", so this is the check).
REQUEST_ELEMENTS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
    "token",
    "account_id",
}
XML_ELEMENTS = {
    "discovery": {
        "changeset",
        "contact",
        "key_service",
        "endpoints",
        "endpoint",
        "specification",
        "url",
        "type",
        "formats",
        "format",
    },
    "services": {
        "service",
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    },
    "service_definition": {
        "service_code",
        "attributes",
        "attribute",
        "variable",
        "code",
        "datatype",
        "required",
        "datatype_description",
        "order",
        "description",
        "values",
        "value",
        "key",
        "name",
    },
    "service_requests": {"request"} | REQUEST_ELEMENTS,
    "errors": {"error", "code", "description"},
}


def validate(data, schema: str):
    """Validate against a schema file; date-times are checked here (ISO 8601 with a zone), since
    jsonschema's format checker needs packages this project does not install."""
    validator = Draft7Validator({"$ref": schema}, registry=REGISTRY)
    errors = sorted(validator.iter_errors(data), key=str)
    assert not errors, errors[0]

    def walk(value):
        if isinstance(value, dict):
            for k, v in value.items():
                if k in DATETIME_FIELDS and v is not None:
                    assert datetime.fromisoformat(v).tzinfo is not None, (k, v)
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(data)
    return data


def xml(response, root: str) -> ElementTree.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    text = response.content.decode()
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    tree = ElementTree.fromstring(response.content)
    assert tree.tag == root
    names = {e.tag for e in tree.iter()} - {root}
    assert names <= XML_ELEMENTS[root], names - XML_ELEMENTS[root]
    return tree


def as_json(response, schema: str, status: int = 200):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return validate(response.json(), schema)


def spec_error(client, method, url, expected, **data):
    """The same refusal in JSON and in XML, both in the spec's error format."""
    json_response = getattr(client, method)(f"{BASE}{url}.json", data)
    body = as_json(json_response, "errors.json", expected)
    assert body[0]["code"] == expected
    xml_response = getattr(client, method)(f"{BASE}{url}.xml", data)
    assert xml_response.status_code == expected
    tree = xml(xml_response, "errors")
    assert tree.findtext("error/code") == str(expected) and tree.findtext("error/description")
    return body[0]["description"]


@pytest.fixture
def key(db):
    return api_key_create(name="city app", scopes=["open311"])[1]


@pytest.fixture
def post(client, key, spot):
    """POST a service request of exposed garbage (0102) at `spot`; keyword arguments override."""

    def _post(fmt="json", **over):
        data = {
            "api_key": key,
            "service_code": "0102",
            "lat": str(spot.y),
            "long": str(spot.x),
            "description": "小区门口垃圾堆了三天",
            "attribute[VOLUME]": "cart",
        }
        data.update(over)
        return client.post(f"{BASE}requests.{fmt}", {k: v for k, v in data.items() if v is not None})

    return _post


# --- discovery and services ---------------------------------------------------------------------


def test_discovery_json_and_xml(client):
    body = as_json(client.get(f"{BASE}discovery.json"), "discovery.json")
    endpoint = body["endpoints"][0]
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    tree = xml(client.get(f"{BASE}discovery.xml"), "discovery")
    assert [f.text for f in tree.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]


def test_services_are_the_minor_categories_grouped_by_major_class(client):
    body = as_json(client.get(f"{BASE}services.json", HTTP_ACCEPT_LANGUAGE="en"), "services.json")
    by_code = {s["service_code"]: s for s in body}
    assert "01" not in by_code and {"0101", "0102", "0901"} <= set(by_code)
    assert by_code["0102"]["group"] == by_code["0101"]["group"] == "City appearance"
    assert by_code["0102"]["service_name"] == "Exposed garbage"
    assert by_code["0102"]["metadata"] is True and by_code["0101"]["metadata"] is False
    assert {s["type"] for s in body} == {"realtime"}
    assert {"暴露垃圾", "Exposed garbage", "环境卫生"} <= set(by_code["0102"]["keywords"].split(", "))
    tree = xml(client.get(f"{BASE}services.xml"), "services")
    xml_codes = [s.findtext("service_code") for s in tree.findall("service")]
    assert xml_codes == [s["service_code"] for s in body]
    assert tree.find("service[service_code='0102']/metadata").text == "true"


def test_service_definition_lists_attributes_with_values(client):
    body = as_json(client.get(f"{BASE}services/0102.json"), "service-definition.json")
    assert body["service_code"] == "0102"
    volume, kind = body["attributes"]
    assert (volume["code"], volume["datatype"], volume["required"], volume["order"]) == (
        "VOLUME",
        "singlevaluelist",
        True,
        1,
    )
    assert [v["key"] for v in volume["values"]] == ["bag", "cart", "truck"]
    assert kind["datatype"] == "multivaluelist" and kind["required"] is False
    tree = xml(client.get(f"{BASE}services/0102.xml"), "service_definition")
    assert [k.text for k in tree.findall("attributes/attribute[code='VOLUME']/values/value/key")] == [
        "bag",
        "cart",
        "truck",
    ]
    # A category without extra questions has an empty definition.
    assert as_json(client.get(f"{BASE}services/0101.json"), "service-definition.json")["attributes"] == []


def test_unknown_service_code_is_404(client):
    assert "9999" in spec_error(client, "get", "services/9999", 404)
    spec_error(client, "get", "services/01", 404)  # a major class is a group, not a service


def test_unknown_resources_and_methods_answer_in_the_spec_format(client):
    spec_error(client, "get", "nothing-here", 404)
    assert client.get(f"{BASE}services.csv").status_code == 404
    response = client.post(f"{BASE}services.json")
    assert response.status_code == 405 and response.json()[0]["code"] == 405


# --- filing -------------------------------------------------------------------------------------


def test_post_files_a_routed_case_through_the_common_intake(client, post, department, grid):
    response = post(**{"attribute[KIND][]": ["bulky", "household"]}, media_url="https://img.example.org/a.jpg")
    body = as_json(response, "post-response.json")
    number = body[0]["service_request_id"]
    event = Event.objects.get(number=number)
    assert event.source == Source.OPEN311 and event.status == "reported"
    assert event.grid == grid and event.suggested_department == department
    assert event.attributes == {"VOLUME": "cart", "KIND": ["bulky", "household"]}
    assert event.media_url == "https://img.example.org/a.jpg"
    assert EventLog.objects.get(event=event, action="report").data["via"] == "open311:city app"
    assert body[0]["service_notice"]

    tree = xml(post(fmt="xml", description="又一堆"), "service_requests")
    assert Event.objects.filter(number=tree.findtext("request/service_request_id")).exists()
    assert tree.find("request/token") is None


def test_post_locates_by_address_id_and_by_an_address_naming_a_grid(post, grid):
    by_id = post(lat=None, long=None, address_id=GRID).json()[0]["service_request_id"]
    assert Event.objects.get(number=by_id).grid == grid
    named = post(lat=None, long=None, address_string="丽江市古城区大研街道新华社区第1网格 忠义市场门口")
    event = Event.objects.get(number=named.json()[0]["service_request_id"])
    assert event.grid == grid and event.address.startswith("丽江市")
    assert grid.boundary.contains(event.point)


def test_a_case_filed_by_open311_is_followed_to_closed(client, post, center, department, gridworker):
    number = post().json()[0]["service_request_id"]
    event = Event.objects.get(number=number)
    # The same number in the staff API and on the resident's tracking page.
    client.force_login(center)
    listing = client.get("/api/v1/events/", {"source": "open311"}).json()
    assert [e["number"] for e in listing["results"]] == [number]
    dashboard = client.get("/api/v1/dashboard/").json()  # on the command center's map and feed
    assert number in [e["number"] for e in dashboard["events"]]
    assert number in [e["number"] for e in dashboard["feed"]]
    client.logout()
    track = client.get(f"/track/{event.tracking_code}/")
    assert track.status_code == 200 and number in track.content.decode()

    url = f"{BASE}requests/{number}.json"
    opened = as_json(client.get(url), "requests.json")[0]
    assert opened["status"] == "open" and opened["expected_datetime"] is None
    event = event_transition(event=event, action="accept", actor=center)
    accepted = as_json(client.get(url), "requests.json")[0]
    assert datetime.fromisoformat(accepted["expected_datetime"]) == event.due_at.replace(microsecond=0)
    event = event_transition(event=event, action="dispatch", actor=center, department=department)
    assert as_json(client.get(url), "requests.json")[0]["agency_responsible"] == department.name
    event = event_transition(event=event, action="claim", actor=department.clerk)
    event = event_transition(event=event, action="resolve", actor=department.clerk, result="已清运")
    assert as_json(client.get(url), "requests.json")[0]["status"] == "open"
    event = event_transition(event=event, action="close", actor=gridworker)
    closed = as_json(client.get(url), "requests.json")[0]
    assert closed["status"] == "closed"
    assert datetime.fromisoformat(closed["updated_datetime"]) == event.closed_at.replace(microsecond=0)
    tree = xml(client.get(f"{BASE}requests/{number}.xml"), "service_requests")
    assert tree.findtext("request/status") == "closed"
    assert as_json(client.get(f"{BASE}requests.json", {"status": "closed"}), "requests.json")[0][
        "service_request_id"
    ] == (number)


# --- refusals of POST ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "over, status",
    [
        ({"api_key": None}, 403),
        ({"api_key": "gg_deadbeef_not-the-right-key"}, 403),
        ({"api_key": "nonsense"}, 403),
        ({"service_code": None}, 400),
        ({"service_code": "9999"}, 404),
        ({"service_code": "01"}, 404),
        ({"lat": None, "long": None}, 400),
        ({"long": None}, 400),
        ({"lat": "north"}, 400),
        ({"lat": "39.9", "long": "116.4"}, 400),  # Beijing: outside the platform's area
        ({"lat": None, "long": None, "address_id": "999999"}, 400),
        ({"lat": None, "long": None, "address_string": "某个不存在的地方"}, 400),
        ({"lat": None, "long": None, "address_string": "第1网格"}, 400),  # names many grids
        ({"description": "x" * 4001}, 400),
        ({"attribute[VOLUME]": None}, 400),  # required
        ({"attribute[VOLUME]": "ocean"}, 400),  # not a value of the list
        ({"attribute[NOPE]": "1"}, 400),
        ({"attribute": "x"}, 400),
        ({"media_url": "javascript:alert(1)"}, 400),
        ({"phone": "call me"}, 400),
        ({"jurisdiction_id": "sfgov.org"}, 404),
        ({"jurisdiction_id": "530127"}, 400),  # a real root, but the point lies in the other county
    ],
)
def test_bad_posts_are_refused_in_the_spec_format_and_save_nothing(post, over, status):
    before = Event.objects.count()
    for fmt in ("json", "xml"):
        response = post(fmt=fmt, **over)
        assert response.status_code == status, response.content
        if fmt == "json":
            validate(response.json(), "errors.json")
            assert response.json()[0]["code"] == status
        else:
            assert xml(response, "errors").findtext("error/code") == str(status)
    assert Event.objects.count() == before


def test_revoked_and_out_of_scope_keys_are_403(post):
    rest_only = api_key_create(name="dashboard", scopes=["read"])[1]
    assert post(api_key=rest_only).status_code == 403
    key, raw = api_key_create(name="old app", scopes=["open311"])
    assert post(api_key=raw).status_code == 200
    api_key_revoke(key=key)
    assert post(api_key=raw).status_code == 403
    expired, raw = api_key_create(name="trial", scopes=["open311"], expires_at=timezone.now() - timedelta(days=1))
    assert post(api_key=raw).status_code == 403


def test_a_json_body_is_refused(client, key, spot):
    body = {"api_key": key, "service_code": "0102", "lat": spot.y, "long": spot.x}
    response = client.post(f"{BASE}requests.json", json.dumps(body), content_type="application/json")
    assert response.status_code == 400 and not Event.objects.exists()


def test_per_key_rate_limit(post):
    limited = api_key_create(name="flood", scopes=["open311"], rate_limit=2)[1]
    codes = [post(api_key=limited).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert Event.objects.count() == 2


def test_jurisdiction_id_is_accepted_and_checked(client, post):
    assert post(jurisdiction_id="530702").status_code == 200
    assert len(as_json(client.get(f"{BASE}requests.json", {"jurisdiction_id": "530702"}), "requests.json")) == 1
    assert as_json(client.get(f"{BASE}requests.json", {"jurisdiction_id": "530127"}), "requests.json") == []
    spec_error(client, "get", "services", 404, jurisdiction_id="530702002")  # not a root


# --- reading ------------------------------------------------------------------------------------


def test_get_requests_filters(client, post, report):
    first = post().json()[0]["service_request_id"]
    second = post(service_code="0101", **{"attribute[VOLUME]": None}).json()[0]["service_request_id"]
    old = report()
    Event.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=120))

    def numbers(**params):
        return [r["service_request_id"] for r in as_json(client.get(f"{BASE}requests.json", params), "requests.json")]

    assert numbers() == [second, first]  # newest first; the 120-day-old case is outside the default window
    assert numbers(service_code="0102") == [first]
    assert numbers(service_code="0101,0102") == [second, first]
    assert numbers(status="closed") == []
    assert numbers(status="open,closed") == [second, first]
    # service_request_id overrides every other argument, the window included.
    assert set(numbers(service_request_id=f"{first},{old.number}", status="closed")) == {first, old.number}
    start = (timezone.now() - timedelta(days=130)).isoformat()
    end = (timezone.now() - timedelta(days=100)).isoformat()
    assert numbers(start_date=start, end_date=end) == [old.number]
    assert numbers(start_date=timezone.localdate().isoformat()) == [second, first]


@pytest.mark.parametrize(
    "params, status",
    [
        ({"start_date": "yesterday"}, 400),
        ({"end_date": "2026-13-01T00:00:00Z"}, 400),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, 400),  # > 90 days
        ({"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"}, 400),
        ({"status": "pending"}, 400),
        ({"service_code": "9999"}, 404),
        ({"service_request_id": "abc"}, 400),
        ({"service_request_id": ",".join(["1"] * 201)}, 400),
        ({"jurisdiction_id": "nowhere"}, 404),
    ],
)
def test_bad_queries_are_refused_in_the_spec_format(client, params, status):
    spec_error(client, "get", "requests", status, **params)


def test_unknown_request_and_token_are_404(client):
    spec_error(client, "get", "requests/202601010001", 404)
    spec_error(client, "get", "tokens/NOSUCHTOKEN", 404)


def test_token_is_the_tracking_code(client, post):
    number = post().json()[0]["service_request_id"]
    code = Event.objects.get(number=number).tracking_code
    body = as_json(client.get(f"{BASE}tokens/{code.lower()}.json"), "token-response.json")
    assert body == [{"service_request_id": number, "token": code}]
    tree = xml(client.get(f"{BASE}tokens/{code}.xml"), "service_requests")
    assert tree.findtext("request/service_request_id") == number


def test_get_answers_hold_no_personal_data(client, post, report):
    post(
        first_name="三",
        last_name="张",
        phone="13912345678",
        email="zhang@example.org",
        account_id="u-778899",
        device_id="dev-556677",
        description="我是张三，电话13912345678，门口垃圾没人管",
        address_string="新华社区12号",
    )
    dispute = report(category="0901", description="邻居王五占用楼道", phone="13700001111", name="李四")
    hotline = report(source=Source.HOTLINE, description="市民赵六来电反映垃圾", phone="13600002222")
    texts = []
    for fmt in ("json", "xml"):
        for url in ("requests", f"requests/{dispute.number}", f"requests/{hotline.number}"):
            response = client.get(f"{BASE}{url}.{fmt}")
            assert response.status_code == 200
            texts.append(response.content.decode())
    text = "\n".join(texts)
    for personal in ("13912345678", "5678", "1111", "2222", "zhang@", "u-778899", "dev-556677", "王五", "李四", "赵六"):
        assert personal not in text, personal
    for event in Event.objects.all():
        assert event.tracking_code not in text
    by_number = {r["service_request_id"]: r for r in client.get(f"{BASE}requests.json").json()}
    assert by_number[dispute.number]["description"] is None and by_number[dispute.number]["lat"] is None
    assert by_number[hotline.number]["description"] is None
    filed = next(r for n, r in by_number.items() if n not in (dispute.number, hotline.number))
    assert filed["description"] == "我是张三，电话***，门口垃圾没人管" and filed["lat"] is not None


def test_get_requests_query_count_is_pinned(client, post, django_assert_max_num_queries):
    for _ in range(5):
        post()
    with django_assert_max_num_queries(2):
        assert len(client.get(f"{BASE}requests.json").json()) == 5


def test_staff_see_the_answers_and_media_link_on_the_case_page(client, post, center):
    response = post(**{"attribute[KIND][]": ["bulky"]}, media_url="https://img.example.org/b.jpg")
    number = response.json()[0]["service_request_id"]
    client.force_login(center)
    page = client.get(f"/cases/{number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count("data-attribute") == 2
    assert 'id="media-url" href="https://img.example.org/b.jpg"' in page
    assert "一三轮车以内" in page or "Up to a tricycle load" in page


PRINTABLE = st.text(st.characters(codec="utf-8"), max_size=30)
POST_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "api_key": st.sampled_from(["", "gg_x_y", "KEY"]) | PRINTABLE,
        "service_code": st.sampled_from(["0102", "0101", "01", "0901"]) | PRINTABLE,
        "lat": st.sampled_from(["26.87", "nan", "-inf", "1e999", "", "39.9"]) | PRINTABLE,
        "long": st.sampled_from(["100.23", "inf", "", "116.4"]) | PRINTABLE,
        "address_string": st.sampled_from(["大研街道新华社区第1网格", "%_%", "第1网格"]) | PRINTABLE,
        "address_id": st.sampled_from([GRID, "530702", "0" * 40]) | PRINTABLE,
        "description": st.text(max_size=50),
        "media_url": st.sampled_from(["https://a.example/b.jpg", "ftp://x", "http://"]) | PRINTABLE,
        "phone": PRINTABLE,
        "jurisdiction_id": st.sampled_from(["530702", "530127", "x"]) | PRINTABLE,
        "attribute[VOLUME]": st.sampled_from(["bag", "ocean"]) | PRINTABLE,
        "attribute[KIND][]": st.lists(PRINTABLE, max_size=3),
        "attribute[X": PRINTABLE,
    },
)
GET_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "start_date": st.sampled_from(["2026-11-01", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"])
        | PRINTABLE,
        "end_date": st.sampled_from(["2026-11-22T00:00:00Z", "9999-12-31", "0001-01-01"]) | PRINTABLE,
        "status": st.sampled_from(["open", "closed", "open,closed", "OPEN", ""]) | PRINTABLE,
        "service_code": st.sampled_from(["0102", "0102,0101", "9999"]) | PRINTABLE,
        "service_request_id": st.sampled_from(["202611220001", "1,2,3"]) | PRINTABLE,
        "jurisdiction_id": st.sampled_from(["530702", "nowhere"]) | PRINTABLE,
    },
)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_generated_input_never_gets_a_server_error(client, key, fmt):
    """Hypothesis throws odd values at POST and GET requests: the answer is a success or a 4xx in
    the spec's format, never a 5xx (and never a half-saved case)."""

    @hypothesis_settings(max_examples=60, derandomize=True, deadline=None, database=None)
    @given(post_data=POST_FIELDS, get_data=GET_FIELDS)
    def run(post_data, get_data):
        post_data = {k: (key if v == "KEY" else v) for k, v in post_data.items()}
        before = Event.objects.count()
        posted = client.post(f"{BASE}requests.{fmt}", post_data)
        assert posted.status_code in (200, 400, 403, 404, 429), posted.content
        if posted.status_code != 200:
            assert Event.objects.count() == before
        got = client.get(f"{BASE}requests.{fmt}", get_data)
        assert got.status_code in (200, 400, 404, 429), got.content
        for response in (posted, got):
            if fmt == "json" and response.status_code >= 400:
                validate(response.json(), "errors.json")
            elif fmt == "xml":
                ElementTree.fromstring(response.content)

    run()
