"""The report: RESULTS.md (a table to read) and results.json (the same figures, to compare).

results.json keeps the shape bench/compare.py reads: `endpoints.<name>.c1` and
`.<busy>` (`c16` on PostgreSQL, `c4` on SQLite; `load.key` names it) hold wrk's figures
and the CPU split, `endpoints.<name>.cold` the cold ones, `queries.<name>` the query
counts, `export` the CSV export, `targets` each target's verdict, `resilience` the
resilience runs.
"""

import json
from pathlib import Path

from bench.runner import resilience
from bench.runner.common import WRK_TIMEOUT, log
from bench.runner.targets import TARGETS, p95_limit

FLOOR_NAMES = {"floor": "list", "floor_detail": "detail", "floor_search": "search"}


def fmt(value, digits=1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def mark(met) -> str:
    return {True: "met", False: "**missed**", None: "–"}[met]


def header(results) -> list[str]:
    m, f, load = results["machine"], results["facts"], results["load"]
    busy = load["connections"]
    pinned = (
        f", pinned to CPU {load['server_cpus']} (`taskset`), wrk on CPU {load['wrk_cpus']}"
        if load.get("server_cpus")
        else ""
    )
    return [
        f"# Benchmark results: {results['database_label']}, cache {results['cache']['label']}",
        "",
        f"Run {results['date']} by `bench/run {' '.join(results['argv'])}`".rstrip() + ".",
        "",
        f"- Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gb']} GB memory, "
        f"Linux {m['kernel']}; wrk, gunicorn and the database share it. Load average "
        f"{results['loadavg_start']} at the start, {results.get('loadavg_end', '?')} at the "
        "end.",
        f"- {f['database']}; Python {m['python']}, "
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
        f"- Server: gunicorn, {results['workers']} sync worker(s){pinned}, `--max-requests 0`, "
        f"timeout {results['gunicorn_timeout']} s, DEBUG off, "
        f"`API_ANONYMOUS_RATE={results['api_rate']}`, cache: {results['cache']['detail']}.",
        f"- Load: wrk, {results['duration']} s per run after a {results['warmup']} s warm-up; "
        f"@1 = 1 connection (`-t1 -c1`), @{busy} = {busy} connections (`-t{load['threads']} "
        f"-c{busy}`); wrk timeout {WRK_TIMEOUT}. Latencies in ms.",
        f"- Chosen from the data: country {f['country']['code']} ({f['country']['name']}, "
        f"{f['country']['practices']:,} published practices), objective "
        f"{f['objective']['number']} ({f['objective']['practices_with_country']:,} of them), "
        f"detail `{f['detail_slug']}`.",
        "",
        "Rows marked *uncached* add `_bench=<unique>` to every request's query string, so no "
        "cache keyed by the URL answers; the other rows repeat one URL, so whatever the app "
        "caches is warm. *Cold p95* is over requests made one at a time, each right after a "
        "catalogue write (a new cache generation, as an editor's save makes). *Queries (SQL "
        "ms)*: one request's queries and the time they took, counted in-process. *÷ floor*: "
        f"the row's req/s @{busy} divided by its floor's (the floors: by the list floor's). "
        f"*App CPU ms/req*: the gunicorn workers' CPU per request @{busy}. *Others' CPU*: the "
        "share of the machine's CPUs other processes used during the run (@1 / "
        f"@{busy}): where it is high, that row's figures are inflated by them.",
        "",
    ]


def table(results) -> list[str]:
    busy, rows, database = results["load"]["key"], results["endpoints"], results["database"]
    n = busy[1:]
    lines = [
        f"| endpoint | path | p50 @1 | p95 @1 | p99 @1 | req/s @1 | req/s @{n} | p95 @{n} "
        f"| cold p95 | queries (SQL ms) | ÷ floor @{n} | app CPU ms/req | non-2xx @1/@{n} "
        f"| socket errors @1/@{n} | others' CPU % @1/@{n} | target p95 @1 | |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for name, row in rows.items():
        c1, cb = row["c1"], row[busy]
        counted = results["queries"].get(name, {})
        queries = f"{counted['queries']} ({counted['sql_ms']:,.0f})" if counted else "–"
        floor = rows.get(row.get("floor") or "", {}).get(busy, {}).get("rps")
        ratio = f"{cb['rps'] / floor:.2f} × {FLOOR_NAMES[row['floor']]}" if floor else "–"
        measure = "uncached" if row["uncached"] else "served"
        limit = p95_limit(database, row.get("base") or name, measure)
        target, verdict = "–", ""
        if limit is not None:
            target = f"< {limit:g}"
            errors = c1["non_2xx_3xx"] + c1["socket_errors"]
            verdict = mark(c1["p95_ms"] < limit and errors == 0)
        cpu = cb.get("cpu", {})
        lines.append(
            f"| {row['label']} | `{row['path']}` | {fmt(c1['p50_ms'])} | {fmt(c1['p95_ms'])} | "
            f"{fmt(c1['p99_ms'])} | {fmt(c1['rps'])} | {fmt(cb['rps'])} | {fmt(cb['p95_ms'])} | "
            f"{fmt((row.get('cold') or {}).get('p95_ms'))} | {queries} | {ratio} | "
            f"{fmt(cpu.get('app_cpu_ms_per_request'))} | "
            f"{c1['non_2xx_3xx']} / {cb['non_2xx_3xx']} | "
            f"{c1['socket_errors']} / {cb['socket_errors']} | "
            f"{fmt(c1.get('cpu', {}).get('other_cpu_pct'), 0)} / "
            f"{fmt(cpu.get('other_cpu_pct'), 0)} | {target} | {verdict} |"
        )
    return lines


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


def export_section(results) -> list[str]:
    export = results.get("export")
    if not export:
        return []
    lines = ["", "## CSV export", "", export_line(export)]
    filtered = results["queries"].get("csv_filtered")
    if filtered:
        rows = results.get("checks", {}).get("api_filtered", {}).get("count")
        lines += [
            "",
            f"Queries: the CSV of the filtered list (`{filtered['path']}`, {fmt(rows)} rows, "
            f"{filtered['bytes']:,} bytes) made {filtered['queries']} queries in-process "
            f"({filtered['sql_ms']:,.0f} ms in SQL, {filtered['request_ms']:,.0f} ms in all); "
            "the whole export is not counted in-process, as it would take as long again.",
        ]
    retry = results.get("export_retry")
    if retry:
        lines += [
            "",
            f"Retried with gunicorn `--timeout {retry['gunicorn_timeout_s']}`: "
            + export_line(retry),
        ]
    return lines


def targets_section(results) -> list[str]:
    stated = TARGETS[results["database"]][0]
    lines = [
        "",
        "## Targets",
        "",
        f"Stated for {results['database_label']} at N = {stated:,}; this run: N = "
        f"{results['practices']:,}. Targets whose rows were not measured (`--only`) are left "
        "out.",
        "",
        "| target | measured | figure | | margin |",
        "|---|---|---|---|---|",
    ]
    for t in results["targets"]:
        lines.append(
            f"| {t['target']} | {t['measure']} | {t['text']} | {mark(t['met'])} | {t['margin']} |"
        )
    judged = [t["met"] for t in results["targets"] if t["met"] is not None]
    return [*lines, "", f"{sum(judged)} of {len(judged)} targets met."]


def notes_section(results) -> list[str]:
    lines = ["", "## Notes", "", *(f"- {note}" for note in results.get("notes") or [])]
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
    runs = [
        (row["label"], key, row[key]["cpu"])
        for row in results["endpoints"].values()
        for key in ("c1", results["load"]["key"])
        if row[key].get("cpu")
    ]
    if runs:
        average = sum(r[2]["other_cpu_pct"] for r in runs) / len(runs)
        worst = max(runs, key=lambda r: r[2]["other_cpu_pct"])
        lines.append(
            f"- Other processes on the machine (not gunicorn, not the database server, not wrk) "
            f"used {average:.1f}% of its CPUs on average during the runs, at most "
            f"{worst[2]['other_cpu_pct']:.1f}% ({worst[0]}, @{worst[1][1:]}); results.json has "
            "the split of each run."
        )
        if results["database"] == "postgresql":
            other = sum(r[2].get("postgres_other_cpu_pct", 0) for r in runs) / len(runs)
            lines.append(
                f"- PostgreSQL processes other than gfmd_bench's connections (the parallel "
                f"workers of these queries, autovacuum, and other databases, which cannot be "
                f"told apart) used {other:.1f}% of the CPUs on average."
            )
        else:
            lines.append("- SQLite runs inside the gunicorn worker: its CPU is the app's.")
        cache = [r[2]["cache_cpu_pct"] for r in runs if "cache_cpu_pct" in r[2]]
        if cache:
            lines.append(
                f"- The Redis server used {sum(cache) / len(cache):.1f}% of the CPUs on average "
                "(not counted as others')."
            )
    lines += [
        "- Queries per request are counted in-process (Django test Client with "
        "`CaptureQueriesContext`, production settings, the same database), on a second request "
        "after a warm-up one; a cached API read costs one query (the catalogue generation), "
        "its uncached variant shows what a miss costs.",
        "- Preparation took: "
        + ", ".join(f"{k} {v} s" for k, v in results.get("prepare_s", {}).items())
        + ".",
    ]
    return lines


def markdown(results) -> str:
    lines = [*header(results), *table(results), *export_section(results)]
    lines += [*targets_section(results), *notes_section(results)]
    if results.get("resilience"):
        lines += ["", *resilience.markdown(results["resilience"])]
    return "\n".join(lines) + "\n"


def write(results, folder: Path, names: tuple[str, str]) -> None:
    """RESULTS*.md and results*.json in `folder`; the table on the terminal too."""
    folder.mkdir(parents=True, exist_ok=True)
    text = markdown(results)
    markdown_path, json_path = folder / names[0], folder / names[1]
    markdown_path.write_text(text)
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print()
    print(text)
    log(f"wrote {markdown_path} and {json_path}")
