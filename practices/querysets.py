"""Chainable query methods shared by every kind of record."""

from django.apps import apps
from django.db import models
from django.db.models import Q


class RecordQuerySet(models.QuerySet):
    def published(self):
        """Only what the public may see."""
        return self.filter(status="published")

    def with_related(self):
        """Fetch the source and every to-many relation in a fixed number of queries."""
        actions = apps.get_model("practices", "ObjectiveAction").objects.select_related("objective")
        # search_vector is the search index's, never shown: leave it in the database.
        return (
            self.defer("search_vector")
            .select_related("source")
            .prefetch_related(
                "countries",
                "organisations",
                "objectives",
                models.Prefetch("actions", queryset=actions),
                "principles",
                "themes",
            )
        )


def region_countries_condition(region, prefix: str = "") -> Q:
    """Countries in a region, in its sub-regions or in its intermediate regions."""
    return (
        Q(**{f"{prefix}subregion": region})
        | Q(**{f"{prefix}subregion__parent": region})
        | Q(**{f"{prefix}intermediate_region": region})
    )
