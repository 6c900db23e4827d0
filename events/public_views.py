"""Public pages (no login): the report form and case tracking. Included by govgrid/urls.py at the
site root under the namespace "public".

A resident reports a problem with a map point and photos and gets a tracking code; with the code
they follow the case and rate it once it is closed. These pages never show the reporter's phone
or name, nor the names of staff: the tracking code is the only key, so anyone holding it sees
only what the resident may see.
"""

import hashlib
import json
import re
import secrets

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from govgrid import ratelimit
from grids.models import Grid
from grids.selectors import grid_ancestors

from .choices import STATUS_COLOURS, PhotoStage, Source, Status
from .forms import RatingForm, ReportForm
from .models import Event
from .selectors import event_by_tracking_code, public_outcome, public_timeline
from .services import EventError, event_report, event_transition, point_from
from .uploads import MAX_PHOTOS

# What each public step of a case means to the resident who reported it.
TIMELINE_LABELS = {
    "report": gettext_lazy("Report received"),
    "accept": gettext_lazy("Accepted as a case"),
    "dispatch": gettext_lazy("Sent to the unit responsible"),
    "claim": gettext_lazy("The unit responsible has taken it on"),
    "resolve": gettext_lazy("Handled"),
    "close": gettext_lazy("Checked on the spot and closed"),
    "rework": gettext_lazy("Sent back to be handled again"),
    "reject": gettext_lazy("Not accepted as a case"),
    "merge": gettext_lazy("Joined to an earlier report of the same problem"),
    "rate": gettext_lazy("You rated the handling"),
}
# The service names fields by its own words; the form shows the point's errors on the map.
FORM_FIELDS = {"category", "description", "lat", "address", "phone", "name", "photos"}
AREA_CACHE_SECONDS = 600


def _see_other(url: str):
    """303: after a POST the browser GETs the next page, so reloading it files nothing again."""
    response = redirect(url)
    response.status_code = 303
    return response


def _area_geojson() -> dict:
    """The service area for the report map: the root grids and their children, simplified,
    rendered into the page (the boundaries API needs a login). Cached until a grid changes."""
    roots = Grid.objects.filter(parent__isnull=True, active_to__isnull=True)
    stamp = list(roots.order_by("code").values_list("code", "updated_at"))
    key = "public:area:" + hashlib.sha1(repr(stamp).encode()).hexdigest()
    area = cache.get(key)
    if area is None:
        features = []
        grids = list(roots) + list(Grid.objects.filter(parent__in=roots, active_to__isnull=True).order_by("code"))
        for grid in grids:
            outline = grid.boundary.simplify(0.0005, preserve_topology=True)
            features.append(
                {
                    "type": "Feature",
                    "geometry": json.loads(outline.json),
                    "properties": {"name": grid.name, "root": grid.parent_id is None},
                }
            )
        area = {"type": "FeatureCollection", "features": features}
        cache.set(key, area, AREA_CACHE_SECONDS)
    return area


