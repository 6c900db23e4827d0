"""Consistency of the grid tree: what `manage.py check_grids` reports."""

from collections import defaultdict

import shapely

from .choices import Level
from .models import Grid


def grid_problems(*, within: str = "", tolerance: float = 1e-4) -> list[str]:
    """Sibling overlaps, children outside their parent and gaps larger than `tolerance` (a share of
    the parent's area), and codes that do not match their parent or level."""
    rows = list(
        Grid.objects.filter(code__startswith=within, active_to__isnull=True)
        .order_by("code")
        .values_list("pk", "code", "level", "parent_id", "boundary")
    )
    by_pk = {pk: (code, level, shapely.from_wkb(bytes(b.wkb))) for pk, code, level, _, b in rows}
    children = defaultdict(list)
    problems = []
    for pk, code, level, parent_id, _ in rows:
        if len(code) != level or level not in Level.values:
            problems.append(f"{code}: code length {len(code)} does not match level {level}")
        if parent_id is None:
            continue
        if parent_id not in by_pk:
            continue  # parent outside the checked subtree or retired
        parent_code, parent_level, _ = by_pk[parent_id]
        if not code.startswith(parent_code) or parent_level >= level:
            problems.append(f"{code}: does not extend its parent's code {parent_code}")
        children[parent_id].append(pk)
    for parent_id, kids in children.items():
        parent_code, _, parent_geom = by_pk[parent_id]
        limit = parent_geom.area * tolerance
        geoms = [by_pk[k][2] for k in kids]
        for k, geom in zip(kids, geoms, strict=True):
            outside = geom.difference(parent_geom).area
            if outside > limit:
                problems.append(f"{by_pk[k][0]}: {outside / geom.area:.2%} of it lies outside its parent {parent_code}")
        tree = shapely.STRtree(geoms)
        left, right = tree.query(geoms, predicate="intersects")
        for i, j in zip(left, right, strict=True):
            if i < j:
                overlap = geoms[i].intersection(geoms[j]).area
                if overlap > limit:
                    share = overlap / parent_geom.area
                    a, b = by_pk[kids[i]][0], by_pk[kids[j]][0]
                    problems.append(f"{a} and {b} overlap ({share:.2%} of {parent_code})")
        gap = parent_geom.difference(shapely.union_all(geoms)).area
        if gap > limit:
            problems.append(f"{parent_code}: {gap / parent_geom.area:.2%} of it is in none of its children")
    return problems
