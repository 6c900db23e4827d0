"""Pages of the services app.

Public (no login): the catalogue and its search, an item's page, the service points map with
"near me" and the 15-minute walking circle, the proxy request form and its tracking page by code.
Staff (login): proxy statistics and requests of their jurisdiction, and the catalogue's xlsx import.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from govgrid import ratelimit
from govgrid.permissions import ADMIN, COMMAND_CENTER, has_role

from . import selectors
from .catalogue import MAX_IMPORT_BYTES, CatalogueError, catalogue_import
from .choices import POINT_COLOURS, ItemCategory, PointKind
from .forms import ImportForm, ProxyForm, RatingForm
from .services import ServiceError, point_from, proxy_request_create, proxy_transition

TIMELINE_LABELS = {
    "request": gettext_lazy("Request received"),
    "accept": gettext_lazy("A grid worker took it on"),
    "collect": gettext_lazy("Materials collected"),
    "submit": gettext_lazy("Submitted to the office"),
    "complete": pgettext_lazy("proxy request", "Done"),
    "fail": gettext_lazy("Not granted"),
    "decline": gettext_lazy("Declined"),
    "cancel": gettext_lazy("Cancelled by you"),
    "rate": gettext_lazy("You rated the handling"),
}
NEARBY_FIRST, NEARBY_MAX = 10, 30
PROXY_FORM_FIELDS = {"item", "community", "lat", "address", "name", "phone", "note"}


def _see_other(url: str):
    response = redirect(url)
    response.status_code = 303
    return response


def _position(request):
    """A position from ?lat=&lng= (the page's "near me" or a shared link), or None."""
    lat, lng = request.GET.get("lat", ""), request.GET.get("lng", "")
    if not lat and not lng:
        return None, ""
    try:
        return point_from(lat, lng), ""
    except ServiceError as exc:
        return None, exc.message


def catalogue(request):
    query = request.GET.get("q", "").strip()[:60]
    category = request.GET.get("category", "")
    category = category if category in ItemCategory.values else ""
    items = selectors.item_search(query=query, category=category)
    return render(
        request,
        "services/catalogue.html",
        {
            "query": query,
            "category": category,
            "categories": ItemCategory.choices,
            "items": items,
            "coverage": selectors.township_coverage() if not query and not category else None,
        },
    )


def item_detail(request, code):
    item = selectors.item_get(code=code)
    points = item.points.filter(active=True).select_related("grid").order_by("kind", "name")[:30]
    return render(request, "services/item.html", {"item": item, "points": points})


def nearby(request):
    origin, error = _position(request)
    kind = request.GET.get("kind", "")
    kind = kind if kind in PointKind.values else ""
    points = selectors.points_near(origin=origin, kind=kind, limit=NEARBY_MAX) if origin else []
    in_circle = [p for p in points if p.distance.m <= selectors.WALK_RADIUS_M]
    # The nearest ten (and every point inside the walking circle), the rest behind "show more".
    shown = len(points) if request.GET.get("all") == "1" else max(NEARBY_FIRST, len(in_circle))
    return render(
        request,
        "services/nearby.html",
        {
            "origin": origin,
            "error": error,
            "kind": kind,
            "kinds": PointKind.choices,
            "colours": {k: POINT_COLOURS[k] for k in PointKind.values},
            "points": points[:shown],
            "more": len(points) > shown,
            "area": selectors.area_outline(),
            "in_circle": len(in_circle),
            "radius": int(selectors.WALK_RADIUS_M),
            "walk_minutes": selectors.WALK_MINUTES,
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
            "js_messages": {
                "locating": _("Finding your location…"),
                "noGeolocation": _("This browser cannot tell your location. Tap the map instead."),
                "geoFailed": _("Your location could not be found. Tap the map instead."),
            },
        },
    )


@require_http_methods(["GET", "POST"])
def proxy_new(request):
    """The public proxy request form; ?item=CODE chooses the service, ?lat=&lng= the place."""
    if request.method == "GET":
        initial = {"item": request.GET.get("item", "")}
        origin, _error = _position(request)
        if origin:
            initial.update(lat=round(origin.y, 6), lng=round(origin.x, 6))
        return render(request, "services/proxy_form.html", {"form": ProxyForm(initial=initial)})
    if not ratelimit.hit(f"proxy:{ratelimit.client_ip(request)}", limit=settings.PUBLIC_REPORT_RATE, window=3600):
        response = render(request, "public/rate_limited.html", {"limit": settings.PUBLIC_REPORT_RATE}, status=429)
        response["Retry-After"] = "3600"
        return response
    form = ProxyForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            point = (
                point_from(data["lat"], data["lng"]) if data["lat"] is not None and data["lng"] is not None else None
            )
            proxy = proxy_request_create(
                item=data["item"],
                phone=data["phone"],
                name=data["name"].strip(),
                address=data["address"].strip(),
                point=point,
                community=data["community"] or None,
                note=data["note"],
            )
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in PROXY_FORM_FIELDS else None, exc.message)
        else:
            return _see_other(reverse("services:proxy_track", args=[proxy.code]))
    return render(request, "services/proxy_form.html", {"form": form}, status=400)


