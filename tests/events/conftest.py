import asyncio
import io

import pytest
from asgiref.sync import async_to_sync
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from dispatch.models import Department, DepartmentMember
from events.choices import Source
from events.services import event_report
from grids.models import Grid
from tests.conftest import seat
from tests.factories import UserFactory

GRID = "530702002001001"  # 大研街道 新华社区 第1网格


def photo(name="p.jpg", size=(64, 48), fmt="JPEG", exif=None):
    buf = io.BytesIO()
    image = Image.new("RGB", size, (200, 80, 40))
    if exif is not None:
        image.save(buf, fmt, exif=exif)
    else:
        image.save(buf, fmt)
    return SimpleUploadedFile(name, buf.getvalue(), content_type=f"image/{fmt.lower()}")


@pytest.fixture
def grid(db):
    return Grid.objects.get(code=GRID)


@pytest.fixture
def spot(grid):
    """A point inside the demo unit grid."""
    return grid.boundary.point_on_surface


@pytest.fixture
def center(db):
    """Command-center staff of 大研街道."""
    return seat(UserFactory(username="dayan-cc", roles=["command_center"]), "530702002")


@pytest.fixture
def gridworker(db):
    return seat(UserFactory(username="w-xinhua", roles=["grid_worker"]), GRID, "full_time")


@pytest.fixture
def other_worker(db):
    """A worker of a grid in another township."""
    return seat(UserFactory(username="w-xian", roles=["grid_worker"]), "530702001001001", "full_time")


@pytest.fixture
def department(db):
    """The county's sanitation department, with a head and a clerk."""
    dept = Department.objects.create(
        name="古城区环境卫生管理站", type="环境卫生", level=3, area=Grid.objects.get(code="530702")
    )
    head = UserFactory(username="hw-head", roles=["department_staff"])
    clerk = UserFactory(username="hw-clerk", roles=["department_staff"])
    DepartmentMember.objects.create(department=dept, user=head, is_head=True)
    DepartmentMember.objects.create(department=dept, user=clerk)
    dept.head, dept.clerk = head, clerk
    return dept


@pytest.fixture
def report(spot):
    """File a public report of exposed garbage (0102: 4 working hours, 环境卫生) at `spot`."""

    def _report(**kwargs):
        kwargs.setdefault("source", Source.PUBLIC_FORM)
        kwargs.setdefault("category", "0102")
        kwargs.setdefault("description", "路边有一堆垃圾没人清理")
        kwargs.setdefault("point", spot)
        return event_report(**kwargs)[0]

    return _report


# --- Shared helpers of the service tests (test_transitions, test_permissions, test_intake, test_deadlines,
# --- test_event_log, test_notifications, test_found_bugs). Appended as one block; nothing above is changed.

NEIGHBOUR_GRID = "530702002001002"  # the next unit grid of the same community (新华社区)

# How to reach each status through the services, from a fresh report (the actor of each step is
# resolved by `case_in`): the shortest legal walk through the closed loop.
WALKS = {
    "reported": [],
    "accepted": ["accept"],
    "dispatched": ["accept", "dispatch"],
    "returned": ["accept", "dispatch", "return"],
    "in_progress": ["accept", "dispatch", "claim"],
    "resolved": ["accept", "dispatch", "claim", "resolve"],
    "closed": ["accept", "dispatch", "claim", "resolve", "close"],
    "rejected": ["reject"],
    "merged": ["merge"],
}


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded photos go to a temporary directory, not the project's media/."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return settings.MEDIA_ROOT


@pytest.fixture
def eager_celery():
    """Run Celery tasks in-process, as `make test` configures it (no REDIS_URL).

    `make test-postgis` sets REDIS_URL, which makes `.delay()` publish to a real broker with no
    worker behind it in unit tests: nothing would be delivered, and the queued messages would be
    picked up later by the integration test's worker. Tests that read inbox rows use this."""
    from govgrid.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def neighbour_worker(db):
    """A full-time worker of the next grid in the same community (not the case's grid)."""
    return seat(UserFactory(username="w-neighbour", roles=["grid_worker"]), NEIGHBOUR_GRID, "full_time")


