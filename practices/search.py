"""Full-text search over a record's title and text, with each database's own engine.

PostgreSQL: a weighted tsvector column (title A, text B) kept by a trigger, a GIN index,
`websearch_to_tsquery` and `ts_rank`. SQLite: an FTS5 table (porter stemming, accents
folded) kept by triggers, ranked by bm25. `install()` sets both up, from migration
0003_search and again after every migrate; `search()` hides the difference from
callers, which order by `-rank`.
"""

import re
from dataclasses import dataclass
from types import SimpleNamespace

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import BigIntegerField, F, FloatField, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.utils.html import escape
from django.utils.safestring import mark_safe

from practices.cache import cached, cached_count
from practices.models import Country, GuidingPrinciple, Objective, Region, Theme
from practices.resolvers import UnknownName, country_index, normalise

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


# Queries: the words of what the user typed, prefixes, and the countries they name.

PREFIX_MIN = 3  # letters a word needs before it is matched as a prefix (migr*, detent*)
# The most words a name takes: "Lao People's Democratic Republic", "América Latina y el
# Caribe".
NAME_WORDS = 6
TOKEN = re.compile(r"(\w+)(\*?)", re.UNICODE)
OPERATORS = {"AND", "OR", "NOT", "NEAR"}  # in capitals, not words (nor AND Andorra's code)
START, STOP = "\ue000", "\ue001"  # around a matched word in a snippet, until escaped
FALLBACK = "search_any_word"  # the annotation that marks records found by any word
SEARCH_FALLBACK_HEADER = "X-Search-Fallback"  # the API's word for it: "any-word"


@dataclass(frozen=True)
class Term:
    """One thing to find: a word (a prefix when `prefix`), or a country's name of one or
    more words, also found in the records linked to that country (`country`, its pk). A
    word or name in French or Spanish that names objectives, themes, principles or a region
    (reference_terms()) is also found in the records linked to them (`links`: relation and
    row pks, a region's as its countries)."""

    words: tuple[str, ...]
    prefix: bool = False
    country: int | None = None
    links: tuple[tuple[str, tuple[int, ...]], ...] = ()

    @property
    def named(self) -> bool:
        """Whether the term names rows whose records it finds besides its words."""
        return self.country is not None or bool(self.links)


def country_names(cache: bool = True) -> dict:
    """What a query word may call a country: {"names": {normalised name: pk}, "codes":
    {CODE: pk}}. Codes (PH, PHL) and capitalised aliases (CAR) name a country only when
    written in capitals, so that "in" or "car" stay words; names fold case and accents."""

    def build():
        rows = list(
            Country.objects.values_list(
                "pk",
                "alpha2",
                "alpha3",
                "name",
                "official_name",
                "alternative_names",
                "name_fr",
                "name_es",
            )
        )
        index = country_index(
            SimpleNamespace(
                alpha2=alpha2,
                alpha3=alpha3,
                name=name,
                official_name=official,
                alternative_names=aliases or [],
            )
            for _, alpha2, alpha3, name, official, aliases, *_ in rows
        )
        pks = {alpha2: pk for pk, alpha2, *_ in rows}
        codes, names = {}, {}
        for _, alpha2, alpha3, name, official, aliases, *_ in rows:
            for each in (alpha2, alpha3, name, official, *(aliases or [])):
                try:
                    found = pks[index.resolve(each)]
                except UnknownName:  # a name two countries claim names neither
                    continue
                if each.isascii() and each.isalpha() and each.isupper() and len(each) <= 4:
                    if each not in OPERATORS:
                        codes[each] = found
                else:
                    names[normalise(each)] = found
        # Their French and Spanish names too ("Mexique", "Filipinas"), where no English
        # name already means another country.
        for pk, *_, name_fr, name_es in rows:
            for each in (name_fr, name_es):
                if each:
                    names.setdefault(normalise(each), pk)
        return {"names": names, "codes": codes}

    return cached("pages", "search-country-names", build) if cache else build()


