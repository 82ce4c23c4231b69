from django.apps import AppConfig


class GfmdConfig(AppConfig):
    """The project itself: its settings' system checks (gfmd.checks)."""

    name = "gfmd"
    verbose_name = "GFMD Practice Catalogue"

    def ready(self):
        from gfmd import checks  # noqa: F401  (registers the checks)
