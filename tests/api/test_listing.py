"""A record's public shape has one producer (practices.shapes): a list shows each record
exactly as its detail does, with the keys the OpenAPI schema declares."""

import pytest

from practices.models import Challenge, Country, Practice, Source, Status, Theme
from tests.api.conftest import user_with
from tests.records import make

KINDS = ["practices", "challenges", "opportunities", "recommendations"]


def listed(client, kind, **params):
    response = client.get(f"/api/{kind}/", {"page_size": 100, **params})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def assert_same_as_detail(client, items):
    assert items
    for item in items:
        detail = client.get(item["url"])
        assert detail.status_code == 200, item["url"]
        assert item == detail.json()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_every_listed_record_equals_its_detail(api, kind):
    items = listed(api, kind)
    assert_same_as_detail(api, items)
    # The seeded records do link to every kind of related row the briefs cover.
    for relation in ("countries", "objectives", "actions", "themes", "organisations"):
        assert any(item[relation] for item in items) or kind != "practices", relation
    if kind == "recommendations":
        assert {item["kind"] for item in items} > {"general"}


@pytest.mark.django_db
def test_an_editor_sees_drafts_listed_as_their_detail_shows_them(api):
    practice = Practice.objects.published().filter(challenges_addressed__isnull=False).first()
    make(
        Challenge,
        slug="draft-challenge",
        title="A draft challenge",
        text="Not yet reviewed.",
        source=Source.objects.first(),
        status=Status.DRAFT,
        relations={"addressed_by": [practice], "countries": [Country.objects.get(alpha2="PH")]},
    )
    editor = user_with("lister", "change_practice", "change_challenge")
    api.force_authenticate(editor)
    items = {item["slug"]: item for item in listed(api, "challenges")}
    assert "draft-challenge" in items
    assert_same_as_detail(api, [items["draft-challenge"]])
    listed_practice = next(i for i in listed(api, "practices") if i["slug"] == practice.slug)
    assert "draft-challenge" in {c["slug"] for c in listed_practice["challenges_addressed"]}
    assert_same_as_detail(api, [listed_practice])
    api.force_authenticate(None)
    public = next(i for i in listed(api, "practices") if i["slug"] == practice.slug)
    assert "draft-challenge" not in {c["slug"] for c in public["challenges_addressed"]}


@pytest.mark.django_db
def test_filtered_searched_and_ordered_lists_equal_their_details(api):
    assert_same_as_detail(api, listed(api, "practices", country="PH"))
    assert_same_as_detail(api, listed(api, "practices", q="migrants", ordering="-updated"))
    assert_same_as_detail(api, listed(api, "challenges", objective=7))


@pytest.mark.django_db
def test_a_renamed_theme_is_listed_with_its_new_name_at_once(api):
    theme = Theme.objects.filter(practice_set__status=Status.PUBLISHED).first()
    before = listed(api, "practices", theme=theme.slug)
    assert {t["name"] for item in before for t in item["themes"]} >= {theme.name}
    theme.name = "Renamed theme"
    theme.save()  # a write to any catalogue table starts a new cache generation
    after = listed(api, "practices", theme=theme.slug)
    assert "Renamed theme" in {t["name"] for item in after for t in item["themes"]}


@pytest.mark.django_db
def test_a_cursor_walk_lists_records_as_their_details(api):
    response = api.get("/api/practices/", {"cursor": "", "page_size": 10})
    assert response.status_code == 200
    items = response.json()["results"]
    assert len(items) == 10
    assert_same_as_detail(api, items)
    assert response.json()["next"]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_every_item_has_the_keys_the_schema_declares(api, kind):
    """The read serializers are the schema only: their fields are the shape's keys, and
    each brief's keys are its serializer's."""
    from api import serializers as s

    serializer = {
        "practices": s.PracticeSerializer,
        "challenges": s.ChallengeSerializer,
        "opportunities": s.OpportunitySerializer,
        "recommendations": s.RecommendationSerializer,
    }[kind]
    fields = serializer().fields
    for item in listed(api, kind):
        assert list(item) == list(fields)
        for relation in ("countries", "organisations", "objectives", "actions", "themes"):
            brief_fields = list(fields[relation].child.fields)
            assert all(list(brief) == brief_fields for brief in item[relation]), relation
        assert list(item["source"]) == list(fields["source"].fields)
