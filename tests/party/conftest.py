import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from grids.models import Grid
from party import services
from party.choices import MemberKind, OrgKind
from tests.conftest import seat
from tests.factories import UserFactory

TOWNSHIP = "530702002"  # 大研街道
COMMUNITY = "530702002001"  # 新华社区
GRID = "530702002001001"  # its first unit grid
OTHER_COMMUNITY = "530702002002"  # 新义社区, same township
OTHER_TOWNSHIP = "530702001"  # 西安街道


def id_number(seq: int, born: str = "19800101") -> str:
    """A made-up ID number with a valid check digit."""
    body = f"530702{born}{seq % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(body, services.ID_WEIGHTS, strict=True))
    return body + services.ID_CHECK[total % 11]


def photo(name="done.jpg", exif=None) -> SimpleUploadedFile:
    buf = io.BytesIO()
    image = Image.new("RGB", (64, 48), (30, 120, 60))
    image.save(buf, "JPEG", **({"exif": exif} if exif is not None else {}))
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


@pytest.fixture(autouse=True)
def _fast(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def eager_celery():
    """Tasks in-process even when REDIS_URL is set (PostGIS runs), so inbox rows can be read."""
    from govgrid.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


def grid(code: str) -> Grid:
    return Grid.objects.get(code=code)


@pytest.fixture
def organiser(db):
    """Party organiser of 大研街道."""
    return seat(UserFactory(username="dayan-party", roles=["party_organiser"]), TOWNSHIP, "party_seat")


@pytest.fixture
def other_organiser(db):
    """Party organiser of 西安街道 (another township)."""
    return seat(UserFactory(username="xian-party", roles=["party_organiser"]), OTHER_TOWNSHIP, "party_seat")


@pytest.fixture
def gridworker(db):
    return seat(UserFactory(username="w-party", roles=["grid_worker"]), GRID, "full_time")


@pytest.fixture
def tree(db):
    """街道党工委 → 新华社区党委 → 第1网格党支部, and 新义社区党委 → its first grid's branch."""
    top = services.org_create(actor=None, name="大研街道党工委", kind=OrgKind.WORKING_COMMITTEE, grid=grid(TOWNSHIP))
    xinhua = services.org_create(
        actor=None, name="新华社区党委", kind=OrgKind.COMMUNITY_COMMITTEE, parent=top, grid=grid(COMMUNITY)
    )
    branch = services.org_create(
        actor=None, name="新华第1网格党支部", kind=OrgKind.BRANCH, parent=xinhua, grid=grid(GRID)
    )
    xinyi = services.org_create(
        actor=None, name="新义社区党委", kind=OrgKind.COMMUNITY_COMMITTEE, parent=top, grid=grid(OTHER_COMMUNITY)
    )
    xinyi_branch = services.org_create(
        actor=None, name="新义第1网格党支部", kind=OrgKind.BRANCH, parent=xinyi, grid=grid(OTHER_COMMUNITY + "001")
    )
    return {"top": top, "xinhua": xinhua, "branch": branch, "xinyi": xinyi, "xinyi_branch": xinyi_branch}


@pytest.fixture
def make_member(tree):
    """`make_member(username, org=…, grid=…, kind=…)`: a member on a roster, with an account
    `username` (None: no account)."""
    counter = iter(range(1, 1000))

    def _make(username="m1", *, org=None, home=GRID, kind=MemberKind.REGISTERED, phone="13912345678", **kwargs):
        n = next(counter)
        user = UserFactory(username=username, roles=[]) if username else None
        return services.member_create(
            actor=None,
            name=kwargs.pop("name", f"党员{n}"),
            org=org or tree["branch"],
            home_grid=grid(home),
            phone=phone,
            id_number=kwargs.pop("id_number", id_number(n + 100)),
            kind=kind,
            user=user,
            **kwargs,
        )

    return _make


@pytest.fixture
def wish(db):
    """`wish(**kwargs)`: a resident's wish posted on the public page, in 新华社区 第1网格."""

    def _wish(**kwargs):
        kwargs.setdefault("title", "帮忙修水龙头")
        kwargs.setdefault("grid", grid(GRID))
        kwargs.setdefault("phone", "13800001111")
        kwargs.setdefault("resident_name", "木秀英")
        return services.wish_post(actor=None, **kwargs)

    return _wish
