"""Facet counts, whichever way they are made, are the counts of the records themselves."""

from collections import Counter

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from practices.models import Practice, Recommendation
from practices.selectors import FACETS, facet_counts, record_facets, record_rows

pytestmark = pytest.mark.django_db


def counted_by_hand(queryset) -> dict[str, dict]:
    """Each facet's counts, by walking the records one by one."""
    counts = {name: Counter() for name in FACETS}
    for record in queryset.prefetch_related("countries__subregion", "objectives", "themes"):
        counts["country"].update(c.alpha2 for c in record.countries.all())
        counts["region"].update({c.subregion.slug for c in record.countries.all() if c.subregion})
        counts["objective"].update(o.number for o in record.objectives.all())
        counts["theme"].update(t.slug for t in record.themes.all())
        counts["organisation"].update(o.slug for o in record.organisations.all())
        counts["source"][record.source.slug] += 1
        if record.source.year is not None:
            counts["year"][record.source.year] += 1
    return {name: dict(counter) for name, counter in counts.items()}


@pytest.mark.parametrize(
    ("model", "params"),
    [
        (Practice, {"country": "PH"}),
        (Practice, {"q": "migrants"}),
        (Practice, {"objective": "13", "theme": "alternatives-to-detention"}),
        (Practice, {"region": "142"}),
        (Recommendation, {"kind": "general"}),
    ],
)
def test_facets_of_a_filtered_list_count_its_records(model, params):
    query = QueryDict(mutable=True)
    query.update(params)
    queryset = record_rows(model=model, params=query)
    facets = record_facets(queryset, FACETS)
    assert {name: {i["value"]: i["count"] for i in items} for name, items in facets.items()} == (
        counted_by_hand(queryset)
    )
    assert facet_counts(queryset, FACETS)[0] == queryset.count() > 0


@pytest.mark.parametrize("names", [["region"], ["year"], ["objective", "country"], []])
def test_any_choice_of_facets_counts_the_same(names):
    query = QueryDict(mutable=True)
    query.update({"country": "PH"})
    queryset = record_rows(model=Practice, params=query)
    total, counted = facet_counts(queryset, names)
    everything = facet_counts(queryset, FACETS)[1]
    assert total == queryset.count()
    assert counted == {name: everything[name] for name in names}


def test_a_list_page_counts_its_records_with_its_facets_in_one_query(client):
    """The first request of a filter in a generation: no COUNT of its own; the total
    shown is the records' count, and the API list of the same filter reuses it."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/practices/?objective=13&theme=alternatives-to-detention")
    assert response.status_code == 200
    sql = [query["sql"] for query in captured.captured_queries]
    assert not [q for q in sql if "COUNT(" in q and "WITH matching" not in q], sql
    assert len([q for q in sql if "WITH matching" in q]) == 1
    expected = Practice.objects.published().filter(
        objectives__number=13, themes__slug="alternatives-to-detention"
    )
    assert response.context["page"].paginator.count == expected.distinct().count() > 0
    with CaptureQueriesContext(connection) as captured:
        api = client.get("/api/practices/?objective=13&theme=alternatives-to-detention")
    assert api.json()["count"] == response.context["page"].paginator.count
    assert not [q for q in captured.captured_queries if "COUNT(" in q["sql"]]
