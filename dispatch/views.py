"""Command-center pages: the live dashboard, statistics with export, daily bulletins."""

import datetime as dt
import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from events import stats
from events.choices import OVERDUE_COLOUR, STATUS_COLOURS, Status
from events.models import Category
from govgrid.permissions import is_staff_role
from grids.selectors import code_in_jurisdiction

from . import selectors, services
from .models import Department


def _staff(request):
    if not is_staff_role(request.user):
        raise PermissionDenied(_("The command center is for command-center staff."))


@login_required
def dashboard(request):
    _staff(request)
    grid = (request.GET.get("grid") or "").strip()
    if not (grid.isdigit() and code_in_jurisdiction(request.user, grid)):
        grid = ""
    return render(
        request,
        "dispatch/dashboard.html",
        {
            "root": selectors.dashboard_root(user=request.user, grid=grid),
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
            "labels": dashboard_labels(),
        },
    )


def dashboard_labels() -> dict:
    """Words the dashboard script shows, in the page's language."""
    return {
        "reported": _("Cases reported"),
        "closed": _("Cases closed"),
        "cases": _("Cases"),
        "open": _("Open"),
        "overdue": _("Overdue"),
        "weekdays": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
        "drill": _("Open this area"),
        "nearby": _("On-duty workers within 2 km"),
        "none_nearby": _("No on-duty worker within 2 km."),
        "call": _("Call"),
        "acknowledge": _("Acknowledge"),
        "acknowledged": _("Acknowledged"),
        "no_alerts": _("No alerts."),
        "worker": _("Grid worker"),
        "on_time": _("On-time rate"),
        "statuses": {s.value: str(s.label) for s in Status},
        "overdue_colour": OVERDUE_COLOUR,
        "colours": dict(STATUS_COLOURS),
        "offline": _("Live connection lost; reconnecting…"),
        "m": _("m"),
        "supervision": _("Supervision order (督办)"),
        "whistle": _("Whistle (吹哨)"),
        "no_data": _("No data yet"),
        "wall": _("Wall screen"),
        "wall_exit": _("Leave wall screen"),
    }


def _stats_page_filter(request) -> tuple[stats.StatsFilter, dict]:
    """The page keeps showing something for a bad filter: the default period, and the error."""
    try:
        return stats.stats_filter_parse(user=request.user, params=request.GET), {}
    except stats.StatsError as exc:
        return stats.stats_filter_parse(user=request.user, params={}), {exc.field: exc.message}


@login_required
def statistics(request):
    _staff(request)
    f, errors = _stats_page_filter(request)
    report = stats.stats_report_shared(user=request.user, f=f)
    # The form shows what was typed when it was refused, so it can be corrected.
    values = {"date_from": f.date_from.isoformat(), "date_to": f.date_to.isoformat(), "grid": f.grid}
    if errors:
        values |= {name: request.GET.get(name, "")[:20] for name in values}
    return render(
        request,
        "dispatch/stats.html",
        {
            "f": f,
            "values": values,
            "errors": errors,
            "report": report,
            "whistles": selectors.whistle_department_stats(user=request.user, f=f),
            "labels": dashboard_labels(),
            "majors": Category.objects.filter(parent__isnull=True).order_by("code"),
            "departments": Department.objects.filter(active=True).order_by("level", "name"),
            "query": request.GET.urlencode(),
            "status": 400 if errors else 200,
        },
        status=400 if errors else 200,
    )


@login_required
def statistics_export(request):
    """The statistics of a filter as an xlsx workbook: KPIs, trend, and each ranking."""
    from openpyxl import Workbook

    _staff(request)
    f, errors = _stats_page_filter(request)
    if errors:
        return HttpResponse("; ".join(errors.values()), status=400, content_type="text/plain; charset=utf-8")
    r = stats.stats_report_shared(user=request.user, f=f)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("KPIs"))
    sheet.append([_("From"), f.date_from.isoformat(), _("To"), f.date_to.isoformat(), _("Grid"), f.grid or "*"])
    for key, value in r["kpis"].items():
        sheet.append([str(KPI_LABELS.get(key, key)), services.xlsx_cell(sheet, key, value)])
    code, name, cases = ("code", _("Code")), ("name", pgettext("organisation", "Name")), ("count", _("Cases"))
    ranking = [("closed", _("Cases closed")), ("open", _("Open")), ("overdue", _("Overdue now"))]
    ranking += [("on_time_rate", _("On-time rate")), ("satisfaction", _("Satisfaction"))]
    services.xlsx_tables(
        book,
        (
            _("Trend"),
            r["trend"],
            [("day", _("Day")), ("reported", _("Reported that day")), ("closed", _("Cases closed"))],
        ),
        (_("Categories"), r["categories"], [code, name, cases]),
        (_("Hot types"), r["hot_types"], [code, name, cases]),
        (_("Levels"), r["levels"], [("level", pgettext("case", "Level")), name, cases]),
        (_("Areas"), r["grids"], [code, name, cases, *ranking]),
        (_("Departments"), r["departments"], [name, cases, *ranking]),
        (_("Hot periods"), r["hot_hours"], [("hour", _("Hour of day")), cases]),
        (
            _("Whistles"),
            selectors.whistle_department_stats(user=request.user, f=f),
            [
                ("name", _("Department")),
                ("summoned", _("Summoned")),
                ("reported", _("Reported in (报到)")),
                ("on_time_rate", _("On-time rate")),
                ("minutes_to_report", _("Minutes to report")),
                ("rating", _("Rating")),
            ],
        ),
    )
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    name = f"statistics-{f.date_from:%Y%m%d}-{f.date_to:%Y%m%d}.xlsx"
    return FileResponse(out, as_attachment=True, filename=name)


