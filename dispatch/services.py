"""Writes of the command center: early warnings (预警) and daily bulletins (每日通报)."""

import datetime as dt
import io
import math
import statistics

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.db.models.functions import Substr, TruncDate
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from events import stats
from events.models import Category, Event
from events.services import event_record, event_roles
from events.workflow import CENTER
from govgrid import live
from govgrid.notify import notify
from grids.choices import Level
from grids.models import Grid
from grids.selectors import command_center_ids

from .models import Alert, Bulletin, DepartmentMember, Whistle, WhistleResponse
from .routing import departments_serving
from .selectors import alert_live_payload, whistle_live_payload

# --- early warnings ---------------------------------------------------------------------------

BASELINE_DAYS = 28
WINDOW = dt.timedelta(hours=24)
MIN_SPIKE_CASES = 3  # fewer cases than this in a day is never an alarm, whatever the baseline
SPIKE_SIGMAS = 3.0
QUIET_AFTER_ALERT = dt.timedelta(hours=24)  # one alarm a day per community and category


class AlertError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


def spike_test(observed: int, baseline: list[int]) -> tuple[bool, float]:
    """Is `observed` (cases in the last 24 hours) a spike against daily counts of the trailing
    baseline? Expected = the baseline mean; the spread is the larger of its standard deviation
    and the Poisson spread √mean (floored at 0.5, so an empty baseline still needs a few cases).
    Returns (spike, expected)."""
    expected = statistics.fmean(baseline) if baseline else 0.0
    spread = max(statistics.pstdev(baseline) if len(baseline) > 1 else 0.0, math.sqrt(expected), 0.5)
    return observed >= MIN_SPIKE_CASES and observed >= expected + SPIKE_SIGMAS * spread, expected


