from pathlib import Path

import pytest

from tests.factories import UserFactory

DATA = Path(__file__).resolve().parent.parent / "grids" / "data"
# The two real counties every test sees: 古城区 as the demo has it, 嵩明县 with fewer grids.
COUNTIES = {"530702": (8, 11), "530127": (2, 4)}


def import_county(code: str, **kwargs):
    """Import a county; also restores the migrations' reference data (categories, holidays), which
    a transactional test's flush removes."""
    from events.catalogue import category_seed
    from events.worktime import holiday_seed
    from grids.services import divisions_import

    category_seed()
    holiday_seed(years=[2025, 2026])
    kwargs.setdefault("grids_per_community", COUNTIES[code])
    kwargs.setdefault("seed", 1)
    return divisions_import(
        csv_text=(DATA / f"{code}.csv").read_text(encoding="utf-8"),
        boundary_text=(DATA / f"{code}.boundary.geojson").read_text(encoding="utf-8"),
        **kwargs,
    )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Import both real counties once; tests run inside transactions on top of them."""
    with django_db_blocker.unblock():
        for code in COUNTIES:
            import_county(code)


def pytest_addoption(parser):
    parser.addoption(
        "--integration", action="store_true", help="also run tests that need real PostGIS, Redis and a Celery worker"
    )


def pytest_collection_modifyitems(config, items):
    if config.getoption("--integration"):
        return
    kept, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker("integration") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture
def dispatcher(db):
    """Command-center staff."""
    return UserFactory(username="dispatcher", roles=["command_center"])


@pytest.fixture
def worker(db):
    return UserFactory(username="gridworker", roles=["grid_worker"])


@pytest.fixture
def clerk(db):
    return UserFactory(username="deptclerk", roles=["department_staff"])


def seat(user, code: str, role: str = "command_seat"):
    from grids.models import Grid, Membership

    Membership.objects.create(user=user, grid=Grid.objects.get(code=code), role=role)
    return user


@pytest.fixture
def county_center(db):
    """Command-center staff of 古城区."""
    return seat(UserFactory(username="county-center", roles=["command_center"]), "530702")


@pytest.fixture
def township_center(db):
    """Command-center staff of 大研街道 (530702002) only."""
    return seat(UserFactory(username="dayan-center", roles=["command_center"]), "530702002")


@pytest.fixture
def nobody(db):
    """Signed in, but holding no role."""
    return UserFactory(username="norole", roles=[])


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached GeoJSON must not leak from one test into another."""
    from django.core.cache import cache

    cache.clear()
    yield
