"""The benchmark's floor: the first page of the practices list with no framework.

The same rows as `/api/practices/?page_size=20` (published practices ordered by title and
pk, 20 rows; slug, title, text, source title and year, country codes, objective numbers),
made with `values()` and `JsonResponse`: no DRF, no serializer, no model instances, three
queries whatever the data. No total count: the API caches its count per query and catalogue
generation, so a COUNT(*) on every request here would make the floor slower than what it is
the floor of. gfmd/urls.py serves it at /bench/floor/practices/ only when
DJANGO_BENCH_FLOOR=1. The API's throughput is compared with this one's.
"""

from django.http import JsonResponse

from practices.models import Practice

PAGE_SIZE = 20


def practices_floor(request):
    rows = list(
        Practice.objects.filter(status="published")
        .order_by("title", "pk")
        .values("pk", "slug", "title", "text", "source__title", "source__year")[:PAGE_SIZE]
    )
    ids = [row["pk"] for row in rows]
    countries: dict[int, list[str]] = {pk: [] for pk in ids}
    objectives: dict[int, list[int]] = {pk: [] for pk in ids}
    # The through tables, one query each, in the order the API lists them.
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
    results = [
        {
            "slug": row["slug"],
            "title": row["title"],
            "text": row["text"],
            "source": {"title": row["source__title"], "year": row["source__year"]},
            "countries": countries[row["pk"]],
            "objectives": objectives[row["pk"]],
        }
        for row in rows
    ]
    return JsonResponse({"results": results})