# Searched in every language: the records are mostly in English, which their text answers;
# a French or Spanish name, or a word of one that no English name has ("rétention",
# "detención"), also finds the records linked to the rows it names.
WORD_MIN = 5  # letters a word needs to name rows on its own
WORD_ROWS = 3  # a word of more rows' names than this (of one table) is too common
STOP_WORDS = {
    "ainsi", "autres", "cette", "contre", "dans", "entre", "leurs", "toutes", "moyens",
    "sorte", "manera", "mediante", "sobre", "todas", "todos", "desde", "otras", "personas",
}  # fmt: skip


def reference_terms(cache: bool = True) -> dict:
    """What a query's French or Spanish words name, besides countries: {"phrases":
    {normalised name: links}, "words": {normalised word: links}}, where links are
    ((relation, (pk, ...)), ...): the objectives (by their titles and short titles),
    themes and principles named, and a region's countries. Kept per catalogue generation."""

    def build():
        phrases: dict[str, dict[str, set]] = {}
        words: dict[str, dict[str, set]] = {}
        english: set[str] = set()

        def add(relation, pks, english_names, names, *, by_word=True):
            for name in english_names:
                english.update(normalise(name).split())
            for name in names:
                normal = normalise(name)
                if not normal:
                    continue
                phrases.setdefault(normal, {}).setdefault(relation, set()).update(pks)
                if by_word:
                    for word in normal.split():
                        words.setdefault(word, {}).setdefault(relation, set()).update(pks)

        rows = reference_rows()
        for pk, en, fr, es, _, _ in rows["objectives"]:
            add("objectives", [pk], (en,), (fr, es))
        for pk, en, fr, es, _, _ in rows["short titles"]:
            add("objectives", [pk], (en,), (fr, es))
        for relation in ("themes", "principles"):
            for pk, en, fr, es, _, _ in rows[relation]:
                add(relation, [pk], (en,), (fr, es))
        countries = rows["countries"]
        parents = {pk: parent for pk, _, _, _, parent, _ in rows["regions"]}
        for region, en, fr, es, _, _ in rows["regions"]:
            pks = [
                pk
                for pk, _, _, _, sub, middle in countries
                if region in (sub, parents.get(sub), middle)
            ]
            add("countries", pks, (en,), (fr, es), by_word=False)
        english.update(word for _, name, *_ in countries for word in normalise(name).split())

        def frozen(found: dict) -> tuple:
            return tuple((relation, tuple(sorted(pks))) for relation, pks in sorted(found.items()))

        return {
            "phrases": {name: frozen(found) for name, found in phrases.items()},
            "words": {
                word: frozen(found)
                for word, found in words.items()
                if len(word) >= WORD_MIN
                and not word.isdigit()
                and word not in english
                and word not in STOP_WORDS
                and all(len(pks) <= WORD_ROWS for pks in found.values())
            },
        }

    return cached("pages", "search-reference-terms", build) if cache else build()


