"""The planner's workbench: countries side by side (/compare/), and a country's plan sheet
(/countries/<slug>/plan/), where an official shortlists records to download as a Word
document or to print.

Both are GET forms: a comparison and a shortlist live in the query string, so they work
without JavaScript and can be bookmarked or sent.
"""

import io
from urllib.parse import urlencode

from django import forms
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from docx import Document
from docx.enum.text import WD_BREAK
from docx.shared import Mm

from practices import shapes
from practices.cache import cached, generation
from practices.citations import (
    citation_text,
    item_citation,
    source_reports,
    today,
)
from practices.filtersets import ValuesField, check_known
from practices.models import Country
from practices.selectors import countries_side_by_side, plan_sheet, records_by_slug
from practices.templatetags.catalogue import localized

MIN_COUNTRIES, MAX_COUNTRIES = 2, 4
MAX_PICKS = 100
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def country_choices(at: int | None = None) -> list[tuple[str, str]]:
    """Every country as (alpha-2, name in the page's language), by name: kept in the
    process with the reference briefs (shapes.country_names), so no query when warm."""
    language = (get_language() or "en")[:2]
    names = shapes.country_names(generation() if at is None else at)
    return sorted(
        ((code, name.get(language) or name["en"]) for code, name in names.items()),
        key=lambda choice: choice[1],
    )


def ordered_countries(values) -> list[Country]:
    """Countries by ISO alpha-2 or alpha-3 code, in the order given, each once; a
    ValidationError names the codes that are not countries."""
    codes = [value.upper() for value in values]
    found = list(
        Country.objects.select_related("subregion__parent").filter(
            Q(alpha2__in=codes) | Q(alpha3__in=codes)
        )
    )
    check_known(codes, {c.alpha2 for c in found} | {c.alpha3 for c in found}, _("country code"))
    by_code = {code: country for country in found for code in (country.alpha2, country.alpha3)}
    return list(dict.fromkeys(by_code[code] for code in codes))


class CompareForm(forms.Form):
    """Two to four countries, repeated or comma-separated, as the API's country filter."""

    countries = ValuesField(
        resolve=ordered_countries,
        error_messages={"required": _("Choose two to four countries to compare.")},
    )

    def clean_countries(self):
        countries = self.cleaned_data["countries"]
        if not MIN_COUNTRIES <= len(countries) <= MAX_COUNTRIES:
            raise forms.ValidationError(
                _("Choose two to four different countries to compare; %(n)d given."),
                code="count",
                params={"n": len(countries)},
            )
        return countries


def compare(request):
    """Two to four countries side by side on the 23 objectives; the form alone (200) when
    no country is asked, the form and what is wrong (400) for bad input."""
    at = generation()
    context = {"choices": country_choices(at)}
    if "countries" not in request.GET:
        return render(request, "practices/compare.html", {**context, "slots": slots([])})
    form = CompareForm(request.GET)
    if not form.is_valid():
        raw = form.fields["countries"].widget.value_from_datadict(request.GET, None, "countries")
        chosen = [code.upper() for code in raw][:MAX_COUNTRIES]
        return render(
            request,
            "practices/compare.html",
            {**context, "errors": form.errors["countries"], "slots": slots(chosen)},
            status=400,
        )
    countries = form.cleaned_data["countries"]
    return render(
        request,
        "practices/compare.html",
        {
            **context,
            "countries": countries,
            "slots": slots([country.alpha2 for country in countries]),
            "comparison": cached(
                "pages",
                # The objectives' titles are in the page's language.
                f"compare|{','.join(str(country.pk) for country in countries)}|{get_language()}",
                lambda: countries_side_by_side(countries),
                at=at,
            ),
        },
    )


def slots(chosen: list[str]) -> list[dict]:
    """The form's country menus, each with the code chosen in it (alpha-2 or blank)."""
    codes = [*chosen[:MAX_COUNTRIES], *[""] * MAX_COUNTRIES][:MAX_COUNTRIES]
    return [
        {"number": n, "code": code, "required": n <= MIN_COUNTRIES}
        for n, code in enumerate(codes, start=1)
    ]


