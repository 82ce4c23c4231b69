"""Chainable query methods shared by every kind of record."""

from django.db import models


class RecordQuerySet(models.QuerySet):
    def published(self):
        """Only what the public may see."""
        return self.filter(status="published")

    def with_related(self):
        """Fetch the source and every to-many relation in a fixed number of queries."""
        return self.select_related("source").prefetch_related(
            "countries", "organisations", "objectives", "actions__objective", "principles", "themes"
        )
