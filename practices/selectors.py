"""Reads of the catalogue for pages and, later, the API."""

from practices.models import RECORD_MODELS, Objective, Source


def catalogue_counts() -> dict[str, int]:
    """Published records of each kind, and the countries and sources they draw on."""
    counts = {}
    country_ids: set[int] = set()
    for model in RECORD_MODELS:
        published = model.objects.published()
        counts[str(model._meta.verbose_name_plural)] = published.count()
        country_ids.update(
            published.filter(countries__isnull=False).values_list("countries", flat=True)
        )
    counts["countries"] = len(country_ids)
    counts["sources"] = Source.objects.count()
    counts["GCM objectives"] = Objective.objects.count()
    return counts


def source_list():
    """Every source, newest first."""
    return Source.objects.all()
