"""Queries per request, counted in a separate Django process.

`count_queries` (in the benchmark) starts this module as `python -m bench.runner.queries
PATHS.json OUT.json` with the benchmark's environment (DATABASE_URL, production settings,
DJANGO_BENCH_FLOOR=1), where PATHS.json maps endpoint names to {"path": ..., "miss":
bool}. `main` (in that process) requests each path with Django's test Client once to warm
up (URLconf, translations, content types, the app's caches), then once more inside
CaptureQueriesContext. With "miss", each of the two requests gets a query parameter of its
own (_bench=...), so that a cache keyed by the URL misses: the count is what a miss costs.
A streamed response (the CSV export) is read to its end inside the context, so that its
queries count too. Writes, per endpoint: status, bytes, queries, the time the database
took (as Django's debug cursor measures it) and the slowest queries.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.runner.common import EXPORT_LIMIT, ROOT, BenchError, log

SLOWEST = 3
SQL_CHARS = 3000


def count_queries(env, paths: dict[str, dict], folder: Path) -> dict:
    """Queries per request of each path, from a separate process running `main`."""
    log("counting queries per request in-process (Django test Client)")
    source, target = folder / "paths.json", folder / "queries.json"
    source.write_text(json.dumps(paths))
    result = subprocess.run(
        [sys.executable, "-m", "bench.runner.queries", str(source), str(target)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=EXPORT_LIMIT + 600,
    )
    if result.returncode != 0:
        raise BenchError(f"bench.runner.queries failed:\n{result.stderr[-4000:]}")
    return json.loads(target.read_text())


def main(paths_file: str, output_file: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gfmd.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    paths = json.loads(Path(paths_file).read_text())
    client = Client(HTTP_HOST="127.0.0.1")
    results = {}
    for name, entry in paths.items():
        path = entry["path"]
        if entry["miss"]:
            separator = "&" if "?" in path else "?"
            read(client.get(f"{path}{separator}_bench=warm"))
            path = f"{path}{separator}_bench=count"
        else:
            read(client.get(path))
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as context:
            response = client.get(path)
            size = read(response)
        elapsed = time.perf_counter() - started
        queries = [
            {"ms": round(float(q["time"]) * 1000, 2), "sql": q["sql"][:SQL_CHARS]}
            for q in context.captured_queries
        ]
        results[name] = {
            "path": path,
            "status": response.status_code,
            "bytes": size,
            "queries": len(queries),
            "sql_ms": round(sum(q["ms"] for q in queries), 2),
            "request_ms": round(elapsed * 1000, 2),
            "slowest": sorted(queries, key=lambda q: -q["ms"])[:SLOWEST],
        }
    Path(output_file).write_text(json.dumps(results, indent=2))


def read(response) -> int:
    """The response's size, reading a streamed one to its end."""
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


if __name__ == "__main__":
    main(*sys.argv[1:3])
