"""Phone pages of party members under /party/m/: my wishes (held, sent to me, open to take on),
take one on (接单), complete it with a note, hours and a photo, my hours, activities."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from . import selectors, services
from .api import wish_act
from .choices import WishStatus
from .services import PartyError


def member_required(view):
    """Signed-in users on a roster; anyone else gets a page saying so (403)."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        member = services.member_of(request.user)
        if member is None:
            return render(request, "party/m/not_member.html", status=403)
        return view(request, member, *args, **kwargs)

    return wrapped


@member_required
def inbox(request, member):
    return render(request, "party/m/inbox.html", {"member": member, **selectors.member_inbox(member=member)})


@member_required
def wish(request, member, number):
    wish = selectors.wish_get(user=request.user, number=number)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "reveal_phone":
            try:  # the service records the reveal; the number is shown on this answer only
                phone = services.resident_phone_reveal(wish=wish, actor=request.user)
            except PartyError as exc:
                messages.error(request, exc.message)
                return redirect("party_m:wish", number=wish.number)
            return render(request, "party/m/wish.html", {**_context(wish, member), "values": {}, "phone": phone})
        if action not in ("claim", "complete"):
            messages.error(request, _("Some of the details are not valid."))
            return redirect("party_m:wish", number=wish.number)
        try:
            wish = wish_act(request=request, wish=wish, data=request.POST.dict(), photo=request.FILES.get("photo"))
            messages.success(request, _("Wish taken on.") if action == "claim" else _("Thank you: the wish is done."))
        except PartyError as exc:
            messages.error(request, exc.message)
            return render(
                request,
                "party/m/wish.html",
                {**_context(wish, member), "error": exc.message, "values": request.POST},
                status=exc.status,
            )
        return redirect("party_m:wish", number=wish.number)
    return render(request, "party/m/wish.html", {**_context(wish, member), "values": {}})


def _context(wish, member) -> dict:
    wish.refresh_from_db()
    return {
        "wish": wish,
        "member": member,
        "can_claim": services.wish_claimable_by(wish, member),
        "holder": wish.assignee_member_id == member.pk,
    }


@member_required
def hours(request, member):
    year = timezone.localdate().year
    records = member.records.select_related("wish", "activity")[:100]
    policy = selectors.year_policy(year)
    year_hours = sum((r.hours for r in member.records.filter(date__year=year)), start=0)
    return render(
        request,
        "party/m/hours.html",
        {
            "member": member,
            "records": records,
            "year": year,
            "year_hours": year_hours,
            "policy": policy,
            "done": member.wishes.filter(status=WishStatus.CONFIRMED).count(),
        },
    )


@member_required
def activities(request, member):
    if request.method == "POST":
        try:
            pk = request.POST.get("activity", "")
            activity = selectors.activity_get(user=request.user, pk=int(pk) if pk.isdigit() else 0)
            services.activity_signup(actor=request.user, activity=activity)
            messages.success(request, _("Signed up."))
        except PartyError as exc:
            messages.error(request, exc.message)
        return redirect("party_m:activities")
    upcoming = selectors.activity_list(user=request.user).filter(ends_at__gt=timezone.now()).order_by("starts_at")
    mine = set(member.signups.values_list("activity_id", flat=True))
    return render(request, "party/m/activities.html", {"member": member, "activities": upcoming, "mine": mine})


app_name = "party_m"
urlpatterns = [
    path("", inbox, name="inbox"),
    path("wishes/<str:number>/", wish, name="wish"),
    path("hours/", hours, name="hours"),
    path("activities/", activities, name="activities"),
]
