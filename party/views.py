"""Desktop pages of party organisers under /party/: coverage, the organisation tree, rosters and
their import, units and co-building, wishes (dispatch), activities (check-in) and the yearly
evaluation with its xlsx export. Thin: each validates, calls a selector or service, renders."""

import io
from datetime import date, datetime
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST
from rest_framework.exceptions import ValidationError

from govgrid.permissions import ADMIN, PARTY_ORGANISER, has_role
from grids.choices import Level
from grids.models import Grid
from grids.selectors import jurisdiction_q

from . import selectors, services
from .api import wish_act, year_param
from .choices import (
    WISH_COLOURS,
    ActivityKind,
    ItemKind,
    MemberKind,
    OrgKind,
    ProjectStatus,
    ServiceType,
    UnitKind,
    WishStatus,
)
from .services import PartyError


def organiser_required(view):
    """Party organisers and administrators (their jurisdiction scopes what they see)."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not has_role(request.user, PARTY_ORGANISER, ADMIN):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _communities(user):
    return Grid.objects.filter(jurisdiction_q(user), level=Level.COMMUNITY, active_to__isnull=True).order_by("code")


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise PartyError(_("Use a date like 2026-11-22.")) from None


def _datetime(value) -> datetime | None:
    try:
        return timezone.make_aware(datetime.fromisoformat(value)) if value else None
    except ValueError:
        raise PartyError(_("Use a date and time like 2026-11-22 09:00.")) from None


def _back(request, fallback: str):
    return redirect(request.POST.get("next") if str(request.POST.get("next", "")).startswith("/party/") else fallback)


@organiser_required
def index(request):
    wishes = selectors.wish_list(user=request.user, filters={"open": True}).order_by("due_at")
    return render(
        request,
        "party/index.html",
        {
            "coverage": selectors.coverage(user=request.user),
            "open_wishes": wishes[:20],
            "counts": {
                "members": selectors.member_list(user=request.user, filters={"active": True}).count(),
                "units": selectors.unit_list(user=request.user).count(),
                "open": wishes.count(),
                "overdue": selectors.wish_list(user=request.user, filters={"overdue": True}).count(),
            },
        },
    )


@organiser_required
def org_tree(request):
    if request.method == "POST":
        p = request.POST
        try:
            parent = selectors.org_get(user=request.user, pk=int(p["parent"])) if p.get("parent") else None
            grid = Grid.objects.filter(jurisdiction_q(request.user), code=p.get("grid", "").strip()).first()
            if p.get("grid") and grid is None:
                raise PartyError(_("Unknown grid code, or outside your jurisdiction."))
            org = services.org_create(
                actor=request.user,
                name=p.get("name", ""),
                kind=p.get("kind", ""),
                parent=parent,
                grid=grid,
                secretary=p.get("secretary", ""),
            )
            messages.success(request, _("Organisation %(name)s added.") % {"name": org.name})
        except (PartyError, ValueError, Http404) as exc:
            messages.error(request, getattr(exc, "message", _("Some of the details are not valid.")))
        return redirect("party:orgs")
    orgs = list(selectors.org_list(user=request.user).order_by("scope_code", "pk"))
    children: dict = {}
    ids = {o.pk for o in orgs}
    for org in orgs:
        children.setdefault(org.parent_id if org.parent_id in ids else None, []).append(org)
    # The members the list opened by the link shows (the roster, inactive ones too); order_by()
    # keeps the list's ordering out of the GROUP BY, which counted each member on its own row.
    counts = dict(
        selectors.member_list(user=request.user)
        .order_by()
        .values_list("org")
        .annotate(n=Count("pk"))
        .values_list("org", "n")
    )

    def walk(parent_id, depth):
        """Rows in tree order; each row's `total` counts its members and those of every organisation under it."""
        for org in children.get(parent_id, []):
            row = {"org": org, "depth": depth, "members": counts.get(org.pk, 0)}
            below = list(walk(org.pk, depth + 1))
            row["total"] = row["members"] + sum(r["members"] for r in below)
            yield row
            yield from below

    return render(request, "party/orgs.html", {"rows": list(walk(None, 0)), "orgs": orgs, "kinds": OrgKind.choices})


