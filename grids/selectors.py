"""Reads of the grids app, and the jurisdiction scoping every other app uses.

A user's jurisdiction is the set of grids they hold a membership on (reduced to subtree roots);
superusers and the `admin` role see everything. Every scoped read filters with
`jurisdiction_q(user, field)`; an object outside it is a 404, never a 403, so its existence
does not leak.
"""

import math

from django.contrib.gis.geos import Point, Polygon
from django.db import connection
from django.db.models import BooleanField, FloatField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404

from govgrid.permissions import ADMIN, user_roles

from .choices import FIELD_ROLES, MemberRole
from .models import Grid, Membership

EVERYTHING = ("",)  # the prefix every code starts with


def user_jurisdiction(user) -> tuple[str, ...]:
    """Root codes of the subtrees a user may see (cached on the user object for the request)."""
    if not user.is_authenticated or not user.is_active:
        return ()
    if not hasattr(user, "_govgrid_jurisdiction"):
        if ADMIN in user_roles(user):
            user._govgrid_jurisdiction = EVERYTHING
        else:
            codes = sorted(set(Membership.objects.filter(user=user).values_list("grid__code", flat=True)))
            roots: list[str] = []
            for code in codes:  # sorted, so an ancestor comes before its descendants
                if not any(code.startswith(r) for r in roots):
                    roots.append(code)
            user._govgrid_jurisdiction = tuple(roots)
    return user._govgrid_jurisdiction


def jurisdiction_q(user, field: str = "code") -> Q:
    """A filter on a grid-code field (`code`, `grid__code`, …) for the user's subtrees."""
    roots = user_jurisdiction(user)
    if not roots:
        return Q(pk__in=[])
    q = Q()
    for root in roots:
        q |= Q(**{f"{field}__startswith": root})
    return q


def code_in_jurisdiction(user, code: str) -> bool:
    return any(code.startswith(root) for root in user_jurisdiction(user))


def grid_list(*, user, level: int | None = None, within: str | None = None, search: str | None = None) -> QuerySet:
    qs = Grid.objects.filter(jurisdiction_q(user), active_to__isnull=True)
    if level:
        qs = qs.filter(level=level)
    if within:
        qs = qs.filter(code__startswith=within)
    if search:
        search = search.strip()
        qs = qs.filter(Q(code__startswith=search) | Q(name__icontains=search)) if search else qs
    return qs


def grid_get(*, user, code: str) -> Grid:
    """One grid in the user's jurisdiction, else 404."""
    if not code.isdigit() or not code_in_jurisdiction(user, code):
        raise Http404("grid not found")
    try:
        return Grid.objects.select_related("parent").get(code=code)
    except Grid.DoesNotExist:
        raise Http404("grid not found") from None


def grid_ancestors(grid: Grid) -> list[Grid]:
    """The grid's ancestors root first, in one query."""
    return list(Grid.objects.filter(code__in=grid.ancestor_codes()).order_by("level"))


def grid_roots(*, user) -> QuerySet:
    """The top grids the user sees: their jurisdiction roots (or the tree's roots for everything)."""
    roots = user_jurisdiction(user)
    if roots == EVERYTHING:
        return Grid.objects.filter(parent__isnull=True, active_to__isnull=True)
    return Grid.objects.filter(code__in=roots, active_to__isnull=True)


def grid_members(grid: Grid) -> QuerySet:
    return Membership.objects.filter(grid=grid).select_related("user").order_by("role", "user__first_name")


# SpatiaLite does not use its R-tree for `boundary__contains` by itself: candidates come from the
# index's virtual table first (bench/routing.py: about 5x faster at 10,000 grids).
SPATIALITE_CANDIDATES = (
    "SELECT ROWID FROM SpatialIndex WHERE f_table_name = 'grids_grid' AND f_geometry_column = 'boundary'"
    " AND search_frame = MakePoint(%s, %s, 4326)"
)


def grid_locate(point: Point) -> Grid | None:
    """The deepest active grid containing the point, or None outside every grid (not scoped:
    routing a report does not depend on who sends it)."""
    qs = Grid.objects.filter(active_to__isnull=True, boundary__contains=point)
    if connection.vendor == "sqlite":
        qs = qs.filter(pk__in=RawSQL(SPATIALITE_CANDIDATES, (point.x, point.y)))
    return qs.only("code", "name", "level").order_by("-level").first()


