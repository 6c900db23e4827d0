from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Status(models.TextChoices):
    REPORTED = "reported", _("Reported")
    ACCEPTED = "accepted", _("Accepted")
    DISPATCHED = "dispatched", pgettext_lazy("case", "Dispatched")
    RETURNED = "returned", _("Returned")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    MERGED = "merged", _("Merged")


# The colour of each status on every map legend, marker and badge. Overdue is always red.
STATUS_COLOURS = {
    Status.REPORTED: "#7b1fa2",
    Status.ACCEPTED: "#1565c0",
    Status.DISPATCHED: "#0288d1",
    Status.RETURNED: "#ef6c00",
    Status.IN_PROGRESS: "#f9a825",
    Status.RESOLVED: "#558b2f",
    Status.CLOSED: "#2e7d32",
    Status.REJECTED: "#757575",
    Status.MERGED: "#9e9e9e",
}
OVERDUE_COLOUR = "#d32f2f"
OPEN_STATUSES = (
    Status.REPORTED,
    Status.ACCEPTED,
    Status.DISPATCHED,
    Status.RETURNED,
    Status.IN_PROGRESS,
    Status.RESOLVED,
)
TERMINAL_STATUSES = (Status.CLOSED, Status.REJECTED, Status.MERGED)


def status_colour(status: str, overdue: bool) -> str:
    """The colour of a case on every screen: red while it is open past its deadline."""
    return OVERDUE_COLOUR if overdue and status in OPEN_STATUSES else STATUS_COLOURS[status]


class Source(models.TextChoices):
    PUBLIC_FORM = "public_form", _("Public form")
    PUBLIC_API = "public_api", _("Public API / app")
    WORKER = "worker", _("Grid worker")
    HOTLINE = "hotline", _("12345 hotline")
    PETITION = "petition", _("Petition (信访)")
    STAFF = "staff", _("Staff entry")
    OPEN311 = "open311", _("Open311")
    SENSOR = "sensor", _("Sensor")


class CategoryKind(models.TextChoices):
    EVENT = "event", _("Event")
    COMPONENT = "component", _("Component")
    DISPUTE = "dispute", _("Dispute")
    SECURITY = "security", _("Public security")
    SERVICE = "service", _("Service request")


class LimitUnit(models.TextChoices):
    WORK_HOURS = "work_hours", _("Working hours")
    EMERGENCY_HOURS = "emergency_hours", _("Emergency hours (on the clock)")
    WORK_DAYS = "work_days_as_hours", _("Working days (given in hours)")


class Level(models.IntegerChoices):
    URGENT = 1, _("Urgent")
    IMPORTANT = 2, _("Important")
    ORDINARY = 3, _("Ordinary")


class PhotoStage(models.TextChoices):
    REPORT = "report", _("Report")
    BEFORE = "before", _("Before handling")
    AFTER = "after", _("After handling")
    VERIFY = "verify", _("Verification")
