"""The public wish page (/wishes/, no login): a resident posts a small wish (微心愿) for their
community and gets a tracking code; with the code they follow it and, once a member has done
it, confirm and rate it. Never shows the resident's phone nor the member's phone."""

import re
import secrets

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from govgrid import ratelimit
from grids.choices import Level
from grids.models import Grid

from . import services
from .choices import WISH_COLOURS, ServiceType, WishStatus
from .selectors import wish_by_tracking_code, wish_served, wish_served_prefixes
from .services import PartyError

STEP_LABELS = {
    "post": gettext_lazy("Wish received"),
    "dispatch": gettext_lazy("Sent to a party member or unit"),
    "claim": gettext_lazy("A party member has taken it on"),
    "complete": gettext_lazy("Done: please confirm"),
    "confirm": gettext_lazy("Confirmed and rated"),
    "cancel": gettext_lazy("Withdrawn"),
}
SCORES = [
    (5, gettext_lazy("Very satisfied")),
    (4, gettext_lazy("Satisfied")),
    (3, gettext_lazy("So-so")),
    (2, gettext_lazy("Dissatisfied")),
    (1, gettext_lazy("Very dissatisfied")),
]


def _communities() -> list[tuple[str, list]]:
    """Active communities where a party member or unit can take a wish on, grouped under their
    township, for the form's select (a wish elsewhere would wait for a taker who cannot exist)."""
    served = wish_served_prefixes()
    groups: dict[str, tuple[str, list]] = {}
    for grid in (
        Grid.objects.filter(level=Level.COMMUNITY, active_to__isnull=True).select_related("parent").order_by("code")
    ):
        if not wish_served(grid.code, served):
            continue
        groups.setdefault(grid.parent_id, (grid.parent.name if grid.parent else "", []))[1].append(grid)
    return list(groups.values())


def _form(request, *, values=None, error="", field="", status=200):
    return render(
        request,
        "party/public/post.html",
        {
            "groups": _communities(),
            "service_types": ServiceType.choices,
            "values": values or {"idempotency_key": secrets.token_urlsafe(24)},
            "error": error,
            "field": field,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def post(request):
    if request.method == "GET":
        return _form(request)
    if not ratelimit.hit(f"wish:{ratelimit.client_ip(request)}", limit=settings.PUBLIC_REPORT_RATE, window=3600):
        return render(request, "public/rate_limited.html", {"limit": settings.PUBLIC_REPORT_RATE}, status=429)
    p = request.POST
    values = p.dict()
    grid = Grid.objects.filter(code=p.get("grid", ""), level=Level.COMMUNITY, active_to__isnull=True).first()
    try:
        if grid is None:
            raise PartyError(_("Choose the community or grid where you live."), field="grid")
        if not wish_served(grid.code):
            raise PartyError(
                _("No party member serves this community on this platform yet: please ask your community office."),
                field="grid",
            )
        key = str(p.get("idempotency_key", ""))[:60]
        wish = services.wish_post(
            actor=None,
            grid=grid,
            title=p.get("title", ""),
            description=p.get("description", ""),
            service_type=p.get("service_type", ""),
            resident_name=p.get("name", ""),
            phone=p.get("phone", ""),
            address=p.get("address", ""),
            idempotency_key=f"public:{key}" if key else None,
        )
    except PartyError as exc:
        values.setdefault("idempotency_key", secrets.token_urlsafe(24))
        return _form(request, values=values, error=exc.message, field=exc.field or "", status=400)
    response = redirect("wishes:track", code=wish.tracking_code)
    response.status_code = 303
    return response


def _normalise(code: str) -> str:
    return re.sub(r"[\s\-/]", "", code or "").upper()[:12]


@never_cache
def lookup(request):
    code = _normalise(request.GET.get("code", ""))
    if code:
        return redirect("wishes:track", code=code)
    return redirect("wishes:post")


@never_cache
@require_http_methods(["GET", "POST"])
def track(request, code):
    try:
        wish = wish_by_tracking_code(_normalise(code))
    except Http404:
        return render(request, "party/public/not_found.html", {"code": _normalise(code)}, status=404)
    error, status = "", 200
    if request.method == "POST":
        try:
            services.wish_confirm(
                actor=None,
                wish=wish,
                tracking_code=wish.tracking_code,
                rating=request.POST.get("rating"),
                comment=request.POST.get("comment", ""),
            )
            messages.success(request, _("Thank you for your rating."))
            response = redirect("wishes:track", code=wish.tracking_code)
            response.status_code = 303
            return response
        except PartyError as exc:
            error, status = exc.message, exc.status
            wish.refresh_from_db()
    steps = [
        {"action": row.action, "label": STEP_LABELS.get(row.action, row.action), "at": row.created_at}
        for row in wish.log.filter(action__in=STEP_LABELS)
    ]
    return render(
        request,
        "party/public/track.html",
        {
            "wish": wish,
            "code": wish.tracking_code,
            "colour": WISH_COLOURS[wish.status],
            "steps": steps,
            "can_confirm": wish.status == WishStatus.COMPLETED,
            "scores": SCORES,
            "error": error,
        },
        status=status,
    )


def photo(request, code):
    wish = wish_by_tracking_code(_normalise(code))
    if not wish.completion_photo or wish.status not in (WishStatus.COMPLETED, WishStatus.CONFIRMED):
        raise Http404("no photo")
    return FileResponse(wish.completion_photo.open("rb"), content_type="image/jpeg")


app_name = "wishes"
urlpatterns = [
    path("", post, name="post"),
    path("track/", lookup, name="lookup"),
    path("<str:code>/", track, name="track"),
    path("<str:code>/photo/", photo, name="photo"),
]
