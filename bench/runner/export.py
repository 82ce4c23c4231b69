"""The CSV export: one full download from fresh workers, and the serving worker's memory.

gunicorn is restarted, then `/api/practices/?format=csv` is streamed and parsed as CSV to
count its rows; the serving worker's VmHWM (peak resident memory) is read from
/proc/<pid>/status before and after. If the worker timeout cuts the export short, the
caller times it again with a longer timeout.
"""

import csv
import http.client
import io
import time
import urllib.request

from bench.runner.common import EXPORT_LIMIT, log
from bench.runner.cpu import cpu_ticks, mb, memory_kb


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


def export_csv(server, expected_rows: int) -> dict:
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
