from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    """Grid levels; the value is the length of the level's code."""

    PROVINCE = 2, _("Province")
    CITY = 4, _("City")
    COUNTY = 6, _("County / district")
    TOWNSHIP = 9, _("Township / street")
    COMMUNITY = 12, _("Community / village")
    GRID = 15, _("Unit grid")
    MICRO = 18, _("Micro-grid")


# The tier names used in grid governance (一级网格 … 五级网格), by level.
TIER = {
    Level.COUNTY: _("Tier-1 grid"),
    Level.TOWNSHIP: _("Tier-2 grid"),
    Level.COMMUNITY: _("Tier-3 grid"),
    Level.GRID: _("Tier-4 grid"),
    Level.MICRO: _("Tier-5 grid"),
}

# Line colours of grid boundaries on every map, by level.
LEVEL_COLOURS = {
    Level.CITY: "#4a148c",
    Level.COUNTY: "#b71c1c",
    Level.TOWNSHIP: "#e65100",
    Level.COMMUNITY: "#1565c0",
    Level.GRID: "#2e7d32",
    Level.MICRO: "#6d4c41",
}

# Level names in the divisions CSV format (../shared/data/divisions) mapped to levels.
CSV_LEVELS = {
    "province": Level.PROVINCE,
    "city": Level.CITY,
    "county": Level.COUNTY,
    "township": Level.TOWNSHIP,
    "village": Level.COMMUNITY,
    "grid": Level.GRID,
    "micro": Level.MICRO,
}


class Kind(models.TextChoices):
    COMMUNITY = "community", _("Urban community")
    RURAL = "rural", _("Rural")
    ENTERPRISE = "enterprise", _("Special: enterprise")
    SCHOOL = "school", _("Special: school")
    HOSPITAL = "hospital", _("Special: hospital")
    MARKET = "market", _("Special: market")


class MemberRole(models.TextChoices):
    GRID_CHIEF = "grid_chief", _("Grid chief")
    FULL_TIME = "full_time", _("Full-time grid worker")
    PART_TIME = "part_time", _("Part-time grid worker")
    INFORMANT = "informant", _("Grid informant")
    BUILDING_HEAD = "building_head", _("Building head")
    COMMAND_SEAT = "command_seat", _("Command-center seat")
    DEPARTMENT_SEAT = "department_seat", _("Department seat")
    PARTY_SEAT = "party_seat", _("Party organisation seat")


# Roles that work in the field: they have positions, duty status and appear on worker maps.
FIELD_ROLES = {
    MemberRole.GRID_CHIEF,
    MemberRole.FULL_TIME,
    MemberRole.PART_TIME,
    MemberRole.INFORMANT,
    MemberRole.BUILDING_HEAD,
}