class ShortlistForm(forms.Form):
    """A plan sheet's shortlist (?pick=<slug>&pick=<slug>) and the format asked."""

    pick = ValuesField(resolve=lambda slugs: list(dict.fromkeys(slugs)), required=False)
    format = forms.ChoiceField(choices=[("", "page"), ("docx", "docx")], required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pick"].max_values = MAX_PICKS


def plan_sheet_view(request, slug):
    """A country's plan sheet: objective by objective, its records and its peers'
    practices to tick into a shortlist; the shortlist as a page to print or a .docx.

    A pick that names no published record (withdrawn, or mistyped) is left out with a note
    rather than refused: a shortlist sent or bookmarked last month still opens, and the
    next submit of the form drops it. Input that cannot be a shortlist (too many picks,
    an unknown format) is a 400."""
    country = get_object_or_404(
        Country.objects.select_related("subregion__parent", "intermediate_region"), slug=slug
    )
    at = generation()
    form = ShortlistForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "practices/plan_sheet.html",
            {"country": country, "errors": form.errors, "objectives": [], "picked": set()},
            status=400,
        )
    picks = form.cleaned_data["pick"]
    entries, unknown = records_by_slug(picks) if picks else ([], set())
    shortlist = shortlist_groups(entries, request)
    if form.cleaned_data["format"] == "docx":
        if not entries:
            return render(
                request,
                "practices/plan_sheet.html",
                {
                    "country": country,
                    "errors": {"pick": [_("Tick at least one record to download a shortlist.")]},
                    "objectives": plan_objectives(country, at),
                    "picked": set(),
                    "unknown": sorted(unknown),
                },
                status=400,
            )
        response = HttpResponse(plan_docx(country, shortlist, request), content_type=DOCX)
        response["Content-Disposition"] = f'attachment; filename="{country.slug}-plan-sheet.docx"'
        return response
    return render(
        request,
        "practices/plan_sheet.html",
        {
            "country": country,
            "objectives": plan_objectives(country, at),
            "shortlist": shortlist,
            "picked": {entry.item["slug"] for entry in entries},
            "unknown": sorted(unknown),
        },
    )


def plan_objectives(country, at: int) -> list[dict]:
    """A country's plan sheet without its shortlist (selectors.plan_sheet), once per
    generation: an official ticking and updating reads it again and again."""
    key = f"plan-sheet|{country.pk}|{get_language()}"  # its records' briefs name rows
    return cached("pages", key, lambda: plan_sheet(country), at=at)


def shortlist_groups(entries, request) -> list[dict]:
    """The shortlisted records grouped under the lowest-numbered objective each speaks
    to (those on none last), by title; each with its citation and stable link."""
    reports = source_reports(
        {entry.item["source"]["slug"] for entry in entries if entry.item["source"]}
    )
    accessed = today()
    groups: dict = {}
    for entry in sorted(entries, key=lambda entry: entry.item["title"]):
        objectives = entry.item["objectives"]
        first = min((o["number"] for o in objectives), default=None)
        group = groups.setdefault(first, {"objective": None, "records": []})
        if objectives:
            group["objective"] = next(o for o in objectives if o["number"] == first)
        permalink = request.build_absolute_uri(entry.item["web_url"])
        entry.permalink = permalink
        entry.citation = citation_text(
            item_citation(
                entry.item, kind=entry.kind, reports=reports, accessed=accessed, permalink=permalink
            )
        )
        group["records"].append(entry)
    return [groups[key] for key in sorted(groups, key=lambda n: (n is None, n or 0))]


def plan_docx(country, groups: list[dict], request) -> bytes:
    """The shortlist as a Word document on A4: an objective per page, each record with its
    text, countries, objectives and full citation."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for margin in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, margin, Mm(20))
    name = country.localized_name(get_language() or "en")
    title = gettext("%(country)s: plan sheet") % {"country": name}
    document.core_properties.title = title
    document.add_heading(title, level=0)
    document.add_paragraph(
        gettext("Shortlisted from the GFMD Practice Catalogue on %(date)s: %(url)s")
        % {
            "date": timezone.now().date().isoformat(),
            "url": shortlist_url(country, groups, request),
        }
    )
    for index, group in enumerate(groups):
        if index:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        objective = group["objective"]
        document.add_heading(
            gettext("Objective %(number)d. %(title)s")
            % {"number": objective["number"], "title": objective["title"]}
            if objective
            else gettext("Records on no GCM objective"),
            level=1,
        )
        for entry in group["records"]:
            item = entry.item
            document.add_heading(item["title"], level=2)
            document.add_paragraph(f"{gettext('Kind')}: {str(entry.kind).capitalize()}")
            document.add_paragraph(item["text"])
            countries = ", ".join(localized(names) for names in entry.countries)
            document.add_paragraph(f"{gettext('Countries')}: {countries or '–'}")
            objectives = "; ".join(f"{o['number']}. {o['title']}" for o in item["objectives"])
            document.add_paragraph(f"{gettext('GCM objectives')}: {objectives or '–'}")
            document.add_paragraph(f"{gettext('Citation')}: {entry.citation}")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def shortlist_url(country, groups: list[dict], request) -> str:
    """The plan sheet's address with this shortlist: where the document comes from."""
    picks = [("pick", entry.item["slug"]) for group in groups for entry in group["records"]]
    path = reverse("practices:plan-sheet", args=[country.slug])
    return request.build_absolute_uri(f"{path}?{urlencode(picks)}")
