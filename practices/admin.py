"""The editors' desk: lists, forms, the review workflow, history and bulk import."""

from admin_auto_filters.filters import AutocompleteFilter
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import SimpleListFilter
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from practices import editing, summary
from practices.admin_import import RecordImportExportMixin
from practices.filtersets import whole_number
from practices.models import (
    Challenge,
    Country,
    GuidingPrinciple,
    Objective,
    ObjectiveAction,
    Opportunity,
    Organisation,
    Partner,
    Practice,
    Recommendation,
    Region,
    Source,
    Status,
    Theme,
)

admin.site.site_header = _("GFMD Practice Catalogue: editors' desk")
admin.site.site_title = _("GFMD Practice Catalogue")
admin.site.index_title = _("Catalogue")


class RecountsOnSave:
    """A country or region that changes place in the M49 tree moves its records' counts."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            summary.rebuild()


@admin.register(Region)
class RegionAdmin(RecountsOnSave, admin.ModelAdmin):
    list_display = ["name", "name_fr", "name_es", "code", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["name", "name_fr", "name_es", "code"]
    list_select_related = ["parent"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Country)
class CountryAdmin(RecountsOnSave, admin.ModelAdmin):
    list_display = ["name", "alpha2", "alpha3", "numeric", "subregion", "intermediate_region"]
    list_filter = ["subregion__parent", "subregion"]
    search_fields = [
        "name",
        "name_fr",
        "name_es",
        "official_name",
        "alpha2",
        "alpha3",
        "numeric",
        "alternative_names",
    ]
    list_select_related = ["subregion", "intermediate_region"]
    prepopulated_fields = {"slug": ["name"]}


class ObjectiveActionInline(admin.TabularInline):
    model = ObjectiveAction
    extra = 0


@admin.register(Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "short_title"]
    search_fields = ["title", "title_fr", "title_es", "short_title", "=number"]
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
    list_display = ["number", "name", "name_fr", "name_es"]
    search_fields = ["name", "name_fr", "name_es", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "name_fr", "name_es", "slug"]
    search_fields = ["name", "name_fr", "name_es", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "acronym", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "name_fr", "name_es", "acronym", "aliases"]
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


class SearchedFilter(AutocompleteFilter):
    """A filter by one related row chosen by typing its name in the admin's autocomplete
    (django-admin-autocomplete-filter), so the sidebar does not list all 249 countries.
    Its parameter is the one Django's own filter used (countries__id__exact), so links
    kept from before still filter; the search goes through the admin's autocomplete view,
    which checks the view permission of the related model's admin."""

    template = "admin/practices/searched_filter.html"
    field_pk = "id"

    def __init__(self, request, params, model, model_admin):
        self.parameter_name = f"{self.field_name}__{self.field_pk}__exact"
        chosen = params.get(self.parameter_name)
        if chosen and whole_number(chosen[-1]) is None:
            raise IncorrectLookupParameters(f"{self.parameter_name}: not an id")
        super().__init__(request, params, model, model_admin)

    @staticmethod
    def hint(text) -> dict:
        """The box's placeholder, which is also its accessible name. Django's widget sets
        data-placeholder to "" (to allow clearing); an attribute's first occurrence wins,
        so this one is spelt data-Placeholder, as the package does for its titles."""
        return {"data-Placeholder": text}


class CountryFilter(SearchedFilter):
    title = _("countries")
    field_name = "countries"
    widget_attrs = SearchedFilter.hint(_("Type a country's name"))


class ObjectiveFilter(SearchedFilter):
    title = _("GCM objectives")
    field_name = "objectives"
    widget_attrs = SearchedFilter.hint(_("Type a number or title"))


class ThemeFilter(SearchedFilter):
    title = _("themes")
    field_name = "themes"
    widget_attrs = SearchedFilter.hint(_("Type a theme"))


