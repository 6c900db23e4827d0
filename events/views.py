import io
from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from dispatch.routing import departments_serving
from govgrid.permissions import ADMIN, COMMAND_CENTER, has_role
from grids.choices import FIELD_ROLES
from grids.models import Membership
from grids.selectors import workers_nearby

from . import selectors, services
from .attributes import answers_display
from .choices import STATUS_COLOURS, Source, Status
from .models import Category
from .services import EventError

LIST_FILTERS = ("status", "category", "grid", "source", "q", "date_from", "date_to")


def _filters(params) -> dict:
    filters = {k: params.get(k, "").strip() for k in LIST_FILTERS if params.get(k, "").strip()}
    for name in ("date_from", "date_to"):
        if name in filters:
            try:
                filters[name] = date.fromisoformat(filters[name])
            except ValueError:
                filters.pop(name)
    if "grid" in filters and not filters["grid"].isdigit():
        filters.pop("grid")
    if params.get("overdue"):
        filters["overdue"] = True
    return filters


@login_required
def case_list(request):
    filters = _filters(request.GET)
    cases = selectors.event_list(user=request.user, filters=filters).order_by("-created_at")
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "events/list.html",
        {
            "page": page,
            "filters": request.GET,
            "statuses": Status.choices,
            "sources": Source.choices,
            "majors": Category.objects.filter(parent__isnull=True).order_by("code"),
            "query": request.GET.urlencode(),
        },
    )


@login_required
def case_export(request):
    """The filtered case list as an xlsx workbook."""
    from openpyxl import Workbook

    cases = selectors.event_list(user=request.user, filters=_filters(request.GET)).order_by("-created_at")[:50000]
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Cases"))
    sheet.append(
        [
            _("Number"),
            _("Reported at"),
            _("Source"),
            _("Category"),
            pgettext("case", "Level"),
            _("Status"),
            _("Overdue"),
            _("Grid"),
            _("Address"),
            _("Description"),
            _("Assigned to"),
            _("Deadline"),
            _("Closed at"),
            _("Satisfaction"),
        ]
    )
    local = timezone.localtime
    for e in cases:
        assignee = (
            e.assignee_department.name
            if e.assignee_department_id
            else (e.assignee_user.get_full_name() if e.assignee_user_id else "")
        )
        sheet.append(
            [
                e.number,
                local(e.created_at).replace(tzinfo=None),
                e.get_source_display(),
                e.category.name,
                e.level,
                e.get_status_display(),
                _("yes") if e.overdue else "",
                e.grid.name,
                e.address,
                e.description,
                assignee,
                local(e.due_at).replace(tzinfo=None) if e.due_at else None,
                local(e.closed_at).replace(tzinfo=None) if e.closed_at else None,
                e.satisfaction,
            ]
        )
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="cases-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


STAFF_SOURCES = (Source.HOTLINE, Source.PETITION, Source.STAFF)


@login_required
def case_new(request):
    """Staff entry of hotline (12345), petition (信访) and other cases taken by phone or in person."""
    if not has_role(request.user, COMMAND_CENTER, ADMIN):
        raise PermissionDenied
    categories = Category.objects.filter(parent__isnull=False, active=True).select_related("parent").order_by("code")
    context = {
        "categories": categories,
        "sources": [(s.value, s.label) for s in STAFF_SOURCES],
        "tile_url": settings.MAP_TILE_URL,
        "values": request.POST,
    }
    if request.method == "POST":
        p = request.POST
        try:
            if p.get("source") not in STAFF_SOURCES:
                raise EventError(_("Unknown source."), field="source")
            event, _created = services.event_report(
                source=p["source"],
                category=p.get("category", ""),
                description=p.get("description", ""),
                point=services.point_from(p.get("lat"), p.get("lng")),
                address=p.get("address", "")[:200],
                phone=p.get("phone", ""),
                name=p.get("name", "")[:40],
                actor=request.user,
            )
        except EventError as exc:
            return render(request, "events/new.html", {**context, "error": exc.message}, status=400)
        messages.success(request, _("Case %(number)s filed.") % {"number": event.number})
        return redirect("events:detail", number=event.number)
    return render(request, "events/new.html", context)


@login_required
def intake_queue(request):
    return render(request, "events/intake.html", {"cases": selectors.intake_queue(user=request.user)[:200]})


def _workers_for(event):
    """Field workers of the case's grid and its ancestors, nearest grid first."""
    code = event.grid.code
    seats = Membership.objects.filter(
        grid__code__in=[code[:n] for n in range(12, len(code) + 1, 3)], role__in=FIELD_ROLES
    ).select_related("user", "grid")
    return sorted(seats, key=lambda m: -len(m.grid.code))


NEARBY_M, FARTHER_M, FARTHER_FEW = 2000, 20000, 5


