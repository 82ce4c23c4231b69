"""Full-text search over a record's title and text, with each database's own engine.

PostgreSQL: a weighted tsvector column (title A, text B) kept by a trigger, a GIN index,
`websearch_to_tsquery` and `ts_rank`. SQLite: an FTS5 table (porter stemming, accents
folded) kept by triggers, ranked by bm25. `install()` sets both up, from migration
0003_search and again after every migrate; `search()` hides the difference from
callers, which order by `-rank`.
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, FloatField, Value

CONFIG = "english"
MAX_QUERY_LENGTH = 200
WORD = re.compile(r"\w+", re.UNICODE)


RECORD_TABLES = [
    "practices_practice",
    "practices_challenge",
    "practices_opportunity",
    "practices_recommendation",
]


def _postgresql_install(cursor, table: str) -> None:
    """Trigger, backfill and GIN index for one record table; safe to run again."""
    function = f"{table}_search_vector_update"
    cursor.execute(
        f"""
        CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
        BEGIN
            NEW.search_vector :=
                setweight(to_tsvector('{CONFIG}', coalesce(NEW.title, '')), 'A') ||
                setweight(to_tsvector('{CONFIG}', coalesce(NEW.text, '')), 'B');
            RETURN NEW;
        END
        $$ LANGUAGE plpgsql
        """
    )
    cursor.execute("SELECT 1 FROM pg_trigger WHERE tgname = %s", [f"{table}_search_vector"])
    if cursor.fetchone() is None:
        cursor.execute(
            f"CREATE TRIGGER {table}_search_vector BEFORE INSERT OR UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()"
        )
        cursor.execute(f"UPDATE {table} SET title = title")
    cursor.execute(
        f"CREATE INDEX IF NOT EXISTS {table}_search_gin ON {table} USING gin (search_vector)"
    )


def _sqlite_install(cursor, table: str) -> None:
    """An external-content FTS5 table mirroring title and text, kept by triggers.

    SQLite migrations that rebuild a table drop its triggers, so this runs after every
    migrate (post_migrate) and rebuilds the index whenever a trigger had to be recreated.
    """
    fts = f"{table}_fts"
    cursor.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5(title, text, "
        f"content='{table}', content_rowid='id', "
        f"tokenize='porter unicode61 remove_diacritics 2')"
    )
    triggers = {
        f"{table}_fts_insert": f"""AFTER INSERT ON {table} BEGIN
            INSERT INTO {fts}(rowid, title, text) VALUES (new.id, new.title, new.text);
        END""",
        f"{table}_fts_delete": f"""AFTER DELETE ON {table} BEGIN
            INSERT INTO {fts}({fts}, rowid, title, text)
            VALUES ('delete', old.id, old.title, old.text);
        END""",
        f"{table}_fts_update": f"""AFTER UPDATE OF title, text ON {table} BEGIN
            INSERT INTO {fts}({fts}, rowid, title, text)
            VALUES ('delete', old.id, old.title, old.text);
            INSERT INTO {fts}(rowid, title, text) VALUES (new.id, new.title, new.text);
        END""",
    }
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table]
    )
    existing = {row[0] for row in cursor.fetchall()}
    missing = [name for name in triggers if name not in existing]
    for name in missing:
        cursor.execute(f"CREATE TRIGGER {name} {triggers[name]}")
    if missing:
        cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def install(connection) -> None:
    """Make sure the database's full-text engine covers every record table."""
    installer = {"postgresql": _postgresql_install, "sqlite": _sqlite_install}.get(
        connection.vendor
    )
    if installer is None:
        return
    with connection.cursor() as cursor:
        for table in RECORD_TABLES:
            installer(cursor, table)


def fts5_query(text: str) -> str:
    """Words of the user's query as FTS5 phrases, all required: no FTS5 syntax gets through."""
    return " ".join(f'"{word}"' for word in WORD.findall(text))


def search(queryset, text: str):
    """Records matching every word of `text`, annotated with `rank` (higher is better)."""
    if connection.vendor == "postgresql":
        query = SearchQuery(text, config=CONFIG, search_type="websearch")
        return queryset.filter(search_vector=query).annotate(
            rank=SearchRank(F("search_vector"), query)
        )
    match = fts5_query(text)
    if not match:  # no word at all (only punctuation or control characters)
        return queryset.annotate(rank=Value(0.0, output_field=FloatField())).none()
    table = queryset.model._meta.db_table
    fts = f"{table}_fts"
    # One query: the FTS5 table joined by rowid, bm25() computed in the same scan. A rank
    # as a correlated subquery per matching row (the form an annotation would take) cost
    # an index lookup per match: 150 ms for 1,135 matches of 20,000 practices.
    # The unary + on the FTS side keeps SQLite from probing the FTS table once per record
    # (by rowid and MATCH): without it, a COUNT took the records' status index first and
    # ran 450 ms where the match first takes 3 ms.
    # bm25 is lower for better matches; negate it so that both engines sort by -rank.
    return queryset.extra(
        tables=[fts],
        where=[f"{fts} MATCH %s", f"{table}.id = +{fts}.rowid"],
        params=[match],
        select={"rank": f"-bm25({fts}, 10.0, 1.0)"},
    )
