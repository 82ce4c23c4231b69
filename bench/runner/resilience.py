"""Resilience (`--resilience`): the runs, and what the report says of them.

- a soak at 32 connections, lua/rotate.lua rotating over every endpoint; it should end
  with zero errors and zero 5xx;
- one worker killed with SIGKILL 5 s into 20 s of load at 16 connections; the errors
  should be at most the requests in flight, and the master starts a new worker;
- PostgreSQL only: the server restarted (`pg_ctlcluster`) 5 s into 30 s of load, with a
  probe requesting the API every 0.1 s to time the outage, then 10 s more on the same
  gunicorn, which should succeed entirely. SQLite has no server to restart: skipped.
"""

import os
import re
import signal
import subprocess
import threading
import time

from bench.runner.common import log
from bench.runner.load import finish_wrk, wrk_background
from bench.runner.serve import fetch


def log_errors(server, since: int) -> dict:
    """Counts of what the gunicorn log says after byte offset `since`."""
    text = server.log_path.read_text(errors="replace")[since:]
    return {
        "tracebacks": text.count("Traceback (most recent call last)"),
        "worker_timeouts": text.count("WORKER TIMEOUT"),
        "worker_exits": len(re.findall(r"Worker \(pid:\d+\) (?:was sent|exited)", text)),
        "operational_errors": text.count("OperationalError"),
    }


def log_offset(server) -> int:
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


def under_load(server, paths, connections, seconds, cpus) -> tuple:
    """wrk started in the background at `connections`, and the log's offset before it."""
    offset = log_offset(server)
    return wrk_background(server.url + "/", 2, connections, seconds, paths, cpus), offset


def resilience(server, database, endpoints, args, profile) -> dict:
    paths = [e.path for e in endpoints]
    results = {"paths": paths}
    cpus = profile.wrk_cpus
    server.restart()

    seconds = args.soak_seconds
    log(f"resilience: {seconds}s at 32 connections over {len(paths)} endpoints")
    process, offset = under_load(server, paths, 32, seconds, cpus)
    soak = finish_wrk(process, seconds)
    soak["log"] = log_errors(server, offset)
    soak["drain_s"] = server.wait_idle()
    results["soak"] = soak
    log(f"  {soak['requests']} requests, 5xx {soak['s5xx']}, socket errors {soak['socket_errors']}")

    seconds = 20
    log(f"resilience: {seconds}s at 16 connections, one worker killed after 5s")
    before = server.worker_pids()
    process, offset = under_load(server, paths, 16, seconds, cpus)
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

    if database.name == "postgresql":
        results["pg_restart"] = pg_restart(server, paths, cpus)
    return results


def pg_restart(server, paths, cpus) -> dict:
    """PostgreSQL restarted under load; the same gunicorn must recover by itself."""
    seconds = 30
    log(f"resilience: {seconds}s at 16 connections, PostgreSQL restarted after 5s")
    workers = server.worker_pids()
    probe = Probe(server.url + "/api/practices/?page_size=1")
    process, offset = under_load(server, paths, 16, seconds, cpus)
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
    first_ok = next((t for t, s in probe.samples if t > restart_ended and 200 <= s < 400), None)
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
            round(first_ok - restart_ended, 2) if first_ok else None
        ),
        gunicorn_workers_unchanged=server.worker_pids() == workers,
        log=log_errors(server, offset),
    )
    during["drain_s"] = server.wait_idle()
    log(
        f"  during: 5xx {during['s5xx']}, socket {during['socket_errors']}; "
        f"probe failures {len(failed)}"
    )
    seconds = 10
    log(f"resilience: {seconds}s at 16 connections after the restart, same gunicorn")
    process, offset = under_load(server, paths, 16, seconds, cpus)
    after = finish_wrk(process, seconds)
    after["log"] = log_errors(server, offset)
    after["gunicorn_workers_unchanged"] = server.worker_pids() == workers
    log(
        f"  after: {after['requests']} requests, 5xx {after['s5xx']}, "
        f"socket {after['socket_errors']}"
    )
    return {"during": during, "after": after}


def counts(x) -> str:
    return (
        f"{x['requests']:,} requests ({x['rps']:,.1f} req/s, p95 {x['p95_ms']:,.1f} ms, "
        f"max {x['max_ms']:,.1f} ms): 2xx {x['s2xx']:,}, 3xx {x['s3xx']}, 4xx {x['s4xx']}, "
        f"5xx {x['s5xx']}; socket errors {x['socket_errors']} (connect {x['connect']}, "
        f"read {x['read']}, write {x['write']}, timeout {x['timeout']})"
    )


def markdown(r) -> list[str]:
    """The report's Resilience section."""
    soak, kill = r["soak"], r["worker_kill"]
    soak_ok = soak["s5xx"] == 0 and soak["socket_errors"] == 0 and soak["s4xx"] == 0
    lines = [
        "## Resilience",
        "",
        f"Endpoints rotated: {', '.join(f'`{p}`' for p in r['paths'])}.",
        "",
        f"- **Soak**, {soak['duration_us'] / 1e6:.0f} s at 32 connections: {counts(soak)}. "
        f"{'Zero errors: met.' if soak_ok else '**Errors: missed.**'} "
        f"gunicorn log: {soak['log']['tracebacks']} tracebacks, "
        f"{soak['log']['worker_timeouts']} worker timeouts.",
        f"- **Worker killed** (SIGKILL to pid {kill['victim_pid']} after 5 s of 20 s at 16 "
        f"connections): {counts(kill)}. {kill['s5xx'] + kill['socket_errors']} failed "
        f"request(s) (a sync worker has 1 request in flight); the master had a new worker up "
        f"in {kill['respawned_in_s']} s (workers {kill['workers_before']} → "
        f"{kill['workers_after']}).",
    ]
    if "pg_restart" not in r:
        return [*lines, "- **Database restarted**: not run (SQLite has no server to restart)."]
    during, after = r["pg_restart"]["during"], r["pg_restart"]["after"]
    after_ok = after["s5xx"] == 0 and after["socket_errors"] == 0
    return [
        *lines,
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
