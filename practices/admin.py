"""The editors' desk: every table, with list columns, search and filters."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from practices.models import (
    Challenge,
    Country,
    GuidingPrinciple,
    Objective,
    ObjectiveAction,
    Opportunity,
    Organisation,
    Practice,
    Recommendation,
    Region,
    Source,
    Theme,
)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    list_select_related = ["parent"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["name", "alpha2", "alpha3", "numeric", "subregion", "intermediate_region"]
    list_filter = ["subregion__parent", "subregion"]
    search_fields = ["name", "official_name", "alpha2", "alpha3", "numeric", "alternative_names"]
    list_select_related = ["subregion", "intermediate_region"]
    prepopulated_fields = {"slug": ["name"]}


class ObjectiveActionInline(admin.TabularInline):
    model = ObjectiveAction
    extra = 0


@admin.register(Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    list_display = ["number", "title"]
    search_fields = ["title", "=number"]
    inlines = [ObjectiveActionInline]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(ObjectiveAction)
class ObjectiveActionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "objective", "text"]
    list_filter = ["objective"]
    search_fields = ["text", "letter", "=objective__number"]
    list_select_related = ["objective"]


@admin.register(GuidingPrinciple)
class GuidingPrincipleAdmin(admin.ModelAdmin):
    list_display = ["number", "name"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "acronym", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "acronym", "aliases"]
    prepopulated_fields = {"slug": ["acronym", "name"]}


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["title", "session", "year", "chair"]
    list_filter = ["year"]
    search_fields = ["title", "session", "meeting", "chair", "rapporteurs"]
    prepopulated_fields = {"slug": ["title"]}


class RecordAdmin(admin.ModelAdmin):
    """What the four kinds of record share in the admin."""

    list_display = ["title", "status", "source", "updated_at"]
    list_filter = ["status", "source", "objectives", "themes", "countries__subregion__parent"]
    search_fields = ["title", "text", "slug", "countries__name", "organisations__name"]
    list_select_related = ["source"]
    filter_horizontal = [
        "countries",
        "organisations",
        "objectives",
        "actions",
        "principles",
        "themes",
    ]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "updated_at"
    fieldsets = [
        (None, {"fields": ["title", "slug", "text", "status"]}),
        (_("Source"), {"fields": ["source", "section"]}),
        (
            _("Links"),
            {
                "fields": [
                    "countries",
                    "organisations",
                    "objectives",
                    "actions",
                    "principles",
                    "themes",
                ]
            },
        ),
    ]


@admin.register(Practice)
class PracticeAdmin(RecordAdmin):
    pass


@admin.register(Challenge)
class ChallengeAdmin(RecordAdmin):
    filter_horizontal = [*RecordAdmin.filter_horizontal, "addressed_by"]
    fieldsets = [*RecordAdmin.fieldsets, (_("Addressed by"), {"fields": ["addressed_by"]})]


@admin.register(Opportunity)
class OpportunityAdmin(RecordAdmin):
    pass


@admin.register(Recommendation)
class RecommendationAdmin(RecordAdmin):
    list_display = ["title", "kind", "status", "source", "updated_at"]
    list_filter = ["kind", *RecordAdmin.list_filter]
    fieldsets = [
        (None, {"fields": ["title", "slug", "text", "status", "kind", "area"]}),
        *RecordAdmin.fieldsets[1:],
    ]
