"""Cold samples: requests made one at a time, each right after a catalogue write.

The write is what an editor's save does to the caches: the generation row
(practices_cataloguestate) bumped in SQL, through psycopg on PostgreSQL and sqlite3 on
SQLite, so that every value the app cached is unreachable and computed again. Each
sample is what the first visitor after an edit waits. At most COLD_LIMIT seconds of
samples per endpoint.
"""

import math
import time

from bench.runner.common import COLD_LIMIT, log
from bench.runner.serve import fetch


def nearest_rank(values: list[float], percent: float) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(percent / 100 * len(ordered)) - 1, 0)]


def cold(server, database, endpoint, samples: int) -> dict | None:
    """p50, p95 and max of `samples` requests, each after a write; None when the app keeps
    no catalogue generation."""
    times, errors = [], 0
    started = time.monotonic()
    while len(times) < samples and time.monotonic() - started < COLD_LIMIT:
        if not database.bump_generation():
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
