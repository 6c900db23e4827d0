"""schemathesis against /api/schema/: every operation of the REST API is called with generated
input, signed in as staff (session) and with an API key, and must never answer 5xx.

Runs in plain `make test`: deterministic (derandomized) and bounded (MAX_EXAMPLES per operation
and way of signing in)."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from events.services import event_report
from govgrid.apikeys import api_key_create
from govgrid.wsgi import application
from grids.models import Grid
from tests.conftest import seat
from tests.factories import UserFactory

MAX_EXAMPLES = 25


@pytest.fixture
def staff(db):
    return seat(UserFactory(username="fuzz-center", roles=["command_center"]), "530702")


@pytest.fixture
def keep_connection():
    """The real WSGI handler closes the database connection around each request, which on
    PostgreSQL would close the test's transaction; Django's test client holds it open the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("keep_connection")
def test_no_operation_answers_a_server_error(client, staff, settings):
    settings.PUBLIC_REPORT_RATE = 100000
    grid = Grid.objects.get(code="530702002001001")
    events = [
        event_report(source="public_form", category=c, description="fuzz", point=grid.boundary.point_on_surface)[0]
        for c in ("0102", "0901", "0501")
    ]
    # Half the generated calls use a real case, grid or tracking code, so the fuzzing goes past the 404.
    real = {
        "number": [e.number for e in events],
        "code": [grid.code, "530702", "530702002"],
        "tracking": [e.tracking_code for e in events],
    }
    client.force_login(staff)
    csrf = "c" * 32  # a CSRF secret of our own, sent as cookie and header, so session writes get through
    session = ({"X-CSRFToken": csrf}, {"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf})
    raw = api_key_create(name="fuzz", scopes=["read", "write"], owner=staff, rate_limit=100000)[1]
    ways = {"session": session, "api key": ({"Authorization": f"Token {raw}"}, {})}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for way, (headers, cookies) in ways.items():
            try:
                fuzz(operation, headers, cookies, real)()
            except AssertionError as exc:
                failures.append(f"{way} {operation.label}: {exc}")  # every operation is still tried
    assert operations >= 8, operations
    assert not failures, failures[:5]


def fuzz(operation, headers, cookies, real):
    """A Hypothesis test calling `operation` with generated input; fails on a 5xx answer."""

    @hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), pick=st.none() | st.integers(0, 2))
    def call(case, pick):
        if pick is not None and case.path_parameters:
            for name in case.path_parameters:
                key = "tracking" if operation.path.startswith("/api/v1/reports/") else name
                case.path_parameters[name] = real.get(key, [case.path_parameters[name]] * 3)[pick]
        response = case.call(headers=headers, cookies=cookies)
        assert response.status_code < 500, (
            f"{response.status_code} for {case.method} {case.formatted_path} "
            f"query={case.query} body={case.body!r}: {response.text[:300]}"
        )

    return call
