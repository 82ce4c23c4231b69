from django.core.management.base import BaseCommand, CommandError

from synthetic.generate import synthetic_generate
from synthetic.report import SyntheticDataExists, SyntheticError


class Command(BaseCommand):
    help = (
        "Create reproducible synthetic records for benchmarks (slugs starting "
        '"synthetic-"); remove them with remove_synthetic. Never use on a real catalogue.'
    )

    def add_arguments(self, parser):
        parser.add_argument("--practices", type=int, required=True, help="How many practices.")
        parser.add_argument("--seed", type=int, required=True, help="Same seed, same records.")
        for kind in ("challenges", "opportunities", "recommendations"):
            parser.add_argument(
                f"--{kind}", type=int, help=f"How many {kind} (default: a tenth of the practices)."
            )
        parser.add_argument(
            "--replace", action="store_true", help="Remove existing synthetic data first."
        )

    def handle(
        self, *args, practices, seed, challenges, opportunities, recommendations, replace, **options
    ):
        counts = [practices, challenges, opportunities, recommendations]
        if any(count is not None and count < 0 for count in counts):
            raise CommandError("Counts cannot be negative.")
        try:
            report = synthetic_generate(
                practices=practices,
                seed=seed,
                challenges=challenges,
                opportunities=opportunities,
                recommendations=recommendations,
                replace=replace,
            )
        except (SyntheticDataExists, SyntheticError) as error:
            raise CommandError(str(error)) from None
        for line in report.lines():
            self.stdout.write(line)
