"""Dashboard KPIs and charts over 1,000,000 cases: `events.stats` and `dispatch.selectors.dashboard_snapshot`.

In a scratch PostGIS database `govgrid_bench_kpi` (created, then dropped), migrated, with the
county 530702 imported (8–11 unit grids per community, seed 1), its demo departments, one grid
worker on duty with a position per unit grid and one county-level command-center user (seated on
530702), the worker inserts `--events` cases with one INSERT … SELECT generate_series (seeded
`setseed`), spread over `--days` (730) days before now, denser towards now (a platform whose use
grows: the last 30 days hold about 8 % of them, the last year 75 %), at busy hours of the day
(around 14:00 local time), over the unit grids and the catalogue's categories (both skewed, so
there are hot areas and hot types):

- 4 % rejected, 2 % merged; of the rest, the older a case the likelier it is closed: open are 90 %
  of the last day's, 60 % under 3 days, 35 % under a week, 8 % under 30 days, 0.5 % older (stuck);
  open ones among reported, accepted, dispatched, returned, in progress, resolved;
- accepted 5 minutes to 4 hours after the report, due the category's limit later (72 h when it has
  none), reminders 24 h before; closed cases took 0–100 % of their limit, 8 % of them up to 80 %
  more (closed late); overdue = the deadline passed before closing (or before now, if open),
  escalated once; 6 % reworked once and 1 % twice, 8 % given more time once; 60 % of the closed
  ones rated (5: 55 %, 4: 25 %, 3: 10 %, 2: 5 %, 1: 5 %); assigned to a department once accepted.

Rows are inserted in the order of their report time, as a live table fills (a window of days is
then a run of neighbouring pages, not rows scattered over the whole table). Then VACUUM ANALYZE
and, for the command-center user, each call timed `--runs` (5) times after one untimed run
(median, and the slowest), with its queries counted, over the dashboard's default window (the
last 30 days) and over the last year:

- `events.stats`: kpis, trend, by_category, weekday_hour, by_grid (townships of the county),
  by_department, today_figures, and stats_report (the whole statistics page);
- `dispatch.selectors.dashboard_snapshot(parts=figures)`, `(charts)`, `(map)` (30 days only: the
  dashboard has no other window);
- baseline: `SELECT count(*)` of the same filtered rows (the county's grids, the window) on a raw
  cursor.

Every query slower than `--explain-ms` (100) in a call that misses the 500 ms target gets an
EXPLAIN (ANALYZE, BUFFERS) in the output. `--what-if` then adds the indexes of WHAT_IF (as a
migration would, with Django's schema editor) and times everything again (WHAT_IF is empty
while no index is being weighed).

The dashboard's 30-day charts are shared between dashboards of a root for
STATS_MAX_AGE seconds (dispatch.selectors.dashboard_charts_cached): every call here
computes them (the setting is 0), except the "charts shared" row, which answers them from the
shared entry in Redis (`--redis`) filled by its untimed run, as every dashboard after the first
within a minute does.

    DEBUG=1 .venv/bin/python bench/kpi.py [--events 100000] [--full] [--runs 5] [--what-if]

`--full` is the documented run: 1,000,000 cases. The parent creates the database, runs the worker
(`--worker`), prints its figures and drops the database. The worker refuses a database that
already holds grids.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import _common as common  # noqa: E402  (needs ROOT on the path when run as a script)

COUNTY_CODE = common.COUNTY_CODE
POSTGIS_URL = "postgis://postgres@127.0.0.1:5432/govgrid_bench_kpi"
REDIS_URL = "redis://127.0.0.1:6379/11"  # the cache of shared charts (nothing else is written there)
TARGET_MS = 500.0
FULL_EVENTS = 1_000_000
QUICK_BY_DEFAULT = True  # bench/run.py passes --full only when it is given --full

# Every case in one statement; psycopg placeholders %(now)s, %(n)s (cases), %(days)s.
INSERT_EVENTS = """
WITH grids AS (
    SELECT row_number() OVER (ORDER BY code) - 1 AS i, id,
           coalesce(label_point, ST_PointOnSurface(boundary)) AS label_point
    FROM grids_grid WHERE level = 15
), cats AS (
    SELECT row_number() OVER (ORDER BY code) - 1 AS i, id, coalesce(level, 3) AS level,
           coalesce(limit_hours, 72) * interval '1 hour' AS limit_
    FROM events_category WHERE parent_id IS NOT NULL AND active
), deps AS (
    SELECT row_number() OVER (ORDER BY id) - 1 AS i, id FROM dispatch_department
), n AS (
    SELECT (SELECT count(*) FROM grids) AS grids, (SELECT count(*) FROM cats) AS cats,
           (SELECT count(*) FROM deps) AS deps
), raw AS (
    SELECT s,
           %(days)s * (1 - sqrt(random())) AS age,          -- days before now, denser towards now
           6 + 16 * (random() + random() + random()) / 3 AS hod,  -- hour of day, around 14:00
           random() AS r_end, random() AS r_open, random() AS r_state, random() AS r_accept,
           random() AS r_handle, random() AS r_late, random() AS r_rework, random() AS r_ext,
           random() AS r_rate, random() AS r_score, random() AS r_source,
           floor(power(random(), 1.6) * (SELECT grids FROM n))::int AS g,
           floor(power(random(), 2) * (SELECT cats FROM n))::int AS c,
           floor(random() * (SELECT deps FROM n))::int AS d
    FROM generate_series(1, %(n)s) AS s
), timed AS (
    SELECT raw.*,
           least(
               (date_trunc('day', (%(now)s::timestamptz - age * interval '1 day') AT TIME ZONE 'Asia/Shanghai')
                + hod * interval '1 hour') AT TIME ZONE 'Asia/Shanghai',
               %(now)s::timestamptz - interval '1 minute'
           ) AS created
    FROM raw
), cases AS (
    SELECT timed.*,
           CASE WHEN r_end < 0.04 THEN 'rejected' WHEN r_end < 0.06 THEN 'merged'
                WHEN r_open < CASE WHEN age < 1 THEN 0.9 WHEN age < 3 THEN 0.6 WHEN age < 7 THEN 0.35
                                   WHEN age < 30 THEN 0.08 ELSE 0.005 END
                THEN CASE WHEN r_state < 0.10 THEN 'reported' WHEN r_state < 0.30 THEN 'accepted'
                          WHEN r_state < 0.55 THEN 'dispatched' WHEN r_state < 0.60 THEN 'returned'
                          WHEN r_state < 0.85 THEN 'in_progress' ELSE 'resolved' END
                ELSE 'closed' END AS status
    FROM timed
), stamped AS (
    SELECT cases.*, cats.id AS category_id, cats.level AS level, cats.limit_, grids.id AS grid_id,
           grids.label_point, deps.id AS department_id,
           CASE WHEN status IN ('reported', 'rejected', 'merged') THEN NULL
                ELSE least(created + (5 + power(r_accept, 2) * 235) * interval '1 minute', %(now)s::timestamptz)
           END AS accepted
    FROM cases
    JOIN grids ON grids.i = cases.g
    JOIN cats ON cats.i = cases.c
    JOIN deps ON deps.i = cases.d
), closing AS (
    SELECT stamped.*,
           accepted + limit_ AS due,
           CASE WHEN status = 'closed' THEN least(
               accepted + limit_ * CASE WHEN r_late < 0.08 THEN 1 + r_handle * 0.8 ELSE r_handle END
                        + interval '20 minutes',
               %(now)s::timestamptz - r_handle * interval '1 hour'
           ) END AS closed
    FROM stamped
)
INSERT INTO events_event (
    number, tracking_code, source, category_id, level, description, point, address, grid_id,
    reporter_name, reporter_phone_masked, reporter_phone_encrypted, status,
    assignee_department_id, suggested_department_id,
    due_at, remind_at, overdue, escalation_level, rework_count, extension_count, self_resolved, result,
    satisfaction, rating_comment, callback_required, log_head, attributes, media_url,
    created_at, accepted_at, dispatched_at, claimed_at, resolved_at, closed_at, updated_at
)
SELECT
    to_char(created AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || lpad(s::text, 8, '0'),
    'K' || lpad(s::text, 11, '0'),
    CASE WHEN r_source < 0.3 THEN 'public_api' WHEN r_source < 0.7 THEN 'worker'
         WHEN r_source < 0.9 THEN 'hotline' ELSE 'public_form' END,
    category_id, level, 'bench kpi case ' || s, label_point, '', grid_id,
    '', '', '', status,
    CASE WHEN accepted IS NULL THEN NULL ELSE department_id END,
    department_id,
    due, due - interval '24 hours',
    due IS NOT NULL AND due < coalesce(closed, %(now)s::timestamptz),
    CASE WHEN due IS NOT NULL AND due < coalesce(closed, %(now)s::timestamptz) THEN 1 ELSE 0 END,
    CASE WHEN status <> 'closed' THEN 0 WHEN r_rework < 0.01 THEN 2 WHEN r_rework < 0.07 THEN 1 ELSE 0 END,
    CASE WHEN accepted IS NOT NULL AND r_ext < 0.08 THEN 1 ELSE 0 END,
    false, CASE WHEN status IN ('resolved', 'closed') THEN 'done' ELSE '' END,
    CASE WHEN status = 'closed' AND r_rate < 0.6 THEN
        CASE WHEN r_score < 0.55 THEN 5 WHEN r_score < 0.80 THEN 4 WHEN r_score < 0.90 THEN 3
             WHEN r_score < 0.95 THEN 2 ELSE 1 END
    END,
    '', source_callback.callback, '', '{}'::jsonb, '',
    created, accepted,
    CASE WHEN status IN ('dispatched', 'returned', 'in_progress', 'resolved', 'closed')
         THEN least(accepted + interval '10 minutes', %(now)s::timestamptz) END,
    CASE WHEN status IN ('in_progress', 'resolved', 'closed')
         THEN least(accepted + interval '40 minutes', %(now)s::timestamptz) END,
    CASE WHEN status = 'closed' THEN greatest(accepted, closed - interval '2 hours')
         WHEN status = 'resolved' THEN least(accepted + interval '2 hours', %(now)s::timestamptz) END,
    closed,
    coalesce(closed, accepted, created)
FROM closing, LATERAL (SELECT r_source >= 0.7 AND r_source < 0.9 AS callback) AS source_callback
ORDER BY created  -- stored in the order cases come in, as a real table is (a window is then a range of pages)
"""

# What-if indexes (--what-if), each as (field, name, {"condition": (field, value)}) with why; made with
# Django's schema editor, as a migration would. The last ones (updated_at; closed_at of closed
# cases) were applied in events migration 0009.
WHAT_IF: list[tuple[str, str, dict]] = []


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class QueryLog:
    """Every query run on the connection while installed with `connection.execute_wrapper`."""

    def __init__(self):
        self.entries: list[tuple[str, object, float]] = []

    def __call__(self, execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.entries.append((sql, params, time.perf_counter() - t0))


# --- The worker ---------------------------------------------------------------------------------


def build(n_events: int, days: int) -> dict:
    """The county, departments, workers, the user and the cases; VACUUM ANALYZE."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.utils import timezone

    from dispatch.demo import demo_departments_create
    from govgrid.permissions import COMMAND_CENTER, GRID_WORKER
    from grids.models import Grid, Membership

    common.scratch_migrate(log)
    report = common.county_import(COUNTY_CODE, (8, 11), seed=1)
    departments = demo_departments_create(county_code=COUNTY_CODE)
    User = get_user_model()
    now = timezone.now().replace(microsecond=0)
    center = User.objects.create(username="bench-county-center")
    center.groups.add(Group.objects.get_or_create(name=COMMAND_CENTER)[0])
    Membership.objects.create(user=center, grid=Grid.objects.get(code=COUNTY_CODE), role="command_seat")
    units = list(Grid.objects.filter(code__startswith=COUNTY_CODE, level=15).order_by("code"))
    workers = User.objects.bulk_create([User(username=f"bench-worker-{g.code}") for g in units])
    Group.objects.get_or_create(name=GRID_WORKER)[0].user_set.add(*workers)
    Membership.objects.bulk_create(
        [
            Membership(
                user=u, grid=g, role="full_time", on_duty=True, last_position=g.label_point, last_position_at=now
            )
            for u, g in zip(workers, units, strict=True)
        ]
    )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.24)")
        cursor.execute(INSERT_EVENTS, {"now": now, "n": n_events, "days": days})
        inserted = cursor.rowcount
        insert_s = time.perf_counter() - started
        log(f"{inserted:,} cases inserted in {insert_s:.1f} s")
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('events_event'))")
        (table_size,) = cursor.fetchone()
        cursor.execute("SELECT status, count(*) FROM events_event GROUP BY status ORDER BY 2 DESC")
        statuses = dict(cursor.fetchall())
    build_s = time.perf_counter() - started
    log(f"VACUUM ANALYZE done; {build_s:.1f} s in all; events_event is {table_size}; {statuses}")
    return {
        "grids": report.created,
        "departments": departments,
        "workers": len(workers),
        "events": inserted,
        "statuses": statuses,
        "table_size": table_size,
        "insert_s": insert_s,
        "build_s": build_s,
    }


