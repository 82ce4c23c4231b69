"""The benchmark's floors: what a list, a detail and a search cost with no framework on top.

Each answers what an API endpoint answers, made with `values()` (or one raw SQL query) and
`JsonResponse`: no DRF, no serializer, no model instances, a fixed number of queries
whatever the data. gfmd/urls.py serves them only when DJANGO_BENCH_FLOOR=1:

- `/bench/floor/practices/` (`practices_floor`): the rows of `/api/practices/?page_size=20`,
  published practices by title and pk; slug, title, text, source title and year, country
  codes, objective numbers; three queries. No total count: the API caches its count per
  query and catalogue generation, so a COUNT(*) on every request would make the floor
  slower than what it is the floor of.
- `/bench/floor/practices/<slug>/` (`practice_detail_floor`): one published practice as
  `/api/practices/<slug>/` shows it, its source joined into the row and one query per
  to-many relation (countries, organisations, objectives, actions, principles, themes,
  challenges addressed); eight queries.
- `/bench/floor/search/?q=` (`practice_search_floor`): the first 20 published practices
  matching `q`, best first, in one ranked query (PostgreSQL: `search_vector` with
  `websearch_to_tsquery('english', q)` and `ts_rank`; SQLite: the FTS5 table joined, with
  `bm25()` in the select), then the list floor's two relation queries.

The benchmark gives each API endpoint's requests per second as a ratio to its floor's.
"""

from django.db import connection
from django.http import JsonResponse

from practices.models import (
    Country,
    GuidingPrinciple,
    Objective,
    ObjectiveAction,
    Organisation,
    Partner,
    Practice,
    Theme,
)
from practices.search import joined, parse
from practices.shapes import partner_order

PAGE_SIZE = 20
ROW = ("pk", "slug", "title", "text", "source__title", "source__year")


def practices_floor(request):
    """The first page of the practices list."""
    rows = list(
        Practice.objects.filter(status="published").order_by("title", "pk").values(*ROW)[:PAGE_SIZE]
    )
    return JsonResponse({"results": list_items(rows)})


def list_items(rows: list[dict]) -> list[dict]:
    """List items of the rows, with their country codes and objective numbers (two queries,
    one per through table, in the order the API lists them)."""
    ids = [row["pk"] for row in rows]
    countries: dict[int, list[str]] = {pk: [] for pk in ids}
    objectives: dict[int, list[int]] = {pk: [] for pk in ids}
    for pk, code in (
        Practice.countries.through.objects.filter(practice_id__in=ids)
        .order_by("country__name")
        .values_list("practice_id", "country__alpha2")
    ):
        countries[pk].append(code)
    for pk, number in (
        Practice.objectives.through.objects.filter(practice_id__in=ids)
        .order_by("objective__number")
        .values_list("practice_id", "objective__number")
    ):
        objectives[pk].append(number)
    return [
        {
            "slug": row["slug"],
            "title": row["title"],
            "text": row["text"],
            "source": {"title": row["source__title"], "year": row["source__year"]},
            "countries": countries[row["pk"]],
            "objectives": objectives[row["pk"]],
            **({"rank": row["rank"]} if "rank" in row else {}),
        }
        for row in rows
    ]


# A practice's implementation columns, as stored (its region and partners read apart).
IMPLEMENTATION = (
    "scope",
    "start_year",
    "end_year",
    "implementation_status",
    "results",
    "lessons",
    "innovation",
    "principles_applied",
)


