"""What the benchmarks share: scratch databases, the worker subprocess, Django in it, the county,
percentiles, tables, a minimal HTTP/1.1 client and the process/CPU probes.

Every benchmark runs its Django code in a worker process of its own (`<script> --worker …`) with
DATABASE_URL pointing at a scratch database it created (PostGIS: `postgis_create`, dropped after
with `postgis_drop`; SpatiaLite: a temporary file), so the ambient DATABASE_URL is never used; the
worker prints its figures as one JSON line starting with RESULT_PREFIX (`run_worker` reads it).

Not a benchmark: bench/run.py skips files whose names start with "_".
"""

import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULT_PREFIX = "RESULT "
HOST = "127.0.0.1"
COUNTY_CODE = "530702"  # 古城区, shipped in grids/data with its boundary
DATA = ROOT / "grids" / "data"


# --- Scratch PostGIS databases ---------------------------------------------------------------


def pg_url(url: str, dbname: str, scheme: str = "postgresql") -> str:
    """The same server as `url`, another database (and a scheme psycopg takes)."""
    parts = urlsplit(url)
    return urlunsplit((scheme, parts.netloc, f"/{dbname}", parts.query, ""))


def pg_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def postgis_create(url: str) -> None:
    """(Re)create the database of `url`, empty but for the postgis extension."""
    import psycopg
    from psycopg import sql

    name = pg_name(url)
    with psycopg.connect(pg_url(url, "postgres"), autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(pg_url(url, name), autocommit=True, connect_timeout=5) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")


def postgis_drop(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = pg_name(url)
    with psycopg.connect(pg_url(url, "postgres"), autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def postgis_try_create(url: str) -> bool:
    """postgis_create, or say why not (psycopg missing, server down, no rights) and answer False."""
    try:
        postgis_create(url)
    except Exception as exc:
        print(f"PostGIS: cannot create {url} ({exc.__class__.__name__}: {exc}); skipped.")
        return False
    return True


# --- The worker process ----------------------------------------------------------------------


def worker_env(database_url: str, **extra: str) -> dict:
    """The environment of a worker: the scratch database, the project's settings, DEBUG on unless
    the caller sets it (settings need a SECRET_KEY otherwise; workers turn query logging off)."""
    env = os.environ | {"DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "govgrid.settings"} | extra
    env.setdefault("DEBUG", "1")
    return env


def run_worker(script: str | Path, argv: list[str], env: dict, who: str = "the worker") -> dict | None:
    """Run `script argv` (argv holds `--worker …`) and return the JSON of its RESULT line, or None
    after saying it failed (its stderr went to ours)."""
    command = [sys.executable, str(Path(script).resolve()), *argv]
    done = subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX) :])
    print(f"{who} failed (exit {done.returncode}); see its output above.")
    return None


def print_result(result, **dumps) -> None:
    """What a worker ends with: its figures as one line for `run_worker`."""
    print(RESULT_PREFIX + json.dumps(result, **dumps), flush=True)


def django_setup(script: str) -> None:
    """Set Django up in a worker on the scratch database of DATABASE_URL, DEBUG off (with it on,
    Django would record every query's SQL; production runs with it off)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govgrid.settings")
    if not os.environ.get("DATABASE_URL"):
        sys.exit(f"bench/{script} --worker needs DATABASE_URL set to a scratch database.")
    import django

    django.setup()

    from django.conf import settings

    settings.DEBUG = False


def scratch_migrate(log, prefix: str = "") -> None:
    """Refuse a database that already holds grids (not a scratch one), then migrate it."""
    from django.core.management import call_command
    from django.db import connection

    from grids.models import Grid

    if "grids_grid" in connection.introspection.table_names() and Grid.objects.exists():
        sys.exit(f"{connection.settings_dict['NAME']} already holds grids: give the benchmark a scratch database.")
    log(f"{prefix}migrating {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)


def county_import(code: str = COUNTY_CODE, grids_per_community=(8, 11), seed: int = 1):
    """The real county from grids/data, as the tests and the demo import it (530702 at (8, 11),
    seed 1: 706 grids, 629 unit grids)."""
    from grids.services import divisions_import

    return divisions_import(
        csv_text=(DATA / f"{code}.csv").read_text(encoding="utf-8"),
        boundary_text=(DATA / f"{code}.boundary.geojson").read_text(encoding="utf-8"),
        grids_per_community=grids_per_community,
        seed=seed,
    )


def db_version(connection) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT split_part(version(), ' ', 2), postgis_lib_version()")
            return "PostgreSQL {} / PostGIS {}".format(*cursor.fetchone())
        cursor.execute("SELECT sqlite_version(), spatialite_version()")
        return "SQLite {} / SpatiaLite {}".format(*cursor.fetchone())


def git_commit() -> str:
    return subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()


# --- Figures and tables ----------------------------------------------------------------------


def percentiles(seconds: list[float], which=(50, 95, 99)) -> dict:
    """p50/p95/p99 and max in milliseconds (NaN when there is nothing)."""
    import numpy as np

    keys = [f"p{p}_ms" for p in which] + ["max_ms"]
    if not seconds:
        return dict.fromkeys(keys, float("nan"))
    ms = np.array(seconds) * 1000
    out = {f"p{p}_ms": float(np.percentile(ms, p)) for p in which}
    return out | {"max_ms": float(ms.max())}


def random_points(area, n: int, seed: str) -> list[tuple[float, float]]:
    """n points uniform in the area's bounding box that fall inside it, as (x, y) pairs."""
    from shapely.geometry import Point as ShapelyPoint
    from shapely.prepared import prep

    rng = random.Random(seed)
    minx, miny, maxx, maxy = area.bounds
    inside = prep(area)
    points = []
    while len(points) < n:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if inside.contains(ShapelyPoint(x, y)):
            points.append((x, y))
    return points


def print_table(lines: list[tuple], align: str) -> None:
    """Print rows of strings in columns, the first row a header underlined with dashes; `align`
    has one letter per column, l(eft) or r(ight)."""
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    for j, line in enumerate(lines):
        cells = [c.rjust(w) if a == "r" else c.ljust(w) for c, w, a in zip(line, widths, align, strict=True)]
        print("  ".join(cells).rstrip())
        if j == 0:
            print("  ".join("-" * w for w in widths))


# --- Servers, clients and CPU probes ---------------------------------------------------------


def free_port() -> int:
    """A free TCP port on HOST: the first free one of BENCH_PORTS ("8120-8139") when set (machines
    where each user has a range), otherwise one the system picks."""
    span = os.environ.get("BENCH_PORTS", "").strip()
    if span:
        low, _, high = span.partition("-")
        for port in range(int(low), int(high or low) + 1):
            with socket.socket() as s:
                try:
                    s.bind((HOST, port))
                except OSError:
                    continue
                return port
        raise RuntimeError(f"no free port in BENCH_PORTS={span}")
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def server_stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def server_pids(process: subprocess.Popen) -> list[int]:
    """The server's parent process and its workers."""
    pids = [process.pid]
    for task in Path(f"/proc/{process.pid}/task").glob("*/children"):
        pids += [int(p) for p in task.read_text().split()]
    return pids


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs so far."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def redis_flush(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def redis_cpu(url: str) -> float:
    """CPU seconds of the Redis server so far (INFO cpu; the whole server, every database)."""
    import redis

    info = redis.Redis.from_url(url).info("cpu")
    return float(info["used_cpu_sys"]) + float(info["used_cpu_user"])


class Http:
    """One keep-alive HTTP/1.1 connection; enough of the protocol for uvicorn's answers."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(HOST, self.port)

    async def close(self) -> None:
        if self.writer:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
            self.reader = self.writer = None

    async def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None) -> int:
        status, _ = await self.exchange(method, path, body, headers)
        return status

    async def exchange(
        self, method: str, path: str, body: bytes = b"", headers: dict | None = None
    ) -> tuple[int, bytes]:
        """Send one request; the status and the body of the answer."""
        if self.writer is None:
            await self.open()
        head = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}", "Accept: application/json"]
        if body:
            head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("server closed the connection")
        status = int(status_line.split()[1])
        length, close = None, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                close = True
            elif name == "transfer-encoding":
                raise ConnectionError("chunked answer: not expected from these endpoints")
        if length is None:
            raise ConnectionError("answer without Content-Length")
        content = await self.reader.readexactly(length)
        if close:
            await self.close()
        return status, content


def wait_until_up(process: subprocess.Popen, port: int, path: str, logfile, timeout: float = 60) -> None:
    """Poll GET `path` until it answers 200; raise if the server exits or stays silent."""

    async def one_get() -> int:
        http = Http(port)
        try:
            return await http.request("GET", path)
        finally:
            await http.close()

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}; see {logfile.name}")
        try:
            if asyncio.run(one_get()) == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    server_stop(process)
    raise RuntimeError(f"the server did not answer within {timeout:g} s")


def postgres_pid(url: str | None) -> int | None:
    """The PostgreSQL server's postmaster, when it runs on this machine (its first postmaster.pid line)."""
    if not url:
        return None
    import psycopg

    try:
        with psycopg.connect(pg_url(url, pg_name(url)), autocommit=True) as conn:
            (directory,) = conn.execute("SHOW data_directory").fetchone()
        return int((Path(directory) / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, psycopg.Error):
        return None


def postgres_cpu(postmaster: int | None) -> float:
    """CPU seconds of PostgreSQL: the postmaster, the children it has reaped (each request's backend,
    with CONN_MAX_AGE=0) and those alive. Every database of the server counts (a shared server)."""
    if not postmaster:
        return 0.0
    try:
        fields = Path(f"/proc/{postmaster}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    own = sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime, stime, cutime, cstime
    tasks = Path(f"/proc/{postmaster}/task").glob("*/children")
    children = [int(p) for task in tasks for p in task.read_text().split()]
    return own + cpu_seconds(children)
