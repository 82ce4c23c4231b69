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
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from practices.cache import catalogue_changed

        post_migrate.connect(install_search, sender=self)
        # Any write to a catalogue table invalidates the caches (practices.cache).
        for model in self.get_models():
            if model._meta.model_name == "cataloguestate" or model.__name__.startswith(
                "Historical"
            ):
                continue
            post_save.connect(catalogue_changed, sender=model, dispatch_uid=f"cache-{model}")
            post_delete.connect(catalogue_changed, sender=model, dispatch_uid=f"cache-d-{model}")
            for field in model._meta.local_many_to_many:
                m2m_changed.connect(
                    catalogue_changed,
                    sender=field.remote_field.through,
                    dispatch_uid=f"cache-m2m-{model}-{field.name}",
                )
