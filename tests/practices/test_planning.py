"""The planner's workbench on the seed data: countries side by side on the 23 objectives,
and a country's plan sheet whose shortlist downloads as a Word document."""

import io
import re

import pytest
from docx import Document

from practices import selectors
from practices.citations import citation_text, record_citation, report_of, today
from practices.models import RECORD_MODELS, Country, Objective, Practice
from tests.records import make, page_text, published_practices, uncached_queries

pytestmark = pytest.mark.django_db

MEXICO_AND_PHILIPPINES = "/compare/?countries=MX,PH"
PLAN = "/countries/mexico/plan/"
WORKING_GROUP = "mexico-national-working-group-gcm-objective-13h"
GUATEMALA = "guatemala-migration-code-regional-development-plan"
URUGUAY = "uruguay-information-campaigns-migrants-public-servants"
KAFALA = "philippines-key-agencies-against-kafala"


def table_row(html: str, number: int) -> str:
    """One objective's row of the side-by-side table."""
    row = html[html.index(f'<tr id="objective-{number}"') :]
    return row[: row.index("</tr>")]


def summary_item(html: str, term: str) -> str:
    """The objectives listed under one term of the comparison's summary."""
    item = html[html.index(f"<dt>{term}</dt>") :]
    return item[: item.index("</dd>")]


def numbers_in(fragment: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="#objective-(\d+)"', fragment)]


def plan_objective(html: str, number: int) -> str:
    """One objective's section of a plan sheet."""
    section = html[html.index(f'id="objective-{number}"') :]
    return section[: section.index("</section>")]


# Countries side by side.


def test_compare_shows_the_23_objectives_with_each_countrys_counts_and_records(client):
    html = page_text(client, MEXICO_AND_PHILIPPINES)
    assert html.count('<tr id="objective-') == 23
    assert '<th scope="col"><a href="/countries/mexico/">Mexico</a>' in html
    assert '<th scope="col"><a href="/countries/philippines/">Philippines</a>' in html
    thirteen = table_row(html, 13)
    assert 'href="/search/?country=MX&amp;objective=13">1 record' in thirteen
    assert f'<a href="/practices/{WORKING_GROUP}/">National working group' in thirteen
    six = table_row(html, 6)
    assert 'href="/search/?country=PH&amp;objective=6">5 records' in six
    assert f'href="/practices/{KAFALA}/"' in six and "Only Philippines" in six


def test_compare_says_what_all_share_and_what_only_one_has(client):
    """Mexico's records speak to 2, 7, 13 and 23; the Philippines' to 5, 6, 7, 20, 23."""
    html = page_text(client, MEXICO_AND_PHILIPPINES)
    assert numbers_in(summary_item(html, "All of them have records on")) == [7, 23]
    assert numbers_in(summary_item(html, "Only Mexico has records on")) == [2, 13]
    assert numbers_in(summary_item(html, "Only Philippines has records on")) == [5, 6, 20]
    none = numbers_in(summary_item(html, "None of them has records on yet"))
    assert none == [n for n in range(1, 24) if n not in (2, 5, 6, 7, 13, 20, 23)]
    assert 'class="shared"' in table_row(html, 7) and "All of them" in table_row(html, 7)
    assert 'class="nobody"' in table_row(html, 1) and "None yet" in table_row(html, 1)


def test_compare_counts_are_the_countrys_records_on_the_objective(client):
    """The kept counts agree with the records, and a cell lists at most five of them."""
    published_practices(7, ["TH"], [13], prefix="planning")
    html = page_text(client, "/compare/?countries=TH,MX")
    thirteen = table_row(html, 13)
    expected = sum(
        model.objects.published()
        .filter(countries__alpha2="TH", objectives__number=13)
        .distinct()
        .count()
        for model in RECORD_MODELS
    )
    assert f'href="/search/?country=TH&amp;objective=13">{expected} records' in thirteen
    thailand_cell = thirteen.split("<td>")[1]
    assert thailand_cell.count("<li>") == 5
    assert "planning-practice-th-6" in thailand_cell  # the newest first


@pytest.mark.parametrize(
    "query",
    [
        "countries=MX,PH",
        "countries=MX&countries=PH",
        "countries=MEX,PHL",
        "countries=mx&countries=phl",
        "countries=MX&countries=PH&countries=&countries=",  # the form's empty menus
    ],
)
def test_compare_reads_codes_as_the_apis_country_filter_does(client, query):
    html = page_text(client, f"/compare/?{query}")
    assert html.count('<th scope="col"><a href="/countries/') == 2
    assert html.index('href="/countries/mexico/">Mexico') < html.index(
        'href="/countries/philippines/">Philippines'
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("countries=MX", "Choose two to four different countries to compare; 1 given."),
        ("countries=MX,MEX", "Choose two to four different countries to compare; 1 given."),
        ("countries=MX,PH,TH,UY,GT", "Choose two to four different countries to compare; 5"),
        ("countries=MX,XX", "Unknown country code: XX."),
        ("countries=", "Choose two to four countries to compare."),
        ("countries=" + "A" * 300, "too long"),
        ("countries=" + ",".join(["MX"] * 60), "At most 50 values"),
    ],
)
def test_compare_with_bad_countries_is_a_400_saying_what_is_wrong_with_the_form(
    client, query, message
):
    html = page_text(client, f"/compare/?{query}", status=400)
    assert message in html
    assert 'role="alert"' in html
    assert html.count('<select id="compare-country-') == 4
    assert "compare-table" not in html


