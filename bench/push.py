"""Dashboard push: how long a case change takes to reach 50 connected command-center dashboards.

The real stack: a scratch PostGIS database `govgrid_bench_push` (created, then dropped), migrated,
with the county 530702 imported (8–11 unit grids per community, seed 1), its demo departments,
`--clients` command-center users seated on the county (one signed-in session each, made in the
database) and the reported cases the transitions will accept; `uvicorn govgrid.asgi:application
--workers 2` serving it with DEBUG off and Redis (`--redis`, db 14 by default, flushed before and
after) as channel layer and cache, as in production (`DJANGO_SETTINGS_MODULE=bench.settings`, for
its GET /bench/bare/ to see the server is up).

`--clients` (50) websocket clients, asyncio in this process, each with its own session cookie and
an Origin of the server's host, connect to /ws/dashboard/ (the county's group and their own) and
record the time (`time.monotonic()`, CLOCK_MONOTONIC: one clock for every process of the machine)
of every message as it arrives. Then, one change every `--interval` (0.1) s, `--changes` (100)
changes of each kind, the first WARMUP of each not counted:

- `event_transition(accept)` in a separate process (a Celery task, the deadline scan, a management
  command: Django there with the same settings), timed from just before the call; the dashboards
  get `event.updated` with the case's number. The call returns once the transaction committed and
  `govgrid.live.send_now` handed the message to Redis, so the table also splits the time into the
  call and what came after it (Redis → uvicorn → websocket → client);
- `POST /api/v1/reports/` to the same server, from this process, timed from just before the
  request is written; `event.created` is matched by the number the answer gives;
- `live.send_now` alone in the separate process (no database write): a message of the same shape to
  the groups of a unit grid, what Channels and Redis add on their own.

Baseline, in the same run and the same shape: a raw redis-py PUBLISH from the separate process to
`--clients` redis.asyncio subscribers in this process (one connection each) on the same Redis.

Latency is counted per delivery (change × client): p50, p95, p99, max, and per change the slowest
client's; a delivery that never came within DRAIN_S of the last change counts as lost.

    DEBUG=1 .venv/bin/python bench/push.py [--clients 50] [--changes 100] [--interval 0.1] [--full]

`--full` is the documented run: 1,000 changes of each kind. The parent makes the database and runs
the setup worker (`--worker setup`), starts the server (`--worker serve`: `uvicorn.run`, what the
uvicorn command runs) and the changer (`--worker changer`, which takes its orders on stdin), and
prints the table; ports come from BENCH_PORTS when set.
"""

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import _common as common  # noqa: E402  (needs ROOT on the path when run as a script)

COUNTY_CODE = common.COUNTY_CODE
POSTGIS_URL = "postgis://postgres@127.0.0.1:5432/govgrid_bench_push"
REDIS_URL = "redis://127.0.0.1:6379/14"
SECRET_KEY = "bench-push-only-" + "x" * 50
CATEGORY = "0102"
WARMUP = 5  # changes of each kind sent first and not counted (connections, caches)
DRAIN_S = 3.0  # after the last change, how long to wait for what is still on its way
FULL_CHANGES = 1000
QUICK_BY_DEFAULT = True  # bench/run.py passes --full only when it is given --full
BASELINE_CHANNEL = "govgrid_bench_push:baseline"
KINDS = ("baseline", "send_now", "transition", "report")


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def server_env(database_url: str, redis_url: str) -> dict:
    """One environment for the setup worker, the server and the changer: the same SECRET_KEY signs
    the sessions the setup worker makes and the server reads."""
    return os.environ | {
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PUBLIC_REPORT_RATE": str(10**9),
        "REDIS_URL": redis_url,
        "DB_CONN_MAX_AGE": "0",
        "LOG_LEVEL": "WARNING",
    }


# --- The setup worker: data, users, sessions -------------------------------------------------


