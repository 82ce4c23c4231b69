"""Benchmark the catalogue on PostgreSQL with N synthetic practices (see bench/README.md).

Prepares a fresh `gfmd_bench` database (migrate, load_catalogue, setup_roles,
collectstatic, generate_synthetic, ANALYZE), serves the app with gunicorn under production
settings, loads each endpoint with wrk at 1 and 16 connections, counts each endpoint's SQL
queries in a separate process, times a full CSV export and the peak memory of the worker
that served it, and writes bench/RESULTS.md and bench/results.json. `--resilience` adds a
32-connection soak, a worker killed under load, and PostgreSQL restarted under load.

Run it through bench/run, which installs wrk when it is missing.
"""

import argparse
import contextlib
import csv
import hashlib
import http.client
import io
import json
import math
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
BIN = Path(sys.executable).parent
DB_NAME = "gfmd_bench"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
DATABASE_URL = f"{PG_SERVER}/{DB_NAME}"
HOST = "127.0.0.1"
WRK_TIMEOUT = "30s"  # a slow page is measured, not dropped at wrk's default 2 s
DRAIN_LIMIT = 180.0  # seconds to wait for the server to finish what a run left queued
READY_LIMIT = 90.0
EXPORT_LIMIT = 900.0
COLD_LIMIT = 60.0  # seconds of cold samples per endpoint, at most
EXPORT_RETRY_TIMEOUT = 900  # gunicorn --timeout for a second export when the first is cut
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# Targets: p95 at 1 client, in milliseconds.
API_FAST_MS = 30
API_HEAVY_MS = 60
PAGE_MS = 100
FLOOR_RATIO = 0.5
EXPORT_MB = 150


@dataclass
class Endpoint:
    name: str
    label: str
    path: str
    target_ms: float | None  # p95 at 1 client
    api: bool = False
    # An uncached variant: a query parameter of its own on every request (lua/unique.lua),
    # so that the API's cache of anonymous reads, keyed by the URL, never answers.
    uncached: bool = False
    base: str = ""

    def variant(self) -> "Endpoint":
        return Endpoint(
            f"{self.name}_uncached",
            f"{self.label}, uncached",
            self.path,
            self.target_ms,
            self.api,
            uncached=True,
            base=self.name,
        )

    def unique_path(self, value: str) -> str:
        """The path with a parameter of its own, for the uncached variant."""
        if not self.uncached:
            return self.path
        return self.path + ("&" if "?" in self.path else "?") + f"_bench={value}"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class BenchError(RuntimeError):
    pass


# Environment and preparation.


def app_env(args, static_root: Path) -> dict[str, str]:
    """Production settings on the benchmark database, nothing inherited from the caller's
    Django variables."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    return {
        **base,
        "DATABASE_URL": DATABASE_URL,
        "DJANGO_SETTINGS_MODULE": "gfmd.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-" + secrets.token_urlsafe(48),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_STATIC_ROOT": str(static_root),
        "DJANGO_BENCH_FLOOR": "1",
        "API_ANONYMOUS_RATE": args.api_rate,
        "PYTHONUNBUFFERED": "1",
    }


def manage(env, *command, timeout=3600) -> float:
    """Run a manage.py command; return its seconds. Its output goes to our log on failure."""
    started = time.monotonic()
    log("manage.py " + " ".join(command))
    result = subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        sys.stdout.write(result.stdout[-4000:])
        sys.stderr.write(result.stderr[-4000:])
        raise BenchError(f"manage.py {' '.join(command)} failed ({result.returncode})")
    return round(time.monotonic() - started, 2)


def has_command(name: str) -> bool:
    return (ROOT / "practices" / "management" / "commands" / f"{name}.py").exists()


def prepare(args, env) -> dict:
    """A fresh gfmd_bench database holding the catalogue and N synthetic practices."""
    if not has_command("generate_synthetic"):
        raise BenchError(
            "practices/management/commands/generate_synthetic.py does not exist yet: "
            "the benchmark needs it to make the synthetic records."
        )
    timings = {}
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        log(f"(re)creating database {DB_NAME}")
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    timings["migrate"] = manage(env, "migrate", "--noinput")
    timings["load_catalogue"] = manage(env, "load_catalogue")
    timings["setup_roles"] = manage(env, "setup_roles")
    timings["collectstatic"] = manage(env, "collectstatic", "--noinput")
    timings["generate_synthetic"] = manage(
        env, "generate_synthetic", "--practices", str(args.practices), "--seed", "1"
    )
    started = time.monotonic()
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute("ANALYZE")
    timings["analyze"] = round(time.monotonic() - started, 2)
    return timings


def database_facts() -> dict:
    """Row counts and the parameters the endpoints use, chosen from the data."""
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        one = lambda sql, *params: conn.execute(sql, params).fetchone()  # noqa: E731
        facts = {"pg_version": one("SHOW server_version")[0]}
        for table in ("practice", "challenge", "opportunity", "recommendation"):
            total, published, synthetic = one(
                f"SELECT count(*), count(*) FILTER (WHERE status = 'published'), "
                f"count(*) FILTER (WHERE slug LIKE 'synthetic-%%') FROM practices_{table}"
            )
            facts[table] = {"rows": total, "published": published, "synthetic": synthetic}
        row = one(
            "SELECT c.alpha2, c.slug, c.name, count(*) FROM practices_practice_countries pc "
            "JOIN practices_practice p ON p.id = pc.practice_id AND p.status = 'published' "
            "JOIN practices_country c ON c.id = pc.country_id "
            "GROUP BY c.id ORDER BY count(*) DESC, c.alpha2 LIMIT 1"
        )
        if row is None:
            raise BenchError("no published practice names a country")
        facts["country"] = {"code": row[0], "slug": row[1], "name": row[2], "practices": row[3]}
        row = one(
            "SELECT o.number, count(*) FROM practices_practice_objectives po "
            "JOIN practices_objective o ON o.id = po.objective_id "
            "JOIN practices_practice p ON p.id = po.practice_id AND p.status = 'published' "
            "JOIN practices_practice_countries pc ON pc.practice_id = p.id "
            "JOIN practices_country c ON c.id = pc.country_id AND c.alpha2 = %s "
            "GROUP BY o.number ORDER BY count(*) DESC, o.number LIMIT 1",
            facts["country"]["code"],
        )
        if row is None:
            raise BenchError("no published practice of the chosen country has an objective")
        facts["objective"] = {"number": row[0], "practices_with_country": row[1]}
        # A synthetic practice from the middle of the table, else any published one.
        row = one(
            "SELECT slug FROM practices_practice WHERE status = 'published' "
            "ORDER BY (slug LIKE 'synthetic-%%') DESC, id "
            "LIMIT 1 OFFSET (SELECT count(*) / 2 FROM practices_practice "
            "WHERE status = 'published' AND slug LIKE 'synthetic-%%')"
        )
        facts["detail_slug"] = row[0]
        facts["practice_countries"] = one("SELECT count(*) FROM practices_practice_countries")[0]
        facts["practice_objectives"] = one("SELECT count(*) FROM practices_practice_objectives")[0]
        facts["database_mb"] = round(
            one("SELECT pg_database_size(%s)", DB_NAME)[0] / 1024 / 1024, 1
        )
    return facts


def endpoints_for(facts) -> list[Endpoint]:
    """The endpoints measured; each API one also uncached, right after it."""
    result = []
    for endpoint in base_endpoints(facts):
        result.append(endpoint)
        if endpoint.api:
            result.append(endpoint.variant())
    return result


def base_endpoints(facts) -> list[Endpoint]:
    code, number = facts["country"]["code"], facts["objective"]["number"]
    return [
        Endpoint("api_list", "API list", "/api/practices/", API_FAST_MS, True),
        Endpoint(
            "api_filtered",
            "API filtered list",
            f"/api/practices/?country={code}&objective={number}",
            API_FAST_MS,
            True,
        ),
        Endpoint(
            "api_detail", "API detail", f"/api/practices/{facts['detail_slug']}/", API_FAST_MS, True
        ),
        Endpoint("api_search", "API search", "/api/practices/?q=detention", API_HEAVY_MS, True),
        Endpoint(
            "api_facets",
            "API facets",
            "/api/practices/?facets=country,objective,theme,year&page_size=1",
            API_HEAVY_MS,
            True,
        ),
        Endpoint("floor", "Floor (values() + JsonResponse)", "/bench/floor/practices/", None),
        Endpoint("html_home", "Page: home", "/", PAGE_MS),
        Endpoint(
            "html_country",
            "Page: country profile",
            f"/countries/{facts['country']['slug']}/",
            PAGE_MS,
        ),
        Endpoint(
            "html_filtered",
            "Page: filtered practices",
            f"/practices/?country={code}&objective={number}",
            PAGE_MS,
        ),
        Endpoint("html_coverage", "Page: coverage matrix", "/coverage/", PAGE_MS),
    ]


# The server and its workers.


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def children(pid: int) -> list[int]:
    pids = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            pids += [int(p) for p in (task / "children").read_text().split()]
    return sorted(set(pids))


def cpu_ticks(pids) -> int:
    """utime + stime of the processes, in clock ticks."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total


