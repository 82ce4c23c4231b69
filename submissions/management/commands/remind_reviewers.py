from django.conf import settings
from django.core.management.base import BaseCommand

from submissions.review import reviews_remind


class Command(BaseCommand):
    help = (
        "E-mail each reviewer whose review has waited more than "
        'SUBMISSIONS["REMINDER_DAYS"] days since it was assigned (or since the last '
        "reminder). Run it daily (cron)."
    )

    def handle(self, *args, **options):
        count = reviews_remind()
        days = settings.SUBMISSIONS["REMINDER_DAYS"]
        self.stdout.write(f"Reminded {count} reviewer(s) of reviews waiting over {days} days.")
