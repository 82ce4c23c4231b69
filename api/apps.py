from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The public JSON API (filled by the API issue)."""

    name = "api"
    verbose_name = "API"
