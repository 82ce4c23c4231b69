"""Compare two benchmark runs: bench/compare.py OLD.json NEW.json

For each endpoint both runs measured: the queries per request, p95 at 1 client and
requests per second at each run's busy concurrency (`load.key` in results.json: c16 on
PostgreSQL, c4 on SQLite; c16 for runs made before the key was written), side by side.
Exits 1 when the queries per request of an endpoint differ: run at two data sizes
(`bench/run --practices 10000` and the default 100,000), that is the check that no
request's query count grows with the data (but for a streamed export's, which grows by
one query per chunk of records read, by design: CHUNKED). Two databases, or local memory and Redis
(`--redis`), compare the same way.
"""

import json
import sys
from pathlib import Path

# A streamed export reads its records' links a chunk (api.exports.CHUNK records) at a
# time, so that its memory stays flat: its queries grow by one per chunk, by design. Shown,
# marked "(chunked)", but not counted as a difference.
CHUNKED = {"csv_filtered"}


def busy(run: dict) -> str:
    """The key of the run's busy row: c16, c4."""
    return run.get("load", {}).get("key", "c16")


def figure(run: dict, name: str, clients: str, key: str) -> str:
    value = run.get("endpoints", {}).get(name, {}).get(clients, {}).get(key)
    return "–" if value is None else str(value)


def label(run: dict) -> str:
    cache = run.get("cache", {}).get("label", "local memory")
    return f"{run.get('database_label', 'PostgreSQL')}, N = {run.get('practices'):,}, {cache}"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    old, new = (json.loads(Path(path).read_text()) for path in argv)
    print(f"{label(old)} → {label(new)}")
    rate = f"req/s @{busy(old)[1:]}→@{busy(new)[1:]}"
    print(f"{'endpoint':34} {'queries':>12} {'p95 @1 ms':>18} {rate:>22}")
    differ = []
    for name, counted in new.get("queries", {}).items():
        before = old.get("queries", {}).get(name)
        if before is None:
            continue
        queries = f"{before['queries']} → {counted['queries']}"
        if before["queries"] != counted["queries"]:
            if name in CHUNKED:
                queries += " (chunked)"
            else:
                differ.append(name)
        p95 = f"{figure(old, name, 'c1', 'p95_ms')} → {figure(new, name, 'c1', 'p95_ms')}"
        rps = f"{figure(old, name, busy(old), 'rps')} → {figure(new, name, busy(new), 'rps')}"
        print(f"{name:34} {queries:>12} {p95:>18} {rps:>22}")
    if differ:
        print(f"Queries per request differ: {', '.join(differ)}")
        return 1
    print("Queries per request: the same for every endpoint both runs measured.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