def setup(clients: int, cases: int) -> dict:
    common.django_setup("push.py")

    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection

    from dispatch.demo import demo_departments_create
    from events.choices import Source
    from events.services import event_report, point_from
    from govgrid import live
    from govgrid.permissions import COMMAND_CENTER
    from grids.models import Grid, Membership

    common.scratch_migrate(log)
    report = common.county_import(COUNTY_CODE, (8, 11), seed=1)
    demo_departments_create(county_code=COUNTY_CODE)
    county = Grid.objects.get(code=COUNTY_CODE)
    group, _ = Group.objects.get_or_create(name=COMMAND_CENTER)
    User = get_user_model()
    users = User.objects.bulk_create([User(username=f"bench-center-{i}") for i in range(clients)])
    for user in users:
        user.set_unusable_password()
        user.groups.add(group)
    User.objects.bulk_update(users, ["password"])
    Membership.objects.bulk_create([Membership(user=u, grid=county, role="command_seat") for u in users])
    store = import_module(settings.SESSION_ENGINE).SessionStore
    # What login() records: the backend that authenticated (axes only guards, it never returns a user).
    backend = next(b for b in settings.AUTHENTICATION_BACKENDS if not b.startswith("axes."))
    sessions = []
    for user in users:
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        sessions.append(session.session_key)

    # The cases the transitions accept, filed without their push (nobody listens yet).
    import shapely

    live.send_now = lambda groups, message: None
    area = shapely.from_wkb(bytes(county.boundary.wkb))
    points = common.random_points(area, cases + 200, seed="bench-push:cases")
    log(f"{report.created} grids, {clients} users with sessions; filing {cases} cases")
    ids = []
    for x, y in points[:cases]:
        event, _ = event_report(
            source=Source.PUBLIC_API, category=CATEGORY, description="bench push", point=point_from(y, x)
        )
        ids.append(event.pk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    unit = Grid.objects.filter(code__startswith=COUNTY_CODE, level=15).order_by("code").values_list("code", flat=True)
    return {
        "version": common.db_version(connection),
        "grids": report.created,
        "cookie": settings.SESSION_COOKIE_NAME,
        "sessions": sessions,
        "case_ids": ids,
        "unit_grid": unit.first(),
        "points": points[cases:],
        "actor": users[0].username,
    }


# --- The changer: a separate Django process taking orders on stdin ---------------------------


def changer() -> None:
    """Read `kind n interval [arg]` lines, make n changes of that kind paced at `interval` s, and
    answer each order with one RESULT line: per change its key and the monotonic times before and
    after the call."""
    common.django_setup("push.py")

    import redis
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from events.models import Event
    from events.services import event_transition
    from govgrid import live

    publisher = redis.Redis.from_url(settings.REDIS_URL)
    actor = None
    cases: list[int] = []
    common.print_result({"ready": True, "pid": os.getpid()})
    for line in sys.stdin:
        order = json.loads(line)
        kind, n, interval = order["kind"], order["n"], order["interval"]
        if kind == "quit":
            break
        if kind == "transition" and actor is None:
            actor = get_user_model().objects.get(username=order["actor"])
            cases = list(order["case_ids"])
        records = []
        start = time.monotonic()
        for i in range(n):
            time.sleep(max(0.0, start + i * interval - time.monotonic()))
            if kind == "baseline":
                key = f"b{i}"
                t0 = time.monotonic()
                receivers = publisher.publish(BASELINE_CHANNEL, f"{key} {t0}")
                t1 = time.monotonic()
                records.append({"key": key, "t0": t0, "t1": t1, "receivers": receivers})
            elif kind == "send_now":
                key = f"push-{uuid.uuid4().hex[:10]}"
                message = {"type": "event.updated", "event": {"id": 0, "number": key, "status": "accepted"}}
                t0 = time.monotonic()
                live.send_now(live.grid_groups(order["grid"]), message)
                t1 = time.monotonic()
                records.append({"key": key, "t0": t0, "t1": t1})
            elif kind == "transition":
                pk = cases.pop(0)
                t0 = time.monotonic()
                event = event_transition(event=Event(pk=pk), action="accept", actor=actor)
                t1 = time.monotonic()
                records.append({"key": event.number, "t0": t0, "t1": t1})
        common.print_result({"kind": kind, "records": records})


# --- The clients -------------------------------------------------------------------------------


class Receiver:
    """What one client received: (monotonic time, raw message) as it came."""

    def __init__(self):
        self.got: list[tuple[float, object]] = []

    def keys(self, kind: str) -> dict[str, float]:
        """The first arrival time of each change's key (dashboard messages: the case number)."""
        out: dict[str, float] = {}
        for t, raw in self.got:
            if kind == "baseline":
                key = raw.split(b" ", 1)[0].decode()
            else:
                message = json.loads(raw)
                if message.get("type") not in ("event.updated", "event.created"):
                    continue
                key = message["event"]["number"]
            out.setdefault(key, t)
        return out


async def redis_subscribers(url: str, n: int) -> tuple[list, list[Receiver], list[asyncio.Task]]:
    import redis.asyncio as aioredis

    conns, receivers, tasks = [], [], []
    for _ in range(n):
        conn = aioredis.Redis.from_url(url)
        pubsub = conn.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(BASELINE_CHANNEL)
        receiver = Receiver()

        async def listen(pubsub=pubsub, receiver=receiver):
            async for message in pubsub.listen():
                receiver.got.append((time.monotonic(), message["data"]))

        conns.append((conn, pubsub))
        receivers.append(receiver)
        tasks.append(asyncio.create_task(listen()))
    return conns, receivers, tasks


async def dashboards(port: int, cookie: str, sessions: list[str]) -> tuple[list, list[Receiver], list[asyncio.Task]]:
    """Connect every session to /ws/dashboard/ and wait for each one's hello."""
    from websockets.asyncio.client import connect

    async def one(session: str):
        ws = await connect(
            f"ws://{common.HOST}:{port}/ws/dashboard/",
            origin=f"http://{common.HOST}:{port}",
            additional_headers={"Cookie": f"{cookie}={session}"},
            proxy=None,
            open_timeout=60,
        )
        hello = json.loads(await asyncio.wait_for(ws.recv(), 30))
        if hello.get("type") != "hello":
            raise RuntimeError(f"expected hello, got {hello}")
        return ws, hello

    connected = await asyncio.gather(*(one(s) for s in sessions))
    log(f"{len(connected)} dashboards connected; groups of the first: {connected[0][1]['groups']}")
    receivers, tasks = [], []
    for ws, _ in connected:
        receiver = Receiver()

        async def listen(ws=ws, receiver=receiver):
            async for raw in ws:
                receiver.got.append((time.monotonic(), raw))

        receivers.append(receiver)
        tasks.append(asyncio.create_task(listen()))
    return [ws for ws, _ in connected], receivers, tasks


async def reports(port: int, n: int, interval: float, points: list) -> list[dict]:
    """POST /api/v1/reports/ n times, paced; each record keyed by the number the answer gives."""
    http = common.Http(port)
    rng = random.Random("bench-push:reports")
    records = []
    start = time.monotonic()
    try:
        for i in range(n):
            await asyncio.sleep(max(0.0, start + i * interval - time.monotonic()))
            x, y = points[rng.randrange(len(points))]
            body = json.dumps({"category": CATEGORY, "description": "bench push report", "lat": y, "lng": x}).encode()
            t0 = time.monotonic()
            status, content = await http.exchange("POST", "/api/v1/reports/", body)
            t1 = time.monotonic()
            if status != 201:
                raise RuntimeError(f"POST /api/v1/reports/ answered {status}: {content[:200]!r}")
            records.append({"key": json.loads(content)["number"], "t0": t0, "t1": t1})
    finally:
        await http.close()
    return records


# --- A phase: changes, then what arrived -------------------------------------------------------


class Changer:
    def __init__(self, env: dict):
        self.env = env

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            "changer",
            env=self.env,
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**26,
        )
        await self.result()  # ready

    async def result(self) -> dict:
        while True:
            line = (await self.process.stdout.readline()).decode()
            if not line:
                raise RuntimeError(f"the changer exited ({await self.process.wait()}); see its output above")
            if line.startswith(common.RESULT_PREFIX):
                return json.loads(line[len(common.RESULT_PREFIX) :])

    async def order(self, **order) -> list[dict]:
        self.process.stdin.write((json.dumps(order) + "\n").encode())
        await self.process.stdin.drain()
        return (await self.result())["records"]

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.stdin.write(b'{"kind": "quit", "n": 0, "interval": 0}\n')
            await self.process.stdin.drain()
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except TimeoutError:
                self.process.kill()