def reference_rows() -> dict[str, list[tuple]]:
    """The names reference_terms() reads, in one query (a search's first request after a
    write pays it): (pk, English, French, Spanish, a, b) by table, where a and b are a
    region's parent, or a country's sub-region and intermediate region."""
    none = Cast(Value(None), BigIntegerField())  # NULL::bigint, as the ids it stands for

    def names(queryset, kind, en, fr, es, a=none, b=none):
        # Every column an annotation, in one order: a model field among them would be
        # selected before the annotations, and the UNION's columns would not line up
        # (PostgreSQL: "UNION types text and bigint cannot be matched"; so would an
        # untyped NULL, which PostgreSQL reads as text).
        columns = {
            "row_kind": Value(kind),
            "row_pk": F("pk"),
            "row_en": F(en),
            "row_fr": F(fr),
            "row_es": F(es),
            "row_a": F(a) if isinstance(a, str) else a,
            "row_b": F(b) if isinstance(b, str) else b,
        }
        return queryset.order_by().annotate(**columns).values_list(*columns)

    union = names(Objective.objects, "objectives", "title", "title_fr", "title_es").union(
        names(Objective.objects, "short titles", "short_title", "short_title_fr", "short_title_es"),
        names(Theme.objects, "themes", "name", "name_fr", "name_es"),
        names(GuidingPrinciple.objects, "principles", "name", "name_fr", "name_es"),
        names(Region.objects, "regions", "name", "name_fr", "name_es", "parent_id"),
        names(
            Country.objects,
            "countries",
            "name",
            "name_fr",
            "name_es",
            "subregion_id",
            "intermediate_region_id",
        ),
        all=True,
    )
    rows: dict[str, list[tuple]] = {
        kind: [] for kind in ("objectives", "short titles", "themes", "principles")
    }
    rows |= {"regions": [], "countries": []}
    for kind, *row in union:
        rows[kind].append(tuple(row))
    return rows


def names_of_rows() -> dict:
    """What parse() takes to know which words name rows: countries by their names and
    codes (country_names()), and the rest by their French and Spanish names, kept as one
    value (a search asks it a few times per kind: one cache read each)."""
    return cached(
        "pages",
        "search-names",
        lambda: {**country_names(cache=False), **reference_terms(cache=False)},
    )


def parse(text: str, countries: dict | None = None) -> list[Term]:
    """The terms of a query: its words (FTS syntax, quotes and odd characters dropped), a
    word ending in * a prefix, and the last word a prefix too when it has PREFIX_MIN
    letters; the longest run of words naming a country (given `countries`, as
    country_names() makes it) one term."""
    tokens = [
        (word, bool(star))
        for word, star in TOKEN.findall(text[:MAX_QUERY_LENGTH])
        if word not in OPERATORS  # "labour OR migration": all words, then any (finding())
    ]
    terms: list[Term] = []
    i = 0
    while i < len(tokens):
        named = _name_at(tokens, i, countries) if countries else None
        if named is not None:
            length, found = named
            words = tuple(w.casefold() for w, _ in tokens[i : i + length])
            if isinstance(found, int):
                terms.append(Term(words, country=found))
            else:
                terms.append(Term(words, links=found))
            i += length
            continue
        word, star = tokens[i]
        last = i == len(tokens) - 1 and not text.rstrip().endswith(('"', "'"))
        prefix = (star or last) and len(word) >= PREFIX_MIN and not word.isdigit()
        links = countries.get("words", {}).get(normalise(word), ()) if countries else ()
        terms.append(Term((word.casefold(),), prefix=prefix, links=links))
        i += 1
    return terms


def _name_at(tokens, start: int, names: dict):
    """(how many words, a country's pk or the links of a French or Spanish name) of the
    longest name at `start`."""
    phrases = names.get("phrases", {})
    for length in range(min(NAME_WORDS, len(tokens) - start), 0, -1):
        words = [word for word, _ in tokens[start : start + length]]
        if length == 1 and words[0] in names["codes"]:
            return 1, names["codes"][words[0]]
        normal = normalise(" ".join(words))
        pk = names["names"].get(normal)
        if pk is not None:
            return length, pk
        if normal in phrases:
            return length, phrases[normal]
    return None


def fts5_term(term: Term) -> str:
    """A term as an FTS5 phrase: each word quoted, so that no FTS5 syntax gets through."""
    phrase = '"' + " ".join(term.words) + '"'
    return f"{phrase}*" if term.prefix else phrase


def tsquery_term(term: Term) -> str:
    """A term as to_tsquery() text: each word a quoted lexeme (\\w+ holds no quote)."""
    lexemes = " <-> ".join(f"'{word}'" for word in term.words)
    return f"({lexemes}:*)" if term.prefix else f"({lexemes})"


