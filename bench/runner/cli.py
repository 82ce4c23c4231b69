"""bench/run's options, and the run from preparation to report.

`main` prepares the database (or reuses it), serves the app, checks each endpoint once,
measures each with wrk (and cold, after a write), counts queries per request, times the
CSV export, judges the targets, runs the resilience runs when asked, and writes the
report; gunicorn is stopped and its folder removed (kept on failure) whatever happens.
"""

import argparse
import functools
import os
import shutil
import signal
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench.runner.cold import cold
from bench.runner.common import BENCH, EXPORT_RETRY_TIMEOUT, BenchError, log
from bench.runner.cpu import CpuMeter, mb, memory_kb
from bench.runner.database import SQLITE_FILE, database_for
from bench.runner.endpoints import base_endpoints, endpoints_for, select
from bench.runner.export import export_csv
from bench.runner.load import check_endpoints, measure
from bench.runner.machine import code_fingerprint, loadavg, machine_info, versions
from bench.runner.prepare import database_facts, manage, prepare
from bench.runner.profiles import PROFILES
from bench.runner.queries import count_queries
from bench.runner.report import write
from bench.runner.resilience import log_errors, resilience
from bench.runner.serve import Server, app_env, redis_cache
from bench.runner.targets import assess

REDIS_URL = "redis://127.0.0.1:6379/15"
ONLY = (
    "api_list, api_filtered, api_detail, api_search, api_facets, floor_detail, floor_search, "
    "html_home, html_country, html_objective, html_filtered, html_search, html_coverage, "
    "html_region, html_compare, html_plan, export"
)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="bench/run", description="Benchmark the catalogue on PostgreSQL or SQLite."
    )
    add = parser.add_argument
    add("--database", choices=sorted(PROFILES), default="postgresql", help="default postgresql")
    add("--practices", type=int, help="N (default 100000 on PostgreSQL, 20000 on SQLite)")
    add("--duration", type=int, default=10, help="seconds per wrk run")
    add("--warmup", type=int, default=2, help="seconds of warm-up per endpoint")
    add("--workers", type=int, help="gunicorn sync workers (default 2; SQLite: 1)")
    add("--timeout", type=int, default=30, help="gunicorn worker timeout (its default: 30)")
    add("--api-rate", default="100000000/minute", help="API_ANONYMOUS_RATE for the server")
    add(
        "--redis",
        nargs="?",
        const=REDIS_URL,
        metavar="URL",
        help=f"cache in Redis (REDIS_URL; default {REDIS_URL}, emptied first) instead of "
        "local memory; the results' file names get -redis",
    )
    add("--sqlite-file", type=Path, default=SQLITE_FILE, help=f"default {SQLITE_FILE}")
    add(
        "--reuse-db",
        action="store_true",
        help="skip preparation and benchmark the database as it is "
        "(still runs collectstatic into a temporary folder)",
    )
    add("--resilience", action="store_true", help="add the resilience runs")
    add("--soak-seconds", type=int, default=60, help="length of the 32-connection soak")
    add(
        "--cold-samples",
        type=int,
        default=20,
        help="requests per endpoint made right after a catalogue write (0: none)",
    )
    add("--no-export", action="store_true", help="skip the CSV export")
    add(
        "--only",
        help=f"comma-separated endpoints to measure ({ONLY}); the list floor is always "
        "measured, and the floor of each API endpoint named; e.g. --reuse-db --only "
        "api_list,export",
    )
    add("--drop", action="store_true", help="drop the benchmark database at the end")
    add(
        "--output",
        default=str(BENCH),
        help="folder for the results (default bench/): RESULTS.md and results.json, "
        "RESULTS-sqlite.md and results-sqlite.json for SQLite, -redis added with --redis",
    )
    args = parser.parse_args(argv)
    profile = PROFILES[args.database]
    args.practices = profile.practices if args.practices is None else args.practices
    args.workers = args.workers or profile.workers
    if args.duration < 1 or args.warmup < 1 or args.workers < 1 or args.practices < 0:
        parser.error("durations and workers must be at least 1, practices at least 0")
    return args


def interrupted(signum, frame):
    """SIGTERM cleans up like Ctrl-C."""
    raise KeyboardInterrupt


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    profile = PROFILES[args.database]
    if shutil.which("wrk") is None:
        raise BenchError("wrk is not installed (bench/run installs it with apt-get)")
    if profile.server_cpus and (os.cpu_count() or 1) < 2:
        raise BenchError("the SQLite profile pins gunicorn and wrk to two CPUs; this has one")
    signal.signal(signal.SIGTERM, interrupted)
    database = database_for(args.database, args.sqlite_file)
    cache_pid = redis_cache(args.redis) if args.redis else None
    folder = Path(tempfile.mkdtemp(prefix="gfmd-bench-"))
    env = app_env(database.url, folder / "static", args.api_rate, args.redis)
    server = Server(env, database, args.workers, folder, args.timeout, profile.server_cpus)
    results = start_results(args, argv, profile)
    ok = False
    try:
        run(args, profile, database, env, server, folder, cache_pid, results)
        ok = True
    except KeyboardInterrupt:
        log("interrupted")
    except BenchError as error:
        log(f"error: {error}")
    finally:
        server.stop()
        if args.drop:
            log(f"dropping the benchmark database ({database.url})")
            database.drop()
        if ok:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            log(f"kept {folder} (gunicorn.log) for inspection")
    if not ok:
        return 1
    results["loadavg_end"] = loadavg()
    write(results, Path(args.output), profile.files(bool(args.redis)))
    return 0