def test_compare_with_a_nul_character_is_a_400_not_a_500(client):
    """The site's middleware answers it before the view."""
    assert "NUL" in page_text(client, "/compare/?countries=MX,P%00H", status=400)


def test_compare_without_countries_is_the_form(client):
    html = page_text(client, "/compare/")
    assert html.count('<select id="compare-country-') == 4
    assert '<option value="PH">Philippines</option>' in html
    assert 'role="alert"' not in html


def test_compare_form_keeps_the_countries_chosen(client):
    html = page_text(client, "/compare/?countries=PH,MX")
    first = html[html.index('id="compare-country-1"') : html.index('id="compare-country-2"')]
    second = html[html.index('id="compare-country-2"') : html.index('id="compare-country-3"')]
    assert '<option value="PH" selected>' in first and '<option value="MX" selected>' in second


def test_country_page_offers_its_plan_sheet_and_a_comparison(client):
    html = page_text(client, "/countries/mexico/")
    assert 'href="/countries/mexico/plan/"' in html
    form = html[html.index('action="/compare/"') :]
    form = form[: form.index("</form>")]
    assert '<input type="hidden" name="countries" value="MX">' in form
    assert '<option value="PH">Philippines</option>' in form
    assert '<option value="MX">' not in form


# The plan sheet.


def test_plan_sheet_goes_objective_by_objective_with_the_countrys_records(client):
    html = page_text(client, PLAN)
    assert "<h1>Mexico: plan sheet</h1>" in html
    assert html.count('class="plan-objective ') == 23
    thirteen = plan_objective(html, 13)
    assert 'href="/search/?country=MX&amp;objective=13">Mexico: 1 record' in thirteen
    assert f'name="pick" value="{WORKING_GROUP}"' in thirteen
    for number in (2, 7, 23):
        assert f'value="{GUATEMALA}"' in plan_objective(html, number)
    assert "Mexico: no record yet" in plan_objective(html, 3)


def test_plan_sheet_offers_the_peers_practices_sub_region_first(client):
    """Uruguay is in Latin America and the Caribbean, as Mexico is; practices naming
    Mexico are its own, never its peers'."""
    three = plan_objective(page_text(client, PLAN), 3)
    peers = three.index("Peers in Latin America and the Caribbean")
    assert peers < three.index(f'value="{URUGUAY}"')
    assert "No practice documented elsewhere in Americas yet." in three
    assert 'href="/practices/?region=419&amp;objective=3"' in three
    for number in (2, 7, 23):
        section = plan_objective(page_text(client, PLAN), number)
        assert section.count(f'value="{GUATEMALA}"') == 1


def test_plan_sheet_peers_elsewhere_in_the_region_are_outside_the_sub_region(client):
    published_practices(1, ["US"], [3], prefix="planning")
    # in the sub-region's list, not again
    published_practices(1, ["US", "UY"], [3], prefix="planning")
    three = plan_objective(page_text(client, PLAN), 3)
    elsewhere = three[three.index("Elsewhere in Americas") :]
    assert 'value="planning-practice-us-0"' in elsewhere
    assert three.count('value="planning-practice-us-uy-0"') == 1
    assert 'value="planning-practice-us-uy-0"' not in elsewhere


