import os

from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from practices.sitemaps import SITEMAPS
from practices.views import robots_txt

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots"),
    path("", include("practices.urls")),
]

# The benchmark's floor: the same list with no framework, served only when asked for.
if os.environ.get("DJANGO_BENCH_FLOOR") == "1":
    from bench.floor import practices_floor

    urlpatterns.insert(0, path("bench/floor/practices/", practices_floor, name="bench-floor"))