MEMBER_FILTERS = ("org", "sub", "kind", "grid", "q", "service_type")


@organiser_required
def member_list(request):
    filters = {k: request.GET.get(k, "").strip() for k in MEMBER_FILTERS if request.GET.get(k, "").strip()}
    if filters.get("org") and not filters["org"].isdigit():
        filters.pop("org")
    members = selectors.member_list(user=request.user, filters=filters)
    page = Paginator(members, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "party/members.html",
        {
            "page": page,
            "filters": request.GET,
            "orgs": selectors.org_list(user=request.user).order_by("scope_code"),
            "kinds": MemberKind.choices,
            "service_types": ServiceType.choices,
            "problems": request.session.pop("party_import_problems", None),
        },
    )


@organiser_required
@require_POST
def member_import(request):
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise PartyError(_("Attach the xlsx file."))
        imported = services.members_import(actor=request.user, upload=upload)
        messages.success(request, _("%(n)s members imported.") % {"n": len(imported)})
    except PartyError as exc:
        messages.error(request, exc.message)
        if getattr(exc, "problems", None):
            request.session["party_import_problems"] = exc.problems[:200]
    return redirect("party:members")


@organiser_required
def member_detail(request, pk):
    member = selectors.member_get(user=request.user, pk=pk)
    phone = ""
    if request.method == "POST" and request.POST.get("action") == "reveal_phone":
        phone = services.member_phone_reveal(member=member, actor=request.user)  # recorded; shown on this answer only
    elif request.method == "POST":
        try:
            services.record_add(
                actor=request.user,
                member=member,
                hours=request.POST.get("hours", ""),
                on=_date(request.POST.get("date")) or timezone.localdate(),
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("Hours recorded."))
        except PartyError as exc:
            messages.error(request, exc.message)
        return redirect("party:member", pk=member.pk)
    return render(
        request,
        "party/member.html",
        {
            "member": member,
            "phone": phone,
            "records": member.records.select_related("wish", "activity")[:100],
            "wishes": member.wishes.select_related("grid").order_by("-created_at")[:50],
            "today": timezone.localdate(),
        },
    )


@organiser_required
def unit_list(request):
    if request.method == "POST":
        p = request.POST
        try:
            what = p.get("what")
            community = _communities(request.user).filter(code=p.get("community", "")).first()
            if what in ("unit", "item") and community is None:
                raise PartyError(_("Choose a community (村/社区)."))
            if what == "unit":
                services.unit_create(
                    actor=request.user,
                    name=p.get("name", ""),
                    kind=p.get("kind", ""),
                    community=community,
                    contact_name=p.get("contact_name", ""),
                    contact_phone=p.get("contact_phone", ""),
                    co_building=p.get("co_building") == "1",
                    agreement_from=_date(p.get("agreement_from")),
                    agreement_to=_date(p.get("agreement_to")),
                )
            elif what == "item":
                unit = selectors.unit_list(user=request.user).filter(pk=p.get("unit") or 0).first()
                services.item_create(
                    actor=request.user,
                    kind=p.get("kind", ""),
                    community=community,
                    unit=unit,
                    title=p.get("title", ""),
                    description=p.get("description", ""),
                )
            elif what == "match":
                items = selectors.item_list(user=request.user)
                need, resource = (
                    items.filter(pk=p.get("need") or 0).first(),
                    items.filter(pk=p.get("resource") or 0).first(),
                )
                if need is None or resource is None:
                    raise PartyError(_("Match a need with a resource."))
                services.project_match(
                    actor=request.user,
                    need=need,
                    resource=resource,
                    owner=p.get("owner", ""),
                    starts_on=_date(p.get("starts_on")),
                    ends_on=_date(p.get("ends_on")),
                    title=p.get("title", ""),
                )
            elif what == "project":
                project = selectors.project_list(user=request.user).filter(pk=p.get("project") or 0).first()
                if project is None:
                    raise Http404
                services.project_update(
                    actor=request.user, project=project, status=p.get("status", ""), outcome=p.get("outcome", "")
                )
            else:
                raise PartyError(_("Some of the details are not valid."))
            messages.success(request, _("Saved."))
        except PartyError as exc:
            messages.error(request, exc.message)
        return redirect("party:units")
    return render(
        request,
        "party/units.html",
        {
            "units": selectors.unit_list(user=request.user).order_by("community__code", "name"),
            "resources": selectors.item_list(user=request.user, kind=ItemKind.RESOURCE),
            "needs": selectors.item_list(user=request.user, kind=ItemKind.NEED),
            "projects": selectors.project_list(user=request.user),
            "communities": _communities(request.user),
            "unit_kinds": UnitKind.choices,
            "item_kinds": ItemKind.choices,
            "project_statuses": ProjectStatus.choices,
        },
    )


