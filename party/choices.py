from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OrgKind(models.TextChoices):
    """Levels of the party organisation built into the grid (支部建在网格上), top down."""

    WORKING_COMMITTEE = "working_committee", _("Street working committee (街道党工委)")
    COMMUNITY_COMMITTEE = "community_committee", _("Community committee (社区党委)")
    BRANCH = "branch", _("Branch (小区/网格党支部)")
    GROUP = "group", _("Group (楼栋党小组)")
    HOUSEHOLD = "household", _("Member household (党员中心户)")


# Which kind may sit under which: each level only under the one above it (a branch may also sit
# directly under a working committee, as 机关 branches do).
ORG_PARENTS = {
    OrgKind.WORKING_COMMITTEE: {None},
    OrgKind.COMMUNITY_COMMITTEE: {OrgKind.WORKING_COMMITTEE},
    OrgKind.BRANCH: {OrgKind.COMMUNITY_COMMITTEE, OrgKind.WORKING_COMMITTEE},
    OrgKind.GROUP: {OrgKind.BRANCH},
    OrgKind.HOUSEHOLD: {OrgKind.GROUP, OrgKind.BRANCH},
}


class MemberKind(models.TextChoices):
    REGISTERED = "registered", _("Registered here (在册)")
    SERVING = "serving", _("Serving member reporting in (在职报到)")
    MOBILE = "mobile", _("Mobile member (流动)")


class UnitKind(models.TextChoices):
    ORGAN = "organ", _("Government organ (机关)")
    INSTITUTION = "institution", _("Public institution (事业单位)")
    ENTERPRISE = "enterprise", _("Enterprise (企业)")
    SOCIAL = "social", _("Social organisation (社会组织)")


class WishStatus(models.TextChoices):
    POSTED = "posted", _("Waiting for a taker")
    DISPATCHED = "dispatched", pgettext_lazy("wish", "Dispatched")
    CLAIMED = "claimed", _("Taken on")
    COMPLETED = "completed", _("Done, to be confirmed")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")


WISH_COLOURS = {
    WishStatus.POSTED: "#7b1fa2",
    WishStatus.DISPATCHED: "#0288d1",
    WishStatus.CLAIMED: "#f9a825",
    WishStatus.COMPLETED: "#558b2f",
    WishStatus.CONFIRMED: "#2e7d32",
    WishStatus.CANCELLED: "#9e9e9e",
}
OVERDUE_COLOUR = "#d32f2f"
OPEN_WISH_STATUSES = (WishStatus.POSTED, WishStatus.DISPATCHED, WishStatus.CLAIMED)


class ServiceType(models.TextChoices):
    """What a member offers and what a wish needs (the 服务类型 of the rosters)."""

    ELDERLY = "elderly", _("Elderly care")
    CHILDREN = "children", _("Children and study")
    REPAIR = "repair", _("Repairs")
    HEALTH = "health", _("Health")
    LEGAL = "legal", _("Legal advice")
    ERRANDS = "errands", _("Errands and shopping")
    ENVIRONMENT = "environment", _("Environment")
    OTHER = "other", _("Other")


class RecordSource(models.TextChoices):
    WISH = "wish", _("Wish")
    ACTIVITY = "activity", _("Activity")
    MANUAL = "manual", _("Recorded by the community")


class ActivityKind(models.TextChoices):
    THEME_DAY = "theme_day", _("Theme party day (主题党日)")
    VOLUNTEER = "volunteer", _("Volunteer activity")


class ItemKind(models.TextChoices):
    RESOURCE = "resource", _("Resource")
    NEED = "need", _("Need")


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    RUNNING = "running", _("Running")
    DONE = "done", pgettext_lazy("project", "Done")