def memory_kb(pid: int) -> dict[str, int]:
    """VmHWM (peak resident) and VmRSS of a process, in kB."""
    values = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                values[key] = int(rest.split()[0])
    return values


class Server:
    """gunicorn serving gfmd.wsgi on a free port of 127.0.0.1, its log in `folder`."""

    def __init__(self, env, workers: int, folder: Path, timeout: int):
        self.env, self.workers, self.folder, self.timeout = env, workers, folder, timeout
        self.port = free_port()
        self.process = None
        self.log_path = folder / "gunicorn.log"
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def command(self) -> list[str]:
        return [
            str(BIN / "gunicorn"),
            "gfmd.wsgi",
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync",
            "--max-requests",
            "0",
            "--timeout",
            str(self.timeout),
        ]

    def start(self) -> None:
        self.starts += 1
        log(
            f"starting gunicorn ({self.workers} sync workers, timeout {self.timeout}s) "
            f"at {self.url}"
        )
        # gunicorn's own log and the app's (Django logs to stderr) go to one file.
        with self.log_path.open("ab") as output:
            self.process = subprocess.Popen(
                self.command(),
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                start_new_session=True,
            )
        deadline = time.monotonic() + READY_LIMIT
        while len(self.worker_pids()) < self.workers:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"gunicorn did not start; see {self.log_path}")
            time.sleep(0.1)
        # Each worker has booted when its CPU time stops growing (the app is loaded).
        self.wait_idle(check_db=False)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            self.process = None
            return
        log("stopping gunicorn")
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.port = free_port()
        self.start()

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        return children(self.process.pid)

    def wait_idle(self, check_db: bool = True, limit: float = DRAIN_LIMIT) -> float:
        """Wait until the workers use no CPU and the database runs none of their queries, so
        that requests a run left queued or abandoned do not spill into the next one."""
        started = time.monotonic()
        quiet = 0
        last = cpu_ticks(self.worker_pids())
        while time.monotonic() - started < limit:
            time.sleep(0.25)
            now = cpu_ticks(self.worker_pids())
            busy = now - last > 1 or (check_db and active_queries() > 0)
            last = now
            quiet = 0 if busy else quiet + 1
            if quiet >= 2:
                return round(time.monotonic() - started, 2)
        log(f"warning: the server was still busy after {limit:.0f}s")
        return round(time.monotonic() - started, 2)


def system_busy_ticks() -> int:
    """CPU ticks the whole machine spent busy (all CPUs), from /proc/stat."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return user + nice + system + irq + softirq + steal


def database_backends() -> list[int]:
    """Server processes of the connections to gfmd_bench (the workers' persistent ones)."""
    try:
        with psycopg.connect(DATABASE_URL, autocommit=True, connect_timeout=3) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [DB_NAME],
            ).fetchall()
    except psycopg.Error:
        return []
    return [row[0] for row in rows]


def postgres_ticks() -> int:
    """All of PostgreSQL's CPU, in ticks: the postmaster, its live children, and the
    children it has reaped (parallel workers, ended backends), whatever their database."""
    pids = sorted(Path("/var/run/postgresql").glob("*.pid"))
    total = 0
    for pid_file in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int(pid_file.read_text().split()[0])
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
            total += cpu_ticks(children(pid))
    return total


def children_cpu_ticks() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * CLOCK_TICKS


class CpuMeter:
    """Where the machine's CPU went during a run: the app (gunicorn), the backends of
    gfmd_bench's connections, the rest of PostgreSQL (parallel workers, autovacuum, other
    databases), wrk, and every other process on the machine (other people's work)."""

    def __init__(self, server: "Server"):
        self.server = server
        self.backends = {pid: cpu_ticks([pid]) for pid in database_backends()}
        self.app = cpu_ticks([self.server.process.pid, *self.server.worker_pids()])
        self.wrk = children_cpu_ticks()
        self.postgres = postgres_ticks()
        self.busy = system_busy_ticks()
        self.started = time.monotonic()

    def read(self, requests: int) -> dict:
        elapsed = time.monotonic() - self.started
        busy = system_busy_ticks() - self.busy
        app = cpu_ticks([self.server.process.pid, *self.server.worker_pids()]) - self.app
        db = sum(cpu_ticks([pid]) - self.backends.get(pid, 0) for pid in database_backends())
        load = children_cpu_ticks() - self.wrk
        postgres = max(postgres_ticks() - self.postgres, db)
        capacity = elapsed * CLOCK_TICKS * (os.cpu_count() or 1)
        others = max(busy - app - postgres - load, 0)
        per_request = 1000 / CLOCK_TICKS / requests if requests else None
        return {
            "app_cpu_pct": round(100 * app / capacity, 1),
            "db_cpu_pct": round(100 * db / capacity, 1),
            "postgres_other_cpu_pct": round(100 * (postgres - db) / capacity, 1),
            "wrk_cpu_pct": round(100 * load / capacity, 1),
            "other_cpu_pct": round(100 * others / capacity, 1),
            "app_cpu_ms_per_request": round(app * per_request, 2) if per_request else None,
            "db_cpu_ms_per_request": round(db * per_request, 2) if per_request else None,
        }