def joined(terms: list[Term], any_word: bool, vendor: str) -> str:
    if vendor == "postgresql":
        return (" | " if any_word else " & ").join(tsquery_term(term) for term in terms)
    return (" OR " if any_word else " AND ").join(fts5_term(term) for term in terms)


def linked_to(model, pks: list[int], relation: str = "countries") -> Q:
    """Records linked to any of the rows `pks` of `relation` (countries unless said),
    through its table alone."""
    field = model._meta.get_field(relation)
    through = field.remote_field.through
    links = through.objects.filter(**{f"{field.m2m_reverse_field_name()}_id__in": pks})
    return Q(pk__in=links.values(f"{field.m2m_field_name()}_id"))


def linked(model, terms) -> Q:
    """Records linked to any row the `terms` name (their country, their links)."""
    condition = Q(pk__in=[])
    countries = [term.country for term in terms if term.country is not None]
    if countries:
        condition |= linked_to(model, countries)
    rows: dict[str, set] = {}
    for term in terms:
        for relation, pks in term.links:
            rows.setdefault(relation, set()).update(pks)
    for relation, pks in sorted(rows.items()):
        condition |= linked_to(model, sorted(pks), relation)
    return condition


def fts5_query(text: str) -> str:
    """Words of the user's query as FTS5 phrases, all required: no FTS5 syntax gets through."""
    return " ".join(f'"{word}"' for word in WORD.findall(text))


def search(queryset, text: str, *, any_word: bool = False):
    """Records matching every term of `text` (parse()), or any of them with `any_word`,
    annotated with `rank` (higher is better). A term naming a country also matches the
    records linked to it. One query, the rank computed in it, on either engine."""
    terms = parse(text, names_of_rows())
    if not terms:  # no word at all (only punctuation or control characters)
        return queryset.annotate(rank=Value(0.0, output_field=FloatField())).none()
    if connection.vendor == "postgresql":
        return _postgresql_search(queryset, terms, any_word)
    return _sqlite_search(queryset, terms, any_word)


def finding(queryset, text: str, *, at: int | None = None):
    """search(): every term first; when no record of `queryset` has them all, any of them,
    marked so (fell_back()). Whether all terms find a record is the COUNT a list makes
    anyway, cached (practices.cache.cached_count): a list's page pays no extra query."""
    found = search(queryset, text)
    if len(parse(text, names_of_rows())) < 2 or cached_count(found, at=at):
        return found
    return search(queryset, text, any_word=True).annotate(**{FALLBACK: Value(True)})


def fell_back(queryset) -> bool:
    """Whether `queryset` (finding()'s) shows the records with any word, none having all."""
    return hasattr(queryset, "query") and FALLBACK in queryset.query.annotations


def _postgresql_search(queryset, terms: list[Term], any_word: bool):
    """The tsvector column against to_tsquery() (prefixes as :*), a country's records ORed
    in; ranked by ts_rank against any of the terms."""

    def matches(chosen, any_of=False):
        text = joined(chosen, any_of, "postgresql")
        return Q(search_vector=SearchQuery(text, config=CONFIG, search_type="raw"))

    named = [term for term in terms if term.named]
    if any_word:
        condition = matches(terms, True)
        if named:
            condition |= linked(queryset.model, named)
    else:
        words = [term for term in terms if not term.named]
        condition = matches(words) if words else Q()
        for term in named:
            condition &= matches([term]) | linked(queryset.model, [term])
    query = SearchQuery(joined(terms, True, "postgresql"), config=CONFIG, search_type="raw")
    return queryset.filter(condition).annotate(rank=SearchRank(F("search_vector"), query))


