"""Point → grid routing: how fast `grids.selectors.grid_locate` finds the grid a point falls in.

Builds a synthetic tree of 10,111 grids (one irregular ~2,850 km² county around lon 100.2,
lat 26.9 with a 1,000-vertex border, cut by `grids.partition` into 10 townships × 10 communities
× 100 unit grids, seeded) in scratch databases of its own, a temporary SpatiaLite file and a
PostGIS database `govgrid_bench` (created, then dropped), and times `grid_locate` call by call on
random points inside the county. Beside it, in the same run:

- PostGIS: grid_locate's query as plain SQL on a raw cursor, to tell the database from the ORM;
- SpatiaLite: the same query with its candidates narrowed by SpatiaLite's R-tree first
  (`SpatialIndex`), since SpatiaLite's `Contains()` does not use the index by itself; as migrated
  the R-tree is disabled and empty (see `spatialite_index_rebuild`), so it is rebuilt first;
- in-memory Python baselines with shapely: a naive scan over every unit-grid polygon, and an
  STRtree (the best pure-Python in-memory index).

Every answer is compared with a reference computed in memory (the deepest grid whose boundary,
as loaded back from the database, contains the point), and a sample is checked point by point.
Each timed method stops early at `--budget` seconds (the table marks it with *).

    DEBUG=1 .venv/bin/python bench/routing.py [--points N] [--backend spatialite|postgis|both]

The parent process runs one worker process per backend (`--worker BACKEND`, with DATABASE_URL
set to the scratch database); the worker prints its figures as one JSON line. The ambient
DATABASE_URL is never used, and a worker refuses a database that already holds grids.
"""

import argparse
import math
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Point as ShapelyPoint
from shapely.geometry import Polygon
from shapely.prepared import prep

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import _common as common  # noqa: E402  (needs ROOT on the path when run as a script)

SEED = "bench-routing"
COUNTY_CODE = "530702"
CENTRE = (100.2, 26.9)  # lon, lat
RADIUS_KM = 30.0
BORDER_VERTICES = 1000
FANOUT = (10, 10, 100)  # townships per county, communities per township, unit grids per community
POSTGIS_URL = "postgis://postgres@127.0.0.1:5432/govgrid_bench"
WARMUP = 200  # lookups on other points run before timing, not counted
SAMPLE_CHECK = 1000  # answers whose boundary is checked against the point one by one

# SpatiaLite: narrow the candidates with the R-tree (virtual table SpatialIndex) before Contains().
RTREE_WHERE = (
    "grids_grid.id IN (SELECT ROWID FROM SpatialIndex WHERE f_table_name = 'grids_grid'"
    " AND f_geometry_column = 'boundary' AND search_frame = MakePoint(%s, %s, 4326))"
)


# grid_locate's query as plain SQL, to tell the database's time from the ORM's (PostGIS).
RAW_SQL = (
    "SELECT code FROM grids_grid WHERE active_to IS NULL"
    " AND ST_Contains(boundary, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) ORDER BY level DESC LIMIT 1"
)


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- The synthetic tree --------------------------------------------------------------------


def county_shape() -> Polygon:
    """An irregular county polygon of radius about RADIUS_KM around CENTRE, with a border of
    BORDER_VERTICES vertices wiggling at many scales (real borders follow rivers and ridges)."""
    rng = random.Random(SEED)
    lon0, lat0 = CENTRE
    km_per_deg_lon = 111.32 * math.cos(math.radians(lat0))
    km_per_deg_lat = 110.57
    # Amplitudes add up to well under 1, so the radius stays positive: the polygon is star-shaped, hence valid.
    waves = [
        (k, amp, rng.uniform(0, 2 * math.pi))
        for k, amp in ((2, 0.08), (3, 0.07), (5, 0.04), (9, 0.03), (17, 0.02), (41, 0.01), (97, 0.005))
    ]
    coords = []
    for i in range(BORDER_VERTICES):
        a = 2 * math.pi * i / BORDER_VERTICES
        r = RADIUS_KM * (1 + sum(amp * math.sin(k * a + phase) for k, amp, phase in waves) + rng.uniform(-0.003, 0.003))
        coords.append((lon0 + r * math.cos(a) / km_per_deg_lon, lat0 + r * math.sin(a) / km_per_deg_lat))
    return Polygon(coords)