async def phase(kind: str, make, receivers: list[Receiver], n: int) -> dict:
    """Run `make()` (it makes the changes and returns their records), wait for the deliveries, and
    measure: per delivery, arrival − t0 (the change's start) and arrival − t1 (its end)."""
    for r in receivers:
        r.got.clear()
    load0, busy0 = os.getloadavg()[0], common.machine_busy()
    records = await make()
    expected = {r["key"] for r in records}
    deadline = time.monotonic() + DRAIN_S
    while time.monotonic() < deadline:  # until every client has every key, or DRAIN_S
        if all(expected <= r.keys(kind).keys() for r in receivers):
            break
        await asyncio.sleep(0.2)
    busy1 = common.machine_busy()
    counted = records[WARMUP:]
    arrivals = [r.keys(kind) for r in receivers]
    since_start, since_end, slowest, lost = [], [], [], 0
    for rec in counted:
        times = [a[rec["key"]] for a in arrivals if rec["key"] in a]
        lost += len(receivers) - len(times)
        since_start += [t - rec["t0"] for t in times]
        since_end += [t - rec["t1"] for t in times]
        if times:
            slowest.append(max(times) - rec["t0"])
    call = [rec["t1"] - rec["t0"] for rec in counted]
    row = {
        "kind": kind,
        "changes": len(counted),
        "clients": len(receivers),
        "deliveries": len(since_start),
        "lost": lost,
        "latency": common.percentiles(since_start),
        "after_call": common.percentiles(since_end),
        "call": common.percentiles(call),
        "slowest_client": common.percentiles(slowest),
        "load_before": load0,
        "machine_busy": (busy1[0] - busy0[0]) / max(busy1[1] - busy0[1], 1),
    }
    if kind == "baseline":
        row["receivers_per_publish"] = sorted({rec["receivers"] for rec in counted})
    lat = row["latency"]
    log(
        f"{kind}: {row['deliveries']:,} deliveries of {len(counted)} changes to {len(receivers)} clients, "
        f"p50 {lat['p50_ms']:.1f} ms, p95 {lat['p95_ms']:.1f} ms, max {lat['max_ms']:.1f} ms, lost {lost}, "
        f"call p50 {row['call']['p50_ms']:.1f} ms, machine busy {row['machine_busy']:.0%}"
    )
    return row


