from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .permissions import ADMIN, COMMAND_CENTER, DEPARTMENT_STAFF, GRID_WORKER, PARTY_ORGANISER, ROLES, user_roles

# Not a role group: a user linked to a party roster row (party.PartyMember.user) uses the member pages.
PARTY_MEMBER = "party_member"

STAFF = {COMMAND_CENTER, GRID_WORKER, DEPARTMENT_STAFF, PARTY_ORGANISER, ADMIN}

# (url name, label, roles that see it; None = every signed-in user). Apps add their pages here.
NAVIGATION = [
    ("home", _("Home"), None),
    ("grids:map", _("Grid map"), STAFF),
    ("grids:tree", _("Grids"), STAFF),
    ("dispatch:dashboard", _("Command center"), {COMMAND_CENTER, ADMIN}),
    ("events:intake", _("Intake"), {COMMAND_CENTER, ADMIN}),
    ("events:list", _("Cases"), {COMMAND_CENTER, GRID_WORKER, DEPARTMENT_STAFF, ADMIN}),
    ("mobile:inbox", _("My tasks"), {GRID_WORKER, DEPARTMENT_STAFF}),
    ("party:index", _("Party building"), {PARTY_ORGANISER, ADMIN}),
    ("party_m:inbox", _("My wishes"), {PARTY_MEMBER}),
    ("services:manage", _("Services"), {COMMAND_CENTER, ADMIN}),
    ("admin:index", _("Administration"), {ADMIN}),
]


def navigation(request):
    """The menu for the signed-in user's roles."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    roles = set(user_roles(user))
    if hasattr(user, "party_member"):  # a reverse one-to-one: False when the user has no roster row
        roles.add(PARTY_MEMBER)
    items = []
    for name, label, allowed in NAVIGATION:
        if allowed is not None and not (roles & allowed) and not (ADMIN in allowed and user.is_staff):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:  # an app switched off in this deployment
            continue
        items.append({"url": url, "label": label, "active": request.path == url})
    from .models import Notification

    unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    return {"nav_items": items, "all_roles": ROLES, "unread_count": unread}
