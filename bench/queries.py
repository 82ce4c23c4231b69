"""Count the SQL queries one request to each endpoint makes, in-process.

Run by bench/run.py in its own process, with the benchmark's environment (DATABASE_URL,
production settings, DJANGO_BENCH_FLOOR=1): `python bench/queries.py PATHS.json OUT.json`,
where PATHS.json maps endpoint names to {"path": ..., "miss": bool}. Each path is requested
once to warm up (URLconf, translations, content types, the app's caches), then once more
inside CaptureQueriesContext. With "miss", each of the two requests gets a query parameter
of its own (_bench=...), so that the API's cache of anonymous reads, keyed by the URL,
misses: the count is what a cache miss costs.
A streamed response (the CSV export) is read to its end inside the context, so that its
queries count too. Writes, per endpoint: status, bytes, queries, the time the database
took (as Django's debug cursor measures it) and the slowest queries.
"""

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SLOWEST = 3
SQL_CHARS = 3000


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gfmd.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    paths = json.loads(Path(sys.argv[1]).read_text())
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
    Path(sys.argv[2]).write_text(json.dumps(results, indent=2))


def read(response) -> int:
    """The response's size, reading a streamed one to its end."""
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


if __name__ == "__main__":
    main()
