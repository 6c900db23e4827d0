"""Reads of the command center, scoped by jurisdiction: the dashboard snapshot, alerts, bulletins."""

import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, FloatField, Func, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone, translation

from events import stats
from events.choices import OPEN_STATUSES, Status, status_colour
from events.models import Event, category_name
from events.selectors import event_get, event_scope_q
from events.services import event_roles
from events.workflow import CENTER
from govgrid.live import CODE_LENGTHS
from grids.models import Grid
from grids.selectors import jurisdiction_q, workers_positions
from grids.services import worker_live_payload

from .models import Alert, Bulletin, Whistle, WhistleResponse
from .routing import departments_serving

MAX_MARKERS = 5000  # beyond this the map shows the grids' load shading and the newest cases only
PARTS = ("figures", "charts", "map", "load")  # load: the map's shading alone, for live refreshes


def drill_path(*, user, root: str) -> list[dict]:
    """The breadcrumb from the user's top to `root`: each grid the user may open."""
    top = stats.common_root(user)
    codes = [root[:n] for n in CODE_LENGTHS if len(top) <= n <= len(root)] or [root]
    names = dict(Grid.objects.filter(code__in=codes).values_list("code", "name"))
    return [{"code": c, "name": names[c]} for c in codes if c in names]


def dashboard_root(*, user, grid: str = "") -> str:
    return grid or stats.common_root(user)


def open_events(*, user, root: str) -> QuerySet:
    return stats.stats_scope(user=user).filter(grid__code__startswith=root, status__in=OPEN_STATUSES)


def marker_payloads(qs: QuerySet) -> list[dict]:
    # Coordinates straight from SQL: building a GEOS point per row cost most of the map's time (bench/kpi.py).
    rows = (
        qs.order_by("-created_at")
        .annotate(x=Func("point", function="ST_X", output_field=FloatField()))
        .annotate(y=Func("point", function="ST_Y", output_field=FloatField()))
        .values(
            "id", "number", "status", "overdue", "level", "x", "y", "grid__code", "category__name", "category__name_en"
        )[:MAX_MARKERS]
    )
    return [
        {
            "id": r["id"],
            "number": r["number"],
            "status": r["status"],
            "colour": status_colour(r["status"], r["overdue"]),
            "overdue": r["overdue"],
            "level": r["level"],
            "lat": round(r["y"], 6),
            "lng": round(r["x"], 6),
            "grid": r["grid__code"],
            "category": category_name(r["category__name"], r["category__name_en"]),
        }
        for r in rows
    ]


def grid_load(*, user, root: str) -> dict[str, dict]:
    """Open and overdue cases per grid one level below `root` (the map's shading)."""
    n = stats.child_length(root)
    rows = (
        open_events(user=user, root=root)
        .annotate(child=Substr("grid__code", 1, n))
        .values("child")
        .annotate(n_open=Count("pk"), n_overdue=Count("pk", filter=Q(overdue=True)))
        .order_by()
    )
    return {r["child"]: {"open": r["n_open"], "overdue": r["n_overdue"]} for r in rows}


def feed(*, user, root: str, limit: int = 15) -> list[dict]:
    rows = (
        stats.stats_scope(user=user)
        .filter(grid__code__startswith=root)
        .select_related("category", "grid")
        .order_by("-created_at")[:limit]
    )
    return [
        {
            "number": e.number,
            "status": e.status,
            "status_label": str(Status(e.status).label),
            "colour": e.colour,
            "category": e.category.label,
            "grid_name": e.grid.name,
            "created_at": e.created_at.isoformat(),
        }
        for e in rows
    ]


def alert_live_payload(alert: Alert) -> dict:
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "grid": alert.grid.code,
        "grid_name": alert.grid.name,
        "category": alert.category.code if alert.category_id else None,
        "message": alert.message,
        "observed": alert.observed,
        "expected": alert.expected,
        "created_at": alert.created_at.isoformat(),
        "acknowledged": alert.acknowledged_at is not None,
        "lat": round(alert.grid.label_point.y, 6),
        "lng": round(alert.grid.label_point.x, 6),
    }


