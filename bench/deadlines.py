"""Deadline scan: how long `events.deadlines.deadline_scan` takes over 1,000,000 open cases.

In a scratch PostGIS database `govgrid_bench_deadlines` (created, then dropped), migrated, with the
county 530702 imported (8–11 unit grids per community, seed 1), its demo departments and one head
user per department, the worker inserts `--events` open cases with one INSERT … SELECT
generate_series (seeded `setseed`), spread over the 629 unit grids (at each grid's label point) and
the catalogue's categories, assigned to the departments:

- 5 % `reported` (no deadline yet: it is set on acceptance), 10 % `resolved` (not scanned), the rest
  among accepted, dispatched, returned, in progress;
- due_at uniform over now ± 30 days; created_at 2 h to 5 days before it (never after now),
  accepted_at 10 minutes after that (never after now); remind_at 24 h before due_at, or half-way
  from acceptance when the limit is under 48 h (as `events.services._set_deadline` sets it, in
  wall-clock hours rather than working hours);
- the state earlier scans would have left, as of `--backlog` minutes ago (default 60): cases due
  before then are already overdue (overdue = true, escalated, with their overdue and escalation
  marks), and cases whose reminder time passed before then have their reminder mark. So the first
  scan finds the last hour's work — a beat that has been down for an hour — and the next finds none.

VACUUM ANALYZE, then, in this process (DATABASE_URL set to the scratch database, no REDIS_URL:
Celery eager, in-memory channel layer, notifications delivered in-process), on a fixed `now`:

- the first scan: it sends the reminders and marks the overdue cases (supervision order, escalation),
  case by case; its cost per case;
- the same scan again (median of 5): nothing left to do, the steady cost of every minute's run, with
  the time of each of its queries;
- the scan one minute later: the handful of cases that came due in that minute, and the minute
  after that under cProfile, to see where a scan with work spends its time;
- baselines: what the scan looks for, counted in plain SQL: cases due and not yet overdue; cases
  whose reminder is due and not sent (remind_at <= now < due_at, no reminder mark for this
  deadline); the same with the bound it implies, remind_at > now - 24 h;
- EXPLAIN (ANALYZE, BUFFERS) of the scan's queries when one takes over 50 ms;
- what-if: the steady scan again with two partial indexes over the open cases not yet overdue, on
  due_at and on remind_at (made with Django's schema editor, as a migration would), and its plans;
- what-if 2: the same after clearing remind_at (NULL) on every case already reminded, as the scan
  could do when it sends a reminder, so that `remind_at <= now` finds only pending reminders.

    DEBUG=1 .venv/bin/python bench/deadlines.py [--events 1000000] [--backlog 60]

The parent process creates the database, runs the worker (`--worker`), prints its figures and drops
the database. The worker refuses a database that already holds grids.
"""

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import _common as common  # noqa: E402  (needs ROOT on the path when run as a script)

COUNTY_CODE = "530702"
POSTGIS_URL = "postgis://postgres@127.0.0.1:5432/govgrid_bench_deadlines"
STEADY_RUNS = 5
SLOW_QUERY_MS = 50.0  # EXPLAIN ANALYZE the scan's queries slower than this
WHAT_IF_INDEXES = (("due_at", "bench_event_pending_due_idx"), ("remind_at", "bench_event_pending_remind_idx"))

