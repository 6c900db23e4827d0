"""Live pushes: sent only after commit, and heard only inside one's jurisdiction."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing.websocket import WebsocketCommunicator
from django.conf import settings
from django.db import transaction
from django.test import Client, TestCase

from govgrid import live
from govgrid.asgi import application
from tests.conftest import import_county, seat
from tests.dispatch.conftest import Listener
from tests.factories import UserFactory

COMMUNITY, OTHER_COMMUNITY = "530127001001", "530127001002"


def _communicator(user, origin=b"http://localhost"):
    client = Client()  # one client a user: logging in again on a client ends its earlier session
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    headers = [(b"origin", origin), (b"host", b"localhost"), (b"cookie", cookie.encode())]
    return WebsocketCommunicator(application, "/ws/dashboard/", headers=headers)


@pytest.mark.django_db(transaction=True)
def test_a_community_never_hears_another_community_and_the_county_hears_all():
    import_county("530127", grids_per_community=(1, 1))  # a transactional test may have flushed it
    community_user = seat(UserFactory(username="c-user", roles=["command_center"]), COMMUNITY)
    county_user = seat(UserFactory(username="county-user", roles=["command_center"]), "530127")
    mine, county = _communicator(community_user), _communicator(county_user)

    async def scenario():
        for c in (mine, county):
            assert (await c.connect())[0]
            await c.receive_json_from()  # hello
        for n, code in enumerate((OTHER_COMMUNITY + "001", COMMUNITY + "001", "530127002001001")):
            await sync_to_async(live.send_now)(live.grid_groups(code), {"type": "event.updated", "n": n})
        assert await mine.receive_json_from() == {"type": "event.updated", "n": 1}
        assert await mine.receive_nothing(timeout=0.3)
        assert [(await county.receive_json_from())["n"] for _ in range(3)] == [0, 1, 2]
        for c in (mine, county):
            await c.disconnect()

    async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_a_forged_origin_is_refused():
    import_county("530127", grids_per_community=(1, 1))
    user = seat(UserFactory(username="cc", roles=["command_center"]), "530127")

    forged = _communicator(user, origin=b"http://evil.example")

    async def scenario():
        connected, _ = await forged.connect()
        assert not connected

    async_to_sync(scenario)()


@pytest.mark.django_db
def test_nothing_is_pushed_for_a_rolled_back_change(report, center):
    listener = Listener(live.grid_group("530702"))
    with TestCase.captureOnCommitCallbacks(execute=True):
        try:
            with transaction.atomic():
                report()
                raise RuntimeError("the write fails after the case was saved")
        except RuntimeError:
            pass
    assert listener.messages() == []
    listener = Listener(live.grid_group("530702"))  # the same change, committed, is pushed
    with TestCase.captureOnCommitCallbacks(execute=True):
        event = report()
    assert [(m["type"], m["event"]["number"]) for m in listener.messages()] == [("event.created", event.number)]


@pytest.mark.django_db
def test_a_supervision_order_is_pushed_to_the_dashboards_above_the_case(case_in, run_scan):
    event = case_in("dispatched")
    listener = Listener(live.grid_group("530702002"))
    run_scan(event.due_at)
    pushed = [m for m in listener.messages() if m["type"] == "supervision.issued"]
    assert [m["supervision"]["event"] for m in pushed] == [event.pk]
