"""Facet counts, whichever way they are made, are the counts of the records themselves."""

from collections import Counter

import pytest
from django.http import QueryDict

from practices.models import Practice, Recommendation
from practices.selectors import FACETS, record_facets, record_rows

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