# Every case in one statement; psycopg placeholders %(now)s, %(n)s (cases), %(backlog)s (minutes).
INSERT_EVENTS = """
WITH grids AS (
    SELECT row_number() OVER (ORDER BY code) - 1 AS i, id,
           coalesce(label_point, ST_PointOnSurface(boundary)) AS label_point
    FROM grids_grid WHERE level = 15
), cats AS (
    SELECT row_number() OVER (ORDER BY code) - 1 AS i, id, coalesce(level, 3) AS level
    FROM events_category WHERE parent_id IS NOT NULL AND active
), deps AS (
    SELECT row_number() OVER (ORDER BY id) - 1 AS i, id FROM dispatch_department
), n AS (
    SELECT (SELECT count(*) FROM grids) AS grids, (SELECT count(*) FROM cats) AS cats,
           (SELECT count(*) FROM deps) AS deps
), raw AS (
    SELECT s,
           random() AS r_status,
           %(now)s::timestamptz + (random() * 60 - 30) * interval '1 day' AS due,
           (2 + random() * 118) * interval '1 hour' AS limit_,
           floor(random() * (SELECT grids FROM n))::int AS g,
           floor(random() * (SELECT cats FROM n))::int AS c,
           floor(random() * (SELECT deps FROM n))::int AS d
    FROM generate_series(1, %(n)s) AS s
), cases AS (
    SELECT raw.*,
           CASE WHEN r_status < 0.05 THEN 'reported' WHEN r_status < 0.15 THEN 'resolved'
                WHEN r_status < 0.40 THEN 'accepted' WHEN r_status < 0.65 THEN 'dispatched'
                WHEN r_status < 0.70 THEN 'returned' ELSE 'in_progress' END AS status,
           least(due - limit_, %(now)s::timestamptz - interval '1 minute') AS created
    FROM raw
)
INSERT INTO events_event (
    number, tracking_code, source, category_id, level, description, point, address, grid_id,
    reporter_name, reporter_phone_masked, reporter_phone_encrypted, status, assignee_department_id,
    due_at, remind_at, overdue, escalation_level, rework_count, extension_count, self_resolved, result,
    rating_comment, callback_required, log_head, created_at, accepted_at, updated_at
)
SELECT
    '19990101' || lpad(s::text, 7, '0'),
    'B' || lpad(s::text, 9, '0'),
    'public_api', cats.id, cats.level, 'bench case ' || s, grids.label_point, '', grids.id,
    '', '', '', cases.status,
    CASE WHEN cases.status = 'reported' THEN NULL ELSE deps.id END,
    CASE WHEN cases.status = 'reported' THEN NULL ELSE due END,
    CASE WHEN cases.status = 'reported' THEN NULL
         ELSE due - least(interval '24 hours', (due - least(created + interval '10 minutes', %(now)s::timestamptz)) / 2)
    END,
    cases.status <> 'reported' AND due <= %(now)s::timestamptz - %(backlog)s * interval '1 minute',
    CASE WHEN cases.status <> 'reported'
         AND due <= %(now)s::timestamptz - %(backlog)s * interval '1 minute' THEN 1 ELSE 0 END,
    0, 0, false, '', '', false, '', created,
    CASE WHEN cases.status = 'reported' THEN NULL
         ELSE least(created + interval '10 minutes', %(now)s::timestamptz) END,
    created
FROM cases
JOIN grids ON grids.i = cases.g
JOIN cats ON cats.i = cases.c
JOIN deps ON deps.i = cases.d
"""

# The marks earlier scans left: reminders whose time passed before the backlog, overdue and
# escalation marks of the cases already overdue.
INSERT_MARKS = """
INSERT INTO events_deadlinemark (event_id, kind, deadline, created_at)
SELECT id, 'reminder', due_at, %(now)s FROM events_event
WHERE status <> 'resolved' AND remind_at <= %(now)s::timestamptz - %(backlog)s * interval '1 minute'
UNION ALL
SELECT id, kind, due_at, %(now)s FROM events_event, (VALUES ('overdue'), ('escalation')) AS k(kind)
WHERE overdue
"""


# What-if 2: the reminded cases' remind_at set to NULL.
CLEAR_REMINDED = """
UPDATE events_event e SET remind_at = NULL WHERE remind_at IS NOT NULL AND EXISTS (
    SELECT 1 FROM events_deadlinemark m WHERE m.event_id = e.id AND m.kind = 'reminder' AND m.deadline = e.due_at
)
"""


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", file=sys.stderr, flush=True)


# --- The worker: the data, then the scans -------------------------------------------------------