def test_plan_sheet_shortlist_shows_each_pick_in_full_with_its_citation(client):
    html = page_text(client, f"{PLAN}?pick={WORKING_GROUP}&pick={URUGUAY}")
    shortlist = html[html.index('class="shortlist"') : html.index('class="plan-objectives"')]
    record = Practice.objects.select_related("source").get(slug=WORKING_GROUP)
    assert record.text in shortlist
    assert "Citation:</span> GFMD Practice Catalogue. National working group" in shortlist
    assert f"http://testserver/practices/{WORKING_GROUP}/" in shortlist
    assert shortlist.count("checked>") == 2
    assert "Objective 3. Provide accurate" in shortlist
    assert shortlist.index("Objective 3.") < shortlist.index("Objective 13.")
    # A record in the shortlist is not offered again below: its one checkbox is above.
    assert html.count(f'name="pick" value="{WORKING_GROUP}"') == 1
    assert "In the shortlist" in plan_objective(html, 13)


def test_plan_sheet_leaves_out_an_unknown_pick_with_a_note(client):
    """A withdrawn or mistyped record does not lose the rest of a shortlist sent by mail."""
    html = page_text(client, f"{PLAN}?pick={WORKING_GROUP}&pick=no-such-record")
    assert "was left out: no-such-record" in html
    assert 'name="pick" value="no-such-record"' not in html
    assert f'value="{WORKING_GROUP}" checked' in html


def test_plan_sheet_refuses_what_cannot_be_a_shortlist(client):
    many = "&".join(f"pick=record-{n}" for n in range(101))
    assert "At most 100 values" in page_text(client, f"{PLAN}?{many}", status=400)
    page_text(client, f"{PLAN}?format=pdf", status=400)
    html = page_text(client, f"{PLAN}?format=docx&pick=no-such-record", status=400)
    assert "Tick at least one record" in html
    page_text(client, "/countries/atlantis/plan/", status=404)


def test_plan_sheet_downloads_the_shortlist_as_a_word_document(client):
    picks = [WORKING_GROUP, URUGUAY, KAFALA]
    query = "&".join(f"pick={slug}" for slug in picks)
    response = client.get(f"{PLAN}?{query}&format=docx")
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert response["Content-Disposition"] == 'attachment; filename="mexico-plan-sheet.docx"'
    document = Document(io.BytesIO(response.content))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert document.paragraphs[0].text == "Mexico: plan sheet"
    for slug in picks:
        record = Practice.objects.select_related("source").get(slug=slug)
        citation = citation_text(
            record_citation(
                title=record.title,
                slug=slug,
                kind="practice",
                section=record.section,
                report=report_of(record.source),
                permalink=f"http://testserver/practices/{slug}/",
                accessed=today(),
            )
        )
        assert record.title in text
        assert record.text in text
        assert f"Citation: {citation}" in text
        for country in record.countries.all():
            assert country.name in text
    assert "Objective 13. Use migration detention" in text
    assert "GCM objectives: 6. Facilitate fair and ethical recruitment" in text
    assert f"http://testserver{PLAN}?pick=" in text
    section = document.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297


# What the pages cost.

PLANNING_PAGES = [
    MEXICO_AND_PHILIPPINES,
    "/compare/?countries=GT,HN,CR,US",
    PLAN,
    f"{PLAN}?pick={WORKING_GROUP}&pick={URUGUAY}&pick=planning-practice-gt-hn-cr-3",
    "/countries/guatemala/plan/",
]


@pytest.mark.parametrize("url", PLANNING_PAGES)
def test_planning_page_query_count_does_not_grow_with_the_catalogue(client, url):
    """More records in the countries, their region and on more objectives, cost no more
    queries."""
    published_practices(2, ["GT"], [1, 2], prefix="planning")
    before = uncached_queries(client, url)
    published_practices(25, ["GT", "HN", "CR"], [1, 2, 3, 4, 5, 9], prefix="planning")
    published_practices(8, ["US"], [6, 8], prefix="planning")
    published_practices(6, ["PH", "MX"], [7, 13], prefix="planning")
    assert uncached_queries(client, url) == before