def build_tree() -> int:
    """Partition the county into townships, communities and unit grids and bulk-insert them."""
    from grids.models import Grid
    from grids.partition import partition
    from grids.services import to_geos

    rng = random.Random(SEED)
    today = date(2024, 1, 1)
    titles = {6: "Bench county", 9: "Township", 12: "Community", 15: "Grid"}

    def grid(code: str, shape, parent: Grid | None) -> Grid:
        boundary = to_geos(shape)
        return Grid(
            code=code,
            parent=parent,
            name=f"{titles[len(code)]} {code[-3:]}" if parent else titles[6],
            level=len(code),
            boundary=boundary,
            label_point=boundary.point_on_surface,
            boundary_generated=True,
            households=rng.randint(150, 450),
            active_from=today,
        )

    county_area = county_shape()
    (county,) = Grid.objects.bulk_create([grid(COUNTY_CODE, county_area, None)])
    # (parent grid, its shapely area) per level, each level bulk-inserted before the next.
    level = [(county, county_area)]
    for n in FANOUT:
        children, areas = [], []
        for parent, area in level:
            for i, cell in enumerate(partition(area, n, seed=f"{SEED}:{parent.code}"), start=1):
                children.append(grid(f"{parent.code}{i:03d}", cell, parent))
                areas.append(cell)
        children = Grid.objects.bulk_create(children, batch_size=500)
        log(f"level {len(children[0].code)}: {len(children)} grids")
        level = list(zip(children, areas, strict=True))
    return Grid.objects.count()


def random_points(area, n: int, seed: str):
    """n points uniform in the area's bounding box that fall inside it, as (x, y) pairs."""
    rng = random.Random(seed)
    minx, miny, maxx, maxy = area.bounds
    inside = prep(area)
    points = []
    while len(points) < n:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if inside.contains(ShapelyPoint(x, y)):
            points.append((x, y))
    return points


# --- Measuring -------------------------------------------------------------------------------


def measure(method: str, locate, inputs: list, expected: list, budget: float, warmup: list) -> dict:
    """Time locate(input) call by call, stopping early once `budget` seconds have gone by."""
    for item in warmup:  # other points than the timed ones: warm caches, not answers
        locate(item)
    times, found = [], []
    clock = time.perf_counter
    deadline = clock() + budget
    for item in inputs:
        t0 = clock()
        code = locate(item)
        t1 = clock()
        times.append(t1 - t0)
        found.append(code)
        if t1 > deadline:
            break
    ms = np.array(times) * 1000
    row = {
        "method": method,
        "points": len(times),
        "stopped_early": len(times) < len(inputs),
        "lookups_per_s": len(times) / sum(times),
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
        "max_ms": float(ms.max()),
        "mismatches": sum(1 for f, e in zip(found, expected, strict=False) if f != e),
    }
    log(
        f"{method}: {row['points']:,} lookups, {row['lookups_per_s']:,.0f}/s, p50 {row['p50_ms']:.3f} ms, "
        f"p99 {row['p99_ms']:.3f} ms, {row['mismatches']} mismatches"
    )
    return row | {"found": found}


def check_sample(found: list, xy: list, shapes: dict) -> int:
    """How many of the first SAMPLE_CHECK answers do not contain their point (None counts as wrong)."""
    pairs = zip(found[:SAMPLE_CHECK], xy, strict=False)
    return sum(1 for code, (x, y) in pairs if code is None or not shapes[code].contains(ShapelyPoint(x, y)))


def spatialite_index_state(connection) -> dict:
    """Whether SpatiaLite keeps the R-tree of grids_grid.boundary, and how many rows it holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT spatial_index_enabled FROM geometry_columns"
            " WHERE f_table_name = 'grids_grid' AND f_geometry_column = 'boundary'"
        )
        (enabled,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM idx_grids_grid_boundary")
        (rows,) = cursor.fetchone()
    return {"enabled": bool(enabled), "rows": rows}


def spatialite_index_rebuild(connection) -> None:
    """Recreate the R-tree of grids_grid.boundary: CreateSpatialIndex fills it and adds its triggers.

    Needed because Django's SpatiaLite schema editor, when it remakes a table (SQLite cannot alter
    one in place: grids 0001 adds a CheckConstraint to grids_grid), recovers the geometry columns
    with RecoverGeometryColumn but never re-enables their spatial index: geometry_columns says
    spatial_index_enabled = 0, no trigger fills idx_grids_grid_boundary, and it stays empty."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS idx_grids_grid_boundary")
        cursor.execute("SELECT CreateSpatialIndex('grids_grid', 'boundary')")
        cursor.execute("SELECT CheckSpatialIndex('grids_grid', 'boundary')")
        (ok,) = cursor.fetchone()
    if ok != 1:
        raise RuntimeError("SpatiaLite: CheckSpatialIndex('grids_grid', 'boundary') failed after the rebuild")


