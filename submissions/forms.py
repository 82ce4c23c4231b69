"""The public form of a practice: for a new submission, and for its revision.

Every rule of the practice itself (scope and region, years, status and end year, the
language code) is Practice.clean's and its fields' validators, asked through an unsaved
instance; the form adds what only a submission needs (a country for a practice
implemented in countries, partners named with a role, one objective at least) and the
spam controls: a honeypot field and a signed time the form was shown.
"""

import time

import pycountry
from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext_lazy as _

from practices.models import (
    LANGUAGE_CODES,
    Country,
    GuidingPrinciple,
    Objective,
    Organisation,
    Partner,
    Practice,
    Region,
    Source,
    Theme,
)
from submissions.services import PracticeData

PARTNER_ROWS = 3
HONEYPOT = "website"
SHOWN_SALT = "submissions.form.shown"
# Text a submitter writes: room for a page or two each, and no more.
LONG_TEXT = 10000
MEDIUM_TEXT = 5000
SHORT_TEXT = 1000
# The request as a whole (every field at its longest fits well within it).
MAX_REQUEST_BYTES = 256 * 1024

# Form field: the Practice field whose rules hold it.
PRACTICE_FIELDS = {
    "title": "title",
    "summary": "text",
    "language": "language",
    "scope": "scope",
    "scope_region": "scope_region",
    "start_year": "start_year",
    "end_year": "end_year",
    "implementation_status": "implementation_status",
    "results": "results",
    "lessons": "lessons",
    "innovation": "innovation",
    "principles_applied": "principles_applied",
    "contact": "contact",
}
RELATIONS = ("countries", "objectives", "principles", "themes")


class Localized(forms.ModelChoiceField):
    """Rows named in the reader's language."""

    def label_from_instance(self, obj):
        return obj.localized_name()