def alert_list(*, user, root: str = "", open_only: bool = False) -> QuerySet:
    qs = Alert.objects.filter(jurisdiction_q(user, "grid__code")).select_related("grid", "category")
    if root:
        qs = qs.filter(grid__code__startswith=root)
    if open_only:
        qs = qs.filter(acknowledged_at__isnull=True)
    return qs


def alert_get(*, user, pk: int) -> Alert:
    alert = alert_list(user=user).filter(pk=pk).first()
    if alert is None:
        raise Http404("alert not found")
    return alert


def bulletin_list(*, user) -> QuerySet:
    return Bulletin.objects.filter(jurisdiction_q(user, "grid__code")).select_related("grid")


def bulletin_area(*, user) -> Grid | None:
    """The county or township whose bulletin the user reads (their jurisdiction's common root),
    or None when that root is smaller than a township (or the whole deployment)."""
    root = stats.common_root(user)
    if len(root) not in (6, 9):
        return None
    return Grid.objects.filter(code=root, active_to__isnull=True).first()


def bulletin_get(*, user, pk: int) -> Bulletin:
    bulletin = bulletin_list(user=user).filter(pk=pk).first()
    if bulletin is None:
        raise Http404("bulletin not found")
    return bulletin


def dashboard_charts(*, user, root: str) -> dict:
    """The dashboard's 30-day figures for `root` (the KPI rates and the charts), computed now."""
    f = stats.StatsFilter.last_days(30, grid=root)
    scope, qs = stats.stats_scope(user=user, f=f), stats.stats_events(user=user, f=f)
    hours = stats.hourly(qs)
    return {
        "kpis": stats.kpis(qs),
        "trend": stats.trend(scope, f, hours=hours),
        "categories": stats.by_category(qs),
        "levels": stats.by_level(qs),
        "heat": stats.weekday_hour(qs, hours=hours),
        "grids": stats.by_grid(qs, root=root, limit=10),
        "departments": stats.by_department(qs, limit=10),
        "charts_at": timezone.now().isoformat(),
    }


def charts_cache_key(*, user, root: str) -> str:
    """One entry per root and jurisdiction (every county-level dashboard shares one)."""
    return stats.shared_key("dashboard:charts", user=user, ident=root)


def dashboard_charts_cached(*, user, root: str) -> dict:
    """The charts, at most STATS_MAX_AGE seconds old when the refresh keeps up: an older
    entry is still answered at once while a Celery task computes the next one (only one at a
    time per entry). Only the first dashboard of a root (or one after ten ages) waits."""
    max_age = settings.STATS_MAX_AGE
    if max_age <= 0:
        return dashboard_charts(user=user, root=root)
    key = charts_cache_key(user=user, root=root)
    charts = cache.get(key)
    if charts is None:
        charts = dashboard_charts_store(user=user, root=root)
    elif timezone.now() - dt.datetime.fromisoformat(charts["charts_at"]) > dt.timedelta(seconds=max_age):
        if cache.add(key + ":refreshing", 1, max_age):
            from .tasks import dashboard_charts_refresh

            dashboard_charts_refresh.delay(user.pk, root, translation.get_language())
    return charts


def dashboard_charts_store(*, user, root: str) -> dict:
    """Compute the charts and keep them for the next dashboards (kept ten ages, answered while
    a refresh runs)."""
    charts = dashboard_charts(user=user, root=root)
    key = charts_cache_key(user=user, root=root)
    cache.set(key, charts, settings.STATS_MAX_AGE * 10)
    cache.delete(key + ":refreshing")
    return charts