def _dispatch_context(request, event) -> dict:
    """The dispatch form's workers: the grid's own, and the on-duty ones nearest the case (within
    2 km, or else the few nearest further away); `?worker=<id>` pre-selects one of the grid's."""
    workers = _workers_for(event)
    near = {"user": request.user, "lat": event.point.y, "lng": event.point.x}
    nearby = workers_nearby(**near, radius_m=NEARBY_M)
    farther = [] if nearby else workers_nearby(**near, radius_m=FARTHER_M, limit=FARTHER_FEW)
    eligible = {m.user_id for m in workers}
    for row in nearby or farther:
        row["can_dispatch"] = row["user"] in eligible
    wanted = request.GET.get("worker", "")
    return {
        "workers": workers,
        "nearby": nearby or farther,
        "nearby_farther": bool(farther),
        "preselect_worker": int(wanted) if wanted.isdigit() and int(wanted) in eligible else None,
    }


@login_required
def case_detail(request, number):
    event = selectors.event_get(user=request.user, number=number)
    roles = services.event_roles(event=event, user=request.user)
    actions = services.actions_for(event=event, user=request.user, roles=roles)
    return render(
        request,
        "events/detail.html",
        {
            "event": event,
            "actions": actions,
            "log": _timeline(event),
            "photos": event.photos.all(),
            "callbacks": event.callbacks.all(),
            "departments": departments_serving(event.grid.code).order_by("-area__level", "name")
            if "dispatch" in actions
            else [],
            **(_dispatch_context(request, event) if "dispatch" in actions else {}),
            "categories": Category.objects.filter(parent__isnull=False, active=True) if "accept" in actions else [],
            "merge_candidates": services.merge_candidates(event=event, user=request.user) if "merge" in actions else [],
            "status_colours": STATUS_COLOURS,
            "can_callback": event.callback_required
            and "center" in roles
            and event.status in services.CALLBACK_STATUSES,
            "can_reveal": bool(event.reporter_phone_encrypted) and bool(roles & {"center", "assignee"}),
            "territory_first": event.category.kind != "component",
            "mediations": event.mediations.all(),
            "answers": answers_display(event.category.attributes, event.attributes),
            "can_mediate": event.category.kind == "dispute"
            and event.is_open
            and bool(roles & {"center", "assignee", "grid"}),
            "next_mediation": (services.MEDIATION_LEVELS + (None,))[event.mediations.count()],
        },
    )


def _timeline(event):
    statuses = dict(Status.choices)
    return [
        {
            "at": row.created_at,
            "action": services.LOG_LABELS.get(row.action, row.action),
            "note": row.note,
            "detail": _log_detail(row.data),
            "status": statuses.get(row.to_status, "") if row.to_status != row.from_status else "",
            "actor": row.actor_label,
        }
        for row in event.log.order_by("seq")
    ]


def _log_detail(data: dict) -> str:
    """Whom a whistle row concerns: the summoned departments, the department and its rating."""
    parts = []
    if data.get("departments"):
        parts.append("、".join(data["departments"]))
    if data.get("department"):
        parts.append(data["department"])
    if data.get("rating"):
        parts.append(f"{data['rating']} ★")
    return " · ".join(parts)


@login_required
def case_photo(request, number, photo_id):
    """A case photo, for whoever may see the case (media files are never served unchecked)."""
    event = selectors.event_get(user=request.user, number=number)
    photo = get_object_or_404(event.photos, pk=photo_id)
    return FileResponse(photo.image.open("rb"), content_type="image/jpeg")


@login_required
@require_POST
def case_act(request, number):
    """One workflow step from the case page (or a callback record / phone reveal)."""
    event = selectors.event_get(user=request.user, number=number)
    action = request.POST.get("action", "")
    details = {k: v for k, v in request.POST.items() if k not in ("action", "csrfmiddlewaretoken") and v != ""}
    if action == "dispatch":
        # The form offers a department and a worker; the radio `to` says which one is meant.
        to = details.pop("to", "")
        if to in ("department", "worker"):
            details.pop("worker" if to == "department" else "department", None)
    try:
        if action == "callback":
            services.callback_record(
                event=event,
                actor=request.user,
                reached=details.get("reached") == "1",
                satisfaction=int(details["satisfaction"]) if details.get("satisfaction") else None,
                note=details.get("note", ""),
            )
            messages.success(request, _("Callback recorded."))
        elif action == "mediation":
            services.mediation_record(
                event=event,
                actor=request.user,
                level=details.get("level", ""),
                parties=details.get("parties", ""),
                outcome=details.get("outcome", ""),
                agreement=details.get("agreement", ""),
            )
            messages.success(request, _("Mediation recorded."))
        elif action == "reveal_phone":
            phone = services.reporter_phone_reveal(event=event, actor=request.user)
            messages.info(request, _("Reporter's phone: %(phone)s (this view is logged)") % {"phone": phone})
        else:
            if request.FILES.getlist("photos"):
                details["photos"] = services.photos_clean(request.FILES.getlist("photos"))
            services.event_transition(event=event, action=action, actor=request.user, **details)
            messages.success(request, _("Done: %(action)s.") % {"action": services.ACTION_LABELS.get(action, action)})
    except EventError as exc:
        messages.error(request, exc.message)
    except (TypeError, ValueError):
        messages.error(request, _("Some of the details are not valid."))
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    return redirect(target if target and safe else f"/cases/{event.number}/")
