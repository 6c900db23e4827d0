from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DepartmentLevel(models.IntegerChoices):
    """Ordered from nearest to farthest: routing tries the nearest level first."""

    COMMUNITY = 1, _("Community")
    TOWNSHIP = 2, _("Township")
    COUNTY = 3, _("County")
    CITY = 4, _("City")


class SupervisionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", pgettext_lazy("supervision order", "Closed")