class LocalizedMany(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.localized_name()


class Objectives(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.number}. {obj.localized_name()}"


def language_choices() -> list[tuple[str, str]]:
    """ISO 639-1 codes with their names in the reader's language where Django knows them."""
    choices = []
    for code in LANGUAGE_CODES:
        try:
            name = str(get_language_info(code)["name_translated"])
        except KeyError:
            name = pycountry.languages.get(alpha_2=code).name
        choices.append((code, f"{name} ({code})"))
    return sorted(choices, key=lambda choice: choice[1].casefold())


def shown_stamp() -> str:
    """The signed time the form is shown (sent back with it)."""
    return signing.TimestampSigner(salt=SHOWN_SALT).sign(str(int(time.time())))


class PracticeForm(forms.Form):
    """A practice as its submitter describes it; `revision` leaves out who submits."""

    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Who did what, where, and for whom."),
    )
    scope = forms.ChoiceField(
        label=_("Where it is implemented"),
        choices=Practice.Scope.choices,
        widget=forms.RadioSelect,
        initial=Practice.Scope.COUNTRIES,
    )
    countries = LocalizedMany(
        label=_("Implementing countries"),
        queryset=Country.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_(
            "When it is implemented in countries: choose one or more (hold Ctrl, or Cmd "
            "on a Mac, to choose several)."
        ),
    )
    scope_region = Localized(
        label=_("Region"),
        queryset=Region.objects.all(),
        required=False,
        help_text=_("When it is implemented across a region."),
    )
    start_year = forms.IntegerField(label=_("Start year"), required=False)
    end_year = forms.IntegerField(
        label=_("End year"), required=False, help_text=_("Leave empty while it is ongoing.")
    )
    implementation_status = forms.ChoiceField(
        label=_("Implementation status"),
        choices=[("", "---------"), *Practice.Implementation.choices],
    )
    results = forms.CharField(
        label=_("Results and evidence"),
        max_length=MEDIUM_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    lessons = forms.CharField(
        label=_("Lessons learned and pitfalls"),
        max_length=MEDIUM_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    innovation = forms.CharField(
        label=_("What makes it innovative and replicable"),
        max_length=MEDIUM_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    objectives = Objectives(
        label=_("GCM objectives"),
        queryset=Objective.objects.order_by("number"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one GCM objective.")},
    )
    principles = LocalizedMany(
        label=_("Guiding principles"),
        queryset=GuidingPrinciple.objects.order_by("number"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    principles_applied = forms.CharField(
        label=_("How it applies the guiding principles"),
        max_length=MEDIUM_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    themes = LocalizedMany(
        label=_("Themes"),
        queryset=Theme.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    source = forms.ModelChoiceField(
        label=_("GFMD source"),
        queryset=Source.objects.order_by("-year", "title"),
        required=False,
        help_text=_("The GFMD document that reported it, if any."),
    )
    language = forms.ChoiceField(
        label=_("Language of the submission"),
        help_text=_("The language the title and texts are written in."),
    )
    contact = forms.CharField(
        label=_("Contact for this practice (private)"),
        max_length=SHORT_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who to ask about it. Seen by the editors only, never published."),
    )
    submitter_name = forms.CharField(label=_("Your name"), max_length=200)
    submitter_email = forms.EmailField(
        label=_("Your e-mail"),
        max_length=254,
        help_text=_("We send a link to it: your submission is sent once you follow it."),
    )
    submitter_organisation = forms.CharField(
        label=_("Your organisation"), max_length=200, required=False
    )
    # Spam controls: left empty by people (it is hidden), and the signed time shown.
    website = forms.CharField(label=_("Leave this field empty"), required=False, max_length=200)
    shown = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)

    def __init__(self, *args, revision: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.revision = revision
        if revision:
            for name in ("submitter_name", "submitter_email", "submitter_organisation", "source"):
                del self.fields[name]
        self.fields["language"].choices = language_choices()
        self.fields["language"].initial = (get_language() or "en")[:2]
        self.fields["countries"].queryset = Country.objects.all()
        self.fields["countries"].choices = sorted_choices(self.fields["countries"])
        self.fields["scope_region"].choices = [
            ("", "---------"),
            *sorted_choices(self.fields["scope_region"]),
        ]
        self.fields["shown"].initial = shown_stamp()
        for row in range(1, PARTNER_ROWS + 1):
            self.fields[f"partner_{row}_organisation"] = Localized(
                label=_("Partner %(n)s: organisation") % {"n": row},
                queryset=Organisation.objects.all(),
                required=False,
            )
            self.fields[f"partner_{row}_organisation"].choices = [
                ("", "---------"),
                *sorted_choices(self.fields[f"partner_{row}_organisation"]),
            ]
            self.fields[f"partner_{row}_name"] = forms.CharField(
                label=_("Partner %(n)s: or its name, if not in the list") % {"n": row},
                max_length=200,
                required=False,
            )
            self.fields[f"partner_{row}_role"] = forms.ChoiceField(
                label=_("Partner %(n)s: role") % {"n": row},
                choices=[("", "---------"), *Partner.Role.choices],
                required=False,
            )

    def partner_rows(self) -> list[tuple]:
        """The partner fields, row by row, for the template."""
        return [
            (
                row,
                self[f"partner_{row}_organisation"],
                self[f"partner_{row}_name"],
                self[f"partner_{row}_role"],
            )
            for row in range(1, PARTNER_ROWS + 1)
        ]

    def clean(self):
        data = super().clean()
        self.practice_rules(data)
        countries_missing = not data.get("countries") and "countries" not in self.errors
        if data.get("scope") == Practice.Scope.COUNTRIES and countries_missing:
            self.add_error("countries", _("Choose at least one implementing country."))
        if data.get("scope") != Practice.Scope.COUNTRIES and data.get("countries"):
            self.add_error(
                "countries", _("Countries are chosen only when it is implemented in countries.")
            )
        self.partner_rules(data)
        return data

    def practice_rules(self, data) -> None:
        """Practice's own rules, on an unsaved practice made of what was sent."""
        values = {model: data.get(name) for name, model in PRACTICE_FIELDS.items() if name in data}
        practice = Practice(**{k: v for k, v in values.items() if v is not None})
        checked = [model for name, model in PRACTICE_FIELDS.items() if name in data]
        errors = {}
        try:
            practice.clean_fields(
                exclude=[f.name for f in Practice._meta.fields if f.name not in checked]
            )
        except ValidationError as error:
            errors.update(error.error_dict)
        try:
            practice.clean()
        except ValidationError as error:
            for field, messages in error.error_dict.items():
                errors.setdefault(field, []).extend(messages)
        by_model = {model: name for name, model in PRACTICE_FIELDS.items()}
        for field, messages in errors.items():
            name = by_model.get(field)
            if name in self.fields and name not in self.errors:
                for message in messages:
                    self.add_error(name, message)

    def partner_rules(self, data) -> None:
        seen = set()
        for row in range(1, PARTNER_ROWS + 1):
            organisation = data.get(f"partner_{row}_organisation")
            name = (data.get(f"partner_{row}_name") or "").strip()
            role = data.get(f"partner_{row}_role")
            if organisation and name:
                self.add_error(
                    f"partner_{row}_name",
                    _("Choose the organisation from the list or write its name, not both."),
                )
            elif (organisation or name) and not role:
                self.add_error(f"partner_{row}_role", _("Say what role this partner had."))
            elif role and not (organisation or name):
                self.add_error(
                    f"partner_{row}_organisation", _("Name the partner that had this role.")
                )
            elif organisation or name:
                key = (organisation.pk if organisation else name.casefold(), role)
                if key in seen:
                    self.add_error(
                        f"partner_{row}_organisation",
                        _("This partner is already named with this role."),
                    )
                seen.add(key)

    def refused_as_spam(self) -> bool:
        """The honeypot was filled: a robot, refused without saying why."""
        return bool(self.data.get(HONEYPOT))

    def too_fast(self) -> bool:
        """Sent sooner after it was shown than a person could fill it, or its time is not
        the one the form was shown with."""
        try:
            shown = int(signing.TimestampSigner(salt=SHOWN_SALT).unsign(self.data.get("shown", "")))
        except (signing.BadSignature, ValueError):
            return True
        return time.time() - shown < settings.SUBMISSIONS["MIN_SECONDS_TO_SUBMIT"]

    def practice_data(self) -> PracticeData:
        """What the services take: the practice's values, relations and partners."""
        data = self.cleaned_data
        values = {model: data.get(name) for name, model in PRACTICE_FIELDS.items()}
        for name, model in PRACTICE_FIELDS.items():
            if values[model] is None and name not in ("scope_region", "start_year", "end_year"):
                values[model] = ""
        values["title"] = values["title"].strip()
        if not self.revision:
            values["source"] = data.get("source")
        relations = {name: list(data.get(name) or []) for name in RELATIONS}
        partners = []
        for row in range(1, PARTNER_ROWS + 1):
            organisation = data.get(f"partner_{row}_organisation")
            name = (data.get(f"partner_{row}_name") or "").strip()
            if organisation or name:
                partners.append(
                    {
                        "organisation": organisation,
                        "name": "" if organisation else name,
                        "role": data[f"partner_{row}_role"],
                    }
                )
        return PracticeData(values=values, relations=relations, partners=partners)

    def implementation_status_label(self) -> str:
        return Practice.Implementation(self.cleaned_data["implementation_status"]).label

    def preview_partners(self) -> list[tuple[str, str]]:
        """Each partner's name (in the reader's language) and role, for the preview."""
        return [
            (
                row["organisation"].localized_name() if row["organisation"] else row["name"],
                Partner.Role(row["role"]).label,
            )
            for row in self.practice_data().partners
        ]

    @staticmethod
    def initial_from(practice: Practice) -> dict:
        """The form's initial values from a stored practice (for its revision)."""
        initial = {name: getattr(practice, model) for name, model in PRACTICE_FIELDS.items()}
        initial["scope_region"] = practice.scope_region_id
        for name in RELATIONS:
            initial[name] = [row.pk for row in getattr(practice, name).all()]
        for row, partner in enumerate(practice.partners.all()[:PARTNER_ROWS], start=1):
            initial[f"partner_{row}_organisation"] = partner.organisation_id
            initial[f"partner_{row}_name"] = partner.name
            initial[f"partner_{row}_role"] = partner.role
        return initial


def sorted_choices(field) -> list[tuple]:
    """A model choice field's choices sorted by their label in the reader's language."""
    rows = [(row.pk, field.label_from_instance(row)) for row in field.queryset]
    return sorted(rows, key=lambda choice: choice[1].casefold())


class ListLinkForm(forms.Form):
    """The e-mail address a submitter wants the link to their list of submissions sent to."""

    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        help_text=_("The address you gave when you submitted."),
    )
    website = forms.CharField(label=_("Leave this field empty"), required=False, max_length=200)

    def refused_as_spam(self) -> bool:
        """The honeypot was filled: a robot, refused without saying why."""
        return bool(self.data.get(HONEYPOT))