def spike_scan(*, now: dt.datetime | None = None) -> list[Alert]:
    """The hourly scan: per community and category, cases of the last 24 hours against the
    28 days before. Raises an alert once per community, category and day; running twice is
    harmless (unique window, and the quiet period)."""
    now = (now or timezone.now()).replace(minute=0, second=0, microsecond=0)
    start = now - WINDOW
    base_start = start - dt.timedelta(days=BASELINE_DAYS)
    community = Substr("grid__code", 1, Level.COMMUNITY)
    live_events = Event.objects.exclude(status__in=["rejected", "merged"])
    candidates = (
        live_events.filter(created_at__gte=start, created_at__lt=now, grid__level__gte=Level.COMMUNITY)
        .annotate(community=community)
        .values("community", "category")
        .annotate(n=Count("pk"))
        .filter(n__gte=MIN_SPIKE_CASES)
        .order_by()
    )
    candidates = {(r["community"], r["category"]): r["n"] for r in candidates}
    if not candidates:
        return []
    tz = timezone.get_current_timezone()
    history: dict[tuple, dict] = {}
    rows = (
        live_events.filter(created_at__gte=base_start, created_at__lt=start, category__in={c for _g, c in candidates})
        .annotate(community=community, day=TruncDate("created_at", tzinfo=tz))
        .values_list("community", "category", "day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for code, category, day, n in rows:
        history.setdefault((code, category), {})[day] = n
    first_day = timezone.localtime(base_start).date()
    raised = []
    for (code, category_id), observed in sorted(candidates.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        days = history.get((code, category_id), {})
        baseline = [days.get(first_day + dt.timedelta(days=i), 0) for i in range(BASELINE_DAYS)]
        spike, expected = spike_test(observed, baseline)
        if spike:
            alert = alert_raise(
                grid_code=code, category_id=category_id, start=start, end=now, observed=observed, expected=expected
            )
            if alert:
                raised.append(alert)
    return raised


@transaction.atomic
def alert_raise(*, grid_code: str, category_id: int, start, end, observed: int, expected: float) -> Alert | None:
    """Record a spike alert unless one for this community and category is recent; push and notify."""
    grid = Grid.objects.filter(code=grid_code).first()
    if grid is None:
        return None
    if Alert.objects.filter(
        kind=Alert.SPIKE, grid=grid, category_id=category_id, created_at__gte=end - QUIET_AFTER_ALERT
    ).exists():
        return None
    category = Category.objects.get(pk=category_id)
    with translation.override("zh-hans"):  # kept as data: stored in the deployment's language
        message = _("%(grid)s: %(n)d %(category)s cases in 24 hours (usually %(expected).1f)") % {
            "grid": grid.name,
            "n": observed,
            "category": category.name,
            "expected": expected,
        }
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                kind=Alert.SPIKE,
                grid=grid,
                category=category,
                window_start=start,
                window_end=end,
                observed=observed,
                expected=round(expected, 2),
                message=message[:300],
            )
    except IntegrityError:  # the same hour's scan ran twice at once
        return None
    live.publish(live.grid_groups(grid.code), {"type": "alert.raised", "alert": alert_live_payload(alert)})
    notify(
        user_ids=command_center_ids(grid.code),
        kind="alert.spike",
        title=message[:200],
        url="/dashboard/",
        dedupe_key=f"alert:{alert.pk}",
    )
    return alert


@transaction.atomic
def alert_acknowledge(*, alert: Alert, actor) -> Alert:
    """Staff take note of an alert; the first acknowledgement stands."""
    updated = Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now(), acknowledged_by=actor
    )
    alert.refresh_from_db()
    if not updated:
        raise AlertError(_("This alert was already acknowledged."), status=409)
    live.publish(live.grid_groups(alert.grid.code), {"type": "alert.updated", "alert": alert_live_payload(alert)})
    return alert


# --- daily bulletins ---------------------------------------------------------------------------


def bulletin_figures(*, grid: Grid, day: dt.date) -> dict:
    """Yesterday's figures of one area: cases in, closed, overdue, and rankings below it."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = start + dt.timedelta(days=1)
    area = Event.objects.filter(grid__code__startswith=grid.code)
    of_day = area.filter(created_at__gte=start, created_at__lt=end)
    return {
        "area": {"code": grid.code, "name": grid.name},
        "day": day.isoformat(),
        "reported": of_day.count(),
        "closed": area.filter(status="closed", closed_at__gte=start, closed_at__lt=end).count(),
        "overdue_open": area.filter(status__in=stats.OPEN_STATUSES, overdue=True).count(),
        "open": area.filter(status__in=stats.OPEN_STATUSES).count(),
        "kpis": stats.kpis(of_day, now=end),
        "grids": stats.by_grid(of_day, root=grid.code),
        "categories": stats.by_subcategory(of_day),
        "departments": stats.by_department(of_day),
        "trend": stats.trend(area, stats.StatsFilter(day - dt.timedelta(days=6), day)),
    }


def xlsx_cell(sheet, key: str, value):
    """A cell of a write-only sheet: rates as percentages (0.9851 → 98.5 %), the rest as they are."""
    if key.endswith("_rate") and value is not None:
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "0.0%"
        return cell
    return value


def xlsx_tables(book, *tables) -> None:
    """One sheet per (title, rows, [(key, header), …]) in a write-only workbook: a header row,
    then each row's values by key."""
    for title, rows, columns in tables:
        sheet = book.create_sheet(str(title)[:31])
        sheet.append([str(header) for _key, header in columns])
        for row in rows:
            sheet.append([xlsx_cell(sheet, key, row.get(key)) for key, _header in columns])


def bulletin_xlsx(data: dict) -> bytes:
    """The bulletin as a workbook: a summary sheet and one sheet per ranking."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Summary")[:31])
    ws.append([_("Daily bulletin"), data["area"]["name"], data["day"]])
    for label, key in (
        (_("Cases reported"), "reported"),
        (_("Cases closed"), "closed"),
        (_("Open cases"), "open"),
        (_("Overdue now"), "overdue_open"),
    ):
        ws.append([label, data[key]])
    xlsx_tables(
        wb,
        (
            _("Areas"),
            data["grids"],
            [
                ("name", _("Area")),
                ("count", _("Cases")),
                ("closed", _("Closed")),
                ("overdue", _("Overdue")),
                ("on_time_rate", _("On-time rate")),
            ],
        ),
        (_("Categories"), data["categories"], [("name", _("Category")), ("count", _("Cases"))]),
        (
            _("Departments"),
            data["departments"],
            [
                ("name", _("Department")),
                ("count", _("Cases")),
                ("closed", _("Closed")),
                ("overdue", _("Overdue")),
                ("on_time_rate", _("On-time rate")),
            ],
        ),
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@transaction.atomic
def bulletin_build(*, grid: Grid, day: dt.date, notify_center: bool = True) -> Bulletin:
    """Build (or rebuild) the bulletin of one area and day; the command center hears of it once."""
    with translation.override("zh-hans"):
        data = bulletin_figures(grid=grid, day=day)
        html = render_to_string("dispatch/bulletin_body.html", {"b": data})
        content = bulletin_xlsx(data)
    bulletin, created = Bulletin.objects.get_or_create(
        grid=grid, day=day, defaults={"data": data, "html": html, "xlsx": ""}
    )
    bulletin.data, bulletin.html = data, html
    bulletin.xlsx.save(f"bulletin-{grid.code}-{day:%Y%m%d}.xlsx", ContentFile(content), save=False)
    bulletin.save(update_fields=["data", "html", "xlsx"])
    if notify_center:
        with translation.override("zh-hans"):
            title = _("Daily bulletin %(day)s: %(area)s") % {"day": day.isoformat(), "area": grid.name}
            body = _("%(reported)d cases in, %(closed)d closed, %(overdue)d overdue.") % {
                "reported": data["reported"],
                "closed": data["closed"],
                "overdue": data["overdue_open"],
            }
        notify(
            user_ids=command_center_ids(grid.code),
            kind="bulletin",
            title=title,
            body=body,
            url=f"/dashboard/bulletins/{bulletin.pk}/",
            dedupe_key=f"bulletin:{grid.code}:{day.isoformat()}",
        )
    return bulletin


def bulletins_build_all(*, day: dt.date | None = None) -> list[Bulletin]:
    """The 08:00 task: yesterday's bulletin for every county and township."""
    day = day or timezone.localdate() - dt.timedelta(days=1)
    areas = Grid.objects.filter(level__in=[Level.COUNTY, Level.TOWNSHIP], active_to__isnull=True).order_by("code")
    return [bulletin_build(grid=grid, day=day) for grid in areas]


# --- whistles (吹哨报到) ---------------------------------------------------------------------------

WHISTLE_MINUTES = 30  # published practice: summoned departments report within half an hour


def _whistle_push(whistle: Whistle, kind: str) -> None:
    live.publish(live.grid_groups(whistle.event.grid.code), {"type": kind, "whistle": whistle_live_payload(whistle)})


@transaction.atomic
def whistle_blow(*, actor, event: Event, department_ids: list[int], reason: str, minutes: int = WHISTLE_MINUTES):
    """Summon departments to a case. The whistler is command-center staff over the case's grid;
    each department must be active and serve an area that covers the case."""
    if CENTER not in event_roles(event=event, user=actor):
        raise AlertError(_("Only the command center over this case may whistle."), status=403)
    reason = (reason or "").strip()
    if not reason:
        raise AlertError(_("Say why the departments are summoned."))
    if not 5 <= int(minutes) <= 24 * 60:
        raise AlertError(_("Give the departments between 5 minutes and a day to report."))
    wanted = sorted({int(d) for d in department_ids})
    if not wanted:
        raise AlertError(_("Choose at least one department."))
    departments = list(departments_serving(event.grid.code).filter(pk__in=wanted))
    if len(departments) != len(wanted):
        raise AlertError(_("Choose departments that serve this case's area."))
    whistle = Whistle.objects.create(
        event=event, whistler=actor, reason=reason[:300], respond_by=timezone.now() + dt.timedelta(minutes=minutes)
    )
    WhistleResponse.objects.bulk_create([WhistleResponse(whistle=whistle, department=d) for d in departments])
    event_record(
        event=event,
        action="whistle",
        actor=actor,
        note=whistle.reason,
        data={"departments": [d.name for d in departments], "minutes": int(minutes)},
    )
    members = DepartmentMember.objects.filter(department__in=departments).values_list("user_id", flat=True)
    notify(
        user_ids=members,
        kind="whistle",
        title=_("Whistle: report to case %(number)s within %(minutes)d minutes")
        % {"number": event.number, "minutes": minutes},
        body=whistle.reason,
        url=f"/cases/{event.number}/",
        dedupe_key=f"whistle:{whistle.pk}",
        sms=True,
    )
    _whistle_push(whistle, "whistle.blown")
    return whistle


@transaction.atomic
def whistle_report(*, actor, response: WhistleResponse, note: str = "") -> WhistleResponse:
    """报到: a member of the summoned department reports; the first report stands."""
    if not DepartmentMember.objects.filter(department_id=response.department_id, user=actor).exists():
        raise AlertError(_("Only the summoned department reports."), status=403)
    now = timezone.now()
    whistle = response.whistle
    done = WhistleResponse.objects.filter(pk=response.pk, reported_at__isnull=True).update(
        reported_at=now,
        reported_by=actor,
        note=(note or "")[:500],
        late=True if now > whistle.respond_by else F("late"),
    )  # once marked late by the scan, a report does not make it on time
    if not done:
        raise AlertError(_("This department has already reported."), status=409)
    response.refresh_from_db()
    event_record(
        event=whistle.event,
        action="whistle_report",
        actor=actor,
        note=response.note,
        data={"department": response.department.name, "late": response.late},
    )
    _whistle_push(whistle, "whistle.updated")
    return response


@transaction.atomic
def whistle_rate(*, actor, response: WhistleResponse, rating: int) -> WhistleResponse:
    """The whistler's side rates a department that reported (once)."""
    whistle = response.whistle
    if CENTER not in event_roles(event=whistle.event, user=actor):
        raise AlertError(_("Only the command center over this case rates."), status=403)
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise AlertError(_("Rate from 1 to 5."))
    if response.reported_at is None:
        raise AlertError(_("A department is rated after it reports."), status=409)
    if not WhistleResponse.objects.filter(pk=response.pk, rating__isnull=True).update(rating=rating):
        raise AlertError(_("This department was already rated."), status=409)
    response.refresh_from_db()
    event_record(
        event=whistle.event,
        action="whistle_rate",
        actor=actor,
        data={"department": response.department.name, "rating": rating},
    )
    _whistle_push(whistle, "whistle.updated")
    return response


def whistle_scan(*, now: dt.datetime | None = None) -> int:
    """Every minute: departments that did not report in time are marked late (once) and their
    heads told; dashboards hear of each whistle that changed, once."""
    now = now or timezone.now()
    late = 0
    overdue = WhistleResponse.objects.filter(reported_at__isnull=True, late=False, whistle__respond_by__lt=now)
    pending = list(overdue.select_related("whistle__event__grid", "department"))
    heads: dict[int, list[int]] = {}
    for department_id, user_id in DepartmentMember.objects.filter(
        department_id__in={r.department_id for r in pending}, is_head=True
    ).values_list("department_id", "user_id"):
        heads.setdefault(department_id, []).append(user_id)
    changed: dict[int, Whistle] = {}
    for response in pending:
        with transaction.atomic():
            if not WhistleResponse.objects.filter(pk=response.pk, late=False, reported_at__isnull=True).update(
                late=True
            ):
                continue  # reported, or another scan got there first
            late += 1
            event = response.whistle.event
            notify(
                user_ids=heads.get(response.department_id, []),
                kind="whistle.late",
                title=_("%(department)s has not reported to case %(number)s")
                % {"department": response.department.name, "number": event.number},
                url=f"/cases/{event.number}/",
                dedupe_key=f"whistle-late:{response.pk}",
                sms=True,
            )
            changed[response.whistle_id] = response.whistle
    for whistle in changed.values():
        _whistle_push(whistle, "whistle.updated")
    return late
