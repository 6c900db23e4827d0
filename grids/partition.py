"""Generated partitions: cut a polygon into n cells that cover it exactly and do not overlap.

Township, village and unit-grid boundaries are not public, so an import partitions each parent
itself: seeded random points inside the parent, relaxed a few times towards their cells'
centroids (Lloyd) so cells come out of similar size, then Voronoi cells clipped to the parent.
Django's GEOS bindings have no Voronoi, so this is shapely 2; callers hand the result to GEOS by WKB.
Deterministic: the same parent, n and seed give the same cells.
"""

import random

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.prepared import prep

# Coordinates are kept to 1e-7 degrees (about 1 cm): stable across runs, and shared edges of
# neighbouring cells snap to the same vertices.
PRECISION = 1e-7
LLOYD_ROUNDS = 4


def _polygonal(geom: BaseGeometry) -> MultiPolygon:
    """The polygon parts of a geometry (intersections may also yield lines and points)."""
    parts = [g for g in shapely.get_parts(geom) if isinstance(g, Polygon) and not g.is_empty]
    if not parts and isinstance(geom, MultiPolygon):
        return geom
    return MultiPolygon(parts)


def _sample(area: BaseGeometry, n: int, rng: random.Random) -> list[Point]:
    minx, miny, maxx, maxy = area.bounds
    prepared = prep(area)
    points: list[Point] = []
    tries = 0
    while len(points) < n:
        tries += 1
        if tries > 10000 * n:  # a sliver with next to no area: fall back to points on its surface
            points.append(area.point_on_surface())
            continue
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if prepared.contains(p):
            points.append(p)
    return points


def _cells(area: BaseGeometry, seeds: list[Point]) -> list[MultiPolygon]:
    if len(seeds) == 1:
        return [_polygonal(area)]
    diagram = shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=area.envelope)
    by_seed = []
    regions = list(shapely.get_parts(diagram))
    for seed in seeds:
        region = next(r for r in regions if r.covers(seed))
        by_seed.append(_polygonal(region.intersection(area)))
    return by_seed


def partition(area: BaseGeometry, n: int, seed: str) -> list[MultiPolygon]:
    """Cut `area` into `n` valid MultiPolygons ordered north-west to south-east."""
    if n < 1:
        raise ValueError("n must be at least 1")
    rng = random.Random(seed)
    seeds = _sample(area, n, rng)
    for _ in range(LLOYD_ROUNDS if n > 1 else 0):
        cells = _cells(area, seeds)
        moved = []
        for cell, old in zip(cells, seeds, strict=True):
            c = cell.centroid
            moved.append(c if area.contains(c) else old)
        if len({(p.x, p.y) for p in moved}) < n:  # two seeds met: keep the previous round
            break
        seeds = moved
    cells = _cells(area, seeds)
    order = sorted(range(n), key=lambda i: (-round(seeds[i].y, 3), seeds[i].x))
    result = []
    for i in order:
        cell = shapely.set_precision(cells[i], PRECISION)
        result.append(_polygonal(shapely.make_valid(cell)) if not cell.is_valid else _polygonal(cell))
    return result