def _sqlite_search(queryset, terms: list[Term], any_word: bool):
    """FTS5: the words' MATCH joined by rowid and ranked by bm25 in the same scan; a term
    naming a country, which FTS5 cannot OR with the record's links, matched through
    uncorrelated subqueries (each FTS5 scan done once, never per record)."""
    table = queryset.model._meta.db_table
    fts = f"{table}_fts"
    words = [term for term in terms if not term.named]
    named = [term for term in terms if term.named]

    def ids(match: str) -> Q:
        return Q(pk__in=RawSQL(f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s", [match]))

    if named and not any_word:
        for term in named:
            queryset = queryset.filter(ids(fts5_term(term)) | linked(queryset.model, [term]))
    if words and not (named and any_word):
        # One query: the FTS5 table joined by rowid, bm25() computed in the same scan. A
        # rank as a correlated subquery per matching row (the form an annotation would
        # take) cost an index lookup per match: 150 ms for 1,135 matches of 20,000
        # practices. The unary + on the FTS side keeps SQLite from probing the FTS table
        # once per record (by rowid and MATCH): without it, a COUNT took the records'
        # status index first and ran 450 ms where the match first takes 3 ms.
        # bm25 is lower for better matches; negate it so that both engines sort by -rank.
        return queryset.extra(
            tables=[fts],
            where=[f"{fts} MATCH %s", f"{table}.id = +{fts}.rowid"],
            params=[joined(words, any_word, "sqlite")],
            select={"rank": f"-bm25({fts}, 10.0, 1.0)"},
        )
    anything = joined(terms, True, "sqlite")
    if any_word:
        queryset = queryset.filter(ids(anything) | linked(queryset.model, named))
    # Records whose text holds a term first, then those only linked to the country.
    return queryset.annotate(
        rank=RawSQL(
            f"CASE WHEN {table}.id IN (SELECT rowid FROM {fts} WHERE {fts} MATCH %s) "
            "THEN 1.0 ELSE 0.0 END",
            [anything],
            output_field=FloatField(),
        )
    )


# Snippets: the passage of each record's text where the words were found.

SNIPPET_SQL = {
    # ts_headline drops the markup it finds; the marks are private-use characters that
    # snippet_html() turns into <mark> once everything else is escaped.
    "postgresql": """
        SELECT id, ts_headline(%s, text, to_tsquery(%s, %s),
            'StartSel="' || %s || '", StopSel="' || %s || '", MaxWords=40, MinWords=20,
             ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "')
        FROM {table} WHERE id = ANY(%s)
    """,
    "sqlite": """
        SELECT rowid, snippet({fts}, 1, %s, %s, '…', 40) FROM {fts}
        WHERE {fts} MATCH %s AND rowid IN ({ids})
    """,
}


def snippets(model, ids: list[int], text: str) -> dict[int, str]:
    """For each record of `ids` whose text holds a term of `text`: the passage around
    them, HTML-escaped, the terms in <mark>. One query for a page of records."""
    terms = parse(text, names_of_rows())
    if not ids or not terms:
        return {}
    table = model._meta.db_table
    vendor = connection.vendor
    anything = joined(terms, True, vendor)
    if vendor == "postgresql":
        sql = SNIPPET_SQL[vendor].format(table=table)
        params = [CONFIG, CONFIG, anything, START, STOP, list(ids)]
    elif vendor == "sqlite":
        placeholders = ", ".join(["%s"] * len(ids))
        sql = SNIPPET_SQL[vendor].format(fts=f"{table}_fts", ids=placeholders)
        params = [START, STOP, anything, *ids]
    else:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {pk: snippet_html(passage) for pk, passage in cursor.fetchall() if START in passage}


def snippet_html(passage: str) -> str:
    """A passage escaped, its marked words in <mark>; marks that do not pair, dropped."""
    marked = passage.count(START) == passage.count(STOP)
    html = escape(passage)
    if not marked:
        return mark_safe(html.replace(START, "").replace(STOP, ""))
    return mark_safe(html.replace(START, "<mark>").replace(STOP, "</mark>"))