class RecordAdminForm(forms.ModelForm):
    """A record's form: it carries the version it was opened at (optimistic locking), and
    tells the editor at once what practices.editing would refuse."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput)
    #: Set by RecordAdmin.get_form(): who is filling the form in.
    user = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored = stored_record(self.instance)
        if self.stored is not None:
            self.fields["seen_version"].initial = self.stored.version
        else:
            self.fields["seen_version"].required = False

    def clean(self):
        cleaned = super().clean()
        try:
            self.precheck(cleaned)
        except editing.NotAllowed as refusal:
            raise ValidationError(str(refusal), code="not_allowed") from None
        except editing.StaleVersion as stale:
            raise ValidationError(
                _(
                    "%(who)s changed this record (%(when)s) after you opened it, so your "
                    "changes were not saved. Copy what you wrote, reload the page to see "
                    "their version, then apply your changes again."
                ),
                code="stale",
                params={"who": stale.who, "when": localize(stale.when)},
            ) from None
        return cleaned

    def precheck(self, cleaned) -> None:
        """The rules and the version, read without a lock: the service checks them again
        as it writes."""
        model = self._meta.model
        status = cleaned.get("status") or Status.DRAFT
        if self.stored is None:
            editing.check(self.user, model, editing.Operation.CREATE, status)
            return
        editing.check(self.user, model, editing.Operation.CHANGE, self.stored.status)
        if status != self.stored.status:
            editing.check(self.user, model, editing.Operation.MOVE, status)
        seen = cleaned.get("seen_version")
        if seen is not None and seen != self.stored.version:
            raise editing.StaleVersion(self.stored, seen)

    def values(self) -> dict:
        """The record's own fields as the form cleaned them."""
        return {
            field.name: self.cleaned_data[field.name]
            for field in self._meta.model._meta.concrete_fields
            if field.name in self.cleaned_data
        }

    def relations(self) -> dict:
        return {
            field.name: list(self.cleaned_data[field.name])
            for field in self._meta.model._meta.many_to_many
            if field.name in self.cleaned_data
        }


def stored_record(instance):
    """The record as stored now (a history revert's form holds an old copy), or None."""
    if instance.pk is None:
        return None
    return type(instance).objects.filter(pk=instance.pk).first()


