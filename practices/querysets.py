"""Chainable query methods shared by every kind of record."""

from django.apps import apps
from django.db import models


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

    def with_summary(self):
        """What a list item shows: source, countries and objectives."""
        return (
            self.defer("search_vector")
            .select_related("source")
            .prefetch_related("countries", "objectives")
        )
