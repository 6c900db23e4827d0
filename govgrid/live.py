"""Push to dashboards: typed messages to channel groups, sent only after the transaction commits.

A change in grid 530702001001003 goes to the groups of that code and of every ancestor code, so
a dashboard joins exactly one group, its jurisdiction root, and sees its whole subtree. Messages
are hints: a page reloads its state from the API on (re)connect, so a lost message loses nothing.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)

# Code lengths of the levels province, city, county, township, community, grid, micro-grid.
CODE_LENGTHS = (2, 4, 6, 9, 12, 15, 18)


def grid_group(code: str) -> str:
    return f"grid.{code}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def grid_groups(code: str) -> list[str]:
    """The group of a grid code and of each of its ancestors, root first."""
    return [grid_group(code[:n]) for n in CODE_LENGTHS if n <= len(code)]


def send_now(groups: list[str], message: dict) -> None:
    """Send at once; use `publish` inside transactions. One event-loop hop for all the groups
    (bench/intake.py: a hop per group cost 25 ms of CPU for a unit grid's six groups)."""
    layer = get_channel_layer()

    async def send_all():
        for group in groups:
            try:
                await layer.group_send(group, {"type": "live.message", "message": message})
            except Exception:  # a push is a hint: never let a broken channel layer break a write
                log.exception("live push to %s failed", group)

    try:
        async_to_sync(send_all)()
    except RuntimeError:  # called from a thread running an event loop: a hint is dropped, not the write
        log.exception("live push to %s failed", groups)


def publish(groups: list[str], message: dict) -> None:
    """Queue a typed message (`{"type": "event.updated", ...}`) for after the current commit."""
    transaction.on_commit(lambda: send_now(groups, message))