def worker(n_events: int, backlog: int) -> dict:
    common.django_setup("deadlines.py")

    from django.contrib.auth import get_user_model
    from django.db import connection, models
    from django.utils import timezone

    from dispatch.demo import demo_departments_create
    from dispatch.models import Department, DepartmentMember
    from events.choices import OPEN_STATUSES, Status
    from events.deadlines import deadline_scan
    from events.models import Event

    if connection.vendor != "postgresql":
        sys.exit("bench/deadlines.py runs on PostGIS only.")
    common.scratch_migrate(log)
    common.county_import(COUNTY_CODE, (8, 11), seed=1)
    demo_departments_create(county_code=COUNTY_CODE)
    User = get_user_model()
    heads = User.objects.bulk_create(
        [User(username=f"bench-head-{d.pk}", first_name=d.name[:30]) for d in Department.objects.order_by("pk")]
    )
    DepartmentMember.objects.bulk_create(
        [
            DepartmentMember(department=d, user=u, is_head=True)
            for d, u in zip(Department.objects.order_by("pk"), heads, strict=True)
        ]
    )

    now = timezone.now().replace(microsecond=0)
    params = {"now": now, "n": n_events, "backlog": backlog}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(INSERT_EVENTS, params)
        inserted = cursor.rowcount
        events_s = time.perf_counter() - started
        log(f"{inserted:,} cases inserted in {events_s:.1f} s")
        cursor.execute(INSERT_MARKS, params)
        marks = cursor.rowcount
        cursor.execute("VACUUM ANALYZE")
        version = common.db_version(connection)
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('events_event'))")
        (table_size,) = cursor.fetchone()
    build_s = time.perf_counter() - started
    log(f"{marks:,} marks; VACUUM ANALYZE done; {build_s:.1f} s in all; events_event is {table_size}")

    scanned = [s for s in OPEN_STATUSES if s != Status.RESOLVED]
    result = {
        "version": version,
        "events": Event.objects.count(),
        "open": Event.objects.filter(status__in=OPEN_STATUSES).count(),
        "scanned": Event.objects.filter(status__in=scanned, due_at__isnull=False).count(),
        "marks": marks,
        "table_size": table_size,
        "build_s": build_s,
        "backlog_min": backlog,
        "rows": [],
    }
    rows = result["rows"]

    # Baselines: what the scan has to find, as plain SQL counts.
    baseline_sql = {
        "overdue count": (
            "SELECT count(*) FROM events_event WHERE status = ANY(%(statuses)s) AND due_at <= %(now)s AND NOT overdue"
        ),
        "reminders-due count": (
            "SELECT count(*) FROM events_event e WHERE status = ANY(%(statuses)s) AND NOT overdue"
            " AND due_at > %(now)s AND remind_at <= %(now)s AND NOT EXISTS (SELECT 1 FROM events_deadlinemark m"
            " WHERE m.event_id = e.id AND m.kind = 'reminder' AND m.deadline = e.due_at)"
        ),
        # The same, told what it already implies (remind_at is at most 24 h before a due_at > now):
        # the planner can then see how few rows the remind_at range holds.
        "reminders-due count, remind_at > now - 24 h": (
            "SELECT count(*) FROM events_event e WHERE status = ANY(%(statuses)s) AND NOT overdue"
            " AND due_at > %(now)s AND remind_at <= %(now)s AND remind_at > %(now)s - interval '24 hours'"
            " AND NOT EXISTS (SELECT 1 FROM events_deadlinemark m"
            " WHERE m.event_id = e.id AND m.kind = 'reminder' AND m.deadline = e.due_at)"
        ),
    }

    def baselines(label: str, at) -> dict:
        found = {}
        for name, sql in baseline_sql.items():
            times = []
            for _ in range(STEADY_RUNS):
                with connection.cursor() as cursor:
                    t0 = time.perf_counter()
                    cursor.execute(sql, {"statuses": scanned, "now": at})
                    (count,) = cursor.fetchone()
                    times.append(time.perf_counter() - t0)
            found[name] = count
            rows.append({"what": f"baseline: {name} (plain SQL)", "when": label, "ms": ms(times), "result": count})
        return found

    def scan(label: str, at, runs: int = 1) -> tuple[dict, QueryLog]:
        times, counts, queries = [], {}, QueryLog()
        for _ in range(runs):
            queries = QueryLog()
            with connection.execute_wrapper(queries):
                t0 = time.perf_counter()
                counts = deadline_scan(now=at)
                times.append(time.perf_counter() - t0)
            log(f"scan {label}: {times[-1] * 1000:,.1f} ms, {counts}, {len(queries.entries)} queries")
        rows.append(
            {
                "what": "deadline_scan" + (f" (median of {runs})" if runs > 1 else ""),
                "when": label,
                "ms": ms(times),
                "all_ms": [t * 1000 for t in times],
                "result": counts,
                "queries": len(queries.entries),
            }
        )
        return counts, queries

    # The work the first scan has to do, counted beforehand.
    due = baselines("now", now)
    window = due["reminders-due count"]
    first, first_queries = scan("now, first run", now)
    first_ms = rows[-1]["ms"]
    steady, steady_queries = scan("now, again", now, runs=STEADY_RUNS)
    steady_ms = rows[-1]["ms"]
    result["steady_queries"] = steady_queries.summary()
    cases = first["reminded"] + first["overdue"]
    result["first"] = {
        "due_overdue": due["overdue count"],
        "in_window_unreminded": window,
        "counts": first,
        "queries": len(first_queries.entries),
        "db_ms": first_queries.total_ms(),
        "ms": first_ms,
        "per_case_ms": (first_ms - steady_ms) / cases if cases else None,
    }
    later = now + timedelta(minutes=1)
    next_minute, next_queries = scan("now + 1 min", later)
    result["next_minute"] = next_minute | {"queries": len(next_queries.entries), "db_ms": next_queries.total_ms()}
    baselines("now + 1 min, after the scans", later)
    _, steady_queries = scan("now + 1 min, again", later, runs=STEADY_RUNS)
    result["plans"] = explain(connection, steady_queries)

    # Where a scan with work spends its time: the minute after, under cProfile (slower by its overhead).
    result["profile"] = profiled(lambda: deadline_scan(now=now + timedelta(minutes=2)))
    log(f"profiled scan now + 2 min: {result['profile']}")

    # What-if: partial indexes over the open cases not yet overdue, as a migration would add them.
    pending = models.Q(overdue=False, status__in=OPEN_STATUSES)
    indexes = [models.Index(fields=[field], condition=pending, name=name) for field, name in WHAT_IF_INDEXES]
    with connection.schema_editor() as editor:
        t0 = time.perf_counter()
        for index in indexes:
            editor.add_index(Event, index)
        result["what_if_index_s"] = time.perf_counter() - t0
        result["what_if_index_sql"] = [str(index.create_sql(Event, editor)) for index in indexes]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE events_event")
    log(f"what-if indexes built in {result['what_if_index_s']:.1f} s")
    later = now + timedelta(minutes=2)
    baselines("now + 2 min, with the what-if indexes", later)
    _, what_if_queries = scan("now + 2 min, with the what-if indexes", later, runs=STEADY_RUNS)
    result["what_if_queries"] = what_if_queries.summary()
    result["what_if_plans"] = explain(connection, what_if_queries, always=True)

    # What-if 2: remind_at cleared once the reminder is sent (as the scan could do in the reminder's
    # transaction), so `remind_at <= now` holds only pending reminders; the marks stay. First the
    # minute's work, untimed, so that the timed runs find none.
    later = now + timedelta(minutes=3)
    log(f"catch-up scan now + 3 min (untimed): {deadline_scan(now=later)}")
    with connection.cursor() as cursor:
        t0 = time.perf_counter()
        cursor.execute(CLEAR_REMINDED)
        cleared = cursor.rowcount
        cursor.execute("VACUUM ANALYZE events_event")
    log(f"remind_at cleared on {cleared:,} reminded cases in {time.perf_counter() - t0:.1f} s")
    result["cleared"] = cleared
    baselines("now + 3 min, indexes + remind_at cleared", later)
    _, cleared_queries = scan("now + 3 min, indexes + remind_at cleared", later, runs=STEADY_RUNS)
    result["cleared_queries"] = cleared_queries.summary()
    result["cleared_plans"] = explain(connection, cleared_queries, always=True)
    return result


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

    def total_ms(self) -> float:
        return sum(t for _, _, t in self.entries) * 1000

    def summary(self) -> list[dict]:
        return [{"ms": t * 1000, "sql": sql} for sql, _, t in self.entries]


