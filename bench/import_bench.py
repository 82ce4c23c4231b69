"""Benchmark bulk import: a meeting's worth of rows and far more, on PostgreSQL and SQLite.

For each database it prepares a fresh one (migrate, load_catalogue, collectstatic into a
temporary folder), then, in a separate process with production settings, for each size
(200 and 20,000 rows by default) writes a CSV of realistic rows (the vocabulary of
synthetic/data/vocabulary.yaml, names as reports write them) and times, with the queries each
makes:

- `check`: `manage.py import_records FILE --dry-run` (every row checked, nothing written);
- `apply`: `manage.py import_records FILE` (all rows new);
- `update`: the same file with every title and country changed, imported again;
- `unchanged`: the changed file once more (every row skipped);
- `admin preview` and `admin confirm`: a fresh file uploaded to /admin/.../import/ (dry
  run, the preview page with a diff per row, rendered) and confirmed (process_import).

    .venv/bin/python bench/import_bench.py                  # both databases, 200 and 20,000
    .venv/bin/python bench/import_bench.py --database sqlite --rows 200

PostgreSQL at 127.0.0.1:5432 (user postgres, trust authentication); the database
gfmd_bench_import is dropped and created again. Prints a Markdown table.
"""

import argparse
import csv
import json
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_NAME = "gfmd_bench_import"
# The confirm form's hidden fields, as a browser posts them back.
CONFIRM_FIELDS = re.compile(
    r'type="hidden" name="(import_file_name|original_file_name|format|resource)" value="([^"]*)"'
)
STEPS = ("check", "apply", "update", "unchanged", "admin preview", "admin confirm")


# Preparing a database (the parent process).