WISH_FILTERS = ("status", "grid", "q")


@organiser_required
def wish_list(request):
    if request.method == "POST":
        p = request.POST
        grid = Grid.objects.filter(jurisdiction_q(request.user), code=p.get("grid", "").strip()).first()
        try:
            if grid is None:
                raise PartyError(_("This grid is outside your jurisdiction."))
            wish = services.wish_post(
                actor=request.user,
                grid=grid,
                title=p.get("title", ""),
                description=p.get("description", ""),
                service_type=p.get("service_type", ""),
                resident_name=p.get("resident_name", ""),
                phone=p.get("phone", ""),
                due_days=p.get("due_days") or services.DEFAULT_WISH_DAYS,
            )
            messages.success(request, _("Wish %(number)s posted.") % {"number": wish.number})
            return redirect("party:wish", number=wish.number)
        except PartyError as exc:
            messages.error(request, exc.message)
        return redirect("party:wishes")
    filters = {k: request.GET.get(k, "").strip() for k in WISH_FILTERS if request.GET.get(k, "").strip()}
    if "grid" in filters and not filters["grid"].isdigit():
        filters.pop("grid")
    if request.GET.get("overdue"):
        filters["overdue"] = True
    wishes = selectors.wish_list(user=request.user, filters=filters).order_by("-created_at")
    return render(
        request,
        "party/wishes.html",
        {
            "page": Paginator(wishes, 50).get_page(request.GET.get("page")),
            "filters": request.GET,
            "statuses": WishStatus.choices,
            "service_types": ServiceType.choices,
            "communities": _communities(request.user),
        },
    )


@organiser_required
def wish_detail(request, number):
    wish = selectors.wish_get(user=request.user, number=number)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "reveal_phone":
                phone = services.resident_phone_reveal(wish=wish, actor=request.user)
                messages.info(request, _("Resident's phone: %(phone)s (this view is logged)") % {"phone": phone})
            else:
                wish_act(request=request, wish=wish, data=request.POST.dict(), photo=request.FILES.get("photo"))
                messages.success(request, _("Done."))
        except PartyError as exc:
            messages.error(request, exc.message)
        return redirect("party:wish", number=wish.number)
    open_to_dispatch = wish.status in (WishStatus.POSTED, WishStatus.DISPATCHED)
    candidates = []
    if open_to_dispatch:
        area = wish.grid.code[:12]
        candidates = (
            selectors.member_list(user=request.user, filters={"active": True})
            .filter(home_grid__code__startswith=area)
            .order_by("-hours")[:200]
        )
    return render(
        request,
        "party/wish.html",
        {
            "wish": wish,
            "log": wish.log.all(),
            "can_dispatch": open_to_dispatch,
            "members": candidates,
            "units": selectors.unit_list(user=request.user).filter(community__code=wish.grid.code[:12])
            if open_to_dispatch
            else [],
            "can_confirm": wish.status == WishStatus.COMPLETED,
            "colours": WISH_COLOURS,
        },
    )


@login_required
def wish_photo(request, number):
    """A wish's completion photo, for whoever may see the wish (re-encoded at upload: no EXIF)."""
    wish = selectors.wish_get(user=request.user, number=number)
    if not wish.completion_photo:
        raise Http404("no photo")
    return FileResponse(wish.completion_photo.open("rb"), content_type="image/jpeg")


