from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticesConfig(AppConfig):
    """The catalogue's domain: reference data and the records drawn from GFMD reports."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "practices"
    verbose_name = _("Practice catalogue")