def worker(backend: str, n_points: int, naive_points: int, budget: float, baselines: bool) -> dict:
    common.django_setup("routing.py")

    from django.contrib.gis.geos import Point
    from django.db import connection

    from grids.models import Grid
    from grids.selectors import grid_locate

    common.scratch_migrate(log, f"{backend}: ")
    started = time.perf_counter()
    grids = build_tree()
    build_s = time.perf_counter() - started
    log(f"{backend}: {grids} grids built in {build_s:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics, as autovacuum would have gathered by now
    version = common.db_version(connection)
    result = {"backend": backend, "version": version, "grids": grids, "build_s": build_s, "load": [os.getloadavg()[0]]}

    # The reference: the deepest active grid whose boundary, as stored, contains the point.
    stored = list(Grid.objects.filter(active_to__isnull=True).values_list("code", "level", "boundary"))
    codes = [code for code, _, _ in stored]
    levels = [level for _, level, _ in stored]
    shapes_list = [shapely.from_wkb(bytes(boundary.wkb)) for _, _, boundary in stored]
    shapes = dict(zip(codes, shapes_list, strict=True))
    tree = shapely.STRtree(shapes_list)
    xy = random_points(county_shape(), n_points, seed=f"{SEED}:points")
    warm_xy = random_points(county_shape(), WARMUP, seed=f"{SEED}:warmup")
    point_idx, grid_idx = tree.query(shapely.points(xy), predicate="within")
    expected: list[str | None] = [None] * len(xy)
    best = [-1] * len(xy)
    for p, g in zip(point_idx.tolist(), grid_idx.tolist(), strict=True):
        if levels[g] > best[p]:
            best[p], expected[p] = levels[g], codes[g]
    log(f"{backend}: {len(xy):,} points, {expected.count(None)} outside every grid")

    geos_points = [Point(x, y, srid=4326) for x, y in xy]
    geos_warm = [Point(x, y, srid=4326) for x, y in warm_xy]
    log(
        f"{backend}: plan of grid_locate:\n"
        + Grid.objects.filter(active_to__isnull=True, boundary__contains=geos_points[0])
        .only("code", "name", "level")
        .order_by("-level")[:1]
        .explain()
    )
    results = []

    def timed(method: str, fn, inputs: list, warm: list, label: str) -> None:
        log(f"{backend}: timing {method}")
        row = measure(method, fn, inputs, expected, budget, warm)
        found = row.pop("found")
        row |= {"backend": label, "grids": grids, "sample_not_containing": check_sample(found, xy, shapes)}
        results.append(row)

    def locate(point):
        grid = grid_locate(point)
        return grid.code if grid else None

    timed("grid_locate", locate, geos_points, geos_warm, version)

    if connection.vendor == "postgresql":
        # Where the time goes: grid_locate's query without the ORM (building the query, the model).
        cursor = connection.cursor()

        def locate_sql(point):
            cursor.execute(RAW_SQL, [point.x, point.y])
            row = cursor.fetchone()
            return row[0] if row else None

        timed("its SQL on a raw cursor (no ORM)", locate_sql, geos_points, geos_warm, version)

    if connection.vendor == "sqlite":

        def locate_rtree(point):
            grid = (
                Grid.objects.filter(active_to__isnull=True, boundary__contains=point)
                .extra(where=[RTREE_WHERE], params=[point.x, point.y])
                .only("code", "name", "level")
                .order_by("-level")
                .first()
            )
            return grid.code if grid else None

        # As migrated, the R-tree may be empty and disabled (Django's SQLite table remake, e.g. for
        # AddConstraint, recovers the geometry column but not its spatial index): rebuild it if so.
        result["rtree_as_migrated"] = state = spatialite_index_state(connection)
        log(f"{backend}: R-tree of grids_grid.boundary as migrated: {state}")
        if not state["enabled"] or state["rows"] != grids:
            spatialite_index_rebuild(connection)
            log(f"{backend}: R-tree rebuilt: {spatialite_index_state(connection)}")
        timed("grid_locate + R-tree (SpatialIndex)", locate_rtree, geos_points, geos_warm, version)

    if baselines:
        python = f"Python {sys.version.split()[0]} / shapely {shapely.__version__}"
        units = [(code, shape) for code, shape in shapes.items() if len(code) == 15]
        sh_points = [ShapelyPoint(x, y) for x, y in xy]
        sh_warm = [ShapelyPoint(x, y) for x, y in warm_xy]

        def naive(point):
            for code, shape in units:
                if shape.contains(point):
                    return code
            return None

        def strtree(point):
            hits = tree.query(point, predicate="within").tolist()
            return codes[max(hits, key=levels.__getitem__)] if hits else None

        timed(f"naive scan of {len(units):,} unit grids", naive, sh_points[:naive_points], sh_warm[:20], python)
        timed("STRtree of all grids", strtree, sh_points, sh_warm, python)
    result["load"].append(os.getloadavg()[0])
    return result | {"rows": results}


# --- The parent: scratch databases, one worker per backend, the table ----------------------


def run_worker(backend: str, database_url: str, args, baselines: bool) -> dict | None:
    argv = ["--worker", backend, "--points", str(args.points), "--naive-points", str(args.naive_points)]
    argv += ["--budget", str(args.budget)]
    if not baselines:
        argv.append("--no-baselines")
    return common.run_worker(__file__, argv, common.worker_env(database_url), who=f"{backend}: the worker")


def print_table(rows: list[dict]) -> None:
    head = ("backend", "method", "grids", "points", "lookups/s", "p50 ms", "p99 ms", "max ms", "≠ref", "bad")
    lines = [head]
    for r in rows:
        points = f"{r['points']:,}" + ("*" if r["stopped_early"] else "")
        lines.append(
            (
                r["backend"],
                r["method"],
                f"{r['grids']:,}",
                points,
                f"{r['lookups_per_s']:,.0f}",
                f"{r['p50_ms']:.3f}",
                f"{r['p99_ms']:.3f}",
                f"{r['max_ms']:.2f}",
                str(r["mismatches"]),
                str(r["sample_not_containing"]),
            )
        )
    common.print_table(lines, "ll" + "r" * (len(head) - 2))
    print(
        "≠ref: answers differing from the in-memory reference (deepest grid containing the point); "
        f"bad: of the first {SAMPLE_CHECK}, answers whose boundary does not contain the point; "
        "*: stopped at the time budget."
    )


def parse(argv: list[str]):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=100_000, help="random points to route (default 100,000)")
    parser.add_argument("--naive-points", type=int, default=2_000, help="points for the naive scan (default 2,000)")
    parser.add_argument(
        "--budget", type=float, default=420.0, help="seconds at most per timed method; it stops early past that"
    )
    parser.add_argument("--backend", choices=("spatialite", "postgis", "both"), default="both")
    parser.add_argument("--postgis", default=POSTGIS_URL, help=f"scratch PostGIS database (default {POSTGIS_URL})")
    parser.add_argument("--worker", choices=("spatialite", "postgis"), help=argparse.SUPPRESS)
    parser.add_argument("--no-baselines", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> list[dict]:
    args = parse(argv or [])
    if args.worker:
        result = worker(args.worker, args.points, args.naive_points, args.budget, baselines=not args.no_baselines)
        common.print_result(result)
        return result["rows"]

    backends = ("postgis", "spatialite") if args.backend == "both" else (args.backend,)
    results: list[dict] = []
    notes: list[str] = []
    for backend in backends:
        baselines = backend == backends[-1]  # once, in the last worker
        if backend == "postgis":
            if not common.postgis_try_create(args.postgis):  # no server, no rights: report SpatiaLite all the same
                continue
            try:
                result = run_worker(backend, args.postgis, args, baselines)
            finally:
                common.postgis_drop(args.postgis)
        else:
            scratch = tempfile.mkdtemp(prefix="govgrid_bench_")
            try:
                url = f"spatialite:///{scratch}/govgrid_bench.sqlite3"
                result = run_worker(backend, url, args, baselines)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
        if result:
            results.extend(result["rows"])
            notes.append(
                f"{result['version']}: {result['grids']:,} grids built in {result['build_s']:.1f} s; "
                "load average (1 min) {:.2f} before timing, {:.2f} after.".format(*result["load"])
            )
            rtree = result.get("rtree_as_migrated")
            if rtree and (not rtree["enabled"] or rtree["rows"] != result["grids"]):
                notes.append(
                    f"SpatiaLite: as migrated, the R-tree of grids_grid.boundary was "
                    f"{'enabled' if rtree['enabled'] else 'disabled'} with {rtree['rows']} rows for "
                    f"{result['grids']:,} grids; the benchmark rebuilt it for the R-tree row "
                    "(DROP TABLE idx_grids_grid_boundary; SELECT CreateSpatialIndex('grids_grid', 'boundary'))."
                )
    if results:
        print()
        print_table(results)
        for note in notes:
            print(note)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
