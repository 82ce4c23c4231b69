import os

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from gfmd.locale import set_language
from practices.sitemaps import SITEMAPS
from practices.views import robots_txt

handler404 = "gfmd.errors.page_not_found"
handler500 = "gfmd.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    # The language menu's form (gfmd.locale); Django's address, so old links still work.
    path("i18n/setlang/", set_language, name="set_language"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots"),
]
# The public pages in English at the root, as cited before; in French under /fr/ and in
# Spanish under /es/ (gfmd.locale).
urlpatterns += i18n_patterns(
    path("", include("practices.urls")),
    path("", include("submissions.urls", namespace="submissions")),
    prefix_default_language=False,
)

# The benchmark's floors: list, detail and search with no framework, served only when asked.
if os.environ.get("DJANGO_BENCH_FLOOR") == "1":
    from bench.floor import practice_detail_floor, practice_search_floor, practices_floor

    urlpatterns[:0] = [
        path("bench/floor/practices/", practices_floor, name="bench-floor"),
        path(
            "bench/floor/practices/<slug:slug>/", practice_detail_floor, name="bench-floor-detail"
        ),
        path("bench/floor/search/", practice_search_floor, name="bench-floor-search"),
    ]
