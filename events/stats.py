"""Statistics of cases (分析研判): the standard assessment formulas, by grid subtree, department,
category and period. Every function takes a queryset already scoped by `stats_events`, so a user
only ever counts cases of their jurisdiction.

The formulas (docs/architecture.md repeats them):

- accepted (立案数): cases of the period that were accepted (not rejected or merged);
- due to close (应结案数): accepted cases that are closed, or whose deadline has passed;
- 结案率 = closed / due to close; 按期结案率 = closed by the deadline / due to close;
- 超期率 = (open past the deadline + closed after it) / due to close;
- 返工率 = closed cases that were reworked at least once / closed;
- 延期率 = accepted cases that were given more time / accepted;
- 满意率 = ratings of 4 or 5 / rated cases;
- response time: report → acceptance; handling time: report → closing (closed cases).
"""

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import Coalesce, Substr, TruncDate, TruncHour
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from govgrid.live import CODE_LENGTHS
from grids.models import Grid
from grids.selectors import code_in_jurisdiction, jurisdiction_q, user_jurisdiction

from .choices import OPEN_STATUSES, Status
from .models import Category, Event, category_name

MAX_DAYS = 731  # two years: longer ranges belong in an export, not a dashboard
DEFAULT_DAYS = 30


class StatsError(ValueError):
    """A filter that cannot be answered; `field` names it (the API answers 400)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


@dataclass(frozen=True)
class StatsFilter:
    date_from: dt.date
    date_to: dt.date
    grid: str = ""
    category: str = ""
    department: int | None = None

    @property
    def start(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.date_from, dt.time.min))

    @property
    def end(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time.min))

    @classmethod
    def last_days(cls, days: int = DEFAULT_DAYS, **narrowing) -> "StatsFilter":
        today = timezone.localdate()
        return cls(today - dt.timedelta(days=days - 1), today, **narrowing)

    def as_params(self) -> dict:
        params = {"date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat()}
        params |= {k: v for k, v in (("grid", self.grid), ("category", self.category)) if v}
        if self.department:
            params["department"] = self.department
        return params


def _date(params, name: str, default: dt.date) -> dt.date:
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise StatsError(name, _("Use a date like 2026-11-22.")) from None


def stats_filter_parse(*, user, params) -> StatsFilter:
    """Read and check filters from query parameters; impossible ones raise StatsError."""
    today = timezone.localdate()
    date_to = _date(params, "date_to", today)
    date_from = _date(params, "date_from", date_to - dt.timedelta(days=DEFAULT_DAYS - 1))  # as last_days()
    if date_from > date_to:
        raise StatsError("date_from", _("The start date is after the end date."))
    if (date_to - date_from).days >= MAX_DAYS:
        raise StatsError("date_from", _("Choose at most %(days)d days.") % {"days": MAX_DAYS})
    grid = (params.get("grid") or "").strip()
    if grid and (not grid.isdigit() or len(grid) > 18):
        raise StatsError("grid", _("A grid code is up to 18 digits."))
    if grid and not code_in_jurisdiction(user, grid):
        raise StatsError("grid", _("That grid is not in your jurisdiction."))
    category = (params.get("category") or "").strip()
    if category and not Category.objects.filter(code=category[:8]).exists():
        raise StatsError("category", _("Unknown category."))
    department = (params.get("department") or "").strip()
    if department and not (department.isdigit() and len(department) <= 9):
        raise StatsError("department", _("A department is given by its number."))
    return StatsFilter(date_from, date_to, grid, category, int(department) if department else None)


def stats_scope(*, user, f: StatsFilter | None = None) -> QuerySet:
    """The cases a user may count (their grid subtrees), narrowed by grid, category, department."""
    qs = Event.objects.filter(jurisdiction_q(user, "grid__code"))
    if f is None:
        return qs
    if f.grid:
        qs = qs.filter(grid__code__startswith=f.grid)
    if f.category:
        qs = qs.filter(Q(category__code=f.category) | Q(category__parent__code=f.category))
    if f.department:
        qs = qs.filter(assignee_department_id=f.department)
    return qs


def stats_events(*, user, f: StatsFilter) -> QuerySet:
    """Cases reported in the filter's period, in the user's scope."""
    return stats_scope(user=user, f=f).filter(created_at__gte=f.start, created_at__lt=f.end)


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def to_hours(value) -> float | None:
    if value is None:
        return None
    seconds = value.total_seconds() if isinstance(value, dt.timedelta) else value / 1e6  # SQLite: microseconds
    return round(seconds / 3600, 2)


def _conditions(now: dt.datetime) -> dict[str, Q]:
    """The conditions behind every figure (one definition for the KPIs and the rankings)."""
    accepted = Q(accepted_at__isnull=False) & ~Q(status__in=[Status.REJECTED, Status.MERGED])
    closed = Q(status=Status.CLOSED)
    open_overdue = Q(status__in=OPEN_STATUSES, overdue=True)
    return {
        "accepted": accepted,
        "due": accepted & (closed | Q(due_at__lte=now)),
        "closed": accepted & closed,
        "closed_on_time": accepted & closed & (Q(due_at__isnull=True) | Q(closed_at__lte=F("due_at"))),
        "late": accepted & (open_overdue | (closed & Q(closed_at__gt=F("due_at")))),
        "open": Q(status__in=OPEN_STATUSES),
        "open_overdue": open_overdue,
    }


def kpis(qs: QuerySet, *, now: dt.datetime | None = None) -> dict:
    """The assessment figures of a set of cases, in one query."""
    c = _conditions(now or timezone.now())
    a = qs.aggregate(
        reported=Count("pk"),
        accepted=Count("pk", filter=c["accepted"]),
        due=Count("pk", filter=c["due"]),
        closed=Count("pk", filter=c["closed"]),
        closed_on_time=Count("pk", filter=c["closed_on_time"]),
        late=Count("pk", filter=c["late"]),
        overdue_open=Count("pk", filter=c["open_overdue"]),
        open=Count("pk", filter=c["open"]),
        reworked=Count("pk", filter=c["closed"] & Q(rework_count__gt=0)),
        extended=Count("pk", filter=c["accepted"] & Q(extension_count__gt=0)),
        rated=Count("pk", filter=Q(satisfaction__isnull=False)),
        satisfied=Count("pk", filter=Q(satisfaction__gte=4)),
        response=Avg(
            ExpressionWrapper(F("accepted_at") - F("created_at"), output_field=DurationField()),
            filter=Q(accepted_at__isnull=False),
        ),
        handling=Avg(
            ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField()),
            filter=Q(status=Status.CLOSED),
        ),
    )
    return {
        "reported": a["reported"],
        "accepted": a["accepted"],
        "due_to_close": a["due"],
        "closed": a["closed"],
        "closed_on_time": a["closed_on_time"],
        "open": a["open"],
        "overdue_open": a["overdue_open"],
        "close_rate": rate(a["closed"], a["due"]),
        "on_time_rate": rate(a["closed_on_time"], a["due"]),
        "overdue_rate": rate(a["late"], a["due"]),
        "rework_rate": rate(a["reworked"], a["closed"]),
        "extension_rate": rate(a["extended"], a["accepted"]),
        "satisfaction_rate": rate(a["satisfied"], a["rated"]),
        "avg_response_hours": to_hours(a["response"]),
        "avg_handling_hours": to_hours(a["handling"]),
    }


def today_figures(*, user, grid: str = "") -> dict:
    """Live tiles: what happened today, and what is overdue right now, in the user's scope."""
    scope = stats_scope(user=user, f=StatsFilter(timezone.localdate(), timezone.localdate(), grid=grid))
    start = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))
    # Only open cases and cases touched today can count: the index on updated_at skips the rest.
    scope = scope.filter(Q(status__in=OPEN_STATUSES) | Q(updated_at__gte=start))
    return scope.aggregate(
        reported_today=Count("pk", filter=Q(created_at__gte=start)),
        accepted_today=Count("pk", filter=Q(accepted_at__gte=start)),
        closed_today=Count("pk", filter=Q(closed_at__gte=start, status=Status.CLOSED)),
        open_now=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        overdue_now=Count("pk", filter=Q(status__in=OPEN_STATUSES, overdue=True)),
    )


