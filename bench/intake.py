"""Public intake: POST /api/v1/reports/ served by the real ASGI app under uvicorn, under load.

For each backend, a scratch database of its own (PostGIS `govgrid_bench_intake`, created then
dropped; a temporary SpatiaLite file) is migrated, the county 530702 imported
(`grids.services.divisions_import`, 8–11 unit grids per community, seed 1) and its demo departments
created (`dispatch.demo.demo_departments_create`). Then `uvicorn govgrid.asgi:application
--workers 2` (one worker per core; `--workers` to change) serves it with DEBUG off, plain http,
`PUBLIC_REPORT_RATE` out of reach and Redis db 5 (`--redis`; flushed before and after) as cache and
channel layer, as in production. `DJANGO_SETTINGS_MODULE=bench.settings` adds GET /bench/bare/ (a
constant JSON answer: no database, no cache) to the project's URLs, the baseline the same server
process gives.

`--clients` (50) concurrent clients, asyncio in this process with one keep-alive HTTP/1.1
connection each (stdlib only, to 127.0.0.1 only), run for `--duration` (20) seconds each, after
3 s of warm-up that are not counted:

- GET /bench/bare/, closed loop (each client sends its next request when the last one answered);
- POST /api/v1/reports/ closed loop: the most reports/s the server gives; JSON
  {"category": "0102", "description", "lat", "lng"} at random points inside the county's boundary
  (as stored, sampled with shapely), each with an `Idempotency-Key` of its own;
- POST /api/v1/reports/ paced at `--rate` (100) reports/s, the spec's target: requests are sent on a
  fixed schedule and latency counts from the scheduled time, so a server that falls behind shows
  it (no coordinated omission); what is still unsent at the end is counted, not sent.

Then the same two report runs for each what-if `--variants` entry: a server started with a change
the benchmark makes, not production (bench/urls.py `VARIANTS`: the push in one event loop, the case
number taken before the transaction, no push at all), or `gunicorn`: the WSGI app under gunicorn's
gthread workers with persistent database connections (DB_CONN_MAX_AGE=600), which Django cannot
keep under ASGI.

Beside the HTTP figures, the worker that sets up each database times the intake in-process, one
call after another (`events.services.event_report` with and without its push, `grid_locate`,
`govgrid.live.send_now`, opening a database connection), in wall time and in CPU time of this
process and of PostgreSQL, to tell where a report's cost goes. During each run the parent measures
the CPU time of the server's processes, of PostgreSQL (postmaster and children) and of Redis per
request, the machine's CPU use (/proc/stat; also over 2 s just before, the server idle: other
people's work), and on PostGIS how many sessions wait on a lock (pg_stat_activity), and after it
checks that every 201 wrote a case.

    .venv/bin/python bench/intake.py [--backend postgis|spatialite|both] [--duration 20] [--clients 50]
        [--rate 100] [--workers 2] [--variants 'a;b,c']
"""

import argparse
import asyncio
import itertools
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import _common as common  # noqa: E402  (needs ROOT on the path when run as a script)
from bench._common import (  # noqa: E402
    HOST,
    Http,
    cpu_seconds,
    free_port,
    machine_busy,
    percentiles,
    postgres_cpu,
    postgres_pid,
    random_points,
    redis_cpu,
    redis_flush,
    server_pids,
    server_stop,
)

COUNTY_CODE = "530702"
GRIDS_PER_COMMUNITY = (8, 11)
CATEGORY = "0102"
POSTGIS_URL = "postgis://postgres@127.0.0.1:5432/govgrid_bench_intake"
REDIS_URL = "redis://127.0.0.1:6379/5"
WARMUP_S = 3.0
BACKGROUND_S = 2.0  # seconds of idle server before each run, to see what else the machine is doing
PROFILE_CALLS = 300  # serial in-process event_report calls in the setup worker
SECRET_KEY = "bench-intake-only-" + "x" * 50
# What-if rows (bench/urls.py VARIANTS): each runs the reports again on a server with that change.
# `gunicorn` in a variant serves govgrid.wsgi with gunicorn's gthread workers (GUNICORN_THREADS threads
# each) and DB_CONN_MAX_AGE=600 instead: every thread keeps its database connection, which
# uvicorn cannot (Django runs each request's sync code in a thread of its own under ASGI).
GUNICORN, GUNICORN_THREADS = "gunicorn", 8
DEFAULT_VARIANTS = {
    "postgis": "live-one-loop;number-first;number-first,live-one-loop;gunicorn;gunicorn,number-first,live-one-loop",
    # One writer at a time in SQLite: taking the number first cannot shorten a lock that covers the file.
    "spatialite": "live-one-loop;gunicorn,live-one-loop",
}


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- The setup worker: migrate, import, departments, the in-process profile -----------------


