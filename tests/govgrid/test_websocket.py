import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing.websocket import WebsocketCommunicator
from django.conf import settings

from govgrid import live
from govgrid.asgi import application


def _connect(cookie: str | None):
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, "/ws/dashboard/", headers=headers)


def _session_cookie(client, user) -> str:
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


@pytest.mark.django_db(transaction=True)
def test_signed_in_staff_is_accepted_and_receives_pushes(client, dispatcher):
    cookie = _session_cookie(client, dispatcher)

    async def scenario():
        communicator = _connect(cookie)
        connected, _ = await communicator.connect()
        assert connected
        hello = await communicator.receive_json_from()
        assert hello["type"] == "hello"
        assert live.user_group(dispatcher.pk) in hello["groups"]
        await communicator.send_json_to({"type": "ping"})
        assert (await communicator.receive_json_from())["type"] == "pong"
        from channels.layers import get_channel_layer

        await get_channel_layer().group_send(
            live.user_group(dispatcher.pk), {"type": "live.message", "message": {"type": "alert.raised", "id": 7}}
        )
        assert await communicator.receive_json_from() == {"type": "alert.raised", "id": 7}
        await communicator.disconnect()

    async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_dashboard_joins_the_jurisdiction_root_and_gets_subtree_pushes(client, dispatcher):
    from tests.conftest import import_county, seat

    import_county("530127", grids_per_community=(1, 1))  # an earlier transactional test may have flushed it
    seat(dispatcher, "530127001")
    cookie = _session_cookie(client, dispatcher)

    async def scenario():
        communicator = _connect(cookie)
        assert (await communicator.connect())[0]
        hello = await communicator.receive_json_from()
        assert hello["groups"] == [live.user_group(dispatcher.pk), "grid.530127001"]
        # A change deep in the subtree reaches the root's group; a sibling township's does not.
        await sync_to_async(live.send_now)(live.grid_groups("530127002001001"), {"type": "event.updated", "id": 1})
        await sync_to_async(live.send_now)(live.grid_groups("530127001001001"), {"type": "event.updated", "id": 2})
        assert await communicator.receive_json_from() == {"type": "event.updated", "id": 2}
        assert await communicator.receive_nothing()
        await communicator.disconnect()

    async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_anonymous_is_refused():
    async def scenario():
        connected, code = await _connect(None).connect()
        assert not connected
        assert code == 4401

    async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_user_without_a_role_is_refused(client, nobody):
    cookie = _session_cookie(client, nobody)

    async def scenario():
        connected, code = await _connect(cookie).connect()
        assert not connected
        assert code == 4403

    async_to_sync(scenario)()


def test_grid_groups_cover_every_ancestor():
    assert live.grid_groups("530702001001003") == [
        "grid.53",
        "grid.5307",
        "grid.530702",
        "grid.530702001",
        "grid.530702001001",
        "grid.530702001001003",
    ]
