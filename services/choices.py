from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ItemCategory(models.TextChoices):
    """The areas a county's 便民服务 list is grouped by."""

    SOCIAL_INSURANCE = "social_insurance", _("Social insurance")
    MEDICAL_INSURANCE = "medical_insurance", _("Medical insurance")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs")
    DISABILITY = "disability", _("Disabled persons")
    HOUSEHOLD = "household", _("Household registration")
    FAMILY = "family", _("Births and family")
    EMPLOYMENT = "employment", _("Employment")
    VETERANS = "veterans", _("Veterans")
    HOUSING = "housing", _("Housing and land")
    AGRICULTURE = "agriculture", _("Agriculture")
    OTHER = "other", _("Other")


# The Chinese words for each area, part of every item's search text whatever the page language.
CATEGORY_WORDS = {
    ItemCategory.SOCIAL_INSURANCE: "社会保险 社保",
    ItemCategory.MEDICAL_INSURANCE: "医疗保障 医保",
    ItemCategory.CIVIL_AFFAIRS: "民政 救助",
    ItemCategory.DISABILITY: "残疾人 残联",
    ItemCategory.HOUSEHOLD: "户籍 户口 户政",
    ItemCategory.FAMILY: "生育 计生 卫健",
    ItemCategory.EMPLOYMENT: "就业 创业",
    ItemCategory.VETERANS: "退役军人 优抚",
    ItemCategory.HOUSING: "住房 建房",
    ItemCategory.AGRICULTURE: "农业 农村",
    ItemCategory.OTHER: "",
}


class LimitUnit(models.TextChoices):
    WORK_DAYS = "work_days", _("Working days")
    CALENDAR_DAYS = "calendar_days", _("Calendar days")


class PointKind(models.TextChoices):
    """Kinds of service point; `VILLAGE_KINDS` are the ones inside a community or village."""

    COUNTY_HALL = "county_hall", _("County government service hall")
    TOWNSHIP_CENTRE = "township_centre", _("Township service centre")
    COMMUNITY_STATION = "community_station", _("Community / village service station")
    PARTY_CENTRE = "party_centre", _("Party and people service centre")
    RED_STATION = "red_station", _("Red station")
    CANTEEN = "canteen", _("Community canteen")
    LIBRARY = "library", _("24-hour library")
    CLINIC = "clinic", _("Clinic")
    OTHER = "other", _("Other")


VILLAGE_KINDS = (PointKind.COMMUNITY_STATION, PointKind.PARTY_CENTRE, PointKind.RED_STATION)

# Marker colours on every map and legend, by kind.
POINT_COLOURS = {
    PointKind.COUNTY_HALL: "#b71c1c",
    PointKind.TOWNSHIP_CENTRE: "#e65100",
    PointKind.COMMUNITY_STATION: "#1565c0",
    PointKind.PARTY_CENTRE: "#c62828",
    PointKind.RED_STATION: "#d81b60",
    PointKind.CANTEEN: "#2e7d32",
    PointKind.LIBRARY: "#6a1b9a",
    PointKind.CLINIC: "#00838f",
    PointKind.OTHER: "#52606d",
}


class ProxyStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", pgettext_lazy("proxy request", "Accepted")
    COLLECTED = "collected", _("Materials collected")
    SUBMITTED = "submitted", _("Submitted")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Not granted")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


PROXY_COLOURS = {
    ProxyStatus.REQUESTED: "#7b1fa2",
    ProxyStatus.ACCEPTED: "#1565c0",
    ProxyStatus.COLLECTED: "#0288d1",
    ProxyStatus.SUBMITTED: "#f9a825",
    ProxyStatus.COMPLETED: "#2e7d32",
    ProxyStatus.FAILED: "#6d4c41",
    ProxyStatus.DECLINED: "#757575",
    ProxyStatus.CANCELLED: "#9e9e9e",
}
OVERDUE_COLOUR = "#d32f2f"
PROXY_OPEN = (ProxyStatus.REQUESTED, ProxyStatus.ACCEPTED, ProxyStatus.COLLECTED, ProxyStatus.SUBMITTED)
PROXY_FINISHED = (ProxyStatus.COMPLETED, ProxyStatus.FAILED)