def environment(database_url: str, static_root: str) -> dict:
    """Production settings, as bench/run.py serves the app."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_STATIC_ROOT": static_root,
    }


def manage(env: dict, *args: str) -> None:
    subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


def prepare(database: str, folder: Path) -> dict:
    """A fresh database with the reference data and the seeded catalogue."""
    if database == "postgresql":
        for sql in (f"DROP DATABASE IF EXISTS {PG_NAME}", f"CREATE DATABASE {PG_NAME}"):
            subprocess.run(
                ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        url = f"{PG_SERVER}/{PG_NAME}"
    else:
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
    env = environment(url, str(folder / "static"))
    manage(env, "migrate", "--verbosity", "0")
    manage(env, "load_catalogue")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    return env


def measure_in_child(env: dict, sizes: list[int], folder: Path) -> dict:
    """Run the measurements in a process of their own, with the database's settings."""
    rows = ",".join(map(str, sizes))
    done = subprocess.run(
        [PYTHON, __file__, "--measure", "--rows", rows, "--folder", str(folder)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# Rows as editors would write them (the child process).


def make_rows(count: int, prefix: str, seed: int) -> list[dict]:
    """`count` rows from synthetic/data/vocabulary.yaml's topics, naming countries, organisations,
    objectives, principles and themes the ways reports do."""
    from practices.models import Country, GuidingPrinciple, Organisation, Source, Theme
    from synthetic.vocabulary import ACTORS, GENERAL_SENTENCES, PARTNERS, TOPICS

    rng = random.Random(seed)
    countries = [
        names
        for c in Country.objects.filter(subregion__isnull=False)
        for names in [[c.name, c.alpha3, c.alpha2, *c.alternative_names]]
    ]
    organisations = [o.acronym or o.name for o in Organisation.objects.all()]
    principles = list(GuidingPrinciple.objects.values_list("slug", flat=True))
    themes = dict(Theme.objects.values_list("slug", "name"))
    sources = list(Source.objects.values_list("slug", flat=True))
    lines = []
    for n in range(count):
        topic = rng.choice(TOPICS)
        named = [rng.choice(rng.choice(countries)) for _ in range(rng.choice((1, 1, 2, 3)))]
        numbers = rng.sample(topic.objectives, rng.randint(1, len(topic.objectives)))
        text = [*rng.sample(topic.sentences, 2), rng.choice(GENERAL_SENTENCES)]
        lines.append(
            {
                "slug": f"{prefix}-{n:06d}",
                "title": f"{rng.choice(topic.titles)} ({n})",
                "text": " ".join(text).format(
                    actor=rng.choice(ACTORS), partner=rng.choice(PARTNERS)
                ),
                "countries": "; ".join(dict.fromkeys(named)),
                "organisations": "; ".join(rng.sample(organisations, rng.choice((0, 0, 1, 2)))),
                "objectives": "; ".join(str(number) for number in sorted(numbers)),
                "principles": "; ".join(rng.sample(principles, rng.choice((0, 1, 2)))),
                "themes": "; ".join(
                    themes.get(slug, slug) for slug in topic.themes[: rng.randint(1, 3)]
                ),
                "source": rng.choice(sources),
                "section": f"Roundtable {rng.randint(1, 3)}.{rng.randint(1, 4)}, page "
                f"{rng.randint(2, 40)}",
            }
        )
    return lines


def write_csv(path: Path, lines: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(lines[0]))
        writer.writeheader()
        writer.writerows(lines)
    return path


def changed(lines: list[dict]) -> list[dict]:
    """Every row with a new title and one more country: an update of every record."""
    return [
        {**line, "title": f"{line['title']} (revised)", "countries": f"{line['countries']}; Chad"}
        for line in lines
    ]


# Measuring (the child process).


def timed(run) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        run()
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "queries": len(queries.captured_queries)}


def command(path: Path, *options: str):
    from io import StringIO

    from django.core.management import call_command

    return lambda: call_command("import_records", str(path), *options, stdout=StringIO())


def admin_steps(client, path: Path) -> dict:
    """Upload and preview, then confirm, as an editor's browser would."""
    state = {}

    def preview():
        with path.open("rb") as handle:
            response = client.post(
                "/admin/practices/practice/import/",
                {"resource": "0", "format": "0", "import_file": handle},
            )
        page = response.content.decode()
        assert response.status_code == 200 and 'name="confirm"' in page, page[-3000:]
        state["confirm"] = dict(CONFIRM_FIELDS.findall(page))
        state["page bytes"] = len(response.content)

    def confirm():
        response = client.post("/admin/practices/practice/process_import/", state["confirm"])
        assert response.status_code == 302, response

    return {
        "admin preview": timed(preview),
        "admin confirm": timed(confirm),
        "page bytes": state["page bytes"],
    }


def measure(sizes: list[int], folder: Path) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gfmd.settings")
    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client

    from practices.models import Practice

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.create_superuser("bench-import", password=None))
    results = {"vendor": connection.vendor, "sizes": {}}
    for size in sizes:
        lines = make_rows(size, f"bench-{size}", seed=size)
        path = write_csv(folder / f"rows-{size}.csv", lines)
        revised = write_csv(folder / f"revised-{size}.csv", changed(lines))
        figures = {
            "check": timed(command(path, "--dry-run")),
            "apply": timed(command(path)),
            "update": timed(command(revised)),
            "unchanged": timed(command(revised)),
        }
        admin_file = write_csv(folder / f"admin-{size}.csv", make_rows(size, f"admin-{size}", 7))
        figures |= admin_steps(client, admin_file)
        figures["file bytes"] = path.stat().st_size
        assert Practice.objects.filter(slug__startswith=f"bench-{size}-", version=2).count() == size
        assert Practice.objects.filter(slug__startswith=f"admin-{size}-").count() == size
        results["sizes"][size] = figures
    return results


# Reporting.


def table(runs: list[dict]) -> str:
    lines = [
        "| database | rows | file | step | seconds | queries | queries per row |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        for size, figures in run["sizes"].items():
            size = int(size)
            for step in STEPS:
                seconds, queries = figures[step]["seconds"], figures[step]["queries"]
                name = step
                if step == "admin preview":
                    name += f" (page {figures['page bytes'] / 1e6:.1f} MB)"
                lines.append(
                    f"| {run['vendor']} | {size:,} | {figures['file bytes'] / 1e6:.1f} MB "
                    f"| {name} | {seconds:.2f} | {queries:,} | {queries / size:.3f} |"
                )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("postgresql", "sqlite", "both"), default="both")
    parser.add_argument("--rows", default="200,20000", help="sizes, comma-separated")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [int(size) for size in args.rows.split(",")]
    if args.measure:
        print(json.dumps(measure(sizes, args.folder)))
        return
    databases = ("postgresql", "sqlite") if args.database == "both" else (args.database,)
    runs = []
    for database in databases:
        with tempfile.TemporaryDirectory(prefix="gfmd-import-bench-") as folder:
            env = prepare(database, Path(folder))
            runs.append(measure_in_child(env, sizes, Path(folder)))
        print(table(runs[-1:]), flush=True)
    print()
    print(table(runs))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
