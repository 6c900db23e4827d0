"""The phone view for grid workers and department clerks (/m/): task inbox, case actions, reporting
from the field with GPS, and resolving small things on the spot (自处置)."""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from grids.choices import FIELD_ROLES
from grids.models import Membership

from . import selectors, services
from .choices import Source
from .models import Category
from .services import EventError


@login_required
def inbox(request):
    seats = Membership.objects.filter(user=request.user, role__in=FIELD_ROLES)
    return render(
        request,
        "mobile/inbox.html",
        {
            "cases": selectors.worker_inbox(user=request.user)[:100],
            "field_worker": seats.exists(),
            "on_duty": seats.filter(on_duty=True).exists(),
        },
    )


@login_required
def case(request, number):
    event = selectors.event_get(user=request.user, number=number)
    roles = services.event_roles(event=event, user=request.user)
    actions = services.actions_for(event=event, user=request.user, roles=roles)
    return render(
        request,
        "mobile/case.html",
        {
            "event": event,
            "actions": [a for a in actions if a not in ("dispatch", "merge")],
            "photos": event.photos.all(),
            "next": request.path,
        },
    )


@login_required
def report(request):
    categories = Category.objects.filter(parent__isnull=False, active=True).select_related("parent").order_by("code")
    if request.method == "POST":
        p = request.POST
        try:
            on_spot = p.get("on_spot") == "1"
            event, _created = services.event_report(
                source=Source.WORKER,
                category=p.get("category", ""),
                description=p.get("description", ""),
                point=services.point_from(p.get("lat"), p.get("lng")),
                address=p.get("address", "")[:200],
                photos=request.FILES.getlist("photos"),
                actor=request.user,
                idempotency_key=p.get("idempotency_key") or None,
                resolve_on_spot=on_spot,
                result=p.get("result", ""),
                after_photos=request.FILES.getlist("after_photos") if on_spot else (),
            )
        except EventError as exc:
            return render(
                request,
                "mobile/report.html",
                {"categories": categories, "error": exc.message, "values": p, "token": p.get("idempotency_key")},
                status=400,
            )
        if selectors.event_list(user=request.user).filter(pk=event.pk).exists():
            messages.success(request, _("Case %(number)s filed.") % {"number": event.number})
            return redirect("mobile:case", number=event.number)
        # The point lies in a grid the worker does not serve: the case went to that grid's people.
        messages.success(
            request,
            _(
                "Case %(number)s filed. The place lies in %(grid)s (%(code)s), "
                "so the case went to that grid, which handles it."
            )
            % {"number": event.number, "grid": event.grid.name, "code": event.grid.code},
        )
        return redirect("mobile:inbox")
    return render(
        request, "mobile/report.html", {"categories": categories, "values": {}, "token": secrets.token_urlsafe(16)}
    )


app_name = "mobile"
urlpatterns = [
    path("", inbox, name="inbox"),
    path("report/", report, name="report"),
    path("cases/<str:number>/", case, name="case"),
]
