from django.apps import AppConfig


class SyntheticConfig(AppConfig):
    """Synthetic records for benchmarks, made and removed by an operator's commands
    (generate_synthetic, remove_synthetic); no models of its own, never part of the real
    catalogue. It writes the practices app's tables in bulk, outside the editing services
    (see synthetic/generate.py)."""

    name = "synthetic"
    verbose_name = "Synthetic data for benchmarks"
