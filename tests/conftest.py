import pytest

from tests.factories import UserFactory


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


@pytest.fixture
def nobody(db):
    """Signed in, but holding no role."""
    return UserFactory(username="norole", roles=[])