async def measure(args, setup_result: dict, env: dict, port: int) -> list[dict]:
    n = args.changes + WARMUP
    rows = []
    changer = Changer(env)
    await changer.start()
    try:
        conns, receivers, tasks = await redis_subscribers(args.redis, args.clients)
        try:
            await asyncio.sleep(0.5)
            rows.append(
                await phase(
                    "baseline",
                    lambda: changer.order(kind="baseline", n=n, interval=args.interval),
                    receivers,
                    n,
                )
            )
        finally:
            for task in tasks:
                task.cancel()
            for conn, pubsub in conns:
                await pubsub.aclose()
                await conn.aclose()

        sockets, receivers, tasks = await dashboards(port, setup_result["cookie"], setup_result["sessions"])
        try:
            await asyncio.sleep(0.5)
            rows.append(
                await phase(
                    "send_now",
                    lambda: changer.order(kind="send_now", n=n, interval=args.interval, grid=setup_result["unit_grid"]),
                    receivers,
                    n,
                )
            )
            rows.append(
                await phase(
                    "transition",
                    lambda: changer.order(
                        kind="transition",
                        n=n,
                        interval=args.interval,
                        actor=setup_result["actor"],
                        case_ids=setup_result["case_ids"],
                    ),
                    receivers,
                    n,
                )
            )
            rows.append(
                await phase("report", lambda: reports(port, n, args.interval, setup_result["points"]), receivers, n)
            )
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    finally:
        await changer.stop()
    return rows


def serve(args, database_url: str, env: dict, scratch: str, setup_result: dict) -> list[dict]:
    port = common.free_port()
    with open(Path(scratch) / "server.log", "w+") as logfile:
        # uvicorn's own `uvicorn.run`, started through this script: the same server as the uvicorn
        # command, but a command line without "uvicorn" in it, which others' broad `pkill -f uvicorn`
        # on a shared machine stopped twice in the middle of a run.
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", "serve", "--port", str(port)]
        command += ["--workers", str(args.workers)]
        log(f"starting uvicorn with {args.workers} worker(s) on port {port}")
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=logfile, stderr=subprocess.STDOUT)
        try:
            common.wait_until_up(process, port, "/bench/bare/", logfile)
            return asyncio.run(measure(args, setup_result, env, port))
        finally:
            exited = process.poll()
            common.server_stop(process)
            logfile.seek(0)
            lines = logfile.read().splitlines()
            errors = [line for line in lines if "Error" in line or "Traceback" in line]
            for line in errors[:10]:
                log(f"server: {line}")
            if exited is not None:  # it died under the benchmark: say how, with the end of its log
                log(f"the server exited with {exited} before the end; the last lines of its log:")
                for line in lines[-20:]:
                    log(f"server: {line}")


