"""API keys: hashed at rest, shown once in admin, scoped, rate limited per key, revocable; the REST
API takes them (`Authorization: Token <key>`) beside the session."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from events.services import event_report
from govgrid.apikeys import api_key_create, api_key_revoke
from govgrid.models import ApiKey
from grids.models import Grid
from tests.conftest import seat
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(db):
    """Command-center staff of 大研街道: a key acting for them sees that township only."""
    return seat(UserFactory(username="key-owner", roles=["command_center"]), "530702002")


def auth(raw, scheme="Token"):
    return {"HTTP_AUTHORIZATION": f"{scheme} {raw}"}


def test_only_a_hash_of_the_key_is_stored(owner):
    key, raw = api_key_create(name="hotline", scopes=["read"], owner=owner)
    assert raw.startswith(f"gg_{key.prefix}_") and len(raw) > 40
    stored = ApiKey.objects.filter(pk=key.pk).values().get()
    assert raw not in repr(stored)
    assert stored["hashed_key"] == hashlib.sha256(raw.encode()).hexdigest()


def test_token_authentication_acts_as_the_owner_within_their_jurisdiction(client, owner):
    raw = api_key_create(name="hotline", scopes=["read"], owner=owner)[1]
    for scheme in ("Token", "Api-Key", "token"):
        response = client.get("/api/v1/grids/", {"level": 9}, **auth(raw, scheme))
        assert response.status_code == 200
        assert [g["code"] for g in response.json()["results"]] == ["530702002"]
    assert client.get("/api/v1/grids/530702001/", **auth(raw)).status_code == 404  # outside: as if absent
    assert ApiKey.objects.get(prefix=raw.split("_")[1]).last_used_at is not None


def test_a_read_key_may_not_write_and_a_write_key_may(client, owner):
    grid = Grid.objects.get(code="530702002001001")
    event = event_report(
        source="public_form", category="0102", description="垃圾", point=grid.boundary.point_on_surface
    )[0]
    read_only = api_key_create(name="viewer", scopes=["read"], owner=owner)[1]
    url = f"/api/v1/events/{event.number}/actions/"
    refused = client.post(url, {"action": "accept"}, content_type="application/json", **auth(read_only))
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    writer = api_key_create(name="hotline", scopes=["read", "write"], owner=owner)[1]
    # No CSRF token is needed: the key is not a cookie.
    accepted = client.post(url, {"action": "accept"}, content_type="application/json", **auth(writer))
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    event.refresh_from_db()
    assert event.log.get(action="accept").actor == owner


@pytest.mark.parametrize("problem", ["wrong", "revoked", "expired", "open311 only", "no owner", "two words"])
def test_unusable_keys_are_refused(client, owner, problem):
    raw = api_key_create(name="k", scopes=["read"], owner=owner)[1]
    if problem == "wrong":
        raw = raw[:-4] + "AAAA"
    elif problem == "revoked":
        api_key_revoke(key=ApiKey.objects.get())
    elif problem == "expired":
        ApiKey.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    elif problem == "open311 only":
        raw = api_key_create(name="app", scopes=["open311"], owner=owner)[1]
    elif problem == "no owner":
        raw = api_key_create(name="orphan", scopes=["read"])[1]
    elif problem == "two words":
        raw = f"{raw} extra"
    response = client.get("/api/v1/grids/", **auth(raw))
    assert response.status_code == 403
    body = response.json()
    assert set(body) == {"detail", "code"} and body["code"] == "authentication_failed"


def test_per_key_hourly_limit(client, owner):
    raw = api_key_create(name="feed", scopes=["read"], owner=owner, rate_limit=3)[1]
    codes = [client.get("/api/v1/categories/", **auth(raw)).status_code for _ in range(2)]  # public: key unused
    codes += [client.get("/api/v1/grids/", **auth(raw)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 200, 200, 429]
    other = api_key_create(name="other", scopes=["read"], owner=owner)[1]
    assert client.get("/api/v1/grids/", **auth(other)).status_code == 200


def test_session_authentication_still_works(client, owner):
    client.force_login(owner)
    assert client.get("/api/v1/grids/", {"level": 9}).json()["count"] == 1


def test_admin_shows_the_key_once_and_revokes(client, owner):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        "/admin/govgrid/apikey/add/",
        {"name": "12345 hotline", "owner": owner.pk, "scopes": ["read", "open311"], "rate_limit": 500},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    key = ApiKey.objects.get(name="12345 hotline")
    # The page after saving shows the key; no later page does.
    first = client.get(response["Location"]).content.decode()
    raw = re.search(r"gg_[0-9a-f]{8}_[\w-]+", first).group(0)
    assert hashlib.sha256(raw.encode()).hexdigest() == key.hashed_key and key.scopes == ["read", "open311"]
    again = client.get(f"/admin/govgrid/apikey/{key.pk}/change/").content.decode()
    assert raw not in again and key.prefix in again
    client.logout()
    assert client.get("/api/v1/grids/", **auth(raw)).status_code == 200
    client.force_login(admin)
    client.post("/admin/govgrid/apikey/", {"action": "revoke", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert key.revoked_at is not None
    client.logout()
    assert client.get("/api/v1/grids/", **auth(raw)).status_code == 403


def test_admin_refuses_a_rest_key_without_an_account(client):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post("/admin/govgrid/apikey/add/", {"name": "x", "scopes": ["write"], "rate_limit": 10})
    assert response.status_code == 200 and not ApiKey.objects.exists()