def worker(n_events: int, days: int, runs: int, explain_ms: float, what_if: bool) -> dict:
    common.django_setup("kpi.py")

    import datetime as dt

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection, models
    from django.test import override_settings
    from django.utils import timezone

    from dispatch import selectors
    from events import stats
    from events.models import Event

    if connection.vendor != "postgresql":
        sys.exit("bench/kpi.py runs on PostGIS only.")
    settings.STATS_MAX_AGE = 0  # every call computes; "charts shared" rows turn the cache on
    result = build(n_events, days) | {"version": common.db_version(connection), "rows": [], "plans": [], "profiles": []}
    User = get_user_model()

    def user():  # a fresh user object, as each request loads one (roles and jurisdiction not cached)
        return User.objects.get(username="bench-county-center")

    today = timezone.localdate()
    windows = {
        "30 days": stats.StatsFilter(today - dt.timedelta(days=stats.DEFAULT_DAYS - 1), today, grid=COUNTY_CODE),
        "1 year": stats.StatsFilter(today - dt.timedelta(days=364), today, grid=COUNTY_CODE),
    }
    baseline_sql = (
        "SELECT count(*) FROM events_event e JOIN grids_grid g ON g.id = e.grid_id"
        " WHERE g.code LIKE %s AND e.created_at >= %s AND e.created_at < %s"
    )

    def shared_charts(fn):
        def call(u):
            with override_settings(STATS_MAX_AGE=60):
                return fn(u)

        return call

    def calls(f) -> dict:
        """What to time over window f: name → a function of a fresh user."""

        def qs(u):
            return stats.stats_events(user=u, f=f)

        out = {
            "baseline: raw SELECT count(*), same rows": None,
            "stats.kpis": lambda u: stats.kpis(qs(u)),
            "stats.trend": lambda u: stats.trend(stats.stats_scope(user=u, f=f), f),
            "stats.by_category": lambda u: stats.by_category(qs(u)),
            "stats.weekday_hour": lambda u: stats.weekday_hour(qs(u)),
            "stats.by_grid (townships)": lambda u: stats.by_grid(qs(u), root=COUNTY_CODE),
            "stats.by_department": lambda u: stats.by_department(qs(u)),
            "stats.stats_report (statistics page)": lambda u: stats.stats_report(user=u, f=f),
        }
        if f is windows["30 days"]:
            out |= {
                "stats.today_figures": lambda u: stats.today_figures(user=u, grid=COUNTY_CODE),
                "dashboard_snapshot(parts=figures)": lambda u: selectors.dashboard_snapshot(
                    user=u, root=COUNTY_CODE, parts=["figures"]
                ),
                "dashboard_snapshot(parts=charts)": lambda u: selectors.dashboard_snapshot(
                    user=u, root=COUNTY_CODE, parts=["charts"]
                ),
                "dashboard_snapshot(parts=map)": lambda u: selectors.dashboard_snapshot(
                    user=u, root=COUNTY_CODE, parts=["map"]
                ),
                "dashboard_snapshot (all parts, GET /api/v1/dashboard/)": lambda u: selectors.dashboard_snapshot(
                    user=u, root=COUNTY_CODE
                ),
                # Every county dashboard after the first within STATS_MAX_AGE: charts from the
                # shared entry (Redis), figures and map computed.
                "dashboard_snapshot (all parts), charts shared": shared_charts(
                    lambda u: selectors.dashboard_snapshot(user=u, root=COUNTY_CODE)
                ),
            }
        return out

    def baseline(f):
        with connection.cursor() as cursor:
            cursor.execute(baseline_sql, [f"{COUNTY_CODE}%", f.start, f.end])
            return cursor.fetchone()[0]

    def time_all(label: str) -> None:
        for window, f in windows.items():
            for name, fn in calls(f).items():
                times, queries = [], QueryLog()
                for i in range(runs + 1):  # the first untimed: a warm cache, as a dashboard in use has
                    u = user()
                    queries = QueryLog()
                    with connection.execute_wrapper(queries):
                        t0 = time.perf_counter()
                        answer = baseline(f) if fn is None else fn(u)
                        elapsed = time.perf_counter() - t0
                    if i:
                        times.append(elapsed)
                row = {
                    "setup": label,
                    "window": window,
                    "what": name,
                    "median_ms": statistics.median(times) * 1000,
                    "max_ms": max(times) * 1000,
                    "queries": len(queries.entries),
                    "slowest_query_ms": max((t for _, _, t in queries.entries), default=0) * 1000,
                    "db_ms": sum(t for _, _, t in queries.entries) * 1000,
                    "load": os.getloadavg()[0],
                }
                if fn is None:
                    row["count"] = answer
                elif name == "stats.kpis":
                    row["count"] = answer["reported"]
                elif "today_figures" in name:
                    row["answer"] = answer
                result["rows"].append(row)
                log(
                    f"{label}, {window}: {name}: median {row['median_ms']:,.1f} ms (max {row['max_ms']:,.1f}), "
                    f"{row['queries']} queries, slowest {row['slowest_query_ms']:,.1f} ms"
                )
                if row["median_ms"] > TARGET_MS or (fn is None and row["median_ms"] > explain_ms):
                    for sql, params, seconds in queries.entries:
                        if seconds * 1000 >= explain_ms:
                            result["plans"].append(explain(connection, label, window, name, sql, params, seconds))
                if row["median_ms"] > TARGET_MS and fn is not None and row["db_ms"] < row["median_ms"] / 2:
                    result["profiles"].append(profiled(f"{label}, {window}, {name}", lambda fn=fn: fn(user())))

    time_all("as is")
    if what_if and WHAT_IF:
        with connection.schema_editor() as editor:
            t0 = time.perf_counter()
            sqls = []
            for field, name, extra in WHAT_IF:
                condition = models.Q(**{extra["condition"][0]: extra["condition"][1]}) if "condition" in extra else None
                index = models.Index(fields=[field], name=name, condition=condition)
                editor.add_index(Event, index)
                sqls.append(str(index.create_sql(Event, editor)))
            result["what_if_s"] = time.perf_counter() - t0
            result["what_if_sql"] = sqls
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE events_event")
        log(f"what-if indexes built in {result['what_if_s']:.1f} s: {sqls}")
        time_all("what-if")
    return result