KPI_LABELS = {
    "reported": gettext_lazy("Cases reported"),
    "accepted": gettext_lazy("Accepted (立案)"),
    "due_to_close": gettext_lazy("Due to close (应结案)"),
    "closed": gettext_lazy("Cases closed"),
    "closed_on_time": gettext_lazy("Closed on time"),
    "open": gettext_lazy("Open"),
    "overdue_open": gettext_lazy("Overdue now"),
    "close_rate": gettext_lazy("Close rate (结案率)"),
    "on_time_rate": gettext_lazy("On-time close rate (按期结案率)"),
    "overdue_rate": gettext_lazy("Overdue rate (超期率)"),
    "rework_rate": gettext_lazy("Rework rate (返工率)"),
    "extension_rate": gettext_lazy("Extension rate (延期率)"),
    "satisfaction_rate": gettext_lazy("Satisfaction rate (满意率)"),
    "avg_response_hours": gettext_lazy("Average response (hours)"),
    "avg_handling_hours": gettext_lazy("Average handling (hours)"),
}


@login_required
def bulletin_list(request):
    """The kept bulletins; the command center may build yesterday's for its area now (POST)
    instead of waiting for 08:00."""
    _staff(request)
    area = selectors.bulletin_area(user=request.user)
    if request.method == "POST" and area is not None:
        yesterday = timezone.localdate() - dt.timedelta(days=1)
        services.bulletin_build(grid=area, day=yesterday, notify_center=False)
        messages.success(request, _("Yesterday's bulletin for %(area)s is ready.") % {"area": area.name})
        return redirect("dispatch:bulletins")
    now = timezone.localtime()
    next_run = now.replace(hour=8, minute=0, second=0, microsecond=0)
    if now >= next_run:
        next_run += dt.timedelta(days=1)
    context = {"bulletins": selectors.bulletin_list(user=request.user)[:100], "area": area, "next_run": next_run}
    return render(request, "dispatch/bulletins.html", context)


@login_required
def bulletin_detail(request, pk: int):
    _staff(request)
    return render(request, "dispatch/bulletin.html", {"bulletin": selectors.bulletin_get(user=request.user, pk=pk)})


@login_required
def bulletin_xlsx(request, pk: int):
    _staff(request)
    bulletin = selectors.bulletin_get(user=request.user, pk=pk)
    name = f"bulletin-{bulletin.grid.code}-{bulletin.day:%Y%m%d}.xlsx"
    return FileResponse(bulletin.xlsx.open("rb"), as_attachment=True, filename=name)


# --- whistles on a case page (loaded into /cases/<number>/ by htmx) ---------------------------------


@login_required
def case_whistles(request, number: str):
    event, whistles, departments, can_whistle, mine = selectors.whistles_of_case(user=request.user, number=number)
    return render(
        request,
        "dispatch/_whistles.html",
        {
            "event": event,
            "whistles": whistles,
            "departments": departments,
            "can_whistle": can_whistle,
            "mine": mine,
            "minutes": services.WHISTLE_MINUTES,
        },
    )


def _back_to_case(request, number: str, done=None, error: services.AlertError | None = None):
    if error is not None:
        messages.error(request, error.message)
    elif done:
        messages.success(request, done)
    return redirect(f"/cases/{number}/#whistles")


@login_required
@require_POST
def whistle_blow(request, number: str):
    event, *_rest = selectors.whistles_of_case(user=request.user, number=number)
    try:
        minutes = int(request.POST.get("minutes") or services.WHISTLE_MINUTES)
        ids = [int(d) for d in request.POST.getlist("departments") if len(d) <= 9]
    except ValueError:
        return _back_to_case(request, number, error=services.AlertError(_("Choose departments and minutes.")))
    try:
        services.whistle_blow(
            actor=request.user, event=event, department_ids=ids, reason=request.POST.get("reason", ""), minutes=minutes
        )
    except services.AlertError as exc:
        return _back_to_case(request, number, error=exc)
    return _back_to_case(request, number, done=_("Whistle blown: the departments are told."))


@login_required
@require_POST
def whistle_answer(request, pk: int, step: str):
    response = selectors.whistle_response_get(user=request.user, pk=pk)
    number = response.whistle.event.number
    try:
        if step == "report":
            services.whistle_report(actor=request.user, response=response, note=request.POST.get("note", ""))
            done = _("Reported (报到).")
        else:
            try:
                rating = int(request.POST.get("rating", ""))
            except ValueError:
                rating = 0
            services.whistle_rate(actor=request.user, response=response, rating=rating)
            done = _("Rating saved.")
    except services.AlertError as exc:
        return _back_to_case(request, number, error=exc)
    return _back_to_case(request, number, done=done)
