"""The catalogue's tables: reference data, sources, and the four kinds of record."""

import contextlib
from contextvars import ContextVar
from string import ascii_lowercase

import pycountry
from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from practices.querysets import RecordQuerySet

# The interface's languages other than English: each reference table holds its names in
# them as explicit columns (`name_fr`, `name_es`), loaded from practices/data/.
TRANSLATED_LANGUAGES = ("fr", "es")


def in_language(row, field: str, language: str | None = None) -> str:
    """`row`'s `field` in `language` (the active language when None): its `field_fr` or
    `field_es` column when filled, else the English one."""
    language = (language or get_language() or "en")[:2]
    if language in TRANSLATED_LANGUAGES:
        value = getattr(row, f"{field}_{language}", "")
        if value:
            return value
    return getattr(row, field)


class Region(models.Model):
    """A UN M49 geographic region, sub-region or intermediate region."""

    class Level(models.TextChoices):
        REGION = "region", _("Region")
        SUBREGION = "subregion", _("Sub-region")
        INTERMEDIATE = "intermediate", _("Intermediate region")

    code = models.CharField(_("M49 code"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_fr = models.CharField(_("name in French"), max_length=100, blank=True)
    name_es = models.CharField(_("name in Spanish"), max_length=100, blank=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent region"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{3}$"), name="region_code_three_digits"
            ),
        ]

    def __str__(self):
        return self.name

    def localized_name(self, language: str | None = None) -> str:
        """The region's name in English, French or Spanish (UN M49 names)."""
        return in_language(self, "name", language)


