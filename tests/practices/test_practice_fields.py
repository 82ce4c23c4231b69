"""A practice's implementation at every door but the API's (tests/api/test_practice_fields_
api.py): the service, the admin, the import and export, the backup, the pages; and its
private contact, which no public response ever holds."""

import io
import json

import pytest
import tablib
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client

from api.exports import partners_cell
from practices import editing
from practices.models import Country, Organisation, Partner, Practice, Region, Status
from practices.resources import PracticeResource
from tests.practices.test_admin import form_data
from tests.records import make

pytestmark = pytest.mark.django_db

CONTACT = "zq-private-contact-7731@example.org"
SLUG = "made-up-practice-with-an-implementation"


def implemented(**values) -> Practice:
    """A published practice in Chad with every part of its implementation filled."""
    values.setdefault("status", Status.PUBLISHED)
    practice = make(
        slug=values.pop("slug", SLUG),
        title="A practice with its implementation",
        text="Chad - A practice with partners, results and lessons.",
        scope="countries",
        start_year=2019,
        implementation_status="ongoing",
        results="Three hundred workers trained.",
        lessons="Start with the municipalities.",
        innovation="The first one-stop shop of its kind.",
        principles_applied="Gender-responsive: women chose the places.",
        contact=CONTACT,
        relations={"countries": [Country.objects.get(alpha2="TD")]},
        **values,
    )
    stored = Practice.objects.get(pk=practice.pk)
    return editing.record_update(
        record=stored,
        user=editing.OPERATOR,
        version=stored.version,
        values={},
        partners=[
            editing.PartnerRow(Organisation.objects.get(slug="iom"), "", "lead"),
            editing.PartnerRow(None, "Association des femmes du Chari", "funding"),
        ],
    )