@never_cache
def proxy_lookup(request):
    code = request.GET.get("code", "").strip().upper().replace(" ", "")[:12]
    if code:
        return redirect("services:proxy_track", code=code)
    return render(
        request,
        "services/proxy_lookup.html",
        {"error": _("Enter your tracking code.") if "code" in request.GET else ""},
    )


def _track_page(request, proxy, rating_form=None, *, cancel_error="", status=200):
    timeline = [
        {**step, "label": TIMELINE_LABELS.get(step["action"], step["action"])}
        for step in selectors.public_timeline(proxy)
    ]
    return render(
        request,
        "services/proxy_track.html",
        {
            "proxy": proxy,
            "colour": proxy.colour,
            "timeline": timeline,
            "can_rate": proxy.status in ("completed", "failed") and proxy.satisfaction is None,
            "can_cancel": proxy.status in ("requested", "accepted"),
            "rateable": proxy.is_open or proxy.status in ("completed", "failed"),
            "rating_form": rating_form or RatingForm(),
            "cancel_error": cancel_error,
            "scores": dict(RatingForm.SCORES),
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def proxy_track(request, code):
    """A request as the resident sees it; POST rates it once finished, or cancels it."""
    try:
        proxy = selectors.proxy_by_code(code)
    except Http404:  # a friendly page with the code typed
        return render(
            request,
            "services/proxy_lookup.html",
            {"error": _("No request has this code."), "code": code[:12]},
            status=404,
        )
    if request.method == "GET":
        return _track_page(request, proxy)
    action = request.POST.get("action", "rate")
    form = RatingForm(request.POST) if action == "rate" else None
    if form is not None and not form.is_valid():
        return _track_page(request, proxy, form, status=400)
    try:
        if action == "cancel":
            if request.POST.get("confirm") != "1":  # one stray tap must not cancel it
                raise ServiceError(_("Tick the box to confirm that you want to cancel the request."), field="confirm")
            proxy_transition(request=proxy, action="cancel", actor=None, tracking_code=proxy.code)
        elif action == "rate":
            proxy_transition(
                request=proxy,
                action="rate",
                actor=None,
                tracking_code=proxy.code,
                satisfaction=form.cleaned_data["satisfaction"],
                comment=form.cleaned_data["comment"],
            )
        else:
            raise ServiceError(_("Unknown action."))
    except ServiceError as exc:
        proxy.refresh_from_db()
        status = exc.status if 400 <= exc.status < 500 else 400
        if form is None:  # cancel: an unbound rating form cannot take the error
            return _track_page(request, proxy, cancel_error=exc.message, status=status)
        form.add_error(None, exc.message)
        return _track_page(request, proxy, form, status=status)
    messages.success(request, _("Thank you for your rating.") if action == "rate" else _("Your request is cancelled."))
    return _see_other(reverse("services:proxy_track", args=[proxy.code]))


# --- staff ---------------------------------------------------------------------------------


def _manage_page(request, *, status=200, import_problems=()):
    by = request.GET.get("by", "township")
    by = by if by in ("township", "community", "grid") else "township"
    overdue = request.GET.get("overdue") == "1"
    return render(
        request,
        "services/manage.html",
        {
            "stats": selectors.proxy_stats(user=request.user, by=by),
            "by": by,
            "overdue": overdue,
            "requests": selectors.proxy_list(user=request.user, filters={"open": True, "overdue": overdue}).order_by(
                "-overdue", "due_at"
            )[:200],
            "import_form": ImportForm() if has_role(request.user, ADMIN) else None,
            "import_problems": import_problems,
        },
        status=status,
    )


@login_required
def manage(request):
    """Proxy handling in the user's jurisdiction: figures per township or grid, and open requests."""
    if not has_role(request.user, COMMAND_CENTER, ADMIN):
        raise PermissionDenied
    return _manage_page(request)


@login_required
@require_http_methods(["POST"])
def catalogue_import_view(request):
    """xlsx import of catalogue items: all or nothing; a refused file lists every row's problems (400)."""
    if not has_role(request.user, ADMIN):
        raise PermissionDenied
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _manage_page(request, status=400, import_problems=form.errors.get("file", []))
    upload = form.cleaned_data["file"]
    try:
        if upload.size > MAX_IMPORT_BYTES:
            raise CatalogueError([_("The file is larger than 2 MB.")])
        counts = catalogue_import(actor=request.user, content=upload.read())
    except CatalogueError as exc:
        return _manage_page(request, status=400, import_problems=[*exc.problems[:50], _("Nothing was imported.")])
    messages.success(request, _("%(created)d item(s) created, %(updated)d updated.") % counts)
    return _see_other(reverse("services:manage"))
