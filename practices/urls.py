from django.urls import path

from practices import views
from practices.models import RECORD_MODELS

app_name = "practices"

urlpatterns = [
    path("", views.home, name="home"),
    *(
        path(
            f"{model._meta.verbose_name_plural}/<slug:slug>/",
            views.record_detail,
            {"model": model},
            name=f"{model._meta.model_name}-detail",
        )
        for model in RECORD_MODELS
    ),
]
