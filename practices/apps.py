from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def install_search(sender, using, **kwargs):
    """Re-check the full-text triggers after every migrate: SQLite drops them when a
    migration rebuilds a table."""
    from practices import search

    search.install(connections[using])


class PracticesConfig(AppConfig):
    """The catalogue's domain: reference data and the records drawn from GFMD reports."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "practices"
    verbose_name = _("Practice catalogue")

    def ready(self):
        post_migrate.connect(install_search, sender=self)