def account(role: str) -> Client:
    call_command("setup_roles", stdout=io.StringIO())
    user = User.objects.create_user(f"{role.lower()}-1", password="x-Unguessable-9", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    return client


# The service.


def test_the_service_replaces_the_partners_and_keeps_unchanged_ones():
    """A partner named again is the same row; one left out is deleted, in the history."""
    practice = implemented()
    lead = practice.partners.get(role="lead")
    editing.record_update(
        record=practice,
        user=editing.OPERATOR,
        version=practice.version,
        values={},
        partners=[editing.PartnerRow(lead.organisation, "", "lead")],
    )
    assert list(practice.partners.values_list("pk", flat=True)) == [lead.pk]
    assert Partner.history.filter(practice_id=practice.pk, history_type="-").count() == 1


@pytest.mark.parametrize(
    "rows",
    [
        [editing.PartnerRow(None, "", "lead")],
        [editing.PartnerRow(None, "A body", "sponsor")],
        [editing.PartnerRow(None, "x" * 201, "lead")],
        [editing.PartnerRow(None, "A body", "lead"), editing.PartnerRow(None, "A body", "lead")],
    ],
)
def test_a_bad_partner_is_refused_naming_partners_and_nothing_is_written(rows):
    """The whole write is refused, the record's change with it."""
    practice = implemented()
    with pytest.raises(ValidationError) as refused:
        editing.record_update(
            record=practice,
            user=editing.OPERATOR,
            version=practice.version,
            values={"title": "Renamed"},
            partners=rows,
        )
    assert "partners" in refused.value.message_dict
    assert Practice.objects.get(pk=practice.pk).title == "A practice with its implementation"
    assert practice.partners.count() == 2


@pytest.mark.parametrize(
    "values, field",
    [
        ({"scope": "region"}, "scope_region"),
        ({"scope": "global", "scope_region": "142"}, "scope_region"),
        ({"start_year": 1900}, "start_year"),
        ({"start_year": 2020, "end_year": 2019, "implementation_status": "completed"}, "end_year"),
        ({"end_year": 2021, "implementation_status": "planned"}, "end_year"),
    ],
)
def test_the_model_checks_name_the_field_at_the_service(values, field):
    """Practice.clean() answers through record_create(), naming the field."""
    if "scope_region" in values:
        values["scope_region"] = Region.objects.get(code=values["scope_region"])
    with pytest.raises(ValidationError) as refused:
        make(slug="made-up-bad-implementation", **values)
    assert field in refused.value.message_dict


# The seeded catalogue.


def test_the_seeded_catalogue_keeps_the_implementation_empty():
    """Nothing is guessed for the records read from the reports."""
    practices = Practice.objects.all()
    assert practices.exists()
    for name in ("scope", "implementation_status", "results", "lessons", "contact"):
        assert not practices.exclude(**{name: ""}).exists(), name
    assert not practices.filter(start_year__isnull=False).exists()
    assert not practices.filter(end_year__isnull=False).exists()
    assert not practices.filter(scope_region__isnull=False).exists()
    assert not Partner.objects.exists()


# The pages.


def test_the_practice_page_shows_its_implementation():
    """Scope, period, status, partners with roles, results, lessons, innovation and
    principles applied."""
    practice = implemented()
    text = Client().get(practice.get_absolute_url()).content.decode()
    for shown in (
        "Where it is implemented",
        "2019 – ongoing",
        "Implementation status",
        "Association des femmes du Chari",
        "(funding)",
        "Results and evidence",
        "Three hundred workers trained.",
        "Lessons learned and pitfalls",
        "The first one-stop shop of its kind.",
        "Gender-responsive: women chose the places.",
    ):
        assert shown in text, shown
    assert "International Organization for Migration" in text


def test_a_finished_practice_shows_its_period_and_region_in_french():
    """ "2015 – 2018", the region's name in the page's language."""
    region = Region.objects.get(code="142")
    practice = make(
        slug="made-up-finished",
        status=Status.PUBLISHED,
        scope="region",
        scope_region=region,
        start_year=2015,
        end_year=2018,
        implementation_status="completed",
    )
    text = Client().get(f"/fr{practice.get_absolute_url()}").content.decode()
    assert "2015 – 2018" in text
    assert region.localized_name("fr") in text
    assert "Achevée" in text


def test_a_seeded_practice_page_shows_no_empty_implementation():
    """A record read from a report shows none of the headings."""
    practice = Practice.objects.published().first()
    text = Client().get(practice.get_absolute_url()).content.decode()
    for heading in ("Where it is implemented", "Results and evidence", "Lessons learned"):
        assert heading not in text


def test_the_practice_list_filters_by_scope_status_and_start_year():
    """The folded filter panel's fields select the practices."""
    implemented()
    client = Client()
    page = client.get("/practices/", {"implementation_status": "ongoing", "scope": "countries"})
    assert page.status_code == 200
    assert SLUG in page.content.decode()
    assert 'name="implemented_since"' in page.content.decode()
    later = client.get("/practices/", {"implemented_since": "2020"}).content.decode()
    assert SLUG not in later
    bad = client.get("/practices/", {"implemented_since": "soon"})
    assert bad.status_code == 400
    assert "implemented_since" in bad.content.decode()


# Import and export.


def import_rows(rows: list[dict], dry_run=False):
    headers = list(rows[0])
    dataset = tablib.Dataset(*([row[h] for h in headers] for row in rows), headers=headers)
    return PracticeResource().import_data(dataset, dry_run=dry_run, raise_errors=False)


def a_row(**cells) -> dict:
    return {
        **PracticeResource.example_row,
        "slug": "made-up-imported-practice",
        "title": "An imported practice",
        **cells,
    }


def test_the_import_template_has_the_implementation_columns_empty():
    """Editors see the columns; the example (a seeded record) leaves them empty."""
    template = PracticeResource.template_dataset()
    for column in ("scope", "scope_region", "start_year", "partners", "results", "contact"):
        assert column in template.headers
        assert template[0][template.headers.index(column)] == ""


def test_an_import_writes_the_implementation_and_its_partners():
    """Region by name, status by label, partners by organisation name or a name given."""
    result = import_rows(
        [
            a_row(
                scope="Region",
                scope_region="Asia",
                start_year="2017",
                end_year="2020",
                implementation_status="Completed",
                partners="International Organization for Migration [lead]; Chari women [funding]",
                results="Evidence",
                contact=CONTACT,
            )
        ]
    )
    assert not result.has_errors() and not result.has_validation_errors(), result.invalid_rows
    practice = Practice.objects.get(slug="made-up-imported-practice")
    assert (practice.scope, practice.scope_region.code) == ("region", "142")
    assert (practice.start_year, practice.end_year) == (2017, 2020)
    assert practice.implementation_status == "completed"
    assert practice.contact == CONTACT
    assert {
        (p.organisation and p.organisation.slug, p.name, p.role) for p in practice.partners.all()
    } == {
        ("iom", "", "lead"),
        (None, "Chari women", "funding"),
    }
    assert Partner.history.filter(practice_id=practice.pk).count() == 2
    again = import_rows(
        [
            a_row(
                scope="region",
                scope_region="142",
                start_year="2017",
                end_year="2020",
                implementation_status="completed",
                partners="iom [lead]; Chari women [funding]",
                results="Evidence",
                contact=CONTACT,
            )
        ]
    )
    assert [row.import_type for row in again.rows] == ["skip"]


@pytest.mark.parametrize(
    "cells, column",
    [
        ({"scope": "everywhere"}, "scope"),
        ({"scope": "region", "scope_region": "Atlantis"}, "scope_region"),
        ({"scope": "region"}, "scope_region"),
        ({"start_year": "soon"}, "start_year"),
        ({"start_year": "1850"}, "start_year"),
        ({"start_year": "2020", "end_year": "2010"}, "end_year"),
        ({"implementation_status": "abandoned"}, "implementation_status"),
        ({"partners": "IOM"}, "partners"),
        ({"partners": "IOM [sponsor]"}, "partners"),
        ({"partners": "IOM [lead]; iom [lead]"}, "partners"),
    ],
)
def test_a_bad_implementation_cell_is_a_row_error_naming_its_column(cells, column):
    """Every bad cell is named; nothing of the file is written."""
    result = import_rows([a_row(slug="made-up-good-row"), a_row(**cells)])
    assert result.invalid_rows, cells
    assert column in result.invalid_rows[0].error_dict, result.invalid_rows[0].error_dict
    assert not Practice.objects.filter(slug__startswith="made-up-").exists()


def test_an_import_replaces_the_partners_of_a_stored_practice():
    """A partners cell names the whole set."""
    practice = implemented(status=Status.DRAFT)
    exported = PracticeResource().export(queryset=Practice.objects.filter(pk=practice.pk))
    row = dict(zip(exported.headers, exported[0], strict=True))
    assert (
        row["partners"] == "iom [lead]; Association des femmes du Chari [funding]"
        or row["partners"] == "Association des femmes du Chari [funding]; iom [lead]"
    )
    assert row["contact"] == CONTACT  # the editors' export keeps their own data
    row["partners"] = "Someone else [technical]"
    result = import_rows([row])
    assert [r.import_type for r in result.rows] == ["update"]
    assert list(practice.partners.values_list("name", "role")) == [("Someone else", "technical")]


def test_the_public_csv_has_the_partners_and_never_the_contact():
    """The API's CSV writes the partners as the importer reads them."""
    implemented()
    response = Client().get("/api/practices/", {"format": "csv", "country": "TD"})
    text = b"".join(response.streaming_content).decode()
    assert "Association des femmes du Chari [funding]" in text
    assert "iom [lead]" in text
    assert "contact" not in text.splitlines()[0]
    assert CONTACT not in text


def test_the_partners_cell_is_what_the_importer_reads():
    """partners_cell() writes the organisation's slug, or the name, and the role."""
    cell = partners_cell(
        [
            {"organisation": "iom", "name": "IOM", "role": "lead"},
            {"organisation": None, "name": "A body", "role": "funding"},
        ]
    )
    assert cell == "iom [lead]; A body [funding]"


# The operator's backup.


def test_backup_and_restore_keep_the_contact_and_the_partners(tmp_path):
    """The private contact is the catalogue's too: a restore brings it back."""
    practice = implemented()
    path = tmp_path / "backup.json"
    call_command("backup_catalogue", str(path), stdout=io.StringIO())
    objects = json.loads(path.read_text())["objects"]
    assert any(o["model"] == "practices.partner" for o in objects)
    call_command("restore_catalogue", str(path), force=True, stdout=io.StringIO())
    restored = Practice.objects.get(slug=SLUG)
    assert restored.contact == CONTACT
    assert restored.partners.count() == 2
    assert restored.pk == practice.pk


# The admin.


def test_the_admin_shows_the_contact_and_the_implementation_fieldset():
    """The practice's form has the folded Implementation fieldset with the contact."""
    practice = implemented()
    text = account("Reviewers").get(f"/admin/practices/practice/{practice.pk}/change/")
    body = text.content.decode()
    assert "Implementation" in body
    assert CONTACT in body
    assert 'name="partners-TOTAL_FORMS"' in body


# The contact, nowhere public.


def test_the_contact_appears_in_no_public_response(tmp_path):
    """Every public door of a published practice is read, and none holds its contact."""
    practice = implemented()
    client = Client()
    api = f"/api/practices/{practice.slug}/"
    urls = [
        "/api/practices/",
        "/api/practices/?country=TD",
        "/api/practices/?format=csv",
        "/api/practices/?format=jsonl",
        "/api/practices/?format=ris",
        "/api/practices/?format=bibtex",
        "/api/practices/?format=csljson",
        api,
        f"{api}?format=csv",
        f"{api}?format=jsonl",
        f"{api}?format=ris",
        f"{api}?format=bibtex",
        f"{api}?format=csljson",
        practice.get_absolute_url(),
        f"/fr{practice.get_absolute_url()}",
        "/practices/",
        "/practices/?country=TD",
        "/search/?q=implementation",
        Country.objects.get(alpha2="TD").get_absolute_url(),
        "/feed/",
        "/sitemap.xml",
    ]
    seen = 0
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        body = (
            b"".join(response.streaming_content) if response.streaming else response.content
        ).decode()
        assert CONTACT not in body, url
        seen += practice.slug in body
    assert seen >= 15  # the practice is really in what was read
    out = tmp_path / "snapshots"
    call_command("export_snapshot", "--output", str(out), stdout=io.StringIO())
    files = [p for p in out.rglob("*") if p.is_file()]
    assert any(SLUG in p.read_text(errors="ignore") for p in files)
    assert not any(CONTACT in p.read_text(errors="ignore") for p in files)


def test_the_country_page_lists_the_practice_with_its_period_status_and_partners():
    """A list item of a practice says when, how far and with whom."""
    implemented()
    text = Client().get(Country.objects.get(alpha2="TD").get_absolute_url()).content.decode()
    assert SLUG in text
    assert "2019 – ongoing" in text
    assert "Ongoing" in text
    assert "Association des femmes du Chari" in text


# The history: a revert brings the partners of the version back.


def revert_values(entry) -> dict:
    return {"title": entry.title, "results": entry.results}


def test_a_revert_brings_back_the_partners_the_version_had():
    """Version 2 had two partners, version 3 one other: reverting to version 2 restores
    its two (and the revert is one more version, in the history)."""
    practice = implemented()
    second = practice.history.filter(version=2).latest("history_date")
    practice = editing.record_update(
        record=practice,
        user=editing.OPERATOR,
        version=practice.version,
        values={"results": "Changed."},
        partners=[editing.PartnerRow(None, "Someone else", "technical")],
    )
    editing.record_revert(
        record=practice,
        history_id=second.history_id,
        user=editing.OPERATOR,
        version=practice.version,
        values=revert_values(second),
    )
    practice.refresh_from_db()
    assert practice.version == 4 and practice.results == "Three hundred workers trained."
    assert sorted(practice.partners.values_list("role", "organisation__slug", "name")) == [
        ("funding", None, "Association des femmes du Chari"),
        ("lead", "iom", ""),
    ]
    # The first version had none: reverting to it leaves none.
    first = practice.history.filter(version=1).earliest("history_date")
    editing.record_revert(
        record=practice,
        history_id=first.history_id,
        user=editing.OPERATOR,
        version=practice.version,
        values=revert_values(first),
    )
    assert not practice.partners.exists()


def test_an_imported_version_reverts_to_the_partners_the_import_wrote():
    """The import writes a version's partners with the version's own timestamp."""
    practice = implemented(status=Status.DRAFT)
    exported = PracticeResource().export(queryset=Practice.objects.filter(pk=practice.pk))
    row = dict(zip(exported.headers, exported[0], strict=True))
    row["partners"] = "Someone else [technical]"
    assert not import_rows([row]).has_errors()
    imported = practice.history.order_by("-history_id").first()
    practice = Practice.objects.get(pk=practice.pk)
    editing.record_update(
        record=practice,
        user=editing.OPERATOR,
        version=practice.version,
        values={},
        partners=[],
    )
    practice.refresh_from_db()
    editing.record_revert(
        record=practice,
        history_id=imported.history_id,
        user=editing.OPERATOR,
        version=practice.version,
        values=revert_values(imported),
    )
    assert list(practice.partners.values_list("name", "role")) == [("Someone else", "technical")]


def test_the_admin_revert_restores_the_partners():
    """The history's revert form saves no inline: the service brings the partners back."""
    practice = implemented(status=Status.DRAFT)
    second = practice.history.filter(version=2).latest("history_date")
    practice = editing.record_update(
        record=practice, user=editing.OPERATOR, version=practice.version, values={}, partners=[]
    )
    client = account("Editors")
    url = f"/admin/practices/practice/{practice.pk}/history/{second.history_id}/"
    page = client.get(url)
    assert page.status_code == 200
    iom = Organisation.objects.get(slug="iom")
    assert f"{iom} (Lead); Association des femmes du Chari (Funding)." in page.content.decode()
    data = form_data(client, practice, title=second.title)
    data["seen_version"] = practice.version
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert practice.partners.count() == 2
