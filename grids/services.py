"""Writes of the grids app: imports, boundary changes, memberships and rosters."""

import csv
import io
import random
import re
from dataclasses import dataclass, field
from datetime import date

import shapely
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry.base import BaseGeometry

from govgrid import live
from govgrid.permissions import GRID_WORKER

from . import importer, selectors
from .choices import FIELD_ROLES, Kind, Level, MemberRole
from .models import Grid, GridBoundaryVersion, Membership
from .partition import partition


def to_geos(geom: BaseGeometry) -> MultiPolygon:
    out = GEOSGeometry(memoryview(shapely.to_wkb(geom)), srid=4326)
    return out if isinstance(out, MultiPolygon) else MultiPolygon(out, srid=4326)


def _label_point(boundary: MultiPolygon) -> Point:
    return boundary.point_on_surface


@transaction.atomic
def grid_boundary_update(*, actor, grid: Grid, boundary: MultiPolygon, generated: bool = False, note: str = "") -> Grid:
    """Give a grid a new boundary, keeping the old one as a version with who replaced it."""
    if not boundary.valid:
        raise ValueError(_("The boundary is not a valid polygon: %(reason)s") % {"reason": boundary.valid_reason})
    GridBoundaryVersion.objects.create(
        grid=grid,
        boundary=grid.boundary,
        boundary_generated=grid.boundary_generated,
        valid_until=timezone.now(),
        replaced_by=actor,
        note=note[:200],
    )
    grid.boundary = boundary
    grid.boundary_generated = generated
    grid.label_point = _label_point(boundary)
    grid.save(update_fields=["boundary", "boundary_generated", "label_point", "updated_at"])
    return grid


@transaction.atomic
def grid_admin_save(*, actor, grid: Grid, changed: list[str] | None) -> Grid:
    """Save a grid edited in admin (`changed` is None for a new one); a changed boundary keeps
    the previous one as a version."""
    if changed is None:
        grid.label_point = _label_point(grid.boundary)
        grid.active_from = grid.active_from or timezone.localdate()
        grid.save()
        return grid
    if "boundary" in changed:
        new_boundary = grid.boundary
        grid.boundary = Grid.objects.only("boundary").get(pk=grid.pk).boundary
        grid.save(update_fields=[f for f in changed if f != "boundary"] + ["updated_at"])
        return grid_boundary_update(actor=actor, grid=grid, boundary=new_boundary, note="admin")
    grid.save(update_fields=changed + ["updated_at"])
    return grid


# --- Import of divisions -----------------------------------------------------------------


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    by_level: dict[int, int] = field(default_factory=dict)

    def count(self, level: int, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)
        self.by_level[level] = self.by_level.get(level, 0) + 1


def _short(name: str) -> str:
    """金甲社区居委会 → 金甲社区, 白华村委会 → 白华村."""
    return re.sub(r"(居民委员会|村民委员会|居委会|村委会)$", "", name)


def _kind_of(division: importer.Division, parent_kind: str | None) -> str:
    if division.level == Level.COMMUNITY:
        return Kind.RURAL if re.search(r"(村委会|村民委员会|村)$", division.name) else Kind.COMMUNITY
    return parent_kind or Kind.COMMUNITY


def _synthesise(division: importer.Division, count: int, level: Level) -> list[importer.Division]:
    # Names are data, not interface text: they follow the Chinese naming of grids in every language.
    if level == Level.GRID:
        names = [f"{_short(division.name)}第{n}网格" for n in range(1, count + 1)]
    else:
        names = [f"{division.name}第{n}微网格" for n in range(1, count + 1)]
    return [
        importer.Division(f"{division.code}{n:03d}", name, division.code, level, division.line)
        for n, name in enumerate(names, start=1)
    ]


