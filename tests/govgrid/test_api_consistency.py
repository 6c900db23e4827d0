"""/api/v1/ is one API: the same error body, pagination and ordering in every app, and an OpenAPI
schema that drf-spectacular generates without a warning."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from events.services import event_report
from grids.models import Grid

pytestmark = pytest.mark.django_db


def assert_error(response, status, code, fields=()):
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"] and body["code"] == code, body
    for name in fields:
        assert body["fields"][name] and all(isinstance(m, str) for m in body["fields"][name])
    return body


def file_case(category="0102"):
    grid = Grid.objects.get(code="530702002001001")
    return event_report(
        source="public_form", category=category, description="垃圾", point=grid.boundary.point_on_surface
    )[0]


def test_every_app_answers_errors_in_one_shape(client, county_center):
    assert_error(client.get("/api/v1/grids/"), 403, "not_authenticated")
    assert_error(client.get("/api/v1/grids/locate/", {"lat": "x", "lng": "200"}), 400, "invalid", ["lat", "lng"])
    report = client.post("/api/v1/reports/", {"category": "0102", "lat": "north"}, content_type="application/json")
    assert_error(report, 400, "required", ["description", "lat", "lng"])
    assert_error(client.post("/api/v1/reports/", "{oops", content_type="application/json"), 400, "parse_error")
    refused = client.post(
        "/api/v1/reports/",
        json.dumps({"category": "9999", "description": "x", "lat": 26.87, "lng": 100.23}),
        content_type="application/json",
    )
    assert assert_error(refused, 400, "invalid", ["category"])["field"] == "category"  # kept for older clients
    client.force_login(county_center)
    assert_error(client.get("/api/v1/grids/", {"level": "x"}), 400, "invalid", ["level"])
    assert_error(client.get("/api/v1/events/", {"date_from": "soon"}), 400, "invalid", ["date_from"])
    assert_error(client.get("/api/v1/grids/999999999/"), 404, "not_found")
    assert_error(client.get("/api/v1/events/202601019999/"), 404, "not_found")
    event = file_case()
    url = f"/api/v1/events/{event.number}/actions/"
    assert_error(client.post(url, {"action": "close"}, content_type="application/json"), 409, "conflict")
    assert_error(
        client.post(url, {"action": "fly"}, content_type="application/json"), 400, "invalid_choice", ["action"]
    )


def test_lists_paginate_and_order_alike(client, county_center):
    client.force_login(county_center)
    first, second = file_case(), file_case("0101")
    page = client.get("/api/v1/events/", {"limit": 1}).json()
    assert set(page) == {"count", "next", "previous", "results"} and page["count"] == 2
    assert [e["number"] for e in page["results"]] == [second.number] and "offset=1" in page["next"]
    oldest = client.get("/api/v1/events/", {"ordering": "created_at"}).json()["results"]
    assert [e["number"] for e in oldest] == [first.number, second.number]
    grids = client.get("/api/v1/grids/", {"level": 9, "ordering": "-code", "limit": 3}).json()
    codes = [g["code"] for g in grids["results"]]
    assert codes == sorted(codes, reverse=True) and grids["next"]
    assert_error(client.get("/api/v1/grids/", {"ordering": "password"}), 400, "invalid", ["ordering"])
    assert_error(client.get("/api/v1/events/", {"ordering": "reporter_phone_encrypted"}), 400, "invalid", ["ordering"])


def test_openapi_schema_has_no_warnings_and_documents_keys_and_errors():
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", stdout=out)
    schema = json.loads(out.getvalue())
    assert schema["components"]["securitySchemes"]["apiKey"]["name"] == "Authorization"
    assert {"detail", "code", "fields"} <= set(schema["components"]["schemas"]["Error"]["properties"])
    events = schema["paths"]["/api/v1/events/"]["get"]
    assert {"cookieAuth", "apiKey"} <= {name for item in events["security"] for name in item}
    assert "ordering" in {p["name"] for p in events["parameters"]}
    assert events["responses"]["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
