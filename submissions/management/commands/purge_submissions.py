from django.conf import settings
from django.core.management.base import BaseCommand

from submissions.services import submissions_purge


class Command(BaseCommand):
    help = (
        "Delete the submissions whose e-mail was never confirmed within "
        "settings.SUBMISSIONS['UNCONFIRMED_RETENTION_DAYS'] days, with their draft practices."
    )

    def handle(self, *args, **options):
        purged = submissions_purge()
        days = settings.SUBMISSIONS["UNCONFIRMED_RETENTION_DAYS"]
        self.stdout.write(f"Purged {purged} unconfirmed submission(s) older than {days} days.")