def dashboard_snapshot(*, user, root: str, parts=PARTS) -> dict:
    """What the dashboard shows for `root`, in the parts asked for. Live messages are hints; a
    page reloads this on (re)connect and, debounced, after changes. Today's figures, the feed and
    the map are read live; the 30-day KPI rates and charts (part "charts") may be up to
    STATS_MAX_AGE old (`charts_at` says when): every dashboard of the root shares them."""
    out: dict = {"root": root, "path": drill_path(user=user, root=root), "child_level": stats.child_length(root)}
    if "figures" in parts:
        out["today"] = stats.today_figures(user=user, grid=root)
        out["feed"] = feed(user=user, root=root)
        out["alerts"] = [alert_live_payload(a) for a in alert_list(user=user, root=root)[:20]]
    if "charts" in parts:
        out |= dashboard_charts_cached(user=user, root=root)
    if "map" in parts or "load" in parts:
        out["load"] = grid_load(user=user, root=root)
    if "map" in parts:
        out["events"] = marker_payloads(open_events(user=user, root=root))
        out["workers"] = [worker_live_payload(s) for s in workers_positions(user=user, root=root)[:3000]]
    return out


def whistle_responses_pending(*, user) -> QuerySet:
    """Whistles the user's departments have not reported to yet (吹哨 awaiting 报到), soonest first."""
    return (
        WhistleResponse.objects.filter(department__memberships__user=user, reported_at__isnull=True)
        .select_related("whistle__event__category", "whistle__event__grid", "department")
        .order_by("whistle__respond_by")
        .distinct()
    )


def whistle_live_payload(whistle: Whistle) -> dict:
    return {
        "id": whistle.pk,
        "event": whistle.event.number,
        "grid": whistle.event.grid.code,
        "reason": whistle.reason,
        "respond_by": whistle.respond_by.isoformat(),
        "responses": [
            {
                "id": r.pk,
                "department": r.department.name,
                "reported_at": r.reported_at.isoformat() if r.reported_at else None,
                "late": r.late,
                "rating": r.rating,
            }
            for r in whistle.responses.select_related("department").order_by("department__level", "department__name")
        ],
    }


def whistles_of_case(*, user, number: str) -> tuple:
    """The case (404 outside the user's scope), its whistles, the departments the user may whistle
    (those serving the case's area) and the responses the user may report for."""
    event = event_get(user=user, number=number)
    whistles = list(
        Whistle.objects.filter(event=event).prefetch_related("responses__department").select_related("whistler")
    )
    can_whistle = CENTER in event_roles(event=event, user=user)
    departments = list(departments_serving(event.grid.code).order_by("level", "name")) if can_whistle else []
    mine = set(
        WhistleResponse.objects.filter(
            whistle__event=event, department__memberships__user=user, reported_at__isnull=True
        ).values_list("pk", flat=True)
    )
    return event, whistles, departments, can_whistle, mine


def whistle_response_get(*, user, pk: int) -> WhistleResponse:
    """A response the user may see: its case is in their scope."""
    response = (
        WhistleResponse.objects.filter(pk=pk, whistle__event__in=Event.objects.filter(event_scope_q(user)).values("pk"))
        .select_related("whistle__event__grid", "department")
        .first()
    )
    if response is None:
        raise Http404("whistle not found")
    return response


def whistle_department_stats(*, user, f) -> list[dict]:
    """Per department, for whistles on cases of the period: summoned, reported, on time, mean
    minutes to report, mean rating (the 吹哨报到 ranking)."""
    qs = WhistleResponse.objects.filter(whistle__event__in=stats.stats_events(user=user, f=f).values("pk")).values(
        "department", "department__name"
    )
    rows = qs.annotate(
        summoned=Count("pk"),
        reported=Count("pk", filter=Q(reported_at__isnull=False)),
        on_time=Count("pk", filter=Q(reported_at__isnull=False, late=False)),
        mean_rating=Avg("rating"),
        mean_wait=Avg(
            ExpressionWrapper(F("reported_at") - F("whistle__created_at"), output_field=DurationField()),
            filter=Q(reported_at__isnull=False),
        ),
    ).order_by("-summoned", "department__name")
    return [
        {
            "id": r["department"],
            "name": r["department__name"],
            "summoned": r["summoned"],
            "reported": r["reported"],
            "on_time_rate": stats.rate(r["on_time"], r["summoned"]),
            "minutes_to_report": round(stats.to_hours(r["mean_wait"]) * 60, 1) if r["mean_wait"] is not None else None,
            "rating": round(r["mean_rating"], 2) if r["mean_rating"] is not None else None,
        }
        for r in rows
    ]
