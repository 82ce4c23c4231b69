from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from api import renderers, views

app_name = "api"

# No format suffixes on every route (they made /api/practices.csv take a POST too): the
# whole lists' exports below are the only ones, read-only, and documented (api.schema).
router = DefaultRouter()
router.include_format_suffixes = False
router.register("practices", views.PracticeViewSet, basename="practice")
router.register("challenges", views.ChallengeViewSet, basename="challenge")
router.register("opportunities", views.OpportunityViewSet, basename="opportunity")
router.register("recommendations", views.RecommendationViewSet, basename="recommendation")
router.register("countries", views.CountryViewSet, basename="country")
router.register("regions", views.RegionViewSet, basename="region")
router.register("objectives", views.ObjectiveViewSet, basename="objective")
router.register("principles", views.PrincipleViewSet, basename="principle")
router.register("themes", views.ThemeViewSet, basename="theme")
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("sources", views.SourceViewSet, basename="source")


def export_formats(viewset) -> str:
    """The whole-list formats of a list's own address: CSV and JSON Lines, and the
    citation formats for what is cited (records, sources)."""
    formats = ["csv", "jsonl"]
    formats += [
        r.format for r in viewset.renderer_classes if issubclass(r, renderers.CitationRenderer)
    ]
    return "|".join(formats)


exports = [
    re_path(
        rf"^{prefix}\.(?P<format>{export_formats(viewset)})$",
        viewset.as_view({"get": "list"}),
        name=f"{basename}-export",
    )
    for prefix, viewset, basename in router.registry
]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI sets inline styles: allowed on this page only, never inline scripts.
    path(
        "docs/",
        csp_update({"style-src": [UNSAFE_INLINE]})(
            SpectacularSwaggerSplitView.as_view(url_name="api:schema")
        ),
        name="docs",
    ),
    *exports,
    path("", include(router.urls)),
]
