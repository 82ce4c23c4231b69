"""Load with wrk: the runs of each endpoint, their figures, and a first check of each.

An endpoint gets a warm-up, then a run at 1 connection (`-t1 -c1`, key `c1`) and one at
the profile's busy concurrency (`-t2 -c16`, key `c16`, on PostgreSQL; `-t1 -c4`, key `c4`,
on SQLite), waiting between runs until the server is idle. lua/report.lua prints wrk's
figures as one JSON line; lua/unique.lua does too, giving each request a URL of its own
(the uncached rows); lua/rotate.lua rotates over many paths (the resilience runs).
"""

import contextlib
import json
import subprocess

from bench.runner.common import BENCH, WRK_TIMEOUT, BenchError, log
from bench.runner.profiles import pinned
from bench.runner.serve import fetch


def wrk_command(url, threads, connections, seconds, script, args=(), cpus=None) -> list[str]:
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
    return pinned(command, cpus)


def wrk(url, threads, connections, seconds, script="report.lua", cpus=None) -> dict:
    """Run wrk and return the figures its Lua done() hook prints."""
    command = wrk_command(url, threads, connections, seconds, script, cpus=cpus)
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    return parse_wrk(result.stdout, result.stderr)


def wrk_background(url, threads, connections, seconds, paths, cpus=None):
    """wrk rotating over `paths` (lua/rotate.lua), running while the caller does harm."""
    command = wrk_command(url, threads, connections, seconds, "rotate.lua", paths, cpus)
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_wrk(process, seconds) -> dict:
    stdout, stderr = process.communicate(timeout=seconds + 120)
    return parse_wrk(stdout, stderr)


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


def measure(server, endpoint, args, profile, meter) -> dict:
    """The endpoint's runs at 1 connection and at the profile's busy concurrency, each with
    its CPU split (`meter()` starts a CpuMeter)."""
    url = server.url + endpoint.path
    script = "unique.lua" if endpoint.uncached else "report.lua"
    cpus = profile.wrk_cpus
    log(f"{endpoint.label}: warm-up {args.warmup}s")
    wrk(url, 1, 2, args.warmup, script, cpus)
    server.wait_idle()
    figures = {}
    for key, threads, connections in (
        ("c1", 1, 1),
        (profile.busy, profile.threads, profile.connections),
    ):
        log(f"{endpoint.label}: {connections} connection(s), {args.duration}s")
        started = meter()
        figures[key] = run = wrk(url, threads, connections, args.duration, script, cpus)
        run["cpu"] = cpu = started.read(run["requests"])
        run["drain_s"] = server.wait_idle()
        log(
            f"  {run['rps']} req/s, p50 {run['p50_ms']} ms, p95 {run['p95_ms']} ms, "
            f"p99 {run['p99_ms']} ms, non-2xx {run['non_2xx_3xx']}, socket errors "
            f"{run['socket_errors']}; CPU % app {cpu['app_cpu_pct']}, db {cpu['db_cpu_pct']}, "
            f"other db server {cpu['postgres_other_cpu_pct']}, wrk {cpu['wrk_cpu_pct']}, "
            f"others {cpu['other_cpu_pct']}"
        )
    return figures


def check_endpoints(server, endpoints, notes: list[str]) -> dict:
    """One request to each endpoint before the runs: its status, size and, for the API, the
    number of practices it matches. A failure becomes a note of the report."""
    checks = {}
    for endpoint in endpoints:
        check = fetch(server.url + endpoint.unique_path("check"))
        body = check.pop("body", b"")
        if check["status"] != 200:
            notes.append(
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
    for endpoint in endpoints:
        if endpoint.name in ("api_filtered", "api_search") and "count" in checks[endpoint.name]:
            notes.append(f"{endpoint.label} matches {checks[endpoint.name]['count']:,} practices.")
    return checks