@transaction.atomic
def divisions_import(
    *,
    csv_text: str,
    boundary_text: str,
    grids_per_community: tuple[int, int] = (0, 0),
    micro_grids: int = 0,
    seed: int = 1,
    actor=None,
    today: date | None = None,
) -> ImportReport:
    """Build or update the grid tree from a divisions CSV and a boundary GeoJSON.

    Where no boundary is given, each parent is partitioned among its children (Voronoi cells,
    `boundary_generated`); a boundary an administrator has surveyed is never overwritten by a
    generated one. Deterministic for a seed, idempotent, and all-or-nothing: any problem raises
    `DivisionsError` naming the line or feature, and nothing is written.
    """
    divisions = importer.parse_divisions(csv_text)
    boundaries = importer.parse_boundaries(boundary_text, divisions)
    roots = importer.roots(divisions, boundaries)
    low, high = grids_per_community
    if not (0 <= low <= high <= 999) or not (0 <= micro_grids <= 999):
        raise importer.DivisionsError(["grids per community and micro-grids must be between 0 and 999"])
    today = today or timezone.localdate()
    report = ImportReport()
    existing = {}
    for root in roots:
        existing.update({g.code: g for g in Grid.objects.filter(code__startswith=root.code)})

    def children_of(division: importer.Division) -> list[importer.Division]:
        if division.children:
            return sorted(division.children, key=lambda d: d.code)
        if division.level == Level.COMMUNITY and high:
            count = random.Random(f"{seed}:count:{division.code}").randint(low, high)
            return _synthesise(division, count, Level.GRID)
        if division.level == Level.GRID and micro_grids:
            return _synthesise(division, micro_grids, Level.MICRO)
        return []

    seen: set[str] = set()

    def write(division, boundary: BaseGeometry, generated: bool, parent: Grid | None, kind: str) -> Grid:
        seen.add(division.code)
        geos = to_geos(boundary)
        grid = existing.get(division.code)
        if grid is None:
            grid = Grid.objects.create(
                code=division.code,
                parent=parent,
                name=division.name,
                level=division.level,
                kind=kind,
                boundary=geos,
                label_point=_label_point(geos),
                boundary_generated=generated,
                active_from=today,
            )
            report.count(division.level, "created")
            return grid
        changed = []
        for attr, value in (
            ("parent_id", parent.pk if parent else None),
            ("name", division.name),
            ("level", division.level),
            ("active_to", None),
        ):
            if getattr(grid, attr) != value:
                setattr(grid, attr, value)
                changed.append(attr)
        if changed:
            grid.save(update_fields=changed + ["updated_at"])
        if not grid.boundary.equals_exact(geos, tolerance=1e-9):
            grid_boundary_update(actor=actor, grid=grid, boundary=geos, generated=generated, note="import_divisions")
            changed.append("boundary")
        report.count(division.level, "updated" if changed else "unchanged")
        return grid

    def build(division, boundary: BaseGeometry, generated: bool, parent: Grid | None, parent_kind: str | None):
        kind = _kind_of(division, parent_kind)
        grid = write(division, boundary, generated, parent, kind)
        children = children_of(division)
        if not children:
            return
        given = {}
        for child in children:
            if child.code in boundaries:
                given[child.code] = (boundaries[child.code], False)
            elif child.code in existing and not existing[child.code].boundary_generated:
                given[child.code] = (shapely.from_wkb(bytes(existing[child.code].boundary.wkb)), False)
        rest = [c for c in children if c.code not in given]
        if rest:
            area = boundary
            if given:
                area = boundary.difference(shapely.union_all([g for g, _ in given.values()]))
            if area.is_empty:
                raise importer.DivisionsError(
                    [f"{division.code}: surveyed children cover it whole; {len(rest)} child(ren) have no room left"]
                )
            cells = partition(area, len(rest), seed=f"{seed}:{division.code}")
            for child, cell in zip(rest, cells, strict=True):
                given[child.code] = (cell, True)
        for child in children:
            child_boundary, child_generated = given[child.code]
            build(child, child_boundary, child_generated, grid, kind)

    for root in roots:
        root_grid = existing.get(root.code)
        parent = Grid.objects.filter(code=root.parent_code).first() if root.parent_code else None
        if root_grid is not None and not root_grid.boundary_generated and root.code not in boundaries:
            boundary = shapely.from_wkb(bytes(root_grid.boundary.wkb))
        else:
            boundary = boundaries[root.code]
        build(root, boundary, False, parent, None)
        # Generated grids this run no longer produces (fewer grids per community, another seed)
        # are retired, not deleted: cases and history may point at them.
        report.retired += (
            Grid.objects.filter(code__startswith=root.code, boundary_generated=True, active_to__isnull=True)
            .exclude(code__in=seen)
            .update(active_to=today, updated_at=timezone.now())
        )
    return report


# --- Memberships and rosters -------------------------------------------------------------


