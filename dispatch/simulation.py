"""A living demo county (`manage.py simulate`): residents and workers report cases through the
day, the command center accepts and dispatches them, workers claim, resolve and verify them,
residents rate them, and on-duty workers walk their grids. Every write goes through the same
services as a person's would; only the clock is the simulation's.

`history(days)` fills the past days quickly (the clock is set to each moment in turn, so
numbers, deadlines and timestamps are those of that moment); `tick()` is one step of the present.
"""

import datetime as dt
import logging
import math
import random
from contextlib import contextmanager
from unittest import mock

from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.utils import timezone

from events.choices import OPEN_STATUSES, Source, Status
from events.deadlines import deadline_scan
from events.models import Category, Event
from events.services import EventError, event_report, event_transition
from govgrid.permissions import COMMAND_CENTER
from grids.choices import Level, MemberRole
from grids.models import Grid, Membership
from grids.services import PositionError, worker_position_update

from .models import Department, DepartmentMember

log = logging.getLogger(__name__)

# Relative weight of each hour of the day for new cases (a quiet night, busy mornings and evenings).
HOURLY = [1, 1, 1, 1, 1, 2, 4, 7, 10, 11, 10, 9, 8, 8, 9, 10, 10, 9, 9, 8, 7, 5, 3, 2]
PLACES = ["小区门口", "巷道口", "菜市场旁", "公交站附近", "学校门口", "停车场", "河道边", "广场东侧", "路口"]
PHRASES = ["，影响居民出行，请尽快处理", "，已持续两天", "，居民反映强烈", "，存在安全隐患", "，请派人查看"]
RESULT = "已到现场处置完毕，恢复正常。"
SOURCES = [Source.WORKER] * 5 + [Source.PUBLIC_FORM] * 3 + [Source.HOTLINE] * 2


@contextmanager
def clock(at: dt.datetime):
    """Run services as if it were `at` (for the history only)."""
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