def start_results(args, argv, profile) -> dict:
    """What is known before the run: its settings."""
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "argv": argv,
        "database": profile.database,
        "database_label": profile.label,
        "practices": args.practices,
        "workers": args.workers,
        "duration": args.duration,
        "warmup": args.warmup,
        "gunicorn_timeout": args.timeout,
        "api_rate": args.api_rate,
        "cold_samples": args.cold_samples,
        "load": {
            "key": profile.busy,
            "threads": profile.threads,
            "connections": profile.connections,
            "server_cpus": profile.server_cpus,
            "wrk_cpus": profile.wrk_cpus,
        },
        "cache": cache_label(args.redis),
        "loadavg_start": loadavg(),
        "notes": [],
    }


def cache_label(redis_url: str | None) -> dict:
    if not redis_url:
        return {"label": "local memory", "detail": "local memory, per worker (the default)"}
    detail = f"Redis (`REDIS_URL={redis_url}`, shared by the workers, emptied at the start)"
    return {"label": "Redis", "url": redis_url, "detail": detail}


def run(args, profile, database, env, server, folder, cache_pid, results) -> None:
    """Everything between starting and cleaning up, filling `results`."""
    if not args.reuse_db:
        results["prepare_s"] = prepare(database, env, args.practices)
    elif database.name == "sqlite" and not database.path.exists():
        raise BenchError(f"--reuse-db: {database.path} does not exist")
    else:
        results["prepare_s"] = {"collectstatic": manage(env, "collectstatic", "--noinput")}
    results["machine"] = machine_info()
    results["versions"] = versions()
    results["code"] = code_fingerprint()
    results["facts"] = facts = database_facts(database)
    if args.reuse_db:  # N is what the database holds, not what --practices says
        results["practices"] = facts["practice"]["synthetic"]
    endpoints = endpoints_for(facts)
    if args.only:
        try:
            endpoints = select(endpoints, args.only)
        except ValueError as error:
            raise BenchError(str(error)) from error
        only = {name.strip() for name in args.only.split(",")}
        args.no_export = args.no_export or "export" not in only
    log(
        f"data: {facts['practice']['rows']} practices; country {facts['country']['code']}, "
        f"objective {facts['objective']['number']}, detail {facts['detail_slug']}"
    )
    server.start()
    results["checks"] = checks = check_endpoints(server, endpoints, results["notes"])
    results["endpoints"] = {}
    meter = functools.partial(CpuMeter, server, database, cache_pid)
    for endpoint in endpoints:
        figures = measure(server, endpoint, args, profile, meter)
        results["endpoints"][endpoint.name] = {
            "label": endpoint.label,
            "path": endpoint.path,
            "kind": endpoint.kind,
            "api": endpoint.api,
            "floor": endpoint.floor,
            "uncached": endpoint.uncached,
            "base": endpoint.base,
            "bytes": checks[endpoint.name].get("bytes"),
            **figures,
        }
        if args.cold_samples and not endpoint.uncached:
            figures = cold(server, database, endpoint, args.cold_samples)
            results["endpoints"][endpoint.name]["cold"] = figures
            note = "The app keeps no catalogue generation (practices_cataloguestate): no cold."
            if figures is None and note not in results["notes"]:
                results["notes"].append(note)
    results["workers_after_runs_mb"] = {
        str(pid): {k: mb(v) for k, v in memory_kb(pid).items()} for pid in server.worker_pids()
    }
    counts = log_errors(server, 0)
    if counts["tracebacks"] or counts["worker_timeouts"]:
        results["notes"].append(
            f"The gunicorn log holds {counts['tracebacks']} tracebacks and "
            f"{counts['worker_timeouts']} worker timeouts from the runs."
        )
    paths = {e.name: {"path": e.path, "miss": e.uncached} for e in endpoints}
    if not args.no_export:
        # The whole export would take as long again; the filtered one shows its pattern.
        filtered = next(e for e in base_endpoints(facts) if e.name == "api_filtered")
        paths["csv_filtered"] = {"path": filtered.path + "&format=csv", "miss": False}
    results["queries"] = count_queries(env, paths, folder)
    if not args.no_export:
        export(server, args, facts["practice"]["published"], results)
    results["targets"] = assess(results, profile.database, profile.busy)
    if args.resilience:
        server.timeout = args.timeout
        base = [e for e in endpoints if not e.uncached]
        results["resilience"] = resilience(server, database, base, args, profile)


def export(server, args, expected_rows: int, results) -> None:
    """The CSV export, retried with a long worker timeout when the first is cut short."""
    results["export"] = export_csv(server, expected_rows)
    if not results["export"]["complete"] and args.timeout < EXPORT_RETRY_TIMEOUT:
        results["notes"].append(
            f"The CSV export did not complete under gunicorn's {args.timeout} s worker "
            f"timeout; it was retried with --timeout {EXPORT_RETRY_TIMEOUT}."
        )
        server.timeout = EXPORT_RETRY_TIMEOUT
        results["export_retry"] = export_csv(server, expected_rows)
        server.timeout = args.timeout