def active_queries() -> int:
    try:
        with psycopg.connect(DATABASE_URL, autocommit=True, connect_timeout=3) as conn:
            return conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                "AND state = 'active' AND pid <> pg_backend_pid()",
                [DB_NAME],
            ).fetchone()[0]
    except psycopg.Error:
        return 0


def fetch(url: str, timeout: float = 60) -> dict:
    """One GET: status, bytes, seconds, content type; errors as status 0."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read()
            status, ctype = response.status, response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        body, status, ctype = error.read(), error.code, error.headers.get("Content-Type", "")
    except OSError as error:
        return {"status": 0, "error": str(error), "seconds": time.monotonic() - started}
    return {
        "status": status,
        "bytes": len(body),
        "seconds": round(time.monotonic() - started, 5),
        "content_type": ctype,
        "body": body,
    }


# Load.


def wrk(url: str, threads: int, connections: int, seconds: int, script="report.lua", args=()):
    """Run wrk and return the figures its Lua done() hook prints."""
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        f"--timeout={WRK_TIMEOUT}",
        "--latency",
        "-s",
        str(BENCH / "lua" / script),
        url,
    ]
    if args:
        command += ["--", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    return parse_wrk(result.stdout, result.stderr)


def parse_wrk(stdout: str, stderr: str = "") -> dict:
    for line in stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            data = json.loads(line[len("BENCH_JSON ") :])
            seconds = data["duration_us"] / 1e6
            data["rps"] = round(data["requests"] / seconds, 1) if seconds else 0.0
            data["socket_errors"] = sum(data[k] for k in ("connect", "read", "write", "timeout"))
            data["non_2xx_3xx"] = data["status"]
            for p in (50, 90, 95, 99):
                data[f"p{p}_ms"] = round(data[f"p{p}_us"] / 1000, 2)
            data["max_ms"] = round(data["max_us"] / 1000, 2)
            return data
    raise BenchError(f"wrk printed no figures:\n{stdout}\n{stderr}")


def measure(server: Server, endpoint: Endpoint, args) -> dict:
    url = server.url + endpoint.path
    script = "unique.lua" if endpoint.uncached else "report.lua"
    log(f"{endpoint.label}: warm-up {args.warmup}s")
    wrk(url, 1, 2, args.warmup, script)
    server.wait_idle()
    figures = {}
    for key, threads, connections in (("c1", 1, 1), ("c16", 2, 16)):
        log(f"{endpoint.label}: {connections} connection(s), {args.duration}s")
        meter = CpuMeter(server)
        figures[key] = run = wrk(url, threads, connections, args.duration, script)
        run["cpu"] = meter.read(run["requests"])
        run["drain_s"] = server.wait_idle()
        log(
            f"  {run['rps']} req/s, p50 {run['p50_ms']} ms, p95 {run['p95_ms']} ms, "
            f"p99 {run['p99_ms']} ms, non-2xx {run['non_2xx_3xx']}, socket errors "
            f"{run['socket_errors']}; CPU % app {run['cpu']['app_cpu_pct']}, db "
            f"{run['cpu']['db_cpu_pct']}, other postgres {run['cpu']['postgres_other_cpu_pct']}, "
            f"wrk {run['cpu']['wrk_cpu_pct']}, others "
            f"{run['cpu']['other_cpu_pct']}"
        )
    return figures


def bump_generation() -> bool:
    """What an editor's save does to the caches: a new catalogue generation, so that every
    cached value is unreachable. False when the app keeps no such generation."""
    try:
        with psycopg.connect(DATABASE_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(
                "INSERT INTO practices_cataloguestate (id, generation) VALUES (1, 1) "
                "ON CONFLICT (id) DO UPDATE "
                "SET generation = practices_cataloguestate.generation + 1"
            )
    except psycopg.errors.UndefinedTable:
        return False
    return True


def nearest_rank(values: list[float], percent: float) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(percent / 100 * len(ordered)) - 1, 0)]


def cold(server: Server, endpoint: Endpoint, samples: int) -> dict | None:
    """Requests one at a time, each right after a catalogue write (a new generation), so
    that whatever the app caches is computed again: what the first visitor after an edit
    waits. At most COLD_LIMIT seconds per endpoint."""
    times, errors = [], 0
    started = time.monotonic()
    while len(times) < samples and time.monotonic() - started < COLD_LIMIT:
        if not bump_generation():
            return None
        result = fetch(server.url + endpoint.path)
        if result["status"] != 200:
            errors += 1
        times.append(result["seconds"] * 1000)
    server.wait_idle()
    figures = {
        "samples": len(times),
        "p50_ms": round(nearest_rank(times, 50), 1),
        "p95_ms": round(nearest_rank(times, 95), 1),
        "max_ms": round(max(times), 1),
        "errors": errors,
    }
    log(
        f"{endpoint.label}: cold (after a catalogue write), {len(times)} requests: "
        f"p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms"
    )
    return figures


def count_queries(env, paths: dict[str, dict], folder: Path) -> dict:
    """Queries per request, counted in a separate Django process (bench/queries.py)."""
    log("counting queries per request in-process (Django test Client)")
    source, target = folder / "paths.json", folder / "queries.json"
    source.write_text(json.dumps(paths))
    result = subprocess.run(
        [sys.executable, str(BENCH / "queries.py"), str(source), str(target)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=EXPORT_LIMIT + 600,
    )
    if result.returncode != 0:
        raise BenchError(f"bench/queries.py failed:\n{result.stderr[-4000:]}")
    return json.loads(target.read_text())


def export_csv(server: Server, expected_rows: int) -> dict:
    """One full CSV download from fresh workers; the serving worker's peak memory."""
    server.restart()
    before = {pid: memory_kb(pid) for pid in server.worker_pids()}
    ticks = {pid: cpu_ticks([pid]) for pid in before}
    log(f"CSV export: GET /api/practices/?format=csv (expecting {expected_rows} rows)")
    started = time.monotonic()
    counter = ByteCounter()
    rows, error, status = 0, None, 0
    try:
        with urllib.request.urlopen(
            server.url + "/api/practices/?format=csv", timeout=EXPORT_LIMIT
        ) as response:
            status = response.status
            counter.raw = response
            text = io.TextIOWrapper(counter, encoding="utf-8", newline="")
            for _row in csv.reader(text):
                rows += 1
    except (OSError, csv.Error, http.client.HTTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"
    seconds = round(time.monotonic() - started, 2)
    after = {pid: memory_kb(pid) for pid in before}
    worked = {pid: cpu_ticks([pid]) - ticks[pid] for pid in before}
    # The worker that served it used the CPU; a killed worker (timeout) has no /proc entry.
    server_pid = max(worked, key=worked.get) if worked else None
    alive = set(server.worker_pids())
    peak = after.get(server_pid, {}).get("VmHWM")
    data_rows = max(rows - 1, 0)
    result = {
        "status": status,
        "seconds": seconds,
        "bytes": counter.count,
        "rows": data_rows,
        "expected_rows": expected_rows,
        "complete": error is None and data_rows == expected_rows,
        "error": error,
        "gunicorn_timeout_s": server.timeout,
        "worker_pid": server_pid,
        "worker_killed": server_pid is not None and server_pid not in alive,
        "worker_before_hwm_mb": mb(before.get(server_pid, {}).get("VmHWM")),
        "worker_peak_mb": mb(peak),
        "worker_rss_after_mb": mb(after.get(server_pid, {}).get("VmRSS")),
        "workers_before_hwm_mb": {str(p): mb(m.get("VmHWM")) for p, m in before.items()},
        "workers_after_hwm_mb": {str(p): mb(m.get("VmHWM")) for p, m in after.items()},
    }
    if peak:
        result["worker_growth_mb"] = round(
            (peak - before.get(server_pid, {}).get("VmHWM", 0)) / 1024, 1
        )
    log(
        f"  {seconds}s, {counter.count} bytes, {data_rows} rows, worker peak "
        f"{result['worker_peak_mb']} MB (from {result['worker_before_hwm_mb']} MB)"
        + (f", ERROR {error}" if error else "")
    )
    return result


def mb(kb) -> float | None:
    return round(kb / 1024, 1) if kb else None


class ByteCounter(io.RawIOBase):
    """A raw stream over the response that counts the bytes read."""

    raw = None
    count = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n


# Resilience.


def run_wrk_background(url, threads, connections, seconds, paths):
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        f"--timeout={WRK_TIMEOUT}",
        "--latency",
        "-s",
        str(BENCH / "lua" / "rotate.lua"),
        url,
        "--",
        *paths,
    ]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_wrk(process, seconds) -> dict:
    stdout, stderr = process.communicate(timeout=seconds + 120)
    return parse_wrk(stdout, stderr)