def timed(fn, items, postmaster: int | None = None) -> dict:
    """Call fn on each item, one after another: wall-clock percentiles and mean CPU time per call, of
    this process and (PostGIS on this machine) of the PostgreSQL server."""
    wall, clock = [], time.perf_counter
    cpu0, db0 = time.process_time(), postgres_cpu(postmaster)
    for item in items:
        t0 = clock()
        fn(item)
        wall.append(clock() - t0)
    n = max(len(wall), 1)
    return percentiles(wall) | {
        "calls": len(wall),
        "cpu_ms": 1000 * (time.process_time() - cpu0) / n,
        "db_cpu_ms": 1000 * (postgres_cpu(postmaster) - db0) / n if postmaster else None,
    }


def worker(backend: str) -> dict:
    common.django_setup("intake.py")

    import shapely
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dispatch.demo import demo_departments_create
    from events.choices import Source
    from events.models import Event
    from events.services import event_report, point_from
    from grids.models import Grid
    from grids.selectors import grid_locate

    common.scratch_migrate(log, f"{backend}: ")
    report = common.county_import(COUNTY_CODE, GRIDS_PER_COMMUNITY, seed=1)
    departments = demo_departments_create(county_code=COUNTY_CODE)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    version = common.db_version(connection)
    county = Grid.objects.get(code=COUNTY_CODE).boundary
    log(f"{backend}: {report.created} grids, {departments} departments; profiling the intake in-process")

    # The intake in-process, one call after another: no HTTP, no concurrency.
    area = shapely.from_wkb(bytes(county.wkb))
    xy = random_points(area, PROFILE_CALLS + 20, seed="bench-intake:profile")
    points = [point_from(y, x) for x, y in xy]
    for p in points[PROFILE_CALLS:]:  # warm-up: imports, caches, the first day's sequence row
        event_report(source=Source.PUBLIC_API, category=CATEGORY, description="warm-up", point=p)
    with CaptureQueriesContext(connection) as queries:
        event_report(
            source=Source.PUBLIC_API,
            category=CATEGORY,
            description="one report, queries counted",
            point=points[0],
            idempotency_key=uuid.uuid4().hex,
        )

    def report_one(p) -> None:
        event_report(
            source=Source.PUBLIC_API,
            category=CATEGORY,
            description="in-process profile",
            point=p,
            idempotency_key=uuid.uuid4().hex,
        )

    def reconnect(_) -> None:  # what every request pays with CONN_MAX_AGE=0: a new connection
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    def reconnect_locate(p) -> None:  # the same, then the first spatial query of the new session
        connection.close()
        grid_locate(p)

    from bench import urls as bench_urls
    from govgrid import live

    groups = live.grid_groups(Event.objects.filter(grid__level=15).values_list("grid__code", flat=True)[0])
    message = {"type": "event.created", "event": {"id": 0, "number": "0"}}
    pm = postgres_pid(os.environ["DATABASE_URL"]) if connection.vendor == "postgresql" else None
    profile = {
        "event_report": timed(report_one, points[1:PROFILE_CALLS], pm),
        "grid_locate": timed(grid_locate, points[:PROFILE_CALLS], pm),
        "connect": timed(reconnect, range(100), pm),
        "connect + grid_locate": timed(reconnect_locate, points[:100], pm),
        # The push after commit: govgrid.live.send_now as it is, then as the `live-one-loop` variant.
        "push as is": timed(lambda _: live.send_now(groups, message), range(100), pm),
    }
    bench_urls.VARIANTS["live-one-loop"]()
    profile["push in one loop"] = timed(lambda _: live.send_now(groups, message), range(100), pm)
    bench_urls.VARIANTS["live-off"]()
    # The same points again: each now finds its earlier case as a possible duplicate (one more row).
    profile["event_report without push"] = timed(report_one, points[1:PROFILE_CALLS], pm)
    return {
        "backend": backend,
        "version": version,
        "grids": report.created,
        "departments": departments,
        "events_before": Event.objects.count(),
        "county_wkt": county.wkt,
        "queries": len(queries.captured_queries),
        "query_sql": [q["sql"][:160] for q in queries.captured_queries],
        "groups": len(groups),
        "profile": profile,
    }