def practice_detail_floor(request, slug):
    """One published practice with its related rows in brief, as the API's detail has them."""
    row = (
        Practice.objects.filter(status="published", slug=slug)
        .values(
            *ROW,
            "language",
            "section",
            "status",
            "created_at",
            "updated_at",
            "source__slug",
            *IMPLEMENTATION,
            *(f"scope_region__{name}" for name in ("code", "name", "slug", "level")),
        )
        .first()
    )
    if row is None:
        return JsonResponse({"detail": "Not found."}, status=404)
    pk, api = row["pk"], request.build_absolute_uri("/api/")
    related = {
        "countries": [
            {"code": c, "alpha3": a3, "name": n, "url": f"{api}countries/{c}/"}
            for c, a3, n in Country.objects.filter(practice_set=pk).values_list(
                "alpha2", "alpha3", "name"
            )
        ],
        "organisations": [
            {"slug": s, "name": n, "acronym": a, "kind": k, "url": f"{api}organisations/{s}/"}
            for s, n, a, k in Organisation.objects.filter(practice_set=pk).values_list(
                "slug", "name", "acronym", "kind"
            )
        ],
        "objectives": [
            {"number": n, "title": t, "url": f"{api}objectives/{n}/"}
            for n, t in Objective.objects.filter(practice_set=pk).values_list("number", "title")
        ],
        "actions": [
            {"code": f"{o}{x}", "label": f"{o}({x})", "objective": o, "letter": x, "text": t}
            for o, x, t in ObjectiveAction.objects.filter(practice_set=pk).values_list(
                "objective__number", "letter", "text"
            )
        ],
        "principles": [
            {"number": n, "slug": s, "name": name, "url": f"{api}principles/{s}/"}
            for n, s, name in GuidingPrinciple.objects.filter(practice_set=pk).values_list(
                "number", "slug", "name"
            )
        ],
        "themes": [
            {"slug": s, "name": n, "url": f"{api}themes/{s}/"}
            for s, n in Theme.objects.filter(practice_set=pk).values_list("slug", "name")
        ],
        "challenges_addressed": [
            {"slug": s, "title": t, "url": f"{api}challenges/{s}/"}
            for s, t in Practice.challenges_addressed.through.objects.filter(
                practice_id=pk, challenge__status="published"
            )
            .order_by("challenge__title", "challenge_id")
            .values_list("challenge__slug", "challenge__title")
        ],
    }
    partners = Partner.objects.filter(practice_id=pk).values_list(
        "organisation_id", "organisation__slug", "organisation__name", "name", "role"
    )
    region = row["scope_region__code"]
    implementation = {
        **{name: row[name] for name in IMPLEMENTATION},
        "scope_region": region
        and {
            **{name: row[f"scope_region__{name}"] for name in ("code", "name", "slug", "level")},
            "url": f"{api}regions/{region}/",
        },
        "partners": [
            {"organisation": slug, "name": org_name or name, "role": role}
            for _id, slug, org_name, name, role in sorted(
                partners, key=lambda p: partner_order((p[0], p[3], p[4]))
            )
        ],
    }
    source = row["source__slug"]
    return JsonResponse(
        {
            "url": f"{api}practices/{row['slug']}/",
            "web_url": request.build_absolute_uri(f"/practices/{row['slug']}/"),
            "slug": row["slug"],
            "title": row["title"],
            "text": row["text"],
            "language": row["language"],
            **related,
            "source": {
                "slug": source,
                "title": row["source__title"],
                "year": row["source__year"],
                "url": f"{api}sources/{source}/",
            },
            "section": row["section"],
            "status": row["status"],
            "created": row["created_at"],
            "updated": row["updated_at"],
            **implementation,
        }
    )


# One ranked query per engine: the 20 best published matches, the source joined in.
SEARCH_SQL = {
    "postgresql": """
        SELECT p.id, p.slug, p.title, p.text, s.title, s.year,
               ts_rank(p.search_vector, query) AS score
        FROM practices_practice p
        JOIN practices_source s ON s.id = p.source_id,
             to_tsquery('english', %s) AS query
        WHERE p.status = 'published' AND p.search_vector @@ query
        ORDER BY score DESC, p.id
        LIMIT 20
    """,
    # bm25 is lower for better matches: ascending order, negated for a rank like ts_rank's.
    "sqlite": """
        SELECT p.id, p.slug, p.title, p.text, s.title, s.year,
               -bm25(practices_practice_fts, 10.0, 1.0) AS score
        FROM practices_practice_fts
        JOIN practices_practice p ON p.id = practices_practice_fts.rowid
        JOIN practices_source s ON s.id = p.source_id
        WHERE practices_practice_fts MATCH %s AND p.status = 'published'
        ORDER BY bm25(practices_practice_fts, 10.0, 1.0), p.id
        LIMIT 20
    """,
}


def practice_search_floor(request):
    """The first page of published practices matching ?q=, best first."""
    text = request.GET.get("q", "").strip()
    # The API's query (practices.search): every word, the last one a prefix. (A country's
    # name, which the API ORs with the records linked to it, is searched as text here.)
    query = joined(parse(text), False, connection.vendor) if text else ""
    if not query:
        return JsonResponse({"results": []})
    with connection.cursor() as cursor:
        cursor.execute(SEARCH_SQL[connection.vendor], [query])
        names = ("pk", "slug", "title", "text", "source__title", "source__year", "rank")
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    return JsonResponse({"results": list_items(rows)})
