"""sitemap.xml: the public pages, and every published record, country, region, objective
and source, each in English, French and Spanish, with its alternates in the others
(hreflang, and x-default: the English address)."""

from django.contrib.sitemaps import Sitemap as DjangoSitemap
from django.urls import reverse

from practices.models import RECORD_MODELS, Country, Objective, Region, Source


class Sitemap(DjangoSitemap):
    """A page in every language (settings.LANGUAGES), linked to its translations."""

    i18n = True
    alternates = True
    x_default = True


class StaticSitemap(Sitemap):
    names = [
        "practices:home",
        "practices:country-list",
        "practices:objective-list",
        "practices:coverage",
        "practices:source-list",
        "practices:about",
        "practices:api-guide",
        *(f"practices:{model._meta.model_name}-list" for model in RECORD_MODELS),
    ]

    def items(self):
        return self.names

    def location(self, item):
        return reverse(item)


class RecordSitemap(Sitemap):
    """Published records of one kind; drafts never appear."""

    def __init__(self, model):
        self.model = model

    def items(self):
        return self.model.objects.published().order_by("pk")

    def lastmod(self, record):
        return record.updated_at


class CountrySitemap(Sitemap):
    def items(self):
        return Country.objects.order_by("pk")


class RegionSitemap(Sitemap):
    """The M49 regions, sub-regions and intermediate regions: a page each."""

    def items(self):
        return Region.objects.order_by("pk")

    def location(self, region):
        return reverse("practices:region-detail", args=[region.slug])


class ObjectiveSitemap(Sitemap):
    def items(self):
        return Objective.objects.all()


class SourceSitemap(Sitemap):
    def items(self):
        return Source.objects.order_by("pk")


SITEMAPS = {
    "pages": StaticSitemap,
    **{model._meta.model_name: RecordSitemap(model) for model in RECORD_MODELS},
    "countries": CountrySitemap,
    "regions": RegionSitemap,
    "objectives": ObjectiveSitemap,
    "sources": SourceSitemap,
}
