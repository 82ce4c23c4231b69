from django.core.management.base import BaseCommand

from practices.roles import roles_setup


class Command(BaseCommand):
    help = "Create or correct the Editors and Reviewers groups and their permissions."

    def handle(self, *args, **options):
        for name, changed in roles_setup().items():
            self.stdout.write(f"{name}: {'updated' if changed else 'unchanged'}")
