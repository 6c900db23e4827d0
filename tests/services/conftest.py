import math

import pytest
from django.contrib.gis.geos import Point

from grids.models import Grid
from tests.conftest import seat
from tests.factories import UserFactory

GRID = "530702002001001"  # 大研街道 新华社区 第1网格
OTHER_TOWNSHIP_GRID = "530702001001001"  # 西安街道


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def catalogue(db):
    """The starting catalogue (the migration seeds it; a transactional test's flush removes it)."""
    from services.catalogue import catalogue_seed

    catalogue_seed()


@pytest.fixture
def grid(db):
    return Grid.objects.get(code=GRID)


@pytest.fixture
def home(grid):
    """Where the resident lives: a point inside the demo unit grid."""
    return grid.boundary.point_on_surface


@pytest.fixture
def gridworker(db):
    return seat(UserFactory(username="w-xinhua", roles=["grid_worker"]), GRID, "full_time")


@pytest.fixture
def chief(db):
    return seat(UserFactory(username="c-xinhua", roles=["grid_worker"]), GRID, "grid_chief")


@pytest.fixture
def other_worker(db):
    """A worker of a grid in another township."""
    return seat(UserFactory(username="w-xian", roles=["grid_worker"]), OTHER_TOWNSHIP_GRID, "full_time")


@pytest.fixture
def township_center(db):
    return seat(UserFactory(username="dayan-cc", roles=["command_center"]), "530702002")


@pytest.fixture
def other_center(db):
    return seat(UserFactory(username="xian-cc", roles=["command_center"]), "530702001")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="svc-admin", roles=["admin"])


@pytest.fixture
def eager_celery():
    from govgrid.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


def vincenty(a: Point, b: Point) -> float:
    """Geodesic distance in metres on WGS 84 (Vincenty's inverse formula), an independent check of
    the databases' ellipsoidal distances."""
    f = 1 / 298.257223563
    semi_major = 6378137.0
    semi_minor = (1 - f) * semi_major
    lon = math.radians(b.x - a.x)
    u1, u2 = math.atan((1 - f) * math.tan(math.radians(a.y))), math.atan((1 - f) * math.tan(math.radians(b.y)))
    sin_u1, cos_u1, sin_u2, cos_u2 = math.sin(u1), math.cos(u1), math.sin(u2), math.cos(u2)
    lam = lon
    for _ in range(200):
        sin_lam, cos_lam = math.sin(lam), math.cos(lam)
        sin_sigma = math.hypot(cos_u2 * sin_lam, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam)
        if sin_sigma == 0:
            return 0.0
        cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
        sigma = math.atan2(sin_sigma, cos_sigma)
        sin_alpha = cos_u1 * cos_u2 * sin_lam / sin_sigma
        cos2_alpha = 1 - sin_alpha**2
        cos_2sm = cos_sigma - 2 * sin_u1 * sin_u2 / cos2_alpha if cos2_alpha else 0
        c = f / 16 * cos2_alpha * (4 + f * (4 - 3 * cos2_alpha))
        previous = lam
        lam = lon + (1 - c) * f * sin_alpha * (
            sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1 + 2 * cos_2sm**2))
        )
        if abs(lam - previous) < 1e-12:
            break
    u_sq = cos2_alpha * (semi_major**2 - semi_minor**2) / semi_minor**2
    big_a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
    big_b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
    delta = (
        big_b
        * sin_sigma
        * (
            cos_2sm
            + big_b
            / 4
            * (
                cos_sigma * (-1 + 2 * cos_2sm**2)
                - big_b / 6 * cos_2sm * (-3 + 4 * sin_sigma**2) * (-3 + 4 * cos_2sm**2)
            )
        )
    )
    return semi_minor * big_a * (sigma - delta)