class Simulation:
    def __init__(self, *, county: str, seed: int | None = None):
        self.rng = random.Random(seed)
        self.county = Grid.objects.filter(code=county).first()
        if self.county is None:
            raise ValueError(f"No grid {county}: import its divisions first.")
        self.grids = list(Grid.objects.filter(code__startswith=county, level=Level.GRID, active_to__isnull=True))
        if not self.grids:
            raise ValueError(f"No unit grids under {county}: import divisions first.")
        self.categories = list(Category.objects.filter(active=True, parent__isnull=False))
        User = get_user_model()
        self.center = (
            User.objects.filter(groups__name=COMMAND_CENTER, memberships__grid__code=county, is_active=True)
            .order_by("pk")
            .first()
        )
        if self.center is None:
            raise ValueError(f"No command-center user seated on {county}: run seed_demo or add one.")
        seats = Membership.objects.filter(grid__in=self.grids).select_related("user", "grid")
        self.workers = {s.grid_id: s.user for s in seats if s.role == MemberRole.FULL_TIME}
        self.chiefs = {s.grid_id: s.user for s in seats if s.role == MemberRole.GRID_CHIEF}
        self.clerks: dict = {}

    # --- pieces ---------------------------------------------------------------------------
    def point_in(self, grid: Grid) -> Point:
        xmin, ymin, xmax, ymax = grid.boundary.extent
        for _ in range(30):
            p = Point(self.rng.uniform(xmin, xmax), self.rng.uniform(ymin, ymax), srid=4326)
            if grid.boundary.contains(p):
                return p
        return grid.label_point

    def report(self) -> Event | None:
        grid = self.rng.choice(self.grids)
        category = self.rng.choice(self.categories)
        source = self.rng.choice(SOURCES)
        actor = self.workers.get(grid.pk) if source == Source.WORKER else None
        text = f"{grid.name}{self.rng.choice(PLACES)}{category.name}{self.rng.choice(PHRASES)}"
        try:
            event, _ = event_report(
                source=source,
                category=category,
                description=text,
                point=self.point_in(grid),
                phone=f"1390000{self.rng.randrange(10000):04d}" if source != Source.WORKER else "",
                actor=actor,
            )
            return event
        except EventError as exc:
            log.warning("simulated report refused: %s", exc.message)
            return None

    def step(self, event: Event) -> bool:
        """Move one case one step along the loop, as the person whose turn it is."""
        worker, chief = self.workers.get(event.grid_id), self.chiefs.get(event.grid_id)
        s, rng = event.status, self.rng
        try:
            if s == Status.REPORTED:
                if rng.random() < 0.05:
                    event_transition(event=event, action="reject", actor=self.center, reason="不属于受理范围")
                else:
                    event_transition(event=event, action="accept", actor=self.center)
            elif s in (Status.ACCEPTED, Status.RETURNED):
                department = self.staffed_department(event)
                if department and s == Status.ACCEPTED and rng.random() < 0.6:
                    event_transition(event=event, action="dispatch", actor=self.center, department=department)
                elif worker:
                    event_transition(event=event, action="dispatch", actor=self.center, worker=worker.pk)
                else:
                    return False
            elif s == Status.DISPATCHED:
                event_transition(event=event, action="claim", actor=self.handler(event, worker))
            elif s == Status.IN_PROGRESS:
                event_transition(
                    event=event,
                    action="resolve",
                    actor=self.handler(event, worker),
                    result="已到现场处置完毕，恢复正常。",
                )
            elif s == Status.RESOLVED:
                if rng.random() < 0.08:
                    event_transition(event=event, action="rework", actor=chief or self.center, reason="处置不到位")
                else:
                    event_transition(event=event, action="close", actor=chief or self.center)
            elif s == Status.CLOSED and event.satisfaction is None and rng.random() < 0.6:
                score = rng.choices([5, 4, 3, 2], weights=[60, 25, 10, 5])[0]
                event_transition(event=event, action="rate", actor=self.center, satisfaction=score)
            else:
                return False
        except EventError as exc:
            log.info("simulated step on %s refused: %s", event.number, exc.message)
            return False
        return True

    def staffed_department(self, event: Event) -> int | None:
        """The department the case would go to, when someone can act for it; else one of the same
        type that has a clerk (in the demo, the county's), as a center may send it up a level."""
        suggested = event.suggested_department
        if suggested is None or self.clerk_of(suggested.pk):
            return suggested and suggested.pk
        staffed = Department.objects.filter(type=suggested.type, memberships__isnull=False).order_by("level")
        return staffed.values_list("pk", flat=True).first()

    def clerk_of(self, department_id):
        if department_id not in self.clerks:
            member = DepartmentMember.objects.filter(department_id=department_id).select_related("user").first()
            self.clerks[department_id] = member.user if member else None
        return self.clerks[department_id]

    def handler(self, event: Event, worker):
        """Who acts for the assignee: the assigned worker, or a clerk of the assigned department."""
        if event.assignee_department_id:
            return self.clerk_of(event.assignee_department_id)
        return event.assignee_user or worker

    def move_workers(self, count: int) -> int:
        """A few on-duty workers take a step (about 30–80 m) inside their grid."""
        moved = 0
        for grid in self.rng.sample(self.grids, min(count, len(self.grids))):
            user = self.workers.get(grid.pk)
            if user is None:
                continue
            seat = Membership.objects.filter(user=user, grid=grid).only("last_position").first()
            here = seat.last_position if seat and seat.last_position else self.point_in(grid)
            there = Point(here.x + self.rng.uniform(-6e-4, 6e-4), here.y + self.rng.uniform(-5e-4, 5e-4), srid=4326)
            if not grid.boundary.contains(there):
                there = self.point_in(grid)
            try:
                worker_position_update(actor=user, lat=there.y, lng=there.x, on_duty=True)
                moved += 1
            except PositionError:
                pass
        return moved

    # --- the present ------------------------------------------------------------------------
    def tick(self, *, seconds: float, rate_per_hour: float) -> dict:
        """One step of `seconds` of the present: new cases at the day's rhythm, some progress on
        open ones, some workers moving."""
        hour = timezone.localtime().hour
        expected = rate_per_hour * seconds / 3600 * HOURLY[hour] * 24 / sum(HOURLY)
        reported = sum(1 for _ in range(_poisson(self.rng, expected)) if self.report())
        # Twenty open cases drawn by the seeded generator (not ORDER BY random(): repeatable, no sort).
        ids = list(
            Event.objects.filter(grid__code__startswith=self.county.code, status__in=OPEN_STATUSES)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        picked = self.rng.sample(ids, min(20, len(ids)))
        open_cases = list(Event.objects.filter(pk__in=picked).select_related("grid", "assignee_user"))
        stepped = sum(1 for e in open_cases if self.rng.random() < 0.25 and self.step(e))
        return {"reported": reported, "stepped": stepped, "moved": self.move_workers(5)}

    # --- the past ----------------------------------------------------------------------------
    def has_history(self) -> bool:
        today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        return Event.objects.filter(grid__code__startswith=self.county.code, created_at__lt=today).exists()

    def history(self, *, days: int, per_day: int) -> int:
        """Fill the last `days` days with about `per_day` cases a day, each taken along the loop
        at plausible moments; a few are left late or open so the figures are not all perfect."""
        now = timezone.now()
        start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(days=days)
        made = 0
        for d in range(days):
            day = start + dt.timedelta(days=d)
            count = max(1, int(self.rng.gauss(per_day, per_day / 5)))
            hours = self.rng.choices(range(24), weights=HOURLY, k=count)
            for at in sorted(day + dt.timedelta(hours=h, minutes=self.rng.uniform(0, 59)) for h in hours):
                with clock(at):
                    event = self.report()
                if event is None:
                    continue
                made += 1
                moment = at
                for _ in range(7):
                    moment += dt.timedelta(hours=self.rng.choice([0.3, 0.5, 1, 2, 4, 8, 30]))
                    if moment >= now:
                        break
                    event.refresh_from_db()
                    with clock(moment):
                        if not self.step(event):
                            break
        deadline_scan(now=now)
        return made


def _poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method (λ is small here)."""
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