@organiser_required
def activity_list(request):
    if request.method == "POST":
        p = request.POST
        try:
            community = _communities(request.user).filter(code=p.get("community", "")).first()
            if community is None:
                raise PartyError(_("Choose a community (村/社区)."))
            activity = services.activity_create(
                actor=request.user,
                title=p.get("title", ""),
                kind=p.get("kind", ""),
                community=community,
                starts_at=_datetime(p.get("starts_at")),
                ends_at=_datetime(p.get("ends_at")),
                hours=p.get("hours", ""),
                place=p.get("place", ""),
                description=p.get("description", ""),
                capacity=int(p["capacity"]) if p.get("capacity", "").isdigit() else None,
            )
            messages.success(request, _("Activity published."))
            return redirect("party:activity", pk=activity.pk)
        except PartyError as exc:
            messages.error(request, exc.message)
        return redirect("party:activities")
    return render(
        request,
        "party/activities.html",
        {
            "activities": selectors.activity_list(user=request.user).order_by("-starts_at")[:100],
            "communities": _communities(request.user),
            "kinds": ActivityKind.choices,
        },
    )


@organiser_required
def activity_detail(request, pk):
    activity = selectors.activity_get(user=request.user, pk=pk)
    if request.method == "POST":
        member = selectors.member_list(user=request.user).filter(pk=request.POST.get("member") or 0).first()
        try:
            if member is None:
                raise PartyError(_("Unknown member."))
            services.activity_checkin(actor=request.user, activity=activity, member=member)
            messages.success(request, _("%(name)s checked in.") % {"name": member.name})
        except PartyError as exc:
            messages.error(request, exc.message)
        return redirect("party:activity", pk=activity.pk)
    return render(
        request,
        "party/activity.html",
        {"activity": activity, "signups": activity.signups.select_related("member").order_by("member__name")},
    )


@organiser_required
def evaluation(request):
    try:
        year = year_param(request.GET.get("year") or request.POST.get("year"))
    except ValidationError:
        year = timezone.localdate().year
    if request.method == "POST":
        try:
            n = services.evaluation_record(actor=request.user, year=year)
            messages.success(request, _("%(n)s evaluations recorded.") % {"n": n})
        except PartyError as exc:
            messages.error(request, exc.message)
        return redirect(f"{request.path}?year={year}")
    sheet = selectors.evaluation_sheet(user=request.user, year=year)
    this_year = timezone.localdate().year
    return render(request, "party/evaluation.html", {"sheet": sheet, "years": range(this_year, this_year - 5, -1)})


@organiser_required
def evaluation_export(request):
    """The yearly evaluation sheet as xlsx: one sheet of members, one of units."""
    from openpyxl import Workbook

    try:
        year = year_param(request.GET.get("year"))
    except ValidationError:
        return HttpResponseBadRequest(_("Give a year like 2026."))
    sheet = selectors.evaluation_sheet(user=request.user, year=year)
    book = Workbook(write_only=True)
    header = [
        _("Name"),
        _("Organisation / community"),
        pgettext("service hours", "Hours"),
        _("Minimum hours"),
        _("Wishes taken on"),
        _("Wishes completed"),
        _("Completion rate"),
        _("Score"),
        _("Pass mark"),
        _("Passed"),
    ]
    for title, rows in ((_("Members"), sheet["members"]), (_("Units"), sheet["units"])):
        ws = book.create_sheet(title)
        ws.append([_("Yearly evaluation %(year)s") % {"year": year}])
        ws.append(header)
        for r in rows:
            ws.append(
                [
                    r.name,
                    r.org,
                    float(r.hours),
                    float(sheet["policy"].min_hours),
                    r.accepted,
                    r.completed,
                    None if r.rate is None else float(r.rate),
                    float(r.score),
                    sheet["policy"].pass_mark,
                    _("yes") if r.passed else _("no"),
                ]
            )
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="party-evaluation-{year}.xlsx"'
    return response
