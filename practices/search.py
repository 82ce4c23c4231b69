"""Full-text search over a record's title and text, with each database's own engine.

PostgreSQL: a weighted tsvector column (title A, text B) kept by a trigger, a GIN index,
`websearch_to_tsquery` and `ts_rank`. SQLite: an FTS5 table (porter stemming, accents
folded) kept by triggers, ranked by bm25. Both are installed by migration
0002_search; `search()` hides the difference from callers, which order by `-rank`.
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, FloatField
from django.db.models.expressions import RawSQL

CONFIG = "english"
MAX_QUERY_LENGTH = 200
WORD = re.compile(r"\w+", re.UNICODE)


def postgresql_install_sql(table: str) -> list[str]:
    """Trigger, backfill and GIN index for one record table on PostgreSQL."""
    function = f"{table}_search_vector_update"
    return [
        f"""
        CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
        BEGIN
            NEW.search_vector :=
                setweight(to_tsvector('{CONFIG}', coalesce(NEW.title, '')), 'A') ||
                setweight(to_tsvector('{CONFIG}', coalesce(NEW.text, '')), 'B');
            RETURN NEW;
        END
        $$ LANGUAGE plpgsql
        """,
        f"""
        CREATE TRIGGER {table}_search_vector BEFORE INSERT OR UPDATE ON {table}
        FOR EACH ROW EXECUTE FUNCTION {function}()
        """,
        f"UPDATE {table} SET title = title",
        f"CREATE INDEX {table}_search_gin ON {table} USING gin (search_vector)",
    ]


def postgresql_uninstall_sql(table: str) -> list[str]:
    return [
        f"DROP INDEX IF EXISTS {table}_search_gin",
        f"DROP TRIGGER IF EXISTS {table}_search_vector ON {table}",
        f"DROP FUNCTION IF EXISTS {table}_search_vector_update()",
    ]


def sqlite_install_sql(table: str) -> list[str]:
    """An external-content FTS5 table mirroring title and text, kept by triggers."""
    fts = f"{table}_fts"
    return [
        f"""
        CREATE VIRTUAL TABLE {fts} USING fts5(
            title, text, content='{table}', content_rowid='id',
            tokenize='porter unicode61 remove_diacritics 2'
        )
        """,
        f"""
        CREATE TRIGGER {table}_fts_insert AFTER INSERT ON {table} BEGIN
            INSERT INTO {fts}(rowid, title, text) VALUES (new.id, new.title, new.text);
        END
        """,
        f"""
        CREATE TRIGGER {table}_fts_delete AFTER DELETE ON {table} BEGIN
            INSERT INTO {fts}({fts}, rowid, title, text)
            VALUES ('delete', old.id, old.title, old.text);
        END
        """,
        f"""
        CREATE TRIGGER {table}_fts_update AFTER UPDATE OF title, text ON {table} BEGIN
            INSERT INTO {fts}({fts}, rowid, title, text)
            VALUES ('delete', old.id, old.title, old.text);
            INSERT INTO {fts}(rowid, title, text) VALUES (new.id, new.title, new.text);
        END
        """,
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def sqlite_uninstall_sql(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_fts_{event}" for event in ("insert", "delete", "update")
    ] + [f"DROP TABLE IF EXISTS {table}_fts"]


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
    if not match:
        return queryset.none()
    table = queryset.model._meta.db_table
    fts = f"{table}_fts"
    matching = RawSQL(f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s", [match])
    # bm25 is lower for better matches; negate it so that both engines sort by -rank.
    rank = RawSQL(
        f"SELECT -bm25({fts}, 10.0, 1.0) FROM {fts} WHERE {fts} MATCH %s AND rowid = {table}.id",
        [match],
        output_field=FloatField(),
    )
    return queryset.filter(pk__in=matching).annotate(rank=rank)
