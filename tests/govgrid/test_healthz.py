import pytest
from django.db import connections


@pytest.mark.django_db
def test_healthz_reports_each_part(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"]["status"] == "ok"
    assert body["database"]["vendor"] == connections["default"].vendor
    assert set(body) == {"status", "database", "redis", "celery"}
    assert body["status"] in ("ok", "degraded")


@pytest.fixture
def database_down(transactional_db):
    """Point the default connection at a database that cannot be reached, then restore it."""
    conn = connections["default"]
    saved_settings = dict(conn.settings_dict)
    # Keep the open connection aside rather than closing it: an in-memory SQLite test database
    # disappears with its last connection.
    saved_connection, conn.connection = conn.connection, None
    if conn.vendor == "sqlite":
        conn.settings_dict["NAME"] = "/nonexistent-dir/govgrid.sqlite3"
    else:
        conn.settings_dict.update(HOST="127.0.0.1", PORT="1")
    yield
    if conn.connection is not None:
        conn.connection.close()
    conn.connection = saved_connection
    conn.settings_dict.clear()
    conn.settings_dict.update(saved_settings)


def test_healthz_is_503_when_the_database_is_down(client, database_down):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["database"]["status"] == "down"
