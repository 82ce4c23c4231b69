"""The editors' desk: lists, forms, the review workflow, history and bulk import."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import SimpleListFilter
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.formats import localize
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from practices.admin_import import RecordImportExportMixin
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
    Status,
    Theme,
)
from practices.workflow import (
    StaleVersion,
    editable_statuses,
    record_check_version,
    record_stamp_published,
    records_transition,
    user_can,
)

admin.site.site_header = _("GFMD Practice Catalogue: editors' desk")
admin.site.site_title = _("GFMD Practice Catalogue")
admin.site.index_title = _("Catalogue")


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
    autocomplete_fields = ["objective"]


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


class RegionFilter(SimpleListFilter):
    """Records naming a country of an M49 region."""

    title = _("region")
    parameter_name = "region"

    def lookups(self, request, model_admin):
        return Region.objects.filter(level=Region.Level.REGION).values_list("code", "name")

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(countries__subregion__parent__code=self.value()).distinct()


class RecordAdminForm(forms.ModelForm):
    """A record's form: it remembers the version it was opened at (optimistic locking)."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seen_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        seen = cleaned.get("seen_version")
        if self.instance.pk is not None and seen is not None:
            try:
                record_check_version(record=self.instance, seen_version=seen)
            except StaleVersion:
                latest = self.instance.history.select_related("history_user").first()
                who = latest.history_user if latest and latest.history_user else _("someone")
                when = localize(latest.history_date) if latest else ""
                raise ValidationError(
                    _(
                        "%(who)s changed this record (%(when)s) after you opened it, so your "
                        "changes were not saved. Copy what you wrote, reload the page to see "
                        "their version, then apply your changes again."
                    ),
                    code="stale",
                    params={"who": who, "when": when},
                ) from None
        return cleaned


