"""The benchmark database made from scratch, and the parameters chosen from its data.

`prepare` (re)creates the database (PostgreSQL: `gfmd_bench` dropped and created; SQLite:
the file removed), then, with production settings: `migrate`, `load_catalogue`,
`setup_roles`, `collectstatic` (into a temporary folder), `generate_synthetic --practices
N --seed 1` (through manage.py: the command, not the module, is the stable interface),
and `VACUUM ANALYZE` (SQLite: `ANALYZE` and `PRAGMA optimize`). `database_facts` counts the rows
and picks the country, objective and practice the endpoints use.
"""

import subprocess
import sys
import time

from bench.runner.common import ROOT, BenchError, log


def manage(env, *command, timeout=3600) -> float:
    """Run a manage.py command; return its seconds. Its output goes to our log on failure."""
    started = time.monotonic()
    log("manage.py " + " ".join(command))
    result = subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        sys.stdout.write(result.stdout[-4000:])
        sys.stderr.write(result.stderr[-4000:])
        raise BenchError(f"manage.py {' '.join(command)} failed ({result.returncode})")
    return round(time.monotonic() - started, 2)


def prepare(database, env, practices: int) -> dict:
    """A fresh database holding the catalogue and N synthetic practices; seconds per step."""
    log(f"(re)creating the {database.label} database ({database.url})")
    database.create()
    timings = {
        "migrate": manage(env, "migrate", "--noinput"),
        "load_catalogue": manage(env, "load_catalogue"),
        "setup_roles": manage(env, "setup_roles"),
        "collectstatic": manage(env, "collectstatic", "--noinput"),
        "generate_synthetic": manage(
            env, "generate_synthetic", "--practices", str(practices), "--seed", "1"
        ),
    }
    started = time.monotonic()
    database.analyze()
    timings["analyze"] = round(time.monotonic() - started, 2)
    return timings


def database_facts(database) -> dict:
    """Row counts and the parameters the endpoints use, chosen from the data."""
    facts = {"database": f"{database.label} {database.version()}"}
    if database.name == "postgresql":
        facts["pg_version"] = database.version()
    with database.asking() as one:
        for table in ("practice", "challenge", "opportunity", "recommendation"):
            total, published, synthetic = one(
                f"SELECT count(*), count(*) FILTER (WHERE status = 'published'), "
                f"count(*) FILTER (WHERE slug LIKE 'synthetic-%%') FROM practices_{table}"
            )
            facts[table] = {"rows": total, "published": published, "synthetic": synthetic}
        row = one(
            "SELECT c.alpha2, c.slug, c.name, count(*) FROM practices_practice_countries pc "
            "JOIN practices_practice p ON p.id = pc.practice_id AND p.status = 'published' "
            "JOIN practices_country c ON c.id = pc.country_id "
            "GROUP BY c.id ORDER BY count(*) DESC, c.alpha2 LIMIT 1"
        )
        if row is None:
            raise BenchError("no published practice names a country")
        facts["country"] = {"code": row[0], "slug": row[1], "name": row[2], "practices": row[3]}
        # The country with the next most practices, for the comparison page.
        row = one(
            "SELECT c.alpha2 FROM practices_practice_countries pc "
            "JOIN practices_practice p ON p.id = pc.practice_id AND p.status = 'published' "
            "JOIN practices_country c ON c.id = pc.country_id AND c.alpha2 <> %s "
            "GROUP BY c.id ORDER BY count(*) DESC, c.alpha2 LIMIT 1",
            facts["country"]["code"],
        )
        facts["peer_code"] = row[0] if row else facts["country"]["code"]
        # The chosen country's sub-region, for the region page.
        row = one(
            "SELECT r.slug FROM practices_country c "
            "JOIN practices_region r ON r.id = c.subregion_id WHERE c.alpha2 = %s",
            facts["country"]["code"],
        )
        if row is None:
            raise BenchError("the chosen country has no M49 sub-region")
        facts["region_slug"] = row[0]
        row = one(
            "SELECT o.number, count(*) FROM practices_practice_objectives po "
            "JOIN practices_objective o ON o.id = po.objective_id "
            "JOIN practices_practice p ON p.id = po.practice_id AND p.status = 'published' "
            "JOIN practices_practice_countries pc ON pc.practice_id = p.id "
            "JOIN practices_country c ON c.id = pc.country_id AND c.alpha2 = %s "
            "GROUP BY o.number ORDER BY count(*) DESC, o.number LIMIT 1",
            facts["country"]["code"],
        )
        if row is None:
            raise BenchError("no published practice of the chosen country has an objective")
        facts["objective"] = {"number": row[0], "practices_with_country": row[1]}
        # A synthetic practice from the middle of the table, else any published one.
        row = one(
            "SELECT slug FROM practices_practice WHERE status = 'published' "
            "ORDER BY (slug LIKE 'synthetic-%%') DESC, id "
            "LIMIT 1 OFFSET (SELECT count(*) / 2 FROM practices_practice "
            "WHERE status = 'published' AND slug LIKE 'synthetic-%%')"
        )
        facts["detail_slug"] = row[0]
        facts["practice_countries"] = one("SELECT count(*) FROM practices_practice_countries")[0]
        facts["practice_objectives"] = one("SELECT count(*) FROM practices_practice_objectives")[0]
    facts["database_mb"] = database.size_mb()
    return facts
