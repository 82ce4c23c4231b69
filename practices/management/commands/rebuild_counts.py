"""rebuild_counts: count the published records afresh (practices.summary)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from practices import summary
from practices.cache import catalogue_changed


class Command(BaseCommand):
    help = (
        "Count the published records per country, objective, theme, region... afresh. The "
        "write services keep these counts; run this after changing records by hand in SQL."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            rows = summary.rebuild()
            catalogue_changed()
        self.stdout.write(f"Counted {rows:,} rows of counts afresh.")