class RecordAdmin(RecordImportExportMixin, SimpleHistoryAdmin):
    """What the four kinds of record share: lists, the workflow, history, locking."""

    form = RecordAdminForm
    list_display = ["title", "status", "source", "country_codes", "updated_at", "published_at"]
    list_filter = [
        "status",
        RegionFilter,
        "countries",
        "objectives",
        "themes",
        "source",
        "source__year",
    ]
    search_fields = ["title", "text", "slug", "countries__name", "organisations__name"]
    list_select_related = ["source"]
    list_per_page = 50
    ordering = ["-updated_at"]
    date_hierarchy = "updated_at"
    autocomplete_fields = [
        "countries",
        "organisations",
        "objectives",
        "actions",
        "principles",
        "themes",
        "source",
    ]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["version", "published_at", "published_by", "created_at", "updated_at"]
    actions = ["send_to_review", "publish", "withdraw"]
    history_list_display = ["status"]
    fieldsets = [
        (
            None,
            {
                "fields": ["title", "slug", "text", "status", "seen_version"],
                "description": _(
                    "Give the record a short title; keep the text as the report gives it. "
                    "Editors save drafts and send them to review; reviewers publish."
                ),
            },
        ),
        (
            _("Source"),
            {
                "fields": ["source", "section"],
                "description": _(
                    "The GFMD document, and where in it the passage stands: section, "
                    "table column, page."
                ),
            },
        ),
        (
            _("Who and what it concerns"),
            {
                "fields": [
                    "countries",
                    "organisations",
                    "objectives",
                    "actions",
                    "principles",
                    "themes",
                ],
                "description": _(
                    "Name every country the record speaks of: a bilateral practice names both. "
                    "Choose the GCM objectives its content supports, and the lettered action "
                    "when the report cites one (13h)."
                ),
            },
        ),
        (
            _("Record keeping"),
            {
                "fields": ["version", "published_at", "published_by", "created_at", "updated_at"],
                "classes": ["collapse"],
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("countries")

    @admin.display(description=_("countries"))
    def country_codes(self, record):
        return ", ".join(country.alpha2 for country in record.countries.all())

    def view_on_site(self, record):
        """Only a published record has a public page."""
        return record.get_absolute_url() if record.status == Status.PUBLISHED else None

    def has_publish_permission(self, request):
        return user_can(request.user, self.model, "publish")

    def has_change_permission(self, request, obj=None):
        """Editors change drafts and records in review; published ones are the reviewers'."""
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or obj.status in (Status.DRAFT, Status.IN_REVIEW):
            return True
        return self.has_publish_permission(request)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        allowed = editable_statuses(request.user, self.model)
        if "status" in form.base_fields:
            form.base_fields["status"].choices = [
                (value, label) for value, label in Status.choices if value in allowed
            ]
        return form

    def save_model(self, request, obj, form, change):
        if obj.status not in editable_statuses(request.user, self.model):
            raise PermissionDenied
        if obj.status == Status.PUBLISHED and form.initial.get("status") != Status.PUBLISHED:
            record_stamp_published(record=obj, user=request.user)
        super().save_model(request, obj, form, change)

    # What each bulk action says it did; the kind of record fills %(name)s.
    DONE = {
        "send_to_review": lambda n: ngettext(
            "%(count)d %(name)s sent to review.", "%(count)d %(name)s sent to review.", n
        ),
        "publish": lambda n: ngettext(
            "%(count)d %(name)s published.", "%(count)d %(name)s published.", n
        ),
        "withdraw": lambda n: ngettext(
            "%(count)d %(name)s withdrawn.", "%(count)d %(name)s withdrawn.", n
        ),
    }

    def run_transition(self, request, queryset, transition):
        changed = records_transition(queryset=queryset, transition=transition, user=request.user)
        skipped = queryset.count() - changed
        opts = self.model._meta
        name = opts.verbose_name if changed == 1 else opts.verbose_name_plural
        self.message_user(
            request,
            self.DONE[transition](changed) % {"count": changed, "name": name},
            messages.SUCCESS if changed else messages.WARNING,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d was not in a state to move and was left as it was.",
                    "%(count)d were not in a state to move and were left as they were.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )

    @admin.action(description=_("Send to review"), permissions=["change"])
    def send_to_review(self, request, queryset):
        self.run_transition(request, queryset, "send_to_review")

    @admin.action(description=_("Publish"), permissions=["publish"])
    def publish(self, request, queryset):
        self.run_transition(request, queryset, "publish")

    @admin.action(description=_("Withdraw (keep, but not public)"), permissions=["publish"])
    def withdraw(self, request, queryset):
        self.run_transition(request, queryset, "withdraw")


class AddressedByInline(admin.TabularInline):
    """The practices that address a challenge, shown on the challenge."""

    model = Challenge.addressed_by.through
    extra = 0
    autocomplete_fields = ["practice"]
    verbose_name = _("practice addressing this challenge")
    verbose_name_plural = _("practices addressing this challenge")


class ChallengesAddressedInline(admin.TabularInline):
    """The challenges a practice addresses, shown on the practice."""

    model = Challenge.addressed_by.through
    extra = 0
    autocomplete_fields = ["challenge"]
    verbose_name = _("challenge this practice addresses")
    verbose_name_plural = _("challenges this practice addresses")


@admin.register(Practice)
class PracticeAdmin(RecordAdmin):
    inlines = [ChallengesAddressedInline]


@admin.register(Challenge)
class ChallengeAdmin(RecordAdmin):
    inlines = [AddressedByInline]


@admin.register(Opportunity)
class OpportunityAdmin(RecordAdmin):
    pass


@admin.register(Recommendation)
class RecommendationAdmin(RecordAdmin):
    list_display = ["title", "kind", "status", "source", "updated_at", "published_at"]
    list_filter = ["kind", *RecordAdmin.list_filter]
    fieldsets = [
        (
            None,
            {
                **RecordAdmin.fieldsets[0][1],
                "fields": ["title", "slug", "text", "kind", "area", "status", "seen_version"],
            },
        ),
        *RecordAdmin.fieldsets[1:],
    ]
