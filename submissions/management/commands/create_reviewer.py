import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from submissions.models import ReviewerProfile
from submissions.review import reviewer_save


class Command(BaseCommand):
    help = (
        "Create or update a reviewer account: staff, in the Reviewers group, with the "
        "affiliation its panels count. The password comes from the environment variable "
        "named by --password-from-env; without one a new account gets an unusable password, "
        "to be set with `manage.py changepassword` or the admin's password form."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", required=True)
        parser.add_argument(
            "--affiliation", required=True, choices=ReviewerProfile.Affiliation.values
        )
        parser.add_argument("--organisation", default="")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            help="The language of the e-mails the reviewer is sent (default: the site's).",
        )
        parser.add_argument(
            "--password-from-env",
            metavar="VAR",
            help="The name of an environment variable holding the password.",
        )

    def handle(self, *args, username, email, affiliation, organisation, language, **options):
        variable = options["password_from_env"]
        password = None
        if variable:
            password = os.environ.get(variable)
            if not password:
                raise CommandError(f"The environment variable {variable} is empty or unset.")
        try:
            user, created = reviewer_save(
                username=username,
                email=email,
                affiliation=affiliation,
                organisation=organisation,
                language=language,
                password=password,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        profile = user.reviewer_profile
        self.stdout.write(
            f"{'Created' if created else 'Updated'} reviewer {username} "
            f"({profile.get_affiliation_display()}, e-mails in {profile.get_language_display()}); "
            "they sign in at /admin/."
        )
        if not user.has_usable_password():
            self.stdout.write(
                f"No password set: run `manage.py changepassword {username}`, or set one "
                "in the admin (Users), and give it to the reviewer."
            )
