"""Command-center tests: hand-built case sets (rows written directly, so every timestamp is known),
and the shared personas and helpers of the events tests."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from events.models import Category, Event
from grids.models import Grid
from tests.events.conftest import (  # noqa: F401  (fixtures)
    Listener,
    case_in,
    center,
    department,
    eager_celery,
    fast_passwords,
    grid,
    gridworker,
    media_root,
    other_worker,
    report,
    run_scan,
    spot,
)

_numbers = itertools.count(1)

# Two communities of 大研街道 (530702002) and one of 西安街道 (530702001).
XINHUA = "530702002001"
NEIGHBOUR = "530702002002"
XIAN = "530702001001"


def unit_grid(community: str) -> Grid:
    return Grid.objects.filter(code__startswith=community, level=15).order_by("code").first()


def make_event(*, community: str = XINHUA, category: str = "0102", created_at=None, **fields) -> Event:
    """A case row with known timestamps (not through the services: these tests check counting)."""
    home = unit_grid(community)
    n = next(_numbers)
    fields.setdefault("status", "reported")
    return Event.objects.create(
        number=f"T{n:010d}",
        tracking_code=f"TC{n:08d}",
        source="public_form",
        category=Category.objects.get(code=category),
        description="测试",
        point=home.label_point,
        grid=home,
        created_at=created_at or timezone.now(),
        **fields,
    )


def at(days_ago: float = 0, hours: float = 0) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days_ago, hours=hours)


def earlier_today(hours: float) -> dt.datetime:
    """`hours` ago, but never before this local day began (a run just after midnight still counts it today)."""
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return max(at(hours=hours), midnight)


@pytest.fixture
def county_staff(db):
    from tests.conftest import seat
    from tests.factories import UserFactory

    return seat(UserFactory(username="gc-center", roles=["command_center"]), "530702")
