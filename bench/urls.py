"""The project's URLs plus GET /bench/bare/: a JSON answer with no database, cache or template, the
floor under every request the same server process can serve (see bench/intake.py).

`BENCH_INTAKE_VARIANT` (comma-separated, unset in normal runs) swaps in, for a what-if row of
bench/intake.py only, a change to the intake that the benchmark measures but production does not
have (yet); the names are in `VARIANTS`. Nothing changes without it.

Not a benchmark itself: bench/run.py loads every bench/*.py and calls its main(), so this module
has a main() that does nothing, and builds the URLs only once Django's settings are configured.
"""

import logging
import os
import threading

from asgiref.sync import async_to_sync
from django.conf import settings

log = logging.getLogger(__name__)
_number = threading.local()


def main() -> None:
    """Nothing to run: this is the URLconf of bench/settings.py."""


def _live_one_loop() -> None:
    """govgrid.live.send_now, but every group of a message in one async_to_sync call: one event loop
    and one Redis connection per message instead of one per group (six for a unit grid)."""
    from channels.layers import get_channel_layer

    from govgrid import live

    def send_now(groups: list[str], message: dict) -> None:
        layer = get_channel_layer()

        async def send_all() -> None:
            for group in groups:
                await layer.group_send(group, {"type": "live.message", "message": message})

        try:
            async_to_sync(send_all)()
        except Exception:  # a push is a hint, as in govgrid.live
            log.exception("live push to %s failed", groups)

    live.send_now = send_now


def _live_off() -> None:
    """No push at all: not a proposal (dashboards need it) but the upper bound of what any change to
    the push can save."""
    from govgrid import live

    live.send_now = lambda groups, message: None


NUMBER_SQL = (
    "INSERT INTO events_dailysequence (day, last) VALUES (%s, 1)"
    " ON CONFLICT (day) DO UPDATE SET last = events_dailysequence.last + 1 RETURNING last"
)


def _number_first() -> None:
    """The case number taken by one upsert in autocommit before event_report's transaction opens,
    instead of three queries inside it: the row lock of the day's counter then lasts one statement,
    not the rest of the intake up to its COMMIT (numbers may then have gaps when an intake fails)."""
    from django.db import connection
    from django.utils import timezone

    from events import services

    original_report, original_number = services.event_report, services._next_number

    def event_report(**kwargs):
        if connection.in_atomic_block:  # inside a caller's transaction: no gain, keep the original
            return original_report(**kwargs)
        day = timezone.localdate()
        with connection.cursor() as cursor:
            cursor.execute(NUMBER_SQL, [day])
            (last,) = cursor.fetchone()
        _number.value = (day, f"{day:%Y%m%d}{last:04d}")
        try:
            return original_report(**kwargs)
        finally:
            _number.value = None

    def next_number(day) -> str:
        taken = getattr(_number, "value", None)
        return taken[1] if taken and taken[0] == day else original_number(day)

    services.event_report, services._next_number = event_report, next_number


VARIANTS = {"live-one-loop": _live_one_loop, "live-off": _live_off, "number-first": _number_first}

if settings.configured:  # loaded as the URLconf (bench/run.py only looks for main())
    from django.http import JsonResponse
    from django.urls import path

    from govgrid.urls import handler403, handler404, handler500, urlpatterns  # noqa: F401

    urlpatterns = [*urlpatterns, path("bench/bare/", lambda request: JsonResponse({"ok": True}))]
    for _name in filter(None, os.environ.get("BENCH_INTAKE_VARIANT", "").split(",")):
        VARIANTS[_name]()
