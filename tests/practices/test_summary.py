"""The counts kept on write (practices.summary) are the counts a full recount gives, after
every kind of write; and the pages that show them no longer count the catalogue."""

import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from practices import editing, summary
from practices.models import (
    Country,
    Objective,
    Organisation,
    Practice,
    RecordCount,
    Status,
    Theme,
)
from practices.selectors import FACETS, record_facets, summary_facets
from tests.records import change, make

pytestmark = pytest.mark.django_db


def kept() -> dict:
    return {
        (kind, relation, target, other): n
        for kind, relation, target, other, n in RecordCount.objects.filter(count__gt=0).values_list(
            "kind", "relation", "target", "other", "count"
        )
    }


def recounted() -> dict:
    summary.rebuild()
    return kept()


def test_the_seeded_catalogue_loaded_record_by_record_is_counted_right():
    """load_catalogue writes through the services: its counts equal a recount."""
    assert kept() == recounted()


def test_every_kind_of_write_keeps_the_counts_right():
    """Publish with links, relink, withdraw, republish, change a draft, delete."""
    chad, mali = Country.objects.get(alpha2="TD"), Country.objects.get(alpha2="ML")
    seven, thirteen = Objective.objects.get(number=7), Objective.objects.get(number=13)
    record = make(
        slug="summary-write",
        status=Status.PUBLISHED,
        relations={
            "countries": [chad],
            "objectives": [seven],
            "themes": [Theme.objects.first()],
            "organisations": [Organisation.objects.first()],
        },
    )
    assert kept() == recounted()
    record = change(record, relations={"countries": [chad, mali], "objectives": [thirteen]})
    assert kept() == recounted()
    record = change(record, status=Status.WITHDRAWN)
    assert kept() == recounted()
    record = change(record, status=Status.DRAFT, title="Edited while a draft")
    assert kept() == recounted()
    record = change(record, status=Status.PUBLISHED)
    assert kept() == recounted()
    editing.record_delete(record=record, user=editing.OPERATOR, version=record.version)
    assert kept() == recounted()


def test_an_import_over_a_published_record_takes_its_counts_away(tmp_path):
    """An imported record is a draft again: it no longer counts."""
    from practices.resources import PracticeResource

    published = Practice.objects.published().filter(countries__isnull=False).first()
    exported = PracticeResource().export(queryset=Practice.objects.filter(pk=published.pk))
    exported[0] = tuple(
        "Retitled by import" if h == "title" else v
        for h, v in zip(exported.headers, exported[0], strict=True)
    )
    result = PracticeResource().import_data(exported, dry_run=False, use_transactions=True)
    assert not result.has_errors() and not result.has_validation_errors()
    assert Practice.objects.get(pk=published.pk).status == Status.DRAFT
    assert kept() == recounted()


def test_a_draft_edit_changes_no_count():
    before = kept()
    record = make(slug="summary-draft", relations={"countries": [Country.objects.get(alpha2="TD")]})
    change(record, title="Still a draft")
    assert kept() == before


def test_a_whole_list_facets_come_from_the_counts_and_equal_a_recount():
    """The facets of the unfiltered published list, read from the summary, are the ones
    counted over the records themselves."""
    for model in (Practice,):
        assert summary_facets(model, FACETS) == record_facets(model.objects.published(), FACETS)


@pytest.mark.parametrize(
    "url", ["/", "/countries/", "/objectives/", "/objectives/13/", "/coverage/", "/practices/"]
)
def test_a_page_right_after_a_write_counts_no_whole_table(url):
    """After an editor's save, the first visitor's page reads the kept counts: no query
    groups the records' links (GROUP BY over a through table)."""
    change(Practice.objects.published().first(), title="Saved by an editor")
    with CaptureQueriesContext(connection) as captured:
        assert Client().get(url).status_code == 200
    grouped = [
        q["sql"]
        for q in captured.captured_queries
        if "GROUP BY" in q["sql"] and "_countries" in q["sql"]
    ]
    assert not grouped, grouped[0]


def test_a_country_moved_to_another_region_in_the_admin_moves_its_counts(client):
    """The region counts follow a country's place in the M49 tree."""
    from django.contrib.auth.models import User

    from practices.models import Region

    client.force_login(User.objects.create_superuser("sue-summary", password=None))
    thailand = Country.objects.get(alpha2="TH")
    elsewhere = Region.objects.filter(level="subregion").exclude(pk=thailand.subregion_id).first()
    data = {
        "alpha2": "TH",
        "alpha3": "THA",
        "numeric": thailand.numeric,
        "name": thailand.name,
        "slug": thailand.slug,
        "subregion": elsewhere.pk,
        "alternative_names": "[]",
    }
    response = client.post(f"/admin/practices/country/{thailand.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:1000]
    assert summary.counts("subregion", targets=[elsewhere.pk])["practice"].get(elsewhere.pk)
    assert kept() == recounted()


def test_rebuild_counts_counts_afresh():
    from django.core.management import call_command

    RecordCount.objects.all().delete()
    out = io.StringIO()
    call_command("rebuild_counts", stdout=out)
    assert "Counted" in out.getvalue()
    assert kept() == recounted() and kept()
