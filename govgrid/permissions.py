"""Roles: the Django groups every permission check in GovGrid starts from."""

from django.utils.translation import gettext_lazy as _

COMMAND_CENTER = "command_center"
GRID_WORKER = "grid_worker"
DEPARTMENT_STAFF = "department_staff"
PARTY_ORGANISER = "party_organiser"
ADMIN = "admin"

ROLE_LABELS = {
    COMMAND_CENTER: _("Command center"),
    GRID_WORKER: _("Grid worker"),
    DEPARTMENT_STAFF: _("Department staff"),
    PARTY_ORGANISER: _("Party organiser"),
    ADMIN: _("Administrator"),
}
ROLES = tuple(ROLE_LABELS)


def user_roles(user) -> set[str]:
    """The role groups of a user; a superuser holds every role. Cached on the user object."""
    if not user.is_authenticated:
        return set()
    if not hasattr(user, "_govgrid_roles"):
        if user.is_superuser:
            user._govgrid_roles = set(ROLES)
        else:
            user._govgrid_roles = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
    return user._govgrid_roles


def has_role(user, *roles: str) -> bool:
    """True when the user holds at least one of the roles."""
    return bool(user_roles(user) & set(roles))


def is_staff_role(user) -> bool:
    """Command-center staff and administrators: the people who watch the whole jurisdiction."""
    return has_role(user, COMMAND_CENTER, ADMIN)
