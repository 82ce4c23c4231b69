from django.core.management.base import BaseCommand, CommandError

from synthetic.remove import synthetic_remove
from synthetic.report import SyntheticError


class Command(BaseCommand):
    help = (
        'Delete every synthetic record and source (slugs starting "synthetic-") with their '
        "relation and history rows, and say how many."
    )

    def handle(self, *args, **options):
        try:
            report = synthetic_remove()
        except SyntheticError as error:
            raise CommandError(f"Nothing was removed. {error}") from None
        for line in report.lines():
            self.stdout.write(line)