def log_errors(server: Server, since: int) -> dict:
    """Counts of what the gunicorn log says after byte offset `since`."""
    text = server.log_path.read_text(errors="replace")[since:]
    return {
        "tracebacks": text.count("Traceback (most recent call last)"),
        "worker_timeouts": text.count("WORKER TIMEOUT"),
        "worker_exits": len(re.findall(r"Worker \(pid:\d+\) (?:was sent|exited)", text)),
        "operational_errors": text.count("OperationalError"),
    }


def log_offset(server: Server) -> int:
    return server.log_path.stat().st_size if server.log_path.exists() else 0


class Probe(threading.Thread):
    """One request every `interval` seconds, sequentially, recording when each failed."""

    def __init__(self, url: str, interval: float = 0.1):
        super().__init__(daemon=True)
        self.url, self.interval = url, interval
        self.stop_event = threading.Event()
        self.samples: list[tuple[float, int]] = []

    def run(self):
        while not self.stop_event.is_set():
            result = fetch(self.url, timeout=5)
            self.samples.append((time.monotonic(), result["status"]))
            self.stop_event.wait(self.interval)

    def stop(self):
        self.stop_event.set()
        self.join(timeout=10)


def resilience(server: Server, endpoints: list[Endpoint], args) -> dict:
    paths = [e.path for e in endpoints]
    results = {"paths": paths}
    server.restart()

    # 1. A soak at 32 connections across the API and the pages.
    seconds = args.soak_seconds
    log(f"resilience: {seconds}s at 32 connections over {len(paths)} endpoints")
    offset = log_offset(server)
    process = run_wrk_background(server.url + "/", 2, 32, seconds, paths)
    soak = finish_wrk(process, seconds)
    soak["log"] = log_errors(server, offset)
    soak["drain_s"] = server.wait_idle()
    results["soak"] = soak
    log(f"  {soak['requests']} requests, 5xx {soak['s5xx']}, socket errors {soak['socket_errors']}")

    # 2. One worker killed with SIGKILL under load; the master starts another.
    seconds = 20
    log(f"resilience: {seconds}s at 16 connections, one worker killed after 5s")
    offset = log_offset(server)
    before = server.worker_pids()
    process = run_wrk_background(server.url + "/", 2, 16, seconds, paths)
    time.sleep(5)
    victim = before[0]
    killed_at = time.monotonic()
    os.kill(victim, signal.SIGKILL)
    respawn_s = None
    while time.monotonic() - killed_at < 30:
        now = server.worker_pids()
        if len(now) >= server.workers and victim not in now:
            respawn_s = round(time.monotonic() - killed_at, 2)
            break
        time.sleep(0.05)
    kill = finish_wrk(process, seconds)
    kill.update(
        victim_pid=victim,
        workers_before=before,
        workers_after=server.worker_pids(),
        respawned_in_s=respawn_s,
        log=log_errors(server, offset),
    )
    kill["drain_s"] = server.wait_idle()
    results["worker_kill"] = kill
    log(f"  errors: 5xx {kill['s5xx']}, socket {kill['socket_errors']}; respawned in {respawn_s}s")

    # 3. PostgreSQL restarted under load; the same gunicorn must recover by itself.
    seconds = 30
    log(f"resilience: {seconds}s at 16 connections, PostgreSQL restarted after 5s")
    offset = log_offset(server)
    workers = server.worker_pids()
    probe = Probe(server.url + "/api/practices/?page_size=1")
    process = run_wrk_background(server.url + "/", 2, 16, seconds, paths)
    probe.start()
    time.sleep(5)
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    restart_started = time.monotonic()
    restart = subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    restart_ended = time.monotonic()
    during = finish_wrk(process, seconds)
    probe.stop()
    failed = [(t, s) for t, s in probe.samples if not 200 <= s < 400]
    after_restart = [s for t, s in probe.samples if t > restart_ended]
    first_ok_after = next(
        (t for t, s in probe.samples if t > restart_ended and 200 <= s < 400), None
    )
    during.update(
        pg_restart_returncode=restart.returncode,
        pg_restart_output=(restart.stdout + restart.stderr)[-1000:],
        pg_restart_s=round(restart_ended - restart_started, 2),
        probe_requests=len(probe.samples),
        probe_failures=len(failed),
        probe_failure_statuses=sorted({s for _, s in failed}),
        probe_first_failure_s=round(failed[0][0] - restart_started, 2) if failed else None,
        probe_last_failure_s=round(failed[-1][0] - restart_started, 2) if failed else None,
        probe_failures_after_restart_done=sum(1 for s in after_restart if not 200 <= s < 400),
        probe_first_success_after_restart_s=(
            round(first_ok_after - restart_ended, 2) if first_ok_after else None
        ),
        gunicorn_workers_unchanged=server.worker_pids() == workers,
        log=log_errors(server, offset),
    )
    during["drain_s"] = server.wait_idle()
    log(
        f"  during: 5xx {during['s5xx']}, socket {during['socket_errors']}; probe failures "
        f"{len(failed)}"
    )
    # Afterwards, on the same gunicorn: everything must succeed.
    seconds = 10
    log(f"resilience: {seconds}s at 16 connections after the restart, same gunicorn")
    offset = log_offset(server)
    process = run_wrk_background(server.url + "/", 2, 16, seconds, paths)
    after = finish_wrk(process, seconds)
    after["log"] = log_errors(server, offset)
    after["gunicorn_workers_unchanged"] = server.worker_pids() == workers
    results["pg_restart"] = {"during": during, "after": after}
    log(
        f"  after: {after['requests']} requests, 5xx {after['s5xx']}, socket "
        f"{after['socket_errors']}"
    )
    return results