PROFILED = {  # what a scan with work spends its time in (cumulative: they overlap)
    "event_transition (mark_overdue, escalate)": ("events/services.py", "event_transition"),
    "live.send_now (dashboard pushes)": ("govgrid/live.py", "send_now"),
    "deliver_notification (Celery eager)": ("govgrid/tasks.py", "deliver_notification"),
    "supervision_order_issue": ("dispatch/routing.py", "supervision_order_issue"),
    "_claim (deadline marks)": ("events/deadlines.py", "_claim"),
    "SQL (cursor.execute)": ("django/db/backends/utils.py", "_execute"),
    "COMMIT": ("django/db/backends/base/base.py", "commit"),
}


def profiled(fn) -> dict:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    profiler.enable()
    counts = fn()
    profiler.disable()
    total = time.perf_counter() - t0
    stats = pstats.Stats(profiler).stats
    shares = {}
    for label, (path, name) in PROFILED.items():
        shares[label] = sum(ct for (f, _, n), (_, _, _, ct, _) in stats.items() if f.endswith(path) and n == name)
    return {"counts": counts, "total_ms": total * 1000, "ms": {k: v * 1000 for k, v in shares.items()}}


def ms(times: list[float]) -> float:
    return statistics.median(times) * 1000


def explain(connection, queries: QueryLog, always: bool = False) -> list[dict]:
    """EXPLAIN (ANALYZE, BUFFERS) of each SELECT the scan ran, if it took over SLOW_QUERY_MS."""
    plans = []
    for sql, params, seconds in queries.entries:
        if not sql.lstrip().upper().startswith("SELECT") or (not always and seconds * 1000 < SLOW_QUERY_MS):
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        plans.append({"ms": seconds * 1000, "sql": connection.ops.compose_sql(sql, params), "plan": plan})
    return plans