def trend(scope: QuerySet, f: StatsFilter, *, hours: list | None = None) -> list[dict]:
    """Per day of the period: cases reported that day and cases closed that day (of any age).
    `scope` is `stats_scope(...)`, not yet narrowed to the period; `hours` is `hourly()` of the
    period's cases when the caller has it (the reported counts are then folded from it)."""
    tz = timezone.get_current_timezone()

    def per_day(qs, field):
        return dict(
            qs.filter(**{f"{field}__gte": f.start, f"{field}__lt": f.end})
            .annotate(day=TruncDate(field, tzinfo=tz))
            .values_list("day")
            .annotate(n=Count("pk"))
            .order_by()
        )

    if hours is None:
        reported = per_day(scope, "created_at")
    else:
        reported = {}
        for hour, n in hours:
            day = timezone.localtime(hour).date()
            reported[day] = reported.get(day, 0) + n
    closed = per_day(scope.filter(status=Status.CLOSED), "closed_at")
    out = []
    for i in range((f.date_to - f.date_from).days + 1):
        day = f.date_from + dt.timedelta(days=i)
        out.append({"day": day.isoformat(), "reported": reported.get(day, 0), "closed": closed.get(day, 0)})
    return out


def by_category(qs: QuerySet, *, limit: int = 12) -> list[dict]:
    """Cases per major class (大类), most first."""
    rows = (
        qs.annotate(major=Coalesce("category__parent__code", "category__code"))
        .values("major")
        .annotate(n=Count("pk"))
        .order_by("-n", "major")[:limit]
    )
    names = {c.code: c.label for c in Category.objects.filter(code__in=[r["major"] for r in rows])}
    return [{"code": r["major"], "name": names.get(r["major"], r["major"]), "count": r["n"]} for r in rows]