# The machine.


def loadavg() -> str:
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return "?"


def machine_info() -> dict:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = int(line.split()[1])
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout
    return {
        "nproc": int(nproc) if nproc.isdigit() else os.cpu_count(),
        "memory_gb": round(memory / 1024 / 1024, 1),
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "wrk": wrk_version.splitlines()[0] if wrk_version else "",
    }


def code_fingerprint() -> dict:
    """Which version of the app was measured: a digest of its source and templates, and its
    latest migration (the app changes between runs; this tells runs apart)."""
    digest = hashlib.sha256()
    files = 0
    for folder in ("api", "practices", "gfmd", "templates"):
        for path in sorted((ROOT / folder).rglob("*")):
            if (
                path.is_file()
                and path.suffix in (".py", ".html")
                and "__pycache__" not in str(path)
            ):
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
                files += 1
    migrations = sorted(p.stem for p in (ROOT / "practices" / "migrations").glob("0*.py"))
    return {
        "source_sha256": digest.hexdigest()[:16],
        "files": files,
        "latest_migration": migrations[-1] if migrations else None,
    }


def versions() -> dict:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, gunicorn, rest_framework, psycopg; print(django.get_version(), "
            "gunicorn.__version__, rest_framework.__version__, psycopg.__version__)",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    parts = result.stdout.split()
    names = ["django", "gunicorn", "djangorestframework", "psycopg"]
    return dict(zip(names, parts, strict=False))


# The report.


def p95_verdict(value, limit, errors=0) -> dict:
    if value is None:
        return {"value": None, "met": None, "text": "not measured", "margin": ""}
    met = value < limit and errors == 0
    text = f"{value:,.1f} ms" + (f", {errors} errors" if errors else "")
    return {"value": value, "met": met, "text": text, "margin": margin_ms(value, limit)}


def assess(results) -> list[dict]:
    """Each target, met or missed, with its margin: as served (the same request repeated, so
    whatever the app caches is warm) and uncached (API: a new URL on every request; pages:
    each request right after a catalogue write)."""
    targets = []
    rows = results["endpoints"]
    for name, row in rows.items():
        if row.get("target_ms") is None or row.get("uncached"):
            continue
        limit = row["target_ms"]
        c1 = row["c1"]
        served = p95_verdict(c1["p95_ms"], limit, c1["non_2xx_3xx"] + c1["socket_errors"])
        variant = rows.get(f"{name}_uncached")
        if variant:
            v1 = variant["c1"]
            uncached = p95_verdict(v1["p95_ms"], limit, v1["non_2xx_3xx"] + v1["socket_errors"])
            uncached["how"] = "wrk, a new URL each request"
        elif row.get("cold"):
            uncached = p95_verdict(row["cold"]["p95_ms"], limit, row["cold"]["errors"])
            uncached["how"] = f"{row['cold']['samples']} requests, each after a catalogue write"
        else:
            uncached = p95_verdict(None, limit)
        targets.append(
            {
                "target": f"{row['label']}: p95 at 1 client < {limit:g} ms",
                "served": served,
                "uncached": uncached,
            }
        )
    floor = rows.get("floor", {}).get("c16", {}).get("rps")
    if floor:
        entry = {"target": f"API list at 16 clients ≥ {FLOOR_RATIO:g} × the floor's req/s"}
        for key, name in (("served", "api_list"), ("uncached", "api_list_uncached")):
            api = rows.get(name, {}).get("c16", {}).get("rps")
            if api is None:
                entry[key] = {"value": None, "met": None, "text": "not measured", "margin": ""}
                continue
            ratio = api / floor
            entry[key] = {
                "value": round(ratio, 3),
                "met": ratio >= FLOOR_RATIO,
                "text": f"{ratio:.2f} × ({api:,.1f} vs {floor:,.1f} req/s)",
                "margin": f"{ratio - FLOOR_RATIO:+.2f} ({ratio / FLOOR_RATIO:.2f}× the target)",
            }
        targets.append(entry)
    first = results.get("export")
    if first:
        # Memory: the complete export (the retry when the first was cut by the timeout).
        export = results.get("export_retry") or first
        peak = export.get("worker_peak_mb")
        met = bool(export["complete"] and peak is not None and peak < EXPORT_MB)
        text = f"{peak} MB peak" if peak is not None else "peak unknown"
        if export is not first:
            text += f" (gunicorn --timeout {export['gunicorn_timeout_s']})"
        if not export["complete"]:
            text += f", INCOMPLETE ({export['rows']:,} of {export['expected_rows']:,} rows)"
        verdict = {
            "value": peak,
            "met": met,
            "text": text,
            "margin": margin_mb(peak, EXPORT_MB) if peak is not None else "",
        }
        targets.append(
            {
                "target": f"CSV export of all {export['expected_rows']:,} published practices, "
                f"worker peak < {EXPORT_MB} MB",
                "served": verdict,
                "uncached": verdict,
            }
        )
        # Completion under the server's own timeout: not one of the brief's targets, but an
        # export that a worker timeout cuts short is not an export.
        timeout = first["gunicorn_timeout_s"]
        done = {
            "value": first["seconds"],
            "met": first["complete"],
            "text": (
                f"{first['seconds']} s, complete"
                if first["complete"]
                else f"cut after {first['seconds']} s, {first['rows']:,} of "
                f"{first['expected_rows']:,} rows"
            ),
            "margin": "",
        }
        targets.append(
            {
                "target": f"(added) CSV export completes within gunicorn's {timeout} s timeout",
                "served": done,
                "uncached": done,
            }
        )
    return targets


def margin_ms(value, limit) -> str:
    if value < limit:
        return f"{limit - value:.1f} ms under"
    return f"{value - limit:.1f} ms over ({value / limit:.1f}× the target)"


def margin_mb(value, limit) -> str:
    if value < limit:
        return f"{limit - value:.1f} MB under"
    return f"{value - limit:.1f} MB over ({value / limit:.1f}× the target)"


def fmt(value, digits=1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def mark(met) -> str:
    return {True: "met", False: "**missed**", None: "–"}[met]


def markdown(results) -> str:
    m, f = results["machine"], results["facts"]
    lines = [
        "# Benchmark results",
        "",
        f"Run {results['date']} by `bench/run {' '.join(results['argv'])}`".rstrip() + ".",
        "",
        f"- Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gb']} GB memory, "
        f"Linux {m['kernel']}; wrk, gunicorn and PostgreSQL share it. Load average "
        f"{results['loadavg_start']} at the start, {results.get('loadavg_end', '?')} at the "
        "end.",
        f"- PostgreSQL {f['pg_version']}; Python {m['python']}, "
        + ", ".join(f"{k} {v}" for k, v in results["versions"].items())
        + f"; {m['wrk']}.",
        f"- Data: N = {results['practices']:,}; practices {f['practice']['rows']:,} "
        f"({f['practice']['published']:,} published, {f['practice']['synthetic']:,} "
        f"synthetic), challenges {f['challenge']['rows']:,}, opportunities "
        f"{f['opportunity']['rows']:,}, recommendations {f['recommendation']['rows']:,}; "
        f"{f['practice_countries']:,} practice–country and {f['practice_objectives']:,} "
        f"practice–objective links; database {f['database_mb']:,} MB.",
        f"- App measured: source digest `{results['code']['source_sha256']}` "
        f"({results['code']['files']} files of api/, practices/, gfmd/, templates/), latest "
        f"migration `{results['code']['latest_migration']}`.",
        f"- Server: gunicorn, {results['workers']} sync workers, `--max-requests 0`, "
        f"timeout {results['gunicorn_timeout']} s, DEBUG off, "
        f"`API_ANONYMOUS_RATE={results['api_rate']}`, the app's default cache (local memory, "
        "per worker).",
        f"- Load: wrk, {results['duration']} s per run after a {results['warmup']} s warm-up; "
        "@1 = 1 connection (`-t1 -c1`), @16 = 16 connections (`-t2 -c16`); wrk timeout "
        f"{WRK_TIMEOUT}. Latencies in ms.",
        f"- Chosen from the data: country {f['country']['code']} ({f['country']['name']}, "
        f"{f['country']['practices']:,} published practices), objective "
        f"{f['objective']['number']} ({f['objective']['practices_with_country']:,} of them), "
        f"detail `{f['detail_slug']}`.",
        "",
        "Rows marked *uncached* add `_bench=<unique>` to every request's query string, so the "
        "API's cache of anonymous reads (keyed by the URL) never answers; the other rows repeat "
        "one URL, so whatever the app caches is warm. *Cold p95* is over requests made one at a "
        "time, each right after a catalogue write (a new cache generation, as an editor's save "
        "makes). *Queries (SQL ms)*: one request's queries and the time they took, counted "
        "in-process. *App CPU ms/req*: the CPU time the gunicorn workers spent per request at "
        "16 connections. *Others' CPU*: the share of the machine's CPUs that processes other "
        "than gunicorn, PostgreSQL and wrk used during the run (@1 / @16): where it is high, "
        "that row's figures are inflated by them.",
        "",
        "| endpoint | path | p50 @1 | p95 @1 | p99 @1 | req/s @1 | req/s @16 | p95 @16 "
        "| cold p95 | queries (SQL ms) | ratio to floor @16 | app CPU ms/req | non-2xx @1/@16 "
        "| socket errors @1/@16 | others' CPU % @1/@16 | target p95 @1 | |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    floor_rps = results["endpoints"].get("floor", {}).get("c16", {}).get("rps")
    for name, row in results["endpoints"].items():
        c1, c16 = row["c1"], row["c16"]
        counted = results["queries"].get(name, {})
        queries = (
            f"{counted['queries']} ({counted['sql_ms']:,.0f})" if "queries" in counted else "–"
        )
        ratio = (
            f"{c16['rps'] / floor_rps:.2f}"
            if (row["api"] or name == "floor") and floor_rps
            else "–"
        )
        target, verdict = "–", ""
        if row["target_ms"] is not None:
            errors = c1["non_2xx_3xx"] + c1["socket_errors"]
            target = f"< {row['target_ms']:g}"
            verdict = mark(c1["p95_ms"] < row["target_ms"] and errors == 0)
        cpu = c16.get("cpu", {})
        cold_p95 = (row.get("cold") or {}).get("p95_ms")
        lines.append(
            f"| {row['label']} | `{row['path']}` | {fmt(c1['p50_ms'])} | "
            f"{fmt(c1['p95_ms'])} | {fmt(c1['p99_ms'])} | {fmt(c1['rps'])} | "
            f"{fmt(c16['rps'])} | {fmt(c16['p95_ms'])} | {fmt(cold_p95)} | {queries} | "
            f"{ratio} | {fmt(cpu.get('app_cpu_ms_per_request'))} | "
            f"{c1['non_2xx_3xx']} / {c16['non_2xx_3xx']} | "
            f"{c1['socket_errors']} / {c16['socket_errors']} | "
            f"{fmt(c1.get('cpu', {}).get('other_cpu_pct'), 0)} / "
            f"{fmt(cpu.get('other_cpu_pct'), 0)} | {target} | {verdict} |"
        )
    export = results.get("export")
    if export:
        lines += ["", "## CSV export", ""]
        lines.append(export_line(export))
        filtered = results["queries"].get("csv_filtered")
        if filtered:
            rows = results.get("checks", {}).get("api_filtered", {}).get("count")
            lines.append("")
            lines.append(
                f"Queries: the CSV of the filtered list (`{filtered['path']}`, "
                f"{fmt(rows)} rows, {filtered['bytes']:,} bytes) made {filtered['queries']} "
                f"queries in-process ({filtered['sql_ms']:,.0f} ms in SQL, "
                f"{filtered['request_ms']:,.0f} ms in all); the whole export is not counted "
                "in-process, as it would take as long again."
            )
        retry = results.get("export_retry")
        if retry:
            lines.append("")
            lines.append(
                f"Retried with gunicorn `--timeout {retry['gunicorn_timeout_s']}`: "
                + export_line(retry)
            )
    lines += [
        "",
        "## Targets",
        "",
        "As served: the same request repeated (caches warm). Uncached: API, a new URL on every "
        "request (wrk); pages, each request right after a catalogue write.",
        "",
        "| target | as served | | margin | uncached | | margin |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in results["targets"]:
        a, b = t["served"], t["uncached"]
        lines.append(
            f"| {t['target']} | {a['text']} | {mark(a['met'])} | {a['margin']} | "
            f"{b['text']} | {mark(b['met'])} | {b['margin']} |"
        )
    for key, label in (("served", "as served"), ("uncached", "uncached")):
        judged = [t[key]["met"] for t in results["targets"] if t[key]["met"] is not None]
        lines.append("")
        lines.append(f"{label.capitalize()}: {sum(judged)} of {len(judged)} targets met.")
    lines += ["", "## Notes", ""]
    lines += [f"- {note}" for note in results.get("notes") or []]
    memory = results.get("workers_after_runs_mb")
    if memory:
        lines.append(
            "- The workers' memory after all the runs above (before the export's fresh workers): "
            + "; ".join(
                f"pid {pid}: {m.get('VmRSS')} MB resident, {m.get('VmHWM')} MB peak"
                for pid, m in memory.items()
            )
            + "."
        )
    busy = [
        (row["label"], key, row[key]["cpu"]["other_cpu_pct"])
        for row in results["endpoints"].values()
        for key in ("c1", "c16")
        if row[key].get("cpu")
    ]
    if busy:
        average = sum(b[2] for b in busy) / len(busy)
        worst = max(busy, key=lambda b: b[2])
        lines.append(
            f"- Other processes on the machine (not gunicorn, not PostgreSQL, not wrk) used "
            f"{average:.1f}% of its CPUs on average during the runs, at "
            f"most {worst[2]:.1f}% ({worst[0]}, @{worst[1][1:]}); results.json has the split "
            "of each run."
        )
        runs = [
            row[key]["cpu"]
            for row in results["endpoints"].values()
            for key in ("c1", "c16")
            if row[key].get("cpu")
        ]
        pg_other = sum(r.get("postgres_other_cpu_pct", 0) for r in runs) / len(runs)
        lines.append(
            f"- PostgreSQL processes other than gfmd_bench's connections (the parallel workers "
            f"of these queries, autovacuum, and other databases, which cannot be told apart) "
            f"used {pg_other:.1f}% of the CPUs on average."
        )
    lines.append(
        "- Queries per request are counted in-process (Django test Client with "
        "`CaptureQueriesContext`, production settings, the same database), on a second request "
        "after a warm-up one; a cached API read costs one query (the catalogue generation), "
        "its uncached variant shows what a miss costs."
    )
    lines.append(
        "- Preparation took: "
        + ", ".join(f"{k} {v} s" for k, v in results.get("prepare_s", {}).items())
        + "."
    )
    if results.get("resilience"):
        lines += ["", *resilience_markdown(results["resilience"])]
    return "\n".join(lines) + "\n"


def export_line(export) -> str:
    rate = export["rows"] / export["seconds"] if export["seconds"] else 0
    text = (
        f"`GET /api/practices/?format=csv` at 1 client: status {export['status']}, "
        f"{export['seconds']} s, {export['bytes']:,} bytes, {export['rows']:,} rows "
        f"(expected {export['expected_rows']:,}; {rate:,.0f} rows/s); the serving worker's "
        f"peak RSS (VmHWM) {fmt(export['worker_peak_mb'])} MB, "
        f"{fmt(export['worker_before_hwm_mb'])} MB before (fresh worker), "
        f"growth {fmt(export.get('worker_growth_mb'))} MB."
    )
    if export.get("error"):
        text += f" **Cut short**: {export['error']}."
    if export.get("worker_killed"):
        text += " **The serving worker was killed** (gunicorn worker timeout)."
    return text


def resilience_markdown(r) -> list[str]:
    soak, kill = r["soak"], r["worker_kill"]
    during, after = r["pg_restart"]["during"], r["pg_restart"]["after"]

    def counts(x):
        return (
            f"{x['requests']:,} requests ({x['rps']:,.1f} req/s, p95 {x['p95_ms']:,.1f} ms, "
            f"max {x['max_ms']:,.1f} ms): 2xx {x['s2xx']:,}, 3xx {x['s3xx']}, 4xx {x['s4xx']}, "
            f"5xx {x['s5xx']}; socket errors {x['socket_errors']} (connect {x['connect']}, "
            f"read {x['read']}, write {x['write']}, timeout {x['timeout']})"
        )

    soak_ok = soak["s5xx"] == 0 and soak["socket_errors"] == 0 and soak["s4xx"] == 0
    kill_errors = kill["s5xx"] + kill["socket_errors"]
    after_ok = after["s5xx"] == 0 and after["socket_errors"] == 0
    return [
        "## Resilience",
        "",
        f"Endpoints rotated: {', '.join(f'`{p}`' for p in r['paths'])}.",
        "",
        f"- **Soak**, {soak['duration_us'] / 1e6:.0f} s at 32 connections: {counts(soak)}. "
        f"{'Zero errors: met.' if soak_ok else '**Errors: missed.**'} "
        f"gunicorn log: {soak['log']['tracebacks']} tracebacks, "
        f"{soak['log']['worker_timeouts']} worker timeouts.",
        f"- **Worker killed** (SIGKILL to pid {kill['victim_pid']} after 5 s of 20 s at 16 "
        f"connections): {counts(kill)}. {kill_errors} failed request(s) (a sync worker has 1 "
        f"request in flight); the master had a new worker up in {kill['respawned_in_s']} s "
        f"(workers {kill['workers_before']} → {kill['workers_after']}).",
        f"- **PostgreSQL restarted** (`pg_ctlcluster restart` after 5 s of 30 s at 16 "
        f"connections; the restart took {during['pg_restart_s']} s, exit "
        f"{during['pg_restart_returncode']}): {counts(during)}. A probe requesting "
        f"`/api/practices/?page_size=1` every 0.1 s: {during['probe_failures']} of "
        f"{during['probe_requests']} failed (statuses {during['probe_failure_statuses']}), "
        f"from {during['probe_first_failure_s']} s to {during['probe_last_failure_s']} s after "
        f"the restart began; {during['probe_failures_after_restart_done']} failures after it "
        f"finished; first success {during['probe_first_success_after_restart_s']} s after it "
        f"finished. gunicorn log: {during['log']['operational_errors']} OperationalError "
        f"mentions, {during['log']['tracebacks']} tracebacks.",
        f"- **After the restart**, same gunicorn and workers "
        f"({'unchanged' if after['gunicorn_workers_unchanged'] else 'CHANGED'}), 10 s at 16 "
        f"connections: {counts(after)}. "
        f"{'All succeeded: met.' if after_ok else '**Errors: missed.**'}",
    ]


# Main.


def interrupted(signum, frame):
    """SIGTERM cleans up like Ctrl-C."""
    raise KeyboardInterrupt


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="bench/run", description="Benchmark the catalogue on PostgreSQL."
    )
    parser.add_argument("--practices", type=int, default=100_000, help="N (default 100000)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per endpoint")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument(
        "--timeout", type=int, default=30, help="gunicorn worker timeout (its default: 30)"
    )
    parser.add_argument(
        "--api-rate", default="100000000/minute", help="API_ANONYMOUS_RATE for the server"
    )
    parser.add_argument(
        "--reuse-db",
        action="store_true",
        help="skip preparation and benchmark the gfmd_bench database as it is "
        "(still runs collectstatic into a temporary folder)",
    )
    parser.add_argument("--resilience", action="store_true", help="add the resilience runs")
    parser.add_argument(
        "--soak-seconds", type=int, default=60, help="length of the 32-connection soak"
    )
    parser.add_argument(
        "--cold-samples",
        type=int,
        default=20,
        help="requests per endpoint made right after a catalogue write (0: none)",
    )
    parser.add_argument("--no-export", action="store_true", help="skip the CSV export")
    parser.add_argument(
        "--only",
        help="comma-separated endpoints to measure (api_list, api_filtered, api_detail, "
        "api_search, api_facets, html_home, html_country, html_filtered, html_coverage, "
        "export); the floor is always measured; e.g. --reuse-db --only api_list,export",
    )
    parser.add_argument("--drop", action="store_true", help="drop gfmd_bench at the end")
    parser.add_argument(
        "--output",
        default=str(BENCH),
        help="folder for RESULTS.md and results.json (default: bench/)",
    )
    args = parser.parse_args(argv)
    if args.duration < 1 or args.warmup < 1 or args.workers < 1 or args.practices < 0:
        parser.error("durations and workers must be at least 1, practices at least 0")
    return args


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        raise BenchError("wrk is not installed (bench/run installs it with apt-get)")
    signal.signal(signal.SIGTERM, interrupted)
    folder = Path(tempfile.mkdtemp(prefix="gfmd-bench-"))
    static_root = folder / "static"
    env = app_env(args, static_root)
    server = Server(env, args.workers, folder, args.timeout)
    results = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "argv": argv,
        "practices": args.practices,
        "workers": args.workers,
        "duration": args.duration,
        "warmup": args.warmup,
        "gunicorn_timeout": args.timeout,
        "api_rate": args.api_rate,
        "cold_samples": args.cold_samples,
        "loadavg_start": loadavg(),
        "notes": [],
    }
    ok = False
    try:
        if args.reuse_db:
            results["prepare_s"] = {"collectstatic": manage(env, "collectstatic", "--noinput")}
        else:
            results["prepare_s"] = prepare(args, env)
        results["machine"] = machine_info()
        results["versions"] = versions()
        results["code"] = code_fingerprint()
        facts = database_facts()
        results["facts"] = facts
        endpoints = endpoints_for(facts)
        if args.only:
            wanted = {name.strip() for name in args.only.split(",")} | {"floor"}
            known = {e.name for e in endpoints} | {"export"}
            if wanted - known:
                raise BenchError(f"unknown endpoints for --only: {sorted(wanted - known)}")
            endpoints = [e for e in endpoints if (e.base or e.name) in wanted]
            args.no_export = args.no_export or "export" not in wanted
        expected_rows = facts["practice"]["published"]
        log(
            f"data: {facts['practice']['rows']} practices; country {facts['country']['code']}, "
            f"objective {facts['objective']['number']}, detail {facts['detail_slug']}"
        )

        server.start()
        checks = {}
        for endpoint in endpoints:
            check = fetch(server.url + endpoint.unique_path("check"))
            body = check.pop("body", b"")
            if check["status"] != 200:
                results["notes"].append(
                    f"{endpoint.label} answered {check['status']} before the runs: {body[:300]!r}"
                )
            elif endpoint.api and "json" in check.get("content_type", ""):
                with contextlib.suppress(ValueError, AttributeError):
                    count = json.loads(body).get("count")
                    if count is not None:
                        check["count"] = count
            checks[endpoint.name] = check
            log(
                f"check {endpoint.path}: {check['status']}, {check.get('bytes')} bytes, "
                f"{check['seconds']}s"
            )
        results["checks"] = checks
        for name in ("api_filtered", "api_search"):
            if "count" in checks.get(name, {}):
                label = next(e.label for e in endpoints if e.name == name)
                results["notes"].append(f"{label} matches {checks[name]['count']:,} practices.")

        results["endpoints"] = {}
        for endpoint in endpoints:
            figures = measure(server, endpoint, args)
            results["endpoints"][endpoint.name] = {
                "label": endpoint.label,
                "path": endpoint.path,
                "target_ms": endpoint.target_ms,
                "api": endpoint.api,
                "uncached": endpoint.uncached,
                "bytes": checks[endpoint.name].get("bytes"),
                **figures,
            }
            if args.cold_samples and not endpoint.uncached:
                figures = cold(server, endpoint, args.cold_samples)
                results["endpoints"][endpoint.name]["cold"] = figures
                if figures is None and "no generation" not in " ".join(results["notes"]):
                    results["notes"].append(
                        "The app keeps no catalogue generation (practices_cataloguestate): "
                        "no cold figures."
                    )
        results["workers_after_runs_mb"] = {
            str(pid): {k: mb(v) for k, v in memory_kb(pid).items()} for pid in server.worker_pids()
        }
        log_counts = log_errors(server, 0)
        if log_counts["tracebacks"] or log_counts["worker_timeouts"]:
            results["notes"].append(
                f"The gunicorn log holds {log_counts['tracebacks']} tracebacks and "
                f"{log_counts['worker_timeouts']} worker timeouts from the runs."
            )

        paths = {e.name: {"path": e.path, "miss": e.uncached} for e in endpoints}
        if not args.no_export:
            # The whole export would take as long again; the filtered one shows its pattern.
            filtered = next(e for e in base_endpoints(facts) if e.name == "api_filtered")
            paths["csv_filtered"] = {"path": filtered.path + "&format=csv", "miss": False}
        results["queries"] = count_queries(env, paths, folder)

        if not args.no_export:
            results["export"] = export_csv(server, expected_rows)
            if not results["export"]["complete"] and args.timeout < EXPORT_RETRY_TIMEOUT:
                results["notes"].append(
                    f"The CSV export did not complete under gunicorn's {args.timeout} s worker "
                    f"timeout; it was retried with --timeout {EXPORT_RETRY_TIMEOUT}."
                )
                server.timeout = EXPORT_RETRY_TIMEOUT
                results["export_retry"] = export_csv(server, expected_rows)
                server.timeout = args.timeout
        results["targets"] = assess(results)
        if args.resilience:
            if server.timeout != args.timeout:
                server.timeout = args.timeout
            base = [e for e in endpoints if not e.uncached]
            results["resilience"] = resilience(server, base, args)
        ok = True
    except KeyboardInterrupt:
        log("interrupted")
    except BenchError as error:
        log(f"error: {error}")
    finally:
        server.stop()
        if args.drop:
            with (
                contextlib.suppress(psycopg.Error),
                psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn,
            ):
                log(f"dropping database {DB_NAME}")
                conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        if ok:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            log(f"kept {folder} (gunicorn.log) for inspection")
    if not ok:
        return 1
    results["loadavg_end"] = loadavg()
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    text = markdown(results)
    (output / "RESULTS.md").write_text(text)
    (output / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    print()
    print(text)
    log(f"wrote {output / 'RESULTS.md'} and {output / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