# --- The parent ----------------------------------------------------------------------------------


def run_worker(url: str, args) -> dict | None:
    env = common.worker_env(
        url,
        REDIS_URL="",  # Celery eager, in-memory channel layer: the scan's work all in this process
        LOG_LEVEL="WARNING",  # not one console SMS line per supervision order
    )
    argv = ["--worker", "--events", str(args.events), "--backlog", str(args.backlog)]
    return common.run_worker(__file__, argv, env)


def print_report(r: dict) -> None:
    print(
        f"{r['version']}: {r['events']:,} cases ({r['open']:,} open; {r['scanned']:,} with a deadline in the "
        f"statuses the scan reads), {r['marks']:,} deadline marks, events_event {r['table_size']}; built and "
        f"vacuumed in {r['build_s']:.0f} s. Backlog: the last {r['backlog_min']} minutes' work left undone."
    )
    head = ("what", "now", "ms", "queries", "result")
    lines = [head]
    for row in r["rows"]:
        result = row["result"]
        if isinstance(result, dict):
            result = ", ".join(f"{k} {v:,}" for k, v in result.items())
        else:
            result = f"{result:,}"
        lines.append((row["what"], row["when"], f"{row['ms']:,.1f}", str(row.get("queries", "")), result))
    common.print_table(lines, "llrrl")
    f = r["first"]
    per_case = f"{f['per_case_ms']:.1f} ms" if f["per_case_ms"] is not None else "n/a"
    print(
        f"First run: {f['due_overdue']:,} cases due and not overdue, {f['in_window_unreminded']:,} reminders due; "
        f"it made {f['counts']['reminded']:,} reminders and {f['counts']['overdue']:,} "
        f"overdue marks ({f['counts']['supervised']:,} supervision orders, {f['counts']['escalated']:,} "
        f"escalations) in {f['queries']:,} queries ({f['db_ms']:,.0f} of its {f['ms']:,.0f} ms in the database): "
        f"{per_case} per case beyond the steady scan."
    )
    n = r["next_minute"]
    print(
        f"The next minute: {n['reminded']} reminders, {n['overdue']} overdue ({n['queries']} queries, "
        f"{n['db_ms']:,.0f} ms in the database)."
    )
    p = r["profile"]
    print(
        f"Profiled scan at now + 2 min ({', '.join(f'{k} {v}' for k, v in p['counts'].items())}): "
        f"{p['total_ms']:,.0f} ms under cProfile, of which (cumulative, overlapping):"
    )
    for label, value in p["ms"].items():
        print(f"  {value:9,.0f} ms  {value / p['total_ms']:4.0%}  {label}")
    print("Queries of the steady scan (now, again):")
    for q in r["steady_queries"]:
        print(f"  {q['ms']:9.1f} ms  {q['sql'][:150]}")
    print(f"What-if indexes ({r['what_if_index_s']:.1f} s to build):")
    for sql in r["what_if_index_sql"]:
        print(f"  {sql}")
    print("Queries of the steady scan with them:")
    for q in r["what_if_queries"]:
        print(f"  {q['ms']:9.1f} ms  {q['sql'][:150]}")
    print(f"What-if 2: remind_at cleared (set to NULL) on the {r['cleared']:,} cases already reminded:")
    for q in r["cleared_queries"]:
        print(f"  {q['ms']:9.1f} ms  {q['sql'][:150]}")
    for title, plans in (
        ("as is", r["plans"]),
        ("with the what-if indexes", r["what_if_plans"]),
        ("with the what-if indexes and remind_at cleared", r["cleared_plans"]),
    ):
        for p in plans:
            print(f"\nEXPLAIN (ANALYZE, BUFFERS), {title} ({p['ms']:.1f} ms in the scan):\n{p['sql']}\n{p['plan']}")


def parse(argv: list[str]):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="open cases to insert (default 1,000,000)")
    parser.add_argument("--backlog", type=int, default=60, help="minutes of undone scan work (default 60)")
    parser.add_argument("--postgis", default=POSTGIS_URL, help=f"scratch PostGIS database (default {POSTGIS_URL})")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict | None:
    args = parse(argv or [])
    if args.worker:
        result = worker(args.events, args.backlog)
        common.print_result(result, default=str)
        return result
    if not common.postgis_try_create(args.postgis):  # psycopg missing, server down, no rights
        return None
    try:
        result = run_worker(args.postgis, args)
    finally:
        common.postgis_drop(args.postgis)
    if result:
        print()
        commit = common.git_commit()
        print(f"Code at commit {commit or '?'} (plus any uncommitted changes in the work tree).")
        print_report(result)
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