def by_subcategory(qs: QuerySet, *, limit: int = 10) -> list[dict]:
    """Hot types: the categories with most cases."""
    rows = (
        qs.values("category__code", "category__name", "category__name_en")
        .annotate(n=Count("pk"))
        .order_by("-n", "category__code")
    )
    return [
        {
            "code": r["category__code"],
            "name": category_name(r["category__name"], r["category__name_en"]),
            "count": r["n"],
        }
        for r in rows[:limit]
    ]


def by_level(qs: QuerySet) -> list[dict]:
    from .choices import Level

    counts = dict(qs.values_list("level").annotate(n=Count("pk")).order_by())
    return [{"level": lv.value, "name": str(lv.label), "count": counts.get(lv.value, 0)} for lv in Level]


def hourly(qs: QuerySet) -> list[tuple[dt.datetime, int]]:
    """Cases per local hour, grouped by the database (one time-zone conversion a row, at most 24
    groups a day): the heat map and the trend's reported counts are both folded from it."""
    rows = (
        qs.annotate(hour=TruncHour("created_at", tzinfo=timezone.get_current_timezone()))
        .values_list("hour")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return list(rows)


def weekday_hour(qs: QuerySet, *, hours: list | None = None) -> list[list[int]]:
    """[weekday 1–7, hour 0–23, cases]: when things happen (local time)."""
    cells: dict[tuple[int, int], int] = {}
    for hour, n in hourly(qs) if hours is None else hours:
        local = timezone.localtime(hour)
        cell = (local.isoweekday(), local.hour)
        cells[cell] = cells.get(cell, 0) + n
    return [[wd, hr, n] for (wd, hr), n in sorted(cells.items())]


def hot_hours(heat: list[list[int]], *, limit: int = 3) -> list[dict]:
    """Hot periods: the hours of the day with most cases, from `weekday_hour`'s answer."""
    per_hour: dict[int, int] = {}
    for _wd, hr, n in heat:
        per_hour[hr] = per_hour.get(hr, 0) + n
    top = sorted(per_hour.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [{"hour": hr, "count": n} for hr, n in top]


def child_length(code: str) -> int:
    """Code length of the level below `code` ('' = the top of the deployment: counties)."""
    return next((n for n in CODE_LENGTHS if n > len(code) and n >= 6), 18)


def _ranking_figures() -> dict:
    """The aggregates every ranking row has (named apart from Event's fields), with the KPIs'
    definitions: the on-time rate is closed on time / due to close, as 按期结案率."""
    c = _conditions(timezone.now())
    return {
        "n": Count("pk"),
        "n_closed": Count("pk", filter=c["closed"]),
        "n_due": Count("pk", filter=c["due"]),
        "on_time": Count("pk", filter=c["closed_on_time"]),
        "n_open": Count("pk", filter=c["open"]),
        "n_overdue": Count("pk", filter=c["open_overdue"]),
        "avg_satisfaction": Avg("satisfaction"),
    }


def _ranking_row(r: dict, **ident) -> dict:
    return {
        **ident,
        "count": r["n"],
        "closed": r["n_closed"],
        "open": r["n_open"],
        "overdue": r["n_overdue"],
        "on_time_rate": rate(r["on_time"], r["n_due"]),
        "satisfaction": round(r["avg_satisfaction"], 2) if r["avg_satisfaction"] is not None else None,
    }


def by_grid(qs: QuerySet, *, root: str, limit: int | None = None) -> list[dict]:
    """Ranking of the grids one level below `root`: cases, closed, on time, overdue, satisfaction."""
    rows = (
        qs.filter(grid__code__startswith=root)
        .annotate(child=Substr("grid__code", 1, child_length(root)))
        .values("child")
        .annotate(**_ranking_figures())
        .order_by("-n", "child")
    )
    rows = list(rows[:limit] if limit else rows)
    names = dict(Grid.objects.filter(code__in=[r["child"] for r in rows]).values_list("code", "name"))
    return [_ranking_row(r, code=r["child"], name=names.get(r["child"], r["child"])) for r in rows]


def by_department(qs: QuerySet, *, limit: int = 15) -> list[dict]:
    """Ranking of departments by cases handled, with on-time rate and satisfaction."""
    rows = (
        qs.filter(assignee_department__isnull=False)
        .values("assignee_department", "assignee_department__name")
        .annotate(**_ranking_figures())
        .order_by("-n", "assignee_department__name")[:limit]
    )
    return [_ranking_row(r, id=r["assignee_department"], name=r["assignee_department__name"]) for r in rows]


def stats_report(*, user, f: StatsFilter) -> dict:
    """Everything the statistics page and its export show, for one filter."""
    scope = stats_scope(user=user, f=f)
    qs = stats_events(user=user, f=f)
    root = f.grid or common_root(user)
    hours = hourly(qs)
    heat = weekday_hour(qs, hours=hours)
    grids = by_grid(qs, root=root)
    return {
        "filters": f.as_params(),
        "kpis": kpis(qs),
        "trend": trend(scope, f, hours=hours),
        "categories": by_category(qs),
        "hot_types": by_subcategory(qs),
        "levels": by_level(qs),
        "heat": heat,
        "hot_hours": hot_hours(heat),
        "grids": grids,
        "hot_areas": sorted(grids, key=lambda g: -g["count"])[:5],
        "departments": by_department(qs),
    }


def shared_key(kind: str, *, user, ident: str) -> str:
    """Cache key of figures shared by everyone who may count the same cases: what is asked
    (`ident`), the user's jurisdiction, today's date (windows end today) and the language of labels."""
    raw = "|".join([ident, ",".join(user_jurisdiction(user)), timezone.localdate().isoformat()])
    raw += "|" + (translation.get_language() or "")
    return f"{kind}:" + hashlib.sha256(raw.encode()).hexdigest()[:32]


def stats_report_shared(*, user, f: StatsFilter) -> dict:
    """`stats_report`, kept STATS_MAX_AGE seconds for everyone of the same jurisdiction asking the
    same filter: the statistics page, its export and the API compute it once."""
    if settings.STATS_MAX_AGE <= 0:
        return stats_report(user=user, f=f)
    key = shared_key("stats:report", user=user, ident=json.dumps(f.as_params(), sort_keys=True))
    return cache.get_or_set(key, lambda: stats_report(user=user, f=f), settings.STATS_MAX_AGE)


def common_root(user) -> str:
    """The deepest grid code every root of the user's jurisdiction starts with ('' for none)."""
    from grids.selectors import user_jurisdiction

    roots = user_jurisdiction(user)
    if not roots:
        return ""
    common = roots[0]
    for r in roots[1:]:
        while not r.startswith(common):
            common = common[:-1]
    # Two communities share '53070200200' as text, but their common grid is the township 530702002.
    return next((common[:n] for n in reversed(CODE_LENGTHS) if n <= len(common)), "")
