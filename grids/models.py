from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import TIER, Kind, Level, MemberRole


class Grid(models.Model):
    """A node of the grid tree, from county (or city) down to micro-grid.

    `code` is the materialized path: a child's code is its parent's code plus digits, so a subtree
    is `code__startswith` (indexed with varchar_pattern_ops on PostgreSQL). The boundary is the
    current one; earlier boundaries are kept as `GridBoundaryVersion` rows.
    """

    code = models.CharField(_("code"), max_length=18, unique=True)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.COMMUNITY)
    boundary = models.MultiPolygonField(_("boundary"), srid=4326, spatial_index=True)
    # A point inside the boundary (not the centroid, which may fall outside a concave grid):
    # labels, markers and "fly to" use it.
    label_point = models.PointField(_("label point"), srid=4326)
    boundary_generated = models.BooleanField(
        _("boundary generated"),
        default=False,
        help_text=_("Partitioned by the import, not surveyed: replace it with the real boundary when known."),
    )
    households = models.PositiveIntegerField(_("households"), null=True, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    active_from = models.DateField(_("active from"))
    active_to = models.DateField(_("active until"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["code"], name="grid_code_prefix_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["level", "code"], name="grid_level_code_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9]+$"), name="grid_code_digits"),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def tier_label(self):
        return TIER.get(self.level, "")

    @property
    def is_active(self) -> bool:
        return self.active_to is None

    def ancestor_codes(self) -> list[str]:
        """Codes of every ancestor, root first (derived from the code, no queries)."""
        return [self.code[:n] for n in Level.values if n < len(self.code)]


class GridBoundaryVersion(models.Model):
    """A boundary a grid had before it was changed, with who changed it and when."""

    grid = models.ForeignKey(Grid, models.CASCADE, related_name="boundary_versions", verbose_name=_("grid"))
    boundary = models.MultiPolygonField(_("boundary"), srid=4326, spatial_index=False)
    boundary_generated = models.BooleanField(_("boundary generated"))
    valid_until = models.DateTimeField(_("valid until"))
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, verbose_name=_("replaced by")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("earlier boundary")
        verbose_name_plural = _("earlier boundaries")
        ordering = ["grid", "-valid_until"]

    def __str__(self):
        return f"{self.grid.code} until {self.valid_until:%Y-%m-%d}"


class Membership(models.Model):
    """A user's seat on a grid: their role there, and for field roles, duty status and position.

    A user's memberships are their jurisdiction: they see and act on those grids' subtrees.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    grid = models.ForeignKey(Grid, models.PROTECT, related_name="memberships", verbose_name=_("grid"))
    role = models.CharField(_("role"), max_length=20, choices=MemberRole.choices)
    phone = models.CharField(_("work phone"), max_length=20, blank=True)
    on_duty = models.BooleanField(_("on duty"), default=False)
    last_position = models.PointField(_("last known position"), srid=4326, null=True, blank=True)
    last_position_at = models.DateTimeField(_("position time"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["grid__code", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "grid", "role"], name="membership_unique_seat"),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.grid.code}"