def profiled(title: str, fn, top: int = 15) -> dict:
    """Where a call that misses the target mostly outside the database spends its time (cProfile,
    functions by own time)."""
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    profiler.runcall(fn)
    total = time.perf_counter() - t0
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    text = out.getvalue()
    text = text[text.find("   ncalls") :].replace(str(ROOT) + "/", "")
    return {"title": f"{title}: {total * 1000:,.0f} ms under cProfile", "stats": text}


def explain(connection, label, window, name, sql, params, seconds) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return {
        "title": f"{label}, {window}, {name} ({seconds * 1000:,.1f} ms in the call)",
        "sql": connection.ops.compose_sql(sql, params),
        "plan": plan,
    }


# --- The parent ----------------------------------------------------------------------------------


def print_report(r: dict) -> None:
    print(
        f"{r['version']}: {r['events']:,} cases ({', '.join(f'{k} {v:,}' for k, v in r['statuses'].items())}), "
        f"events_event {r['table_size']}, inserted in {r['insert_s']:.0f} s ({r['build_s']:.0f} s with VACUUM "
        f"ANALYZE); {r['grids']} grids, {r['departments']} departments, {r['workers']} workers with positions. "
        "User: command center of the county (530702). Median of the timed runs; max: the slowest; load: 1-minute "
        f"load average after the call. Target: {TARGET_MS:g} ms."
    )
    head = ("setup", "window", "what", "median ms", "max ms", "queries", "in SQL ms", "slowest query ms", "rows")
    head += ("load", "")
    lines = [head]
    for row in r["rows"]:
        lines.append(
            (
                row["setup"],
                row["window"],
                row["what"],
                f"{row['median_ms']:,.1f}",
                f"{row['max_ms']:,.1f}",
                str(row["queries"]),
                f"{row['db_ms']:,.1f}",
                f"{row['slowest_query_ms']:,.1f}",
                f"{row['count']:,}" if "count" in row else "",
                f"{row['load']:.2f}",
                "MISS" if row["median_ms"] > TARGET_MS and not row["what"].startswith("baseline") else "",
            )
        )
    common.print_table(lines, "lllrrrrrrrl")
    print("in SQL: the time of the call's queries (its last run); the rest is Python (ORM, building the answer).")
    for row in r["rows"]:
        if "answer" in row:
            print(f"{row['setup']}, {row['what']}: {row['answer']}")
    if r.get("what_if_sql"):
        print(f"What-if indexes ({r['what_if_s']:.1f} s to build):")
        for sql in r["what_if_sql"]:
            print(f"  {sql}")
    for p in r["plans"]:
        print(f"\nEXPLAIN (ANALYZE, BUFFERS), {p['title']}:\n{p['sql']}\n{p['plan']}")
    for p in r["profiles"]:
        print(f"\ncProfile, {p['title']}:\n{p['stats']}")


