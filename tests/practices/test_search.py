import pytest
from django.db import connection

from practices import editing, search
from practices.models import RECORD_MODELS, Practice, Source
from tests.records import change, make

pytestmark = pytest.mark.django_db


def found(text, model=Practice):
    return set(search.search(model.objects.all(), text).values_list("slug", flat=True))


def test_search_is_stemmed_and_folds_accents():
    """ "detained" finds "detention" through stemming; accents do not matter."""
    assert "thailand-alternatives-to-detention-children-mou" in found("detention")
    assert found("Türkiye biometric") == found("turkey biometric") or found("biometric")


def test_a_new_or_edited_record_is_searchable_at_once():
    source = Source.objects.first()
    practice = make(
        slug="zanzibar-test", title="Zanzibar ferries", text="Seasonal ferries.", source=source
    )
    assert "zanzibar-test" in found("zanzibar")
    practice = change(practice, title="Pemba ferries")
    assert "zanzibar-test" not in found("zanzibar")
    assert "zanzibar-test" in found("pemba")
    editing.record_delete(record=practice, user=editing.OPERATOR, version=practice.version)
    assert found("pemba") == set()


def test_search_survives_a_migration_that_drops_its_triggers():
    """SQLite drops triggers when a migration rebuilds a table; install() restores them."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for table in search.RECORD_TABLES:
                for event in ("insert", "delete", "update"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{event}")
        else:
            for table in search.RECORD_TABLES:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_search_vector ON {table}")
    search.install(connection)
    assert "thailand-alternatives-to-detention-children-mou" in found("detention")
    source = Source.objects.first()
    make(slug="after-rebuild", title="Quokka", text="x", source=source)
    assert found("quokka") == {"after-rebuild"}


def test_every_kind_is_searchable():
    for model in RECORD_MODELS:
        assert found("migrants", model), model


def test_fts5_query_keeps_only_words():
    """Punctuation and FTS5 operators in user input are inert."""
    assert search.fts5_query('detention" OR (NEAR') == '"detention" "OR" "NEAR"'
    assert found('") and *') == found("and")  # no syntax error: only the word remains
    assert found('") AND *') == set()  # AND, OR, NOT in capitals are no words to find
    assert found("(((") == set()


def test_search_ranks_in_one_query_driven_by_the_match():
    """The rank is computed in the query that pages the matches, not per row; on SQLite the
    match drives the join, for the COUNT as for the page."""
    from django.db import connection

    from practices.search import search

    matches = search(Practice.objects.published(), "detention").order_by("-rank")
    sql, params = matches.query.sql_with_params()
    assert sql.count("SELECT") == 1
    if connection.vendor != "sqlite":
        return
    count_sql, count_params = matches.order_by().values("pk").query.sql_with_params()
    for query, query_params in (
        (sql, params),
        (f"SELECT COUNT(*) FROM ({count_sql})", count_params),
    ):
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {query}", query_params)
            steps = [row[-1] for row in cursor.fetchall()]
        assert steps[0].startswith("SCAN practices_practice_fts"), steps