def grid_chief_ids(code: str) -> list[int]:
    """The grid chiefs of the nearest grid, from `code` up the tree, that has one."""
    ancestors = [code[:n] for n in range(len(code), 5, -3)]
    seats = Membership.objects.filter(grid__code__in=ancestors, role=MemberRole.GRID_CHIEF).values_list(
        "grid__code", "user_id"
    )
    by_grid: dict[str, list[int]] = {}
    for grid_code, user_id in seats:
        by_grid.setdefault(grid_code, []).append(user_id)
    return next((by_grid[c] for c in ancestors if c in by_grid), [])


EARTH_RADIUS_M = 6371008.8
GEOGRAPHY_DWITHIN = (
    "ST_DWithin(grids_membership.last_position::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, %s)"
)
GEOGRAPHY_DISTANCE = (
    "ST_Distance(grids_membership.last_position::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography)"
)


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (within 0.5 % of the geodesic: fine for "who is near")."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def workers_nearby(*, user, lat: float, lng: float, radius_m: float = 2000, limit: int = 20) -> list[dict]:
    """On-duty field workers of the user's jurisdiction within `radius_m` of a point, by their
    last known position, nearest first; one row per person. PostGIS measures on the geography
    with the expression index of migration 0003; SpatiaLite filters a box, then measures here."""
    qs = (
        Membership.objects.filter(
            jurisdiction_q(user, "grid__code"), role__in=FIELD_ROLES, on_duty=True, last_position__isnull=False
        )
        .select_related("user", "grid")
        .only("role", "phone", "on_duty", "last_position", "last_position_at", "user", "grid__code", "grid__name")
    )
    if connection.vendor == "postgresql":
        params = (lng, lat)
        qs = qs.filter(RawSQL(GEOGRAPHY_DWITHIN, (*params, radius_m), output_field=BooleanField()))
        qs = qs.annotate(distance=RawSQL(GEOGRAPHY_DISTANCE, params, FloatField()))
        rows = [(seat, seat.distance) for seat in qs]
    else:
        dlat = radius_m / 111_320
        dlng = radius_m / (111_320 * max(math.cos(math.radians(lat)), 0.01))
        box = Polygon.from_bbox((lng - dlng, lat - dlat, lng + dlng, lat + dlat))
        box.srid = 4326
        rows = [
            (seat, haversine_m(lat, lng, seat.last_position.y, seat.last_position.x))
            for seat in qs.filter(last_position__within=box)
        ]
    rows.sort(key=lambda r: (r[1], r[0].user_id))
    out, seen = [], set()
    for seat, distance in rows:
        if distance > radius_m or seat.user_id in seen:
            continue
        seen.add(seat.user_id)
        out.append(
            {
                "user": seat.user_id,
                "name": seat.user.get_full_name() or seat.user.get_username(),
                "role": seat.role,
                "role_label": str(seat.get_role_display()),
                "grid": seat.grid.code,
                "grid_name": seat.grid.name,
                "phone": seat.phone,
                "distance_m": round(distance),
                "lat": round(seat.last_position.y, 6),
                "lng": round(seat.last_position.x, 6),
                "at": seat.last_position_at.isoformat() if seat.last_position_at else None,
            }
        )
        if len(out) >= limit:
            break
    return out


def workers_positions(*, user, root: str = "") -> QuerySet:
    """Field seats with a known position in the user's jurisdiction (the dashboard's worker layer)."""
    qs = Membership.objects.filter(
        jurisdiction_q(user, "grid__code"), role__in=FIELD_ROLES, last_position__isnull=False
    ).select_related("user", "grid")
    if root:
        qs = qs.filter(grid__code__startswith=root)
    return qs


def command_center_ids(code: str) -> list[int]:
    """Command-center staff seated on grid `code` or above it (they hear of its alarms)."""
    from govgrid.permissions import COMMAND_CENTER

    ancestors = [code[:n] for n in range(6, len(code) + 1, 3)]
    return list(
        Membership.objects.filter(grid__code__in=ancestors, user__groups__name=COMMAND_CENTER)
        .values_list("user_id", flat=True)
        .distinct()
    )