LABELS = {
    "baseline": "baseline: redis-py PUBLISH → {c} SUBSCRIBE connections",
    "send_now": "live.send_now alone (other process) → {c} dashboards",
    "transition": "event_transition(accept) in another process → {c} dashboards",
    "report": "POST /api/v1/reports/ → {c} dashboards",
}


def print_report(result: dict, rows: list[dict], args) -> None:
    print(
        f"{result['version']}; uvicorn govgrid.asgi:application --workers {args.workers}, DEBUG off, Redis channel "
        f"layer ({args.redis}); {os.cpu_count()} CPUs; one change every {args.interval:g} s, {WARMUP} warm-up "
        "changes of each kind not counted. Latency from just before the change to each client's receipt."
    )
    head = ("what", "changes", "deliveries", "lost", "p50 ms", "p95 ms", "p99 ms", "max ms", "slowest p95 ms")
    head += ("call p50 ms", "after call p95 ms", "busy", "load")
    lines = [head]
    for r in rows:
        lat = r["latency"]
        lines.append(
            (
                LABELS[r["kind"]].format(c=r["clients"]),
                f"{r['changes']:,}",
                f"{r['deliveries']:,}",
                str(r["lost"]),
                f"{lat['p50_ms']:.1f}",
                f"{lat['p95_ms']:.1f}",
                f"{lat['p99_ms']:.1f}",
                f"{lat['max_ms']:.1f}",
                f"{r['slowest_client']['p95_ms']:.1f}",
                f"{r['call']['p50_ms']:.1f}",
                f"{r['after_call']['p95_ms']:.1f}",
                f"{r['machine_busy']:.0%}",
                f"{r['load_before']:.2f}",
            )
        )
    common.print_table(lines, "l" + "r" * (len(head) - 1))
    print(
        "deliveries: (change, client) pairs that arrived; lost: pairs that did not within "
        f"{DRAIN_S:g} s of the last change; slowest p95: per change, the last client's latency; call: the change's "
        "own time (the publish, send_now, event_transition up to its commit and push, or the HTTP request and "
        "answer); after call: arrival − the call's end; busy: the machine's CPU use during the phase; load: "
        "1-minute load average before it."
    )
    for r in rows:
        if r["kind"] == "baseline" and r["receivers_per_publish"] != [r["clients"]]:
            print(f"baseline: PUBLISH reached {r['receivers_per_publish']} subscribers, not {r['clients']}.")


def parse(argv: list[str]):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50, help="connected dashboards (default 50)")
    parser.add_argument("--changes", type=int, default=100, help="counted changes of each kind (default 100)")
    parser.add_argument(
        "--full", action="store_true", help=f"the documented run: {FULL_CHANGES:,} changes of each kind"
    )
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between changes (default 0.1)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default 2)")
    parser.add_argument("--postgis", default=POSTGIS_URL, help=f"scratch PostGIS database (default {POSTGIS_URL})")
    parser.add_argument("--redis", default=REDIS_URL, help=f"Redis db for the bench, flushed (default {REDIS_URL})")
    parser.add_argument("--worker", choices=("setup", "changer", "serve"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.full:
        args.changes = FULL_CHANGES
    return args


def main(argv: list[str] | None = None) -> list[dict]:
    args = parse(argv or [])
    if args.worker == "setup":
        common.print_result(setup(args.clients, args.changes + WARMUP))
        return []
    if args.worker == "changer":
        changer()
        return []
    if args.worker == "serve":  # = uvicorn govgrid.asgi:application --host HOST --port PORT --workers N
        import uvicorn

        uvicorn.run("govgrid.asgi:application", host=common.HOST, port=args.port, workers=args.workers)
        return []

    if not common.postgis_try_create(args.postgis):
        return []
    scratch = tempfile.mkdtemp(prefix="govgrid_bench_push_")
    rows: list[dict] = []
    try:
        common.redis_flush(args.redis)
        env = server_env(args.postgis, args.redis)
        argv = ["--worker", "setup", "--clients", str(args.clients), "--changes", str(args.changes)]
        result = common.run_worker(__file__, argv, env, who="the setup worker")
        if result:
            rows = serve(args, args.postgis, env, scratch, result)
    finally:
        common.redis_flush(args.redis)
        common.postgis_drop(args.postgis)
        shutil.rmtree(scratch, ignore_errors=True)
    if rows:
        print()
        print(f"Code at commit {common.git_commit() or '?'} (plus any uncommitted changes in the work tree).")
        print_report(result, rows, args)
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