def test_plan_sheet_download_query_count_does_not_grow_with_the_shortlist(client):
    url = f"{PLAN}?format=docx&pick={WORKING_GROUP}"
    before = uncached_queries(client, url)
    published_practices(12, ["GT"], [1, 2], prefix="planning")
    picks = "".join(f"&pick=planning-practice-gt-{n}" for n in range(12))
    assert uncached_queries(client, url + picks) == before


def test_drafts_are_neither_compared_nor_shortlisted(client):
    """A draft naming Mexico stays out of the comparison, its plan sheet and a shortlist."""
    mexico = list(Country.objects.filter(alpha2="MX"))
    one = list(Objective.objects.filter(number=1))
    make(slug="planning-draft", relations={"countries": mexico, "objectives": one})
    assert "planning-draft" not in page_text(client, MEXICO_AND_PHILIPPINES)
    assert "planning-draft" not in plan_objective(page_text(client, PLAN), 1)
    html = page_text(client, f"{PLAN}?pick=planning-draft&pick={WORKING_GROUP}")
    assert "was left out: planning-draft" in html
    assert "Planning draft" not in html
    response = client.get(f"{PLAN}?pick=planning-draft&format=docx")
    assert response.status_code == 400


# What is cached ("pages", practices.cache): keyed by everything the value depends on.


def test_a_cached_plan_sheet_is_not_served_for_another_country(client):
    """The key holds the country."""
    page_text(client, PLAN)
    html = page_text(client, "/countries/philippines/plan/")
    assert "<h1>Philippines: plan sheet</h1>" in html
    assert f'value="{KAFALA}"' in html and f'value="{WORKING_GROUP}"' not in html


def test_a_cached_comparison_is_keyed_by_the_countries_in_their_order(client):
    page_text(client, MEXICO_AND_PHILIPPINES)
    reversed_html = page_text(client, "/compare/?countries=PH,MX")
    cells = table_row(reversed_html, 13).split("<td>")[1:]
    assert "no record" in cells[0] and WORKING_GROUP in cells[1]
    other = page_text(client, "/compare/?countries=MX,TH")
    assert 'href="/countries/thailand/">Thailand' in other
    assert 'href="/countries/philippines/">Philippines' not in other.split("<thead>")[1]


def test_a_plan_sheet_shows_a_practice_published_after_it_was_cached(client):
    """A write moves the generation: the next read is made afresh."""
    page_text(client, PLAN)
    published_practices(1, ["UY"], [1], prefix="planning")
    assert 'value="planning-practice-uy-0"' in plan_objective(page_text(client, PLAN), 1)


@pytest.mark.parametrize("share", [0.2, 0.5, 4])
def test_newest_on_each_objective_is_the_whole_ranking_when_only_the_newest_are_ranked(
    monkeypatch, share
):
    """The newest records ranked first (0.2 × 5 × 23 = 23 of them, so most are left out),
    then every record of the objectives they do not serve: the same records as ranking
    them all, whichever objectives are old, new or both."""
    published_practices(4, ["GT"], [2], prefix="old")  # the oldest: objective 2 only
    published_practices(12, ["GT"], [3, 4], prefix="middle")
    published_practices(30, ["GT"], [1], prefix="new")
    published_practices(3, ["GT"], [2, 3], prefix="newest")
    monkeypatch.setattr(selectors, "RECENT_PER_OBJECTIVE", share)
    guatemala = Country.objects.get(alpha2="GT")
    named = Practice.objects.published().filter(countries=guatemala)
    for limit in (1, 5, 20):
        chosen = selectors.newest_on_each_objective(named, limit)
        everything = selectors.ranked_on_objectives(named, limit).values("id", "objective_number")
        assert sorted((row["objective_number"], row["id"]) for row in chosen) == sorted(
            (row["objective_number"], row["id"]) for row in everything
        ), limit


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("fr", "Ne recourir au placement en rétention administrative des migrants"),
        ("es", "Utilizar la detención de migrantes solo como último recurso"),
    ],
)
def test_the_word_document_names_objectives_in_the_pages_language(client, language, heading):
    """The shortlist's .docx, downloaded in French or Spanish, heads each objective in that
    language; the records' own text stays as the report wrote it."""
    response = client.get(f"/{language}{PLAN}?pick={WORKING_GROUP}&format=docx")
    assert response.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert heading in text
    assert "Use migration detention" not in text
    assert Practice.objects.get(slug=WORKING_GROUP).text in text