@pytest.fixture
def community_chief(db):
    """The grid chief seated on the community (新华社区), above the case's grid."""
    return seat(UserFactory(username="chief-xinhua", roles=["grid_worker"]), GRID[:12], "grid_chief")


@pytest.fixture
def other_department(db):
    """The county's traffic police: another department, with one clerk."""
    dept = Department.objects.create(
        name="古城区交警大队", type="公安交警", level=3, area=Grid.objects.get(code="530702")
    )
    dept.clerk = UserFactory(username="jj-clerk", roles=["department_staff"])
    DepartmentMember.objects.create(department=dept, user=dept.clerk)
    return dept


@pytest.fixture
def other_center(db):
    """Command-center staff of another township (束河街道 530702001)."""
    return seat(UserFactory(username="xian-cc", roles=["command_center"]), "530702001")


def step_details(action, *, department, into=None) -> dict:
    """Valid details for one action (what a correct caller passes)."""
    return {
        "accept": {},
        "reject": {"reason": "不属于受理范围"},
        "merge": {"into": into},
        "dispatch": {"department": department},
        "claim": {},
        "return": {"reason": "不归我部门管"},
        "resolve": {"result": "已清运完毕"},
        "close": {},
        "rework": {"reason": "现场仍有垃圾"},
        "request_extension": {"hours": 8, "reason": "需要调车"},
        "approve_extension": {},
        "escalate": {"reason": "需要上级协调"},
        "mark_overdue": {},
        "rate": {"satisfaction": 4},
    }[action]


@pytest.fixture
def case_in(report, center, department, gridworker):
    """`case_in(status)`: a case of category 0102 at `spot`, brought to `status` by legal steps
    through `event_transition` (dispatched to `department`, verified by `gridworker`)."""
    from events.services import event_transition

    def actor_of(action):
        return {
            "claim": department.clerk,
            "return": department.clerk,
            "resolve": department.clerk,
            "close": gridworker,
        }.get(action, center)

    def _case_in(status, **report_kwargs):
        event = report(**report_kwargs)
        for action in WALKS[status]:
            into = report(description="同一堆垃圾").number if action == "merge" else None
            event = event_transition(
                event=event,
                action=action,
                actor=actor_of(action),
                **step_details(action, department=department, into=into),
            )
        assert event.status == status
        return event

    return _case_in


@pytest.fixture
def fast_passwords(settings):
    """Personas are created in almost every test; PBKDF2's million rounds would cost ~0.6 s each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class Listener:
    """A channel subscribed to live groups (`govgrid.live`), read after the pushes were sent."""

    def __init__(self, *groups):
        from channels.layers import get_channel_layer

        self.layer = get_channel_layer()
        self.groups = groups
        self.channel = async_to_sync(self._join)()

    async def _join(self):
        channel = await self.layer.new_channel()
        for group in self.groups:
            await self.layer.group_add(group, channel)
        return channel

    def messages(self, wait=0.3) -> list[dict]:
        """Every message received until none comes for `wait` seconds; then leaves the groups."""

        async def drain():
            got = []
            while True:
                try:
                    got.append((await asyncio.wait_for(self.layer.receive(self.channel), wait))["message"])
                except TimeoutError:
                    return got

        try:
            return async_to_sync(drain)()
        finally:
            async_to_sync(self._leave)()

    async def _leave(self):
        for group in self.groups:
            await self.layer.group_discard(group, self.channel)


# What `deadline_scan` returns when it did nothing.
SCAN_NOTHING = {"reminded": 0, "overdue": 0, "supervised": 0, "escalated": 0}


def deadline_marks(event):
    """The (kind, deadline) marks of a case, sorted."""
    from events.models import DeadlineMark

    return sorted(DeadlineMark.objects.filter(event=event).values_list("kind", "deadline"))


@pytest.fixture
def run_scan(django_capture_on_commit_callbacks, eager_celery):
    """`run_scan(now)`: run the deadline scan, then its after-commit work (pushes, inbox deliveries)."""
    from events.deadlines import deadline_scan

    def _scan(now):
        with django_capture_on_commit_callbacks(execute=True):
            return deadline_scan(now=now)

    return _scan
