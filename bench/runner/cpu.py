"""Where the machine's CPU went during a run, from /proc.

The app (gunicorn's master and workers), the database server's backends serving the
benchmark's connections, the rest of that server, the cache server (Redis, with
`--redis`), wrk, and every other process on the machine (other people's work). On SQLite
the queries run inside the workers: their CPU is the app's.
"""

import contextlib
import os
import resource
import time
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


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


def mb(kb) -> float | None:
    return round(kb / 1024, 1) if kb else None


def system_busy_ticks() -> int:
    """CPU ticks the whole machine spent busy (all CPUs), from /proc/stat."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return user + nice + system + irq + softirq + steal


def children_cpu_ticks() -> float:
    """What our finished child processes (the wrk runs) used."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * CLOCK_TICKS


class CpuMeter:
    """The CPU split of one run: started before wrk, read after it."""

    def __init__(self, server, database, cache_pid: int | None = None):
        self.server, self.database, self.cache_pid = server, database, cache_pid
        self.backends = {pid: cpu_ticks([pid]) for pid in database.backend_pids()}
        self.app = self.app_ticks()
        self.cache = cpu_ticks([cache_pid]) if cache_pid else 0
        self.wrk = children_cpu_ticks()
        self.db_server = database.server_ticks()
        self.busy = system_busy_ticks()
        self.started = time.monotonic()

    def app_ticks(self) -> int:
        return cpu_ticks([self.server.process.pid, *self.server.worker_pids()])

    def read(self, requests: int) -> dict:
        elapsed = time.monotonic() - self.started
        busy = system_busy_ticks() - self.busy
        app = self.app_ticks() - self.app
        backends = self.database.backend_pids()
        db = sum(cpu_ticks([pid]) - self.backends.get(pid, 0) for pid in backends)
        cache = cpu_ticks([self.cache_pid]) - self.cache if self.cache_pid else 0
        load = children_cpu_ticks() - self.wrk
        db_server = max(self.database.server_ticks() - self.db_server, db)
        capacity = elapsed * CLOCK_TICKS * (os.cpu_count() or 1)
        others = max(busy - app - db_server - cache - load, 0)
        per_request = 1000 / CLOCK_TICKS / requests if requests else None
        figures = {
            "app_cpu_pct": round(100 * app / capacity, 1),
            "db_cpu_pct": round(100 * db / capacity, 1),
            "postgres_other_cpu_pct": round(100 * (db_server - db) / capacity, 1),
            "wrk_cpu_pct": round(100 * load / capacity, 1),
            "other_cpu_pct": round(100 * others / capacity, 1),
            "app_cpu_ms_per_request": round(app * per_request, 2) if per_request else None,
            "db_cpu_ms_per_request": round(db * per_request, 2) if per_request else None,
        }
        if self.cache_pid:
            figures["cache_cpu_pct"] = round(100 * cache / capacity, 1)
        return figures