# --- The load: asyncio keep-alive HTTP/1.1 clients -------------------------------------------


def report_body(rng: random.Random, points: list) -> bytes:
    x, y = points[rng.randrange(len(points))]
    return json.dumps(
        {"category": CATEGORY, "description": f"bench intake {rng.getrandbits(32):08x}", "lat": y, "lng": x}
    ).encode()


async def load(port: int, endpoint: str, clients: int, duration: float, points: list, rate: float | None) -> dict:
    """`clients` connections sending to `endpoint` for `duration` s, closed loop or paced at `rate`/s.

    Latency is from sending to the whole answer read; paced, it counts from the scheduled time
    (a request that waited for a free client counts the wait)."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors: list[str] = []
    slots = itertools.count()
    clock = time.perf_counter
    start = clock()
    end = start + duration

    async def client(i: int) -> None:
        rng = random.Random(f"bench-intake:{endpoint}:{rate}:{i}")
        http = Http(port)
        try:
            while True:
                if rate:
                    scheduled = start + next(slots) / rate
                    if scheduled >= end or clock() >= end:  # past the end: the rest of the schedule is unsent
                        break
                    await asyncio.sleep(max(0.0, scheduled - clock()))
                else:
                    scheduled = clock()
                    if scheduled >= end:
                        break
                try:
                    if endpoint == "report":
                        body = report_body(rng, points)
                        status = await http.request(
                            "POST", "/api/v1/reports/", body, {"Idempotency-Key": uuid.uuid4().hex}
                        )
                    else:
                        status = await http.request("GET", "/bench/bare/")
                except (OSError, ConnectionError, ValueError, asyncio.IncompleteReadError) as exc:
                    errors.append(f"{exc.__class__.__name__}: {exc}")
                    await http.close()
                    continue
                latencies.append(clock() - scheduled)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            await http.close()

    await asyncio.gather(*(client(i) for i in range(clients)))
    elapsed = clock() - start
    ok = statuses.get(201 if endpoint == "report" else 200, 0)
    unsent = max(0, int(duration * rate) - len(latencies) - len(errors)) if rate else 0
    return {
        "unsent": unsent,
        "requests": len(latencies),
        "ok": ok,
        "statuses": statuses,
        "errors": len(errors),
        "first_errors": errors[:3],
        "elapsed_s": elapsed,
        "per_s": ok / elapsed,
    } | percentiles(latencies)


# --- The server and what the parent watches ---------------------------------------------------


def server_env(database_url: str, redis_url: str, settings_module: str = "govgrid.settings") -> dict:
    return os.environ | {
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PUBLIC_REPORT_RATE": str(10**9),
        "REDIS_URL": redis_url,
        "DB_CONN_MAX_AGE": "0",
    }


def server_start(
    database_url: str, redis_url: str, workers: int, variant: str, logfile
) -> tuple[subprocess.Popen, int]:
    port = free_port()
    tokens = variant.split(",") if variant else []
    env = server_env(database_url, redis_url, "bench.settings")
    if GUNICORN in tokens:  # WSGI with long-lived threads, so each keeps its database connection
        command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "govgrid.wsgi:application", "--bind", f"{HOST}:{port}"]
        command += ["--worker-class", "gthread", "--workers", str(workers), "--threads", str(GUNICORN_THREADS)]
        env["DB_CONN_MAX_AGE"] = "600"
    else:
        command = [str(ROOT / ".venv" / "bin" / "uvicorn"), "govgrid.asgi:application", "--host", HOST]
        command += ["--port", str(port), "--workers", str(workers)]
    env["BENCH_INTAKE_VARIANT"] = ",".join(t for t in tokens if t != GUNICORN)
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=logfile, stderr=subprocess.STDOUT)
    common.wait_until_up(process, port, "/bench/bare/", logfile)
    return process, port


class LockWaits:
    """Samples, every 50 ms, how many sessions of the database wait on a lock (PostGIS only)."""

    def __init__(self, url: str | None):
        self.url, self.samples, self.stop = url, [], threading.Event()

    def __enter__(self):
        if self.url:
            self.thread = threading.Thread(target=self.run, daemon=True)
            self.thread.start()
        return self

    def run(self) -> None:
        import psycopg

        with psycopg.connect(common.pg_url(self.url, common.pg_name(self.url)), autocommit=True) as conn:
            while not self.stop.wait(0.05):
                row = conn.execute(
                    "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'), count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchone()
                self.samples.append(row)

    def __exit__(self, *exc):
        self.stop.set()
        if self.url:
            self.thread.join()

    def summary(self) -> dict | None:
        if not self.samples:
            return None
        waiting = np.array([s[0] for s in self.samples])
        sessions = np.array([s[1] for s in self.samples])
        return {"lock_waiting_mean": float(waiting.mean()), "sessions_mean": float(sessions.mean())}


def measured_run(process, port, endpoint, clients, duration, points, rate, pg_url, redis_url) -> dict:
    busy0, total0 = machine_busy()
    time.sleep(BACKGROUND_S)  # the server idle: what the rest of the machine uses meanwhile
    busy1, total1 = machine_busy()
    background = (busy1 - busy0) / max(total1 - total0, 1)
    pids = server_pids(process)
    postmaster = postgres_pid(pg_url)
    redis0, db0 = redis_cpu(redis_url), postgres_cpu(postmaster)
    cpu0, (busy0, total0), load0 = cpu_seconds(pids), machine_busy(), os.getloadavg()[0]
    with LockWaits(pg_url) as waits:
        row = asyncio.run(load(port, endpoint, clients, duration, points, rate))
    busy1, total1 = machine_busy()
    cpu = cpu_seconds(pids) - cpu0
    db, redis = postgres_cpu(postmaster) - db0, redis_cpu(redis_url) - redis0
    row |= {
        "endpoint": endpoint,
        "mode": f"paced {rate:g}/s" if rate else "closed loop",
        "clients": clients,
        "server_cpu_ms_per_req": 1000 * cpu / max(row["requests"], 1),
        "db_cpu_ms_per_req": 1000 * db / max(row["requests"], 1) if postmaster else None,
        "redis_cpu_ms_per_req": 1000 * redis / max(row["requests"], 1),
        "machine_busy": (busy1 - busy0) / max(total1 - total0, 1),
        "background_busy": background,
        "load_before": load0,
        "locks": waits.summary(),
    }
    log(
        f"{endpoint} {row['mode']}: {row['ok']:,} ok of {row['requests']:,} ({row['per_s']:,.1f}/s), "
        f"p50 {row['p50_ms']:.1f} ms, p95 {row['p95_ms']:.1f} ms, p99 {row['p99_ms']:.1f} ms, "
        f"statuses {row['statuses']}, errors {row['errors']} {row['first_errors']}, "
        f"machine busy {row['machine_busy']:.0%} ({row['background_busy']:.0%} before), locks {row['locks']}"
    )
    return row


# --- The parent: scratch databases, one setup worker per backend, the server, the table -------


def events_count(database_url: str) -> int:
    if database_url.startswith("postgis://"):
        import psycopg

        with psycopg.connect(common.pg_url(database_url, common.pg_name(database_url))) as conn:
            return conn.execute("SELECT count(*) FROM events_event").fetchone()[0]
    with sqlite3.connect(urlsplit(database_url).path) as conn:
        return conn.execute("SELECT count(*) FROM events_event").fetchone()[0]


def run_worker(backend: str, database_url: str, redis_url: str) -> dict | None:
    env = server_env(database_url, redis_url)
    return common.run_worker(__file__, ["--worker", backend], env, who=f"{backend}: the setup worker")


def bench_backend(backend: str, database_url: str, args, scratch: str) -> dict | None:
    import shapely

    redis_flush(args.redis)
    setup = run_worker(backend, database_url, args.redis)
    if not setup:
        return None
    points = random_points(shapely.from_wkt(setup["county_wkt"]), 20_000, seed=f"bench-intake:{backend}")
    pg_url = database_url if backend == "postgis" else None
    rows, errors = [], {}
    variants = DEFAULT_VARIANTS[backend] if args.variants is None else args.variants
    for variant in ["", *filter(None, variants.split(";"))]:
        runs = [("report", None), ("report", args.rate)]
        if not variant:
            runs.insert(0, ("bare", None))
        rows += serve_and_load(backend, database_url, variant, runs, points, args, pg_url, scratch, errors)
    for row in rows:
        row["backend"] = setup["version"]
    redis_flush(args.redis)
    return setup | {"rows": rows, "server_errors": errors}


def serve_and_load(backend, database_url, variant, runs, points, args, pg_url, scratch, errors: dict) -> list[dict]:
    """Start the server (uvicorn, or gunicorn for a `gunicorn` variant; with the what-if patches of
    bench/urls.py the variant names, if any), run `runs`, stop it;
    what the server logged goes to `errors`."""
    rows = []
    with open(Path(scratch) / f"server-{backend}-{variant or 'as-is'}.log", "w+") as logfile:
        log(f"{backend}: starting the server with {args.workers} worker(s), variant {variant or 'as is'}")
        process, port = server_start(database_url, args.redis, args.workers, variant, logfile)
        try:
            for endpoint, rate in runs:
                asyncio.run(load(port, endpoint, args.clients, WARMUP_S, points, None))  # not counted
                time.sleep(1)
                before = events_count(database_url)
                row = measured_run(
                    process, port, endpoint, args.clients, args.duration, points, rate, pg_url, args.redis
                )
                row["events_written"] = events_count(database_url) - before
                row["variant"] = variant or "as is"
                rows.append(row)
        finally:
            server_stop(process)
            logfile.seek(0)
            # Each traceback's exception, with the last frame of the project's code it went through.
            kinds: dict[str, int] = {}
            frame = ""
            lines = logfile.read().splitlines()
            for i, line in enumerate(lines[:-1]):
                if line.startswith('  File "') and ".venv" not in line and str(ROOT) in line:
                    frame = line.strip()
                elif line.startswith("  ") and lines[i + 1][:1] not in (" ", "") and "Error" in lines[i + 1]:
                    key = f"{lines[i + 1][:120]} (last in the project: {frame})"
                    kinds[key] = kinds.get(key, 0) + 1
                    frame = ""
            for kind, n in sorted(kinds.items(), key=lambda item: -item[1])[:5]:
                log(f"{backend}: the server logged {n} × {kind}")
            errors[variant or "as is"] = kinds
    return rows


def print_table(rows: list[dict]) -> None:
    head = ("backend", "variant", "endpoint", "mode", "ok/s", "ok", "other", "unsent", "p50 ms", "p95 ms", "p99 ms")
    head += ("max ms", "srv CPU ms", "db CPU ms", "redis CPU ms", "busy", "idle busy")
    lines = [head]
    for r in rows:
        other = r["requests"] - r["ok"] + r["errors"]
        lines.append(
            (
                r["backend"],
                r["variant"],
                "POST /api/v1/reports/" if r["endpoint"] == "report" else "GET /bench/bare/",
                f"{r['mode']}, {r['clients']} clients",
                f"{r['per_s']:,.1f}",
                f"{r['ok']:,}",
                str(other),
                f"{r.get('unsent', 0):,}",
                f"{r['p50_ms']:.1f}",
                f"{r['p95_ms']:.1f}",
                f"{r['p99_ms']:.1f}",
                f"{r['max_ms']:.0f}",
                f"{r['server_cpu_ms_per_req']:.2f}",
                "—" if r.get("db_cpu_ms_per_req") is None else f"{r['db_cpu_ms_per_req']:.2f}",
                f"{r['redis_cpu_ms_per_req']:.2f}",
                f"{r['machine_busy']:.0%}",
                f"{r['background_busy']:.0%}",
            )
        )
    common.print_table(lines, "llll" + "r" * (len(head) - 4))
    print(
        "ok: 201 (reports) or 200 (bare) answers; other: any other status or a failed connection; unsent: requests "
        "of the paced schedule not sent by the end (every client still waiting for an answer); latency from "
        "sending (closed loop) or from the scheduled time (paced); srv CPU ms: CPU time of the server's processes "
        "per request (with SpatiaLite, the database's too); db CPU ms: of the PostgreSQL server, every database "
        "(a shared server); redis CPU ms: of the Redis server, every database; busy: share of the machine's CPUs "
        "in use during the run (all processes: server, "
        f"database, this client, anything else running); idle busy: the same over {BACKGROUND_S:g} s just before, "
        "the server idle (other people's work on the machine)."
    )


def print_profile(results: list[dict]) -> None:
    """The in-process figures of each setup worker: serial calls, no HTTP, no concurrency."""
    head = ("backend", "in-process, serial", "calls", "p50 ms", "p95 ms", "CPU ms/call", "db CPU ms/call")
    lines = [head]
    for result in results:
        for name, p in result["profile"].items():
            what = {
                "event_report": f"event_report ({result['queries']} queries)",
                "connect": "new database connection + SELECT 1",
                "connect + grid_locate": "new database connection + grid_locate",
                "push as is": f"live.send_now to {result['groups']} groups, as is",
                "push in one loop": f"live.send_now to {result['groups']} groups, one loop",
            }.get(name, name)
            db = "—" if p.get("db_cpu_ms") is None else f"{p['db_cpu_ms']:.2f}"
            cells = (f"{p['calls']:,}", f"{p['p50_ms']:.2f}", f"{p['p95_ms']:.2f}", f"{p['cpu_ms']:.2f}", db)
            lines.append((result["version"], what, *cells))
    common.print_table(lines, "ll" + "r" * (len(head) - 2))


def parse(argv: list[str]):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("spatialite", "postgis", "both"), default="both")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per timed run (default 20)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent connections (default 50)")
    parser.add_argument("--rate", type=float, default=100.0, help="reports/s of the paced run (default 100)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default 2)")
    parser.add_argument("--postgis", default=POSTGIS_URL, help=f"scratch PostGIS database (default {POSTGIS_URL})")
    parser.add_argument("--redis", default=REDIS_URL, help=f"Redis db for the bench, flushed (default {REDIS_URL})")
    parser.add_argument(
        "--variants",
        default=None,
        help="what-if variants (bench/urls.py) to run after the code as is, ';'-separated, '' for none"
        f" (default, by backend: {DEFAULT_VARIANTS!r})",
    )
    parser.add_argument("--worker", choices=("spatialite", "postgis"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> list[dict]:
    args = parse(argv or [])
    if args.worker:
        result = worker(args.worker)
        common.print_result(result)
        return []

    backends = ("postgis", "spatialite") if args.backend == "both" else (args.backend,)
    results: list[dict] = []
    scratch = tempfile.mkdtemp(prefix="govgrid_bench_intake_")
    try:
        for backend in backends:
            if backend == "postgis":
                if not common.postgis_try_create(args.postgis):  # no server, no rights: SpatiaLite all the same
                    continue
                try:
                    result = bench_backend(backend, args.postgis, args, scratch)
                finally:
                    common.postgis_drop(args.postgis)
            else:
                result = bench_backend(backend, f"spatialite:///{scratch}/govgrid_bench_intake.sqlite3", args, scratch)
            if result:
                results.append(result)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if results:
        print()
        print(
            f"uvicorn govgrid.asgi:application --workers {args.workers} (variant gunicorn: gunicorn "
            f"govgrid.wsgi:application --worker-class gthread --workers {args.workers} --threads {GUNICORN_THREADS}, "
            "DB_CONN_MAX_AGE=600), "
            "DEBUG off, Redis cache and channel layer;"
        )
        print(f"{os.cpu_count()} CPUs; client: {args.clients} asyncio keep-alive connections in one process.")
        print_table([row for result in results for row in result["rows"]])
        print()
        print_profile(results)
        print()
        for result in results:
            for row in result["rows"]:
                if row["locks"]:
                    print(
                        f"{result['version']} {row['variant']}, {row['endpoint']} {row['mode']}: "
                        "sessions waiting on a lock, mean "
                        f"{row['locks']['lock_waiting_mean']:.1f} of {row['locks']['sessions_mean']:.1f} connected."
                    )
                if row["endpoint"] == "report" and row["events_written"] != row["ok"]:
                    print(f"{result['version']}: {row['ok']} answers 201 but {row['events_written']} cases written.")
        for result in results:
            for variant, kinds in result["server_errors"].items():
                for kind, n in kinds.items():
                    print(f"{result['version']} {variant}: the server logged {n} × {kind}")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