class Country(models.Model):
    """An ISO 3166-1 country or territory, placed in its UN M49 sub-region."""

    alpha2 = models.CharField(_("ISO alpha-2"), max_length=2, unique=True)
    alpha3 = models.CharField(_("ISO alpha-3"), max_length=3, unique=True)
    numeric = models.CharField(_("ISO numeric"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=100)
    official_name = models.CharField(_("official name"), max_length=200, blank=True)
    name_fr = models.CharField(_("name in French"), max_length=100, blank=True)
    name_es = models.CharField(_("name in Spanish"), max_length=100, blank=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    subregion = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="countries",
        verbose_name=_("M49 sub-region"),
        help_text=_("Empty only where M49 places the territory in no region (Antarctica)."),
    )
    intermediate_region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="intermediate_countries",
        verbose_name=_("M49 intermediate region"),
    )
    alternative_names = models.JSONField(
        _("alternative names"),
        default=list,
        blank=True,
        help_text=_("Other names that resolve to this country, as reports write them."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        constraints = [
            models.CheckConstraint(
                condition=Q(alpha2__regex=r"^[A-Z]{2}$"), name="country_alpha2_format"
            ),
            models.CheckConstraint(
                condition=Q(alpha3__regex=r"^[A-Z]{3}$"), name="country_alpha3_format"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("practices:country-detail", args=[self.slug])

    def localized_name(self, language: str | None = None) -> str:
        """The country's name in English, French or Spanish (UN M49 names)."""
        return in_language(self, "name", language)


class Objective(models.Model):
    """One of the 23 objectives of the Global Compact for Migration."""

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    title_fr = models.CharField(_("title in French"), max_length=250, blank=True)
    title_es = models.CharField(_("title in Spanish"), max_length=250, blank=True)
    short_title = models.CharField(
        _("short title"),
        max_length=100,
        blank=True,
        help_text=_('As the UN Migration Network\'s hub gives it: "Alternatives to detention".'),
    )
    short_title_fr = models.CharField(_("short title in French"), max_length=100, blank=True)
    short_title_es = models.CharField(_("short title in Spanish"), max_length=100, blank=True)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("GCM objective")
        verbose_name_plural = _("GCM objectives")
        constraints = [
            models.CheckConstraint(
                condition=Q(number__gte=1, number__lte=23), name="objective_number_1_to_23"
            ),
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"

    def get_absolute_url(self):
        return reverse("practices:objective-detail", args=[self.number])

    def localized_name(self, language: str | None = None) -> str:
        """The objective's title in English, French or Spanish (A/RES/73/195's wording)."""
        return in_language(self, "title", language)

    def localized_short_title(self, language: str | None = None) -> str:
        """The objective's short title in English, French or Spanish; its title where it
        has none."""
        return in_language(self, "short_title", language) or self.localized_name(language)


class ObjectiveAction(models.Model):
    """A lettered action under a GCM objective, such as 13(h)."""

    objective = models.ForeignKey(
        Objective,
        on_delete=models.CASCADE,
        related_name="actions",
        verbose_name=_("objective"),
    )
    letter = models.CharField(_("letter"), max_length=1)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        ordering = ["objective__number", "letter"]
        verbose_name = _("objective action")
        verbose_name_plural = _("objective actions")
        constraints = [
            models.UniqueConstraint(
                fields=["objective", "letter"], name="objective_action_unique_letter"
            ),
            models.CheckConstraint(
                condition=Q(letter__in=list(ascii_lowercase)), name="objective_action_letter_a_z"
            ),
        ]

    def __str__(self):
        return f"{self.objective.number}({self.letter})"

    @property
    def code(self) -> str:
        """The compact form used in data files and filters: "13h"."""
        return f"{self.objective.number}{self.letter}"


class GuidingPrinciple(models.Model):
    """One of the ten cross-cutting guiding principles of the Global Compact."""

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_fr = models.CharField(_("name in French"), max_length=100, blank=True)
    name_es = models.CharField(_("name in Spanish"), max_length=100, blank=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("guiding principle")
        verbose_name_plural = _("guiding principles")
        constraints = [
            models.CheckConstraint(
                condition=Q(number__gte=1, number__lte=10), name="principle_number_1_to_10"
            ),
        ]

    def __str__(self):
        return self.name

    def localized_name(self, language: str | None = None) -> str:
        """The principle's name in English, French or Spanish (A/RES/73/195's wording)."""
        return in_language(self, "name", language)


class Theme(models.Model):
    """A term of the catalogue's small controlled vocabulary of topics."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    name_fr = models.CharField(_("name in French"), max_length=100, blank=True)
    name_es = models.CharField(_("name in Spanish"), max_length=100, blank=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self):
        return self.name

    def localized_name(self, language: str | None = None) -> str:
        """The theme's name in English, French or Spanish."""
        return in_language(self, "name", language)


class Organisation(models.Model):
    """A body other than a government that reports or supports a record."""

    class Kind(models.TextChoices):
        UN_AGENCY = "un-agency", _("UN agency or body")
        INTERGOVERNMENTAL = "intergovernmental", _("Other intergovernmental body")
        REGIONAL_PROCESS = "regional-process", _("Regional consultative process")
        CIVIL_SOCIETY = "civil-society", _("Civil society")
        NATIONAL_INSTITUTION = "national-institution", _("National institution")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    name_fr = models.CharField(
        _("name in French"),
        max_length=200,
        blank=True,
        help_text=_("Its official French name; a proper name is written as it is."),
    )
    name_es = models.CharField(
        _("name in Spanish"),
        max_length=200,
        blank=True,
        help_text=_("Its official Spanish name; a proper name is written as it is."),
    )
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    aliases = models.JSONField(
        _("aliases"),
        default=list,
        blank=True,
        help_text=_("Other spellings reports use for this organisation."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def localized_name(self, language: str | None = None) -> str:
        """The organisation's name in English, French or Spanish (its official names)."""
        return in_language(self, "name", language)


class Source(models.Model):
    """A GFMD document and the session it reports on: what a record cites."""

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    session = models.CharField(_("session"), max_length=200, blank=True)
    meeting = models.CharField(
        _("meeting"), max_length=200, blank=True, help_text=_("The GFMD meeting or summit.")
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True, db_index=True)
    chair = models.CharField(_("chair"), max_length=300, blank=True)
    rapporteurs = models.JSONField(_("rapporteurs"), default=list, blank=True)
    link = models.URLField(_("link"), blank=True, help_text=_("The document itself, online."))
    # A related document the report points to (a footnote's link), which is not the
    # report itself: cited as "see also", never as the document's own link.
    see_also_title = models.CharField(_("see also: title"), max_length=300, blank=True)
    see_also_link = models.URLField(_("see also: link"), blank=True)
    citation = models.TextField(_("how to cite"), blank=True)
    report_file = models.CharField(
        _("report file"),
        max_length=200,
        blank=True,
        help_text=_("The report's text in practices/data/reports/, when the project holds it."),
    )

    class Meta:
        ordering = ["-year", "title"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        constraints = [
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__gte=2007, year__lte=2100),
                name="source_year_since_first_gfmd",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.year})" if self.year else self.title

    def get_absolute_url(self):
        return reverse("practices:source-detail", args=[self.slug])


class CatalogueState(models.Model):
    """One row whose generation changes with every write to the catalogue, so that caches
    keyed by it are never stale (see practices.cache)."""

    generation = models.PositiveBigIntegerField(default=0)
    # Moves with writes to the reference tables only (countries, objectives, themes...):
    # what is made from them alone outlives an editor's save of a record.
    reference_generation = models.PositiveBigIntegerField(default=0, db_default=0)

    class Meta:
        verbose_name = _("catalogue state")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="catalogue_state_single_row")]

    def __str__(self):
        return f"generation {self.generation}"


class RecordCount(models.Model):
    """How many published records of a kind link to a row of a reference table, or to a
    country and an objective together (coverage): kept by practices.summary as records
    change, so that no reader counts the whole catalogue."""

    kind = models.CharField(_("kind of record"), max_length=20)
    relation = models.CharField(
        _("relation"),
        max_length=20,
        help_text=_("countries, objectives, themes, ..., source, region, coverage, or all."),
    )
    target = models.BigIntegerField(_("row"), default=0)
    other = models.BigIntegerField(_("objective"), default=0, help_text=_("Coverage only."))
    count = models.IntegerField(_("published records"), default=0)

    class Meta:
        verbose_name = _("record count")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "relation", "target", "other"], name="record_count_unique_key"
            ),
        ]
        indexes = [models.Index(fields=["relation", "target"], name="record_count_relation")]

    def __str__(self):
        return f"{self.kind} {self.relation} {self.target}/{self.other}: {self.count}"


class Status(models.TextChoices):
    """Where a record stands in the editorial workflow; only published is public."""

    DRAFT = "draft", _("Draft")
    IN_REVIEW = "review", _("In review")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Set while practices.editing writes a record: the services are the only way to save or
# delete one, so a door that skips them (and with them the rule table) fails loudly.
_writing = ContextVar("record_writes", default=False)


@contextlib.contextmanager
def record_writes():
    """The block in which practices.editing saves or deletes records."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


class ServiceOnly(RuntimeError):
    """A record saved or deleted without practices.editing."""


# Every ISO 639-1 code ("en", "fr"...), as pycountry knows them.
LANGUAGE_CODES = tuple(
    sorted(language.alpha_2 for language in pycountry.languages if hasattr(language, "alpha_2"))
)


def is_language_code(code: str) -> bool:
    """Whether `code` is an ISO 639-1 code ("en", "fr"; not "EN", "zz" or "eng")."""
    return code in _LANGUAGE_CODES


_LANGUAGE_CODES = frozenset(LANGUAGE_CODES)


def validate_language_code(value: str) -> None:
    """A record's language: an ISO 639-1 code, at every door (admin, API, import, loader)."""
    if not is_language_code(value):
        raise ValidationError(
            _("%(value)s is not an ISO 639-1 language code: give one such as en, fr, es."),
            code="language_code",
            params={"value": str(value)[:30]},
        )


class Record(models.Model):
    """The shape every catalogue record shares: what it says, who and what it concerns,
    and where it comes from."""

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    text = models.TextField(_("text"), help_text=_("The passage as the report gives it."))
    # Records keep the language their source wrote them in: never machine-translated.
    language = models.CharField(
        _("language"),
        max_length=2,
        default="en",
        db_default="en",
        validators=[validate_language_code],
        help_text=_(
            "The language of the title and text, as an ISO 639-1 code (en, fr, es...): "
            "the language the source wrote them in."
        ),
    )
    countries = models.ManyToManyField(
        Country,
        blank=True,
        related_name="%(class)s_set",
        verbose_name=_("countries"),
        help_text=_("Every country the record names; a bilateral practice names both."),
    )
    organisations = models.ManyToManyField(
        Organisation, blank=True, related_name="%(class)s_set", verbose_name=_("organisations")
    )
    objectives = models.ManyToManyField(
        Objective, blank=True, related_name="%(class)s_set", verbose_name=_("GCM objectives")
    )
    actions = models.ManyToManyField(
        ObjectiveAction,
        blank=True,
        related_name="%(class)s_set",
        verbose_name=_("GCM actions"),
    )
    principles = models.ManyToManyField(
        GuidingPrinciple,
        blank=True,
        related_name="%(class)s_set",
        verbose_name=_("guiding principles"),
    )
    themes = models.ManyToManyField(
        Theme, blank=True, related_name="%(class)s_set", verbose_name=_("themes")
    )
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="%(class)s_set", verbose_name=_("source")
    )
    section = models.CharField(
        _("section"),
        max_length=255,
        blank=True,
        help_text=_("Where in the source the passage stands (section, table column, page)."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("published by"),
    )
    # Optimistic locking: a change names the version it was made from (practices.editing).
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    # Kept by the database itself (see practices.search): a weighted tsvector on
    # PostgreSQL; unused on SQLite, where an FTS5 table mirrors title and text.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = RecordQuerySet.as_manager()
    # Every change kept: who, when, and the old and new values (django-simple-history).
    history = HistoricalRecords(
        inherit=True,
        excluded_fields=["search_vector"],
        m2m_fields=["countries", "organisations", "objectives", "actions", "principles", "themes"],
    )

    class Meta:
        abstract = True
        ordering = ["title", "pk"]
        # No CheckConstraint on language: Django validates one with a query per record
        # (an import of 200 rows made 200 more); validate_language_code holds every door.
        indexes = [
            models.Index(fields=["status", "-updated_at"], name="%(class)s_status_updated"),
            models.Index(fields=["status", "-published_at"], name="%(class)s_published"),
            # The default order of public lists: published records by title.
            models.Index(fields=["status", "title", "id"], name="%(class)s_status_title"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not _writing.get():
            raise ServiceOnly(
                f"{type(self).__name__}.save(): records are written through "
                "practices.editing, which checks the rule table and the version."
            )
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse(f"practices:{self._meta.model_name}-detail", args=[self.slug])

    def delete(self, *args, **kwargs):
        if not _writing.get():
            raise ServiceOnly(
                f"{type(self).__name__}.delete(): records are deleted through "
                "practices.editing.record_delete()."
            )
        return super().delete(*args, **kwargs)


class Practice(Record):
    """Something a government or stakeholder did, reported as a practice: the report's
    words, and what a submission adds (scope, period, status, partners, results, lessons).
    Records read from a report keep those empty rather than guessed."""

    class Scope(models.TextChoices):
        COUNTRIES = "countries", _("In the countries named")
        REGION = "region", _("A region")
        GLOBAL = "global", _("Global")

    class Implementation(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ONGOING = "ongoing", _("Ongoing")
        MOSTLY_COMPLETED = "mostly-completed", _("Mostly completed")
        COMPLETED = "completed", _("Completed")

    # What a submission adds to the report's words, in the order every door gives it
    # (API, CSV, import, snapshot); the private contact is not among them.
    IMPLEMENTATION_FIELDS = (
        "scope",
        "scope_region",
        "start_year",
        "end_year",
        "implementation_status",
        "partners",
        "results",
        "lessons",
        "innovation",
        "principles_applied",
    )

    scope = models.CharField(
        _("scope"),
        max_length=10,
        choices=Scope.choices,
        blank=True,
        help_text=_(
            "Where it is implemented: the countries named, one region, or worldwide. "
            "Empty where the source does not say."
        ),
    )
    scope_region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="practices_in_scope",
        verbose_name=_("region of implementation"),
        help_text=_("Only when the scope is a region."),
    )
    start_year = models.PositiveSmallIntegerField(_("start year"), null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(
        _("end year"), null=True, blank=True, help_text=_("Empty while it is ongoing.")
    )
    implementation_status = models.CharField(
        _("implementation status"),
        max_length=20,
        choices=Implementation.choices,
        blank=True,
    )
    results = models.TextField(
        _("results and evidence"), blank=True, help_text=_("What it achieved, and how we know.")
    )
    lessons = models.TextField(_("lessons learned and pitfalls"), blank=True)
    innovation = models.TextField(_("what makes it innovative and replicable"), blank=True)
    principles_applied = models.TextField(_("how it applies the guiding principles"), blank=True)
    # Private: the admin shows it, and nothing public does (API, CSV, snapshot, pages).
    contact = models.TextField(
        _("contact (private)"),
        blank=True,
        help_text=_("Who to ask about it. Never published: the admin alone shows it."),
    )

    class Meta(Record.Meta):
        verbose_name = _("practice")
        verbose_name_plural = _("practices")
        permissions = [("publish_practice", _("Can publish and withdraw practices"))]
        indexes = [
            *Record.Meta.indexes,
            models.Index(fields=["scope"], name="practice_scope"),
            models.Index(fields=["implementation_status"], name="practice_implementation"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(scope="region") & Q(scope_region__isnull=False))
                | (~Q(scope="region") & Q(scope_region__isnull=True)),
                name="practice_scope_region_only_for_region",
            ),
            models.CheckConstraint(
                condition=Q(start_year__isnull=True)
                | Q(start_year__gte=1945, start_year__lte=2100),
                name="practice_start_year_range",
            ),
            models.CheckConstraint(
                condition=Q(end_year__isnull=True) | Q(end_year__gte=1945, end_year__lte=2100),
                name="practice_end_year_range",
            ),
            models.CheckConstraint(
                condition=Q(start_year__isnull=True)
                | Q(end_year__isnull=True)
                | Q(end_year__gte=models.F("start_year")),
                name="practice_end_not_before_start",
            ),
        ]

    def clean(self):
        super().clean()
        errors = {}
        if self.scope == self.Scope.REGION and not self.scope_region_id:
            errors["scope_region"] = ValidationError(
                _("Name the region where it is implemented."), code="scope_region_missing"
            )
        if self.scope != self.Scope.REGION and self.scope_region_id:
            errors["scope_region"] = ValidationError(
                _("A region of implementation is given only when the scope is a region."),
                code="scope_region_unexpected",
            )
        for name in ("start_year", "end_year"):
            year = getattr(self, name)
            if year is not None and not 1945 <= year <= 2100:
                errors[name] = ValidationError(
                    _("%(year)s is not a year between 1945 and 2100."),
                    code="year_range",
                    params={"year": year},
                )
        if (
            self.start_year
            and self.end_year
            and self.end_year < self.start_year
            and "end_year" not in errors
        ):
            errors["end_year"] = ValidationError(
                _("The end year (%(end)s) is before the start year (%(start)s)."),
                code="end_before_start",
                params={"end": self.end_year, "start": self.start_year},
            )
        if (
            self.end_year
            and self.implementation_status
            in (
                self.Implementation.PLANNED,
                self.Implementation.ONGOING,
            )
            and "end_year" not in errors
        ):
            errors["end_year"] = ValidationError(
                _("A planned or ongoing practice has no end year yet."),
                code="end_year_while_ongoing",
            )
        if errors:
            raise ValidationError(errors)

    @property
    def ongoing(self) -> bool:
        """Started, and not ended."""
        return self.implementation_status == self.Implementation.ONGOING


class Partner(models.Model):
    """An organisation that took part in a practice, and its role: a row of the
    organisations table, or a name the submitter gave where the table has none."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        IMPLEMENTING = "implementing", _("Implementing partner")
        FUNDING = "funding", _("Funding")
        TECHNICAL = "technical", _("Technical support")
        OTHER = "other", _("Other")

    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="partners", verbose_name=_("practice")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partnerships",
        verbose_name=_("organisation"),
    )
    name = models.CharField(
        _("name"),
        max_length=200,
        blank=True,
        help_text=_("Only for a partner the organisations table does not hold."),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["practice", "role", "pk"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        constraints = [
            models.CheckConstraint(
                condition=(Q(organisation__isnull=False) & Q(name=""))
                | (Q(organisation__isnull=True) & ~Q(name="")),
                name="partner_organisation_or_name",
            ),
            models.UniqueConstraint(
                fields=["practice", "organisation", "role"],
                condition=Q(organisation__isnull=False),
                name="partner_unique_organisation_role",
            ),
            models.UniqueConstraint(
                fields=["practice", "name", "role"],
                condition=Q(organisation__isnull=True),
                name="partner_unique_name_role",
            ),
        ]

    def __str__(self):
        return f"{self.display_name()} ({self.get_role_display()})"

    def display_name(self, language: str | None = None) -> str:
        """The organisation's name in the reader's language, or the name given."""
        return self.organisation.localized_name(language) if self.organisation_id else self.name


class Challenge(Record):
    """An obstacle reported at a GFMD session, linked to the practices that address it."""

    addressed_by = models.ManyToManyField(
        Practice,
        blank=True,
        related_name="challenges_addressed",
        verbose_name=_("addressed by practices"),
    )

    class Meta(Record.Meta):
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")
        permissions = [("publish_challenge", _("Can publish and withdraw challenges"))]


class Opportunity(Record):
    """An opening or enabling factor reported at a GFMD session."""

    class Meta(Record.Meta):
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        permissions = [("publish_opportunity", _("Can publish and withdraw opportunities"))]


class Recommendation(Record):
    """A recommendation of a GFMD session, of one of four kinds."""

    class Kind(models.TextChoices):
        GENERAL = "general", _("General recommendation")
        PRACTICAL = "practical", _("Practical recommendation")
        CONVERGENCE = "convergence", _("Point of convergence")
        FURTHER_DISCUSSION = "further-discussion", _("Issue for further discussion")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    kind_stated = models.BooleanField(
        _("kind stated by the source"),
        default=True,
        db_default=True,
        help_text=_(
            "Untick where the source does not say which kind of recommendation this is: "
            "the kind is then the catalogue's reading, and the record's page says so."
        ),
    )
    area = models.CharField(
        _("area"),
        max_length=300,
        blank=True,
        help_text=_("The recommendation area or guiding question it falls under."),
    )

    class Meta(Record.Meta):
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        permissions = [("publish_recommendation", _("Can publish and withdraw recommendations"))]
        indexes = [
            *Record.Meta.indexes,
            models.Index(fields=["kind"], name="recommendation_kind"),
        ]


RECORD_MODELS = (Practice, Challenge, Opportunity, Recommendation)