@transaction.atomic
def membership_create(*, actor, user, grid: Grid, role: str, phone: str = "", on_duty: bool = False) -> Membership:
    """Seat a user on a grid; field roles join the `grid_worker` role group."""
    membership, _ = Membership.objects.get_or_create(
        user=user, grid=grid, role=role, defaults={"phone": phone, "on_duty": on_duty}
    )
    if role in FIELD_ROLES:
        from django.contrib.auth.models import Group

        user.groups.add(Group.objects.get(name=GRID_WORKER))
    return membership


ROSTER_COLUMNS = ("username", "name", "role", "phone")
PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{4,18}$")


class RosterError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@transaction.atomic
def roster_import(*, actor, grid: Grid, csv_text: str) -> list[Membership]:
    """Seat the workers listed in a CSV (`username,name,role,phone`) on a grid; all or nothing.

    Unknown users are created without a usable password (an administrator sets one); roles are
    the role codes or their labels in either language.
    """
    reader = csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))
    missing = [c for c in ROSTER_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise RosterError([_("line 1: missing column(s) %(cols)s") % {"cols": ", ".join(missing)}])
    by_label = {str(label): value for value, label in MemberRole.choices} | {v: v for v in MemberRole.values}
    rows, problems = [], []
    for row in reader:
        line = reader.line_num
        username = (row["username"] or "").strip()
        role = by_label.get((row["role"] or "").strip())
        phone = (row["phone"] or "").strip()
        if not re.fullmatch(r"[\w.@+-]{1,150}", username):
            problems.append(_("line %(line)d: user name is missing or has characters not allowed") % {"line": line})
        elif role is None:
            problems.append(_("line %(line)d: unknown role %(role)r") % {"line": line, "role": row["role"]})
        elif phone and not PHONE_RE.match(phone):
            problems.append(_("line %(line)d: %(phone)r is not a phone number") % {"line": line, "phone": phone})
        else:
            rows.append((username, (row["name"] or "").strip()[:150], role, phone))
    if problems:
        raise RosterError(problems)
    if not rows:
        raise RosterError([_("The file lists nobody.")])
    User = get_user_model()
    created = []
    for username, name, role, phone in rows:
        user, new = User.objects.get_or_create(username=username, defaults={"first_name": name})
        if new:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        membership = membership_create(actor=actor, user=user, grid=grid, role=role, phone=phone)
        if phone and membership.phone != phone:
            membership.phone = phone
            membership.save(update_fields=["phone"])
        created.append(membership)
    return created


class PositionError(ValueError):
    """A position that cannot be taken (the API answers 400)."""


@transaction.atomic
def worker_position_update(*, actor, lat=None, lng=None, on_duty: bool | None = None) -> list[Membership]:
    """A field worker's phone reports where they are and/or whether they are on duty: every field
    seat of theirs takes it; dashboards of those grids hear of it after commit."""
    point = None
    if lat is not None or lng is not None:
        try:
            lat, lng = float(lat), float(lng)
        except (TypeError, ValueError):
            raise PositionError(_("Give the position as numbers: lat and lng.")) from None
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):  # also refuses NaN
            raise PositionError(_("That is not a position on Earth."))
        point = Point(lng, lat, srid=4326)
        if selectors.grid_locate(point) is None:
            raise PositionError(_("This point lies outside the area this platform serves."))
    elif on_duty is None:
        raise PositionError(_("Give a position (lat and lng) or a duty status."))
    seats = list(
        Membership.objects.select_for_update().filter(user=actor, role__in=FIELD_ROLES).select_related("grid", "user")
    )
    if not seats:
        raise PositionError(_("Only grid workers report their position."))
    now = timezone.now()
    for seat in seats:
        fields = []
        if point is not None:
            seat.last_position, seat.last_position_at = point, now
            fields += ["last_position", "last_position_at"]
        if on_duty is not None:
            seat.on_duty = on_duty
            fields.append("on_duty")
        seat.save(update_fields=fields)
        live.publish(live.grid_groups(seat.grid.code), {"type": "worker.moved", "worker": worker_live_payload(seat)})
    return seats


def worker_live_payload(seat: Membership) -> dict:
    user = seat.user
    return {
        "id": seat.pk,
        "user": user.pk,
        "name": user.get_full_name() or user.get_username(),
        "grid": seat.grid.code,
        "role": seat.role,
        "on_duty": seat.on_duty,
        "lat": round(seat.last_position.y, 6) if seat.last_position else None,
        "lng": round(seat.last_position.x, 6) if seat.last_position else None,
        "at": seat.last_position_at.isoformat() if seat.last_position_at else None,
    }