def _report_page(request, form, *, status=200, photos_lost=False):
    messages_for_js = {
        "tapMap": _("Tap the map where the problem is, or use your location."),
        "checking": _("Checking which grid this is…"),
        "inGrid": _("This point is in %(grid)s."),
        "outside": _("This point lies outside the area this platform serves. Move the marker inside the outline."),
        "unknown": _("Could not check the grid just now; you can still send the report."),
        "locating": _("Finding your location…"),
        "noGeolocation": _("This browser cannot tell your location. Tap the map instead."),
        "geoDenied": _("Your location is not available (permission refused). Tap the map instead."),
        "geoFailed": _("Your location could not be found. Tap the map instead."),
        "needPoint": _("Tap the map to mark where the problem is."),
        "tooManyPhotos": _("At most 6 photos."),
        "preparing": _("Preparing photos…"),
        "sending": _("Sending…"),
        "remove": _("Remove this photo"),
        "counter": _("%(count)s / %(max)s characters"),
    }
    context = {
        "form": form,
        "area": _area_geojson(),
        "js_messages": messages_for_js,
        "max_photos": MAX_PHOTOS,
        "photos_lost": photos_lost,
        "tile_url": settings.MAP_TILE_URL,
        "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
    return render(request, "public/report.html", context, status=status)


@require_http_methods(["GET", "POST"])
def report(request):
    """The public report form: GET shows it with a fresh idempotency key, POST files the case."""
    if request.method == "GET":
        return _report_page(request, ReportForm(initial={"idempotency_key": secrets.token_urlsafe(24)}))

    limit = settings.PUBLIC_REPORT_RATE
    if not ratelimit.hit(f"report:{ratelimit.client_ip(request)}", limit=limit, window=3600):
        response = render(request, "public/rate_limited.html", {"limit": limit}, status=429)
        response["Retry-After"] = "3600"
        return response

    form = ReportForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        key = data["idempotency_key"]
        try:
            event, _created = event_report(
                source=Source.PUBLIC_FORM,
                category=data["category"],
                description=data["description"],
                point=point_from(data["lat"], data["lng"]),
                address=data["address"].strip(),
                phone=data["phone"],
                name=data["name"].strip(),
                photos=data["photos"],
                actor=None,
                idempotency_key=f"form:{key}" if key else None,
            )
        except EventError as exc:
            form.add_error(exc.field if exc.field in FORM_FIELDS else None, exc.message)
        else:
            return _see_other(reverse("public:done", args=[event.tracking_code]))
    if not form.data.get("idempotency_key"):
        form.data = form.data.copy()
        form.data["idempotency_key"] = secrets.token_urlsafe(24)
    return _report_page(request, form, status=400, photos_lost=bool(request.FILES))


def _normalise(code: str) -> str:
    return re.sub(r"[\s\-/]", "", code or "").upper()[:20]


def _event_or_none(code: str) -> Event | None:
    try:
        return event_by_tracking_code(_normalise(code))
    except Http404:
        return None


def _not_found(request, code: str):
    return render(request, "public/not_found.html", {"code": _normalise(code)[:12]}, status=404)


@never_cache
def done(request, code):
    """Shown once the report is filed: the tracking code, large, and where to use it."""
    event = _event_or_none(code)
    if event is None:
        return _not_found(request, code)
    return render(request, "public/done.html", {"event": event})


@never_cache
def lookup(request):
    """Enter a tracking code (GET ?code=…): go to its page."""
    code = _normalise(request.GET.get("code", ""))
    if code:
        return redirect("public:track", code=code)
    error = _("Enter your tracking code.") if "code" in request.GET else ""
    return render(request, "public/lookup.html", {"error": error})


def _grid_path(grid: Grid) -> list[str]:
    """The case's grid with the grids above it, without the root (the whole county or city)."""
    names = [g.name for g in grid_ancestors(grid) if g.pk != grid.pk][1:]
    return [*names, grid.name]


def _is_light(colour: str) -> bool:
    """Whether dark text reads better than white on this badge colour (e.g. the yellow of in progress)."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.299 * r + 0.587 * g + 0.114 * b > 160


def _can_rate(event: Event) -> bool:
    return (
        event.status == Status.CLOSED
        and event.satisfaction is None
        and not (event.callback_required and not event.callbacks.exists())
    )


def _track_page(request, event: Event, rating_form=None, *, status=200):
    timeline = [
        {**step, "label": TIMELINE_LABELS.get(step["action"], step["action"])} for step in public_timeline(event)
    ]
    category = event.category
    colour = STATUS_COLOURS.get(event.status, "#52606d")
    context = {
        "event": event,
        "code": event.tracking_code,
        "status_colour": colour,
        "status_light": _is_light(colour),
        "category": category.label,
        "major": category.parent.label if category.parent_id else "",
        "grid_path": _grid_path(event.grid),
        "timeline": timeline,
        "outcome": public_outcome(event),
        "after_photos": event.photos.filter(stage=PhotoStage.AFTER),
        "can_rate": _can_rate(event),
        "rating_form": rating_form or RatingForm(),
        "scores": dict(RatingForm.SCORES),
    }
    return render(request, "public/track.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def track(request, code):
    """A case as its reporter sees it; POST rates a closed case once (回访评价)."""
    event = _event_or_none(code)
    if event is None:
        return _not_found(request, code)
    if request.method == "GET":
        return _track_page(request, event)

    form = RatingForm(request.POST)
    if not form.is_valid():
        return _track_page(request, event, form, status=400)
    try:
        event_transition(
            event=event,
            action="rate",
            actor=None,
            tracking_code=event.tracking_code,
            satisfaction=form.cleaned_data["satisfaction"],
            comment=form.cleaned_data["comment"].strip(),
        )
    except EventError as exc:
        form.add_error("satisfaction" if exc.field == "satisfaction" else None, exc.message)
        event.refresh_from_db()
        return _track_page(request, event, form, status=exc.status if 400 <= exc.status < 500 else 400)
    messages.success(request, _("Thank you for your rating."))
    return _see_other(reverse("public:track", args=[event.tracking_code]))


def track_photo(request, code, photo_id):
    """An after-handling photo of a case, for whoever holds its tracking code (re-encoded at upload:
    no EXIF). Report photos are not shown publicly: they may show the reporter's surroundings."""
    event = event_by_tracking_code(code)
    photo = event.photos.filter(pk=photo_id, stage=PhotoStage.AFTER).first()
    if photo is None:
        raise Http404("photo not found")
    return FileResponse(photo.image.open("rb"), content_type="image/jpeg")


urlpatterns = [
    path("report/", report, name="report"),
    path("report/done/<str:code>/", done, name="done"),
    path("track/", lookup, name="lookup"),
    path("track/<str:code>/", track, name="track"),
    path("track/<str:code>/photos/<id:photo_id>/", track_photo, name="track_photo"),
]
