"""Made-up records for tests, written as every door writes them: through practices.editing."""

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from practices import editing, shapes
from practices.models import Country, Objective, Practice, Source, Status


def make(model=Practice, *, relations: dict | None = None, user=editing.OPERATOR, **values):
    """A new record (a draft unless `status` says otherwise), by the operator by default."""
    slug = values.setdefault("slug", "a-made-up-record")
    values.setdefault("title", slug.replace("-", " ").capitalize())
    values.setdefault("text", "A record made up for a test.")
    values.setdefault("status", Status.DRAFT)
    if "source" not in values:
        values["source"] = Source.objects.order_by("pk").first()
    return editing.record_create(record=model(**values), user=user, relations=relations)


def change(record, *, relations: dict | None = None, user=editing.OPERATOR, **values):
    """The record changed from its stored version; the stored record returned."""
    stored = type(record).objects.get(pk=record.pk)
    return editing.record_update(
        record=stored, user=user, version=stored.version, values=values, relations=relations
    )


def published_practices(
    number: int, countries: list[str], objectives: list[int], *, prefix: str = "made-up"
) -> None:
    """`number` published practices naming the countries and objectives, written as an
    editor writes them (so that the kept counts move)."""
    places = list(Country.objects.filter(alpha2__in=countries))
    goals = list(Objective.objects.filter(number__in=objectives))
    for n in range(number):
        make(
            slug=f"{prefix}-practice-{'-'.join(countries).lower()}-{n}",
            status=Status.PUBLISHED,
            relations={"countries": places, "objectives": goals},
        )


def page_text(client, url, status=200) -> str:
    """A page's text, after checking its status."""
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def uncached_queries(client, url) -> int:
    """Queries of one uncached request (nothing cached, nothing kept in the process)."""
    cache.clear()
    shapes.forget()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)
