from django.urls import path
from django.utils import translation

from practices import planning, regions, views
from practices.feeds import LatestRecordsFeed
from practices.models import RECORD_MODELS

app_name = "practices"


def record_paths(model):
    # English in every language: a lazy name would take the language of the request that
    # first loads the URLconf (a first request to /fr/ made /fr/pratiques/).
    with translation.override(None):
        plural, name = str(model._meta.verbose_name_plural), model._meta.model_name
    return [
        path(f"{plural}/", views.record_list, {"model": model}, name=f"{name}-list"),
        path(
            f"{plural}/<slug:slug>/", views.record_detail, {"model": model}, name=f"{name}-detail"
        ),
    ]


urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("countries/", views.country_list, name="country-list"),
    path("countries/<slug:slug>/", views.country_detail, name="country-detail"),
    path("countries/<slug:slug>/plan/", planning.plan_sheet_view, name="plan-sheet"),
    path("compare/", planning.compare, name="compare"),
    path("regions/<slug:slug>/", regions.region_detail, name="region-detail"),
    path("objectives/", views.objective_list_view, name="objective-list"),
    path("objectives/<int:number>/", views.objective_detail, name="objective-detail"),
    path("coverage/", views.coverage, name="coverage"),
    path("sources/", views.source_list_view, name="source-list"),
    path("sources/<slug:slug>/", views.source_detail, name="source-detail"),
    path("about/", views.about, name="about"),
    path("api-guide/", views.api_guide, name="api-guide"),
    path("data/", views.data, name="data"),
    path("data/<str:snapshot>/<str:filename>", views.data_file, name="data-file"),
    path("feed/", LatestRecordsFeed(), name="feed"),
    *(route for model in RECORD_MODELS for route in record_paths(model)),
]