def parse(argv: list[str]):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000, help="cases to insert (default 100,000)")
    parser.add_argument("--full", action="store_true", help=f"the documented run: {FULL_EVENTS:,} cases")
    parser.add_argument("--days", type=int, default=730, help="days of history (default 730)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each call (default 5)")
    parser.add_argument(
        "--explain-ms", type=float, default=100.0, help="EXPLAIN queries slower than this in a missing call"
    )
    parser.add_argument("--what-if", action="store_true", help="then add the WHAT_IF indexes and time again")
    parser.add_argument("--postgis", default=POSTGIS_URL, help=f"scratch PostGIS database (default {POSTGIS_URL})")
    parser.add_argument("--redis", default=REDIS_URL, help=f"Redis for the shared charts (default {REDIS_URL})")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.full:
        args.events = FULL_EVENTS
    return args


def main(argv: list[str] | None = None) -> dict | None:
    args = parse(argv or [])
    if args.worker:
        result = worker(args.events, args.days, args.runs, args.explain_ms, args.what_if)
        common.print_result(result, default=str)
        return result
    if not common.postgis_try_create(args.postgis):
        return None
    argv = ["--worker", "--events", str(args.events), "--days", str(args.days), "--runs", str(args.runs)]
    argv += ["--explain-ms", str(args.explain_ms)] + (["--what-if"] if args.what_if else [])
    try:
        env = common.worker_env(args.postgis, REDIS_URL=args.redis, LOG_LEVEL="WARNING")
        result = common.run_worker(__file__, argv, env)
    finally:
        common.postgis_drop(args.postgis)
    if result:
        print()
        print(f"Code at commit {common.git_commit() or '?'} (plus any uncommitted changes in the work tree).")
        print_report(result)
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