class RecordAdmin(RecordImportExportMixin, SimpleHistoryAdmin):
    """What the four kinds of record share: lists, the workflow, history, locking. Every
    write goes through practices.editing; this class only turns forms into its calls."""

    form = RecordAdminForm
    # Few, narrow columns so that titles stay readable beside the filters at 1366 px;
    # static/css/admin.css lets the title and source wrap (columns named field-<name>).
    list_display = ["title", "status", "source_session", "country_codes", "updated_at"]
    list_filter = [
        "status",
        RegionFilter,
        CountryFilter,
        ObjectiveFilter,
        ThemeFilter,
        "source",
        "source__year",
        "language",
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
                "fields": ["title", "slug", "text", "language", "status", "seen_version"],
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
    #: The to-many relation an inline of Challenge.addressed_by edits, by the admin's model.
    INLINE_RELATIONS = {}

    class Media:
        css = {"all": ["css/admin.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("countries")

    @admin.display(description=_("source"), ordering="source")
    def source_session(self, record):
        """The session's short name; the document's full title shows on hovering."""
        return format_html(
            '<span title="{}">{}</span>', record.source, record.source.session or record.source
        )

    @admin.display(description=_("countries"))
    def country_codes(self, record):
        return ", ".join(country.alpha2 for country in record.countries.all())

    def view_on_site(self, record):
        """Only a published record has a public page."""
        return record.get_absolute_url() if record.status == Status.PUBLISHED else None

    def has_publish_permission(self, request):
        return request.user.has_perm(f"{self.opts.app_label}.publish_{self.opts.model_name}")

    def has_change_permission(self, request, obj=None):
        """The rule table decides per record (practices.editing)."""
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or editing.changeable(request.user, stored_record(obj) or obj)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        stored = obj and (stored_record(obj) or obj)
        return stored is None or editing.allowed(
            request.user, self.model, editing.Operation.DELETE, stored.status
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.user = request.user
        stored = obj and stored_record(obj)
        if "status" in form.base_fields:
            allowed = editing.settable_statuses(
                request.user, self.model, stored.status if stored else None
            )
            form.base_fields["status"].choices = [
                (value, label) for value, label in Status.choices if value in allowed
            ]
        return form

    # Writes: the form's values and relations, with the inlines', go to the services.

    def save_model(self, request, obj, form, change):
        """A history revert saves here (it saves no inlines); other forms save in
        save_related(), once the inlines are known, in one service call."""
        if self.reverting(request):
            self.write(request, form, formsets=[])
            form.save_m2m = lambda: None  # the service has set the relations

    def save_related(self, request, form, formsets, change):
        self.write(request, form, formsets)

    def write(self, request, form, formsets) -> None:
        relations = {**form.relations(), **self.inline_relations(formsets)}
        partners = self.inline_partners(formsets)
        if form.stored is None:
            editing.record_create(
                record=form.instance, user=request.user, relations=relations, partners=partners
            )
            return
        version = form.cleaned_data.get("seen_version")
        if self.reverting(request):
            saved = editing.record_revert(
                record=form.stored,
                history_id=request.resolver_match.args[1],
                user=request.user,
                version=version,
                values=form.values(),
                relations=relations,
            )
        else:
            saved = editing.record_update(
                record=form.stored,
                user=request.user,
                version=version,
                values=form.values(),
                relations=relations,
                partners=partners,
            )
        form.instance.version = saved.version

    def inline_partners(self, formsets) -> list | None:
        """The partners the inline lists (None without the inline): the service writes
        them, with the record, under the same rule."""
        for formset in formsets:
            if formset.model is not Partner:
                continue
            rows = [
                editing.PartnerRow(
                    row.cleaned_data.get("organisation"),
                    row.cleaned_data.get("name", ""),
                    row.cleaned_data.get("role", ""),
                )
                for row in formset.forms
                if row.cleaned_data
                and not row.cleaned_data.get("DELETE")
                and (row.cleaned_data.get("organisation") or row.cleaned_data.get("name"))
            ]
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            return rows
        return None

    def inline_relations(self, formsets) -> dict:
        """The rows the Challenge.addressed_by inline names, as a relation of this record."""
        relations = {}
        for formset in formsets:
            relation, column = self.INLINE_RELATIONS.get(formset.model, (None, None))
            if relation is None:
                continue
            relations[relation] = [
                row.cleaned_data[column]
                for row in formset.forms
                if row.cleaned_data.get(column) and not row.cleaned_data.get("DELETE")
            ]
            # What formset.save() would have set, for the admin's change message.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        return relations

    def reverting(self, request) -> bool:
        """Whether this is django-simple-history's revert form (its URL: <id>/history/<id>/)."""
        match = request.resolver_match
        return bool(match and match.url_name.endswith("_simple_history"))

    def delete_model(self, request, obj):
        editing.record_delete(record=obj, user=request.user, version=obj.version)

    def delete_queryset(self, request, queryset):
        editing.records_delete(queryset=queryset, user=request.user)

    def changeform_view(self, request, *args, **kwargs):
        return self.told_if_refused(request, super().changeform_view, *args, **kwargs)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """A record's past version (`<id>/history/<history id>/`): ids that are not whole
        numbers are no page (django-simple-history would ask the database, and fail)."""
        if whole_number(unquote(object_id)) is None or whole_number(version_id) is None:
            raise Http404(_("No such version of this record."))
        return self.told_if_refused(
            request, super().history_form_view, object_id, version_id, extra_context
        )

    def told_if_refused(self, request, view, *args, **kwargs):
        """A write the service refuses after the form passed (another save won the race):
        nothing is saved (the view's transaction is rolled back); the editor is told why."""
        try:
            return view(request, *args, **kwargs)
        except (editing.NotAllowed, editing.StaleVersion, editing.VersionRequired) as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        except ValidationError as invalid:  # what only the service sees (a partner's row)
            self.message_user(request, " ".join(invalid.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

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
        outcome = editing.records_transition(
            queryset=queryset, transition=transition, user=request.user
        )
        opts = self.model._meta
        name = opts.verbose_name if outcome.moved == 1 else opts.verbose_name_plural
        self.message_user(
            request,
            self.DONE[transition](outcome.moved) % {"count": outcome.moved, "name": name},
            messages.SUCCESS if outcome.moved else messages.WARNING,
        )
        if outcome.skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d was not in a state to move and was left as it was.",
                    "%(count)d were not in a state to move and were left as they were.",
                    outcome.skipped,
                )
                % {"count": outcome.skipped},
                messages.WARNING,
            )
        if outcome.refused:
            self.message_user(
                request,
                ngettext(
                    "%(count)d is a reviewer's to move and was left as it was.",
                    "%(count)d are a reviewer's to move and were left as they were.",
                    outcome.refused,
                )
                % {"count": outcome.refused},
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


class PartnerFormSet(forms.BaseInlineFormSet):
    """The partners as one list: a partner named twice with the same role is refused here,
    where the editor can fix it, rather than by the service after the form passed."""

    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("DELETE") or not (data.get("organisation") or data.get("name")):
                continue
            key = (data.get("organisation"), data.get("name", ""), data.get("role"))
            if key in seen:
                raise ValidationError(
                    _("A partner is named twice with the same role."), code="partner_twice"
                )
            seen.add(key)


class PartnerInline(admin.TabularInline):
    """A practice's partners and their roles: written with the practice, by
    practices.editing, under the rule that governs the practice (not Partner's own
    permissions, which no role holds)."""

    model = Partner
    formset = PartnerFormSet
    extra = 0
    autocomplete_fields = ["organisation"]
    fields = ["organisation", "name", "role"]
    verbose_name = _("partner")
    verbose_name_plural = _("partners (organisations and their roles)")

    def parent_admin(self):
        return self.admin_site._registry[Practice]

    def has_view_permission(self, request, obj=None):
        return self.parent_admin().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        admin_ = self.parent_admin()
        return (
            admin_.has_change_permission(request, obj)
            if obj
            else admin_.has_add_permission(request)
        )

    def has_change_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)


@admin.register(Practice)
class PracticeAdmin(RecordAdmin):
    inlines = [PartnerInline, ChallengesAddressedInline]
    object_history_form_template = "admin/practices/practice/object_history_form.html"
    INLINE_RELATIONS = {Challenge.addressed_by.through: ("challenges_addressed", "challenge")}

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """The revert form saves no inline, so it lists the partners the version had:
        the revert brings them back (editing.record_revert)."""
        record, entry = None, None
        if whole_number(unquote(object_id)) and whole_number(version_id):
            record = self.get_object(request, unquote(object_id))
        if record is not None:
            entry = record.history.filter(history_id=whole_number(version_id)).first()
        if entry is not None:
            partners = [
                f"{row.organisation or row.name} ({Partner.Role(row.role).label})"
                for row in editing.partners_at(record, entry)
            ]
            extra_context = {**(extra_context or {}), "partners_of_version": partners}
        return super().history_form_view(request, object_id, version_id, extra_context)

    list_filter = [*RecordAdmin.list_filter, "scope", "implementation_status"]
    autocomplete_fields = [*RecordAdmin.autocomplete_fields, "scope_region"]
    fieldsets = [
        *RecordAdmin.fieldsets[:3],
        (
            _("Implementation"),
            {
                "fields": [
                    "scope",
                    "scope_region",
                    ("start_year", "end_year"),
                    "implementation_status",
                    "results",
                    "lessons",
                    "innovation",
                    "principles_applied",
                    "contact",
                ],
                "classes": ["collapse"],
                "description": _(
                    "What a submission adds to the report's words: where and when it is "
                    "implemented, by whom, with what results. Leave empty what the source "
                    "does not say. The contact is private: only this desk shows it."
                ),
            },
        ),
        *RecordAdmin.fieldsets[3:],
    ]


@admin.register(Challenge)
class ChallengeAdmin(RecordAdmin):
    inlines = [AddressedByInline]
    INLINE_RELATIONS = {Challenge.addressed_by.through: ("addressed_by", "practice")}


@admin.register(Opportunity)
class OpportunityAdmin(RecordAdmin):
    pass


@admin.register(Recommendation)
class RecommendationAdmin(RecordAdmin):
    list_display = ["title", "kind", "status", "source_session", "updated_at"]
    list_filter = ["kind", *RecordAdmin.list_filter]
    fieldsets = [
        (
            None,
            {
                **RecordAdmin.fieldsets[0][1],
                "fields": [
                    "title",
                    "slug",
                    "text",
                    "language",
                    "kind",
                    "kind_stated",
                    "area",
                    "status",
                    "seen_version",
                ],
            },
        ),
        *RecordAdmin.fieldsets[1:],
    ]
