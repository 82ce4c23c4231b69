"""A practice's implementation through the API: read, written by editors with the model's
checks (400 naming the field), filtered by scope, status and start year; its contact never."""

import pytest

from practices import editing
from practices.models import Organisation, Partner, Practice, Region, Status
from tests.records import make

pytestmark = pytest.mark.django_db

NEW = {
    "slug": "a-practice-with-its-implementation",
    "title": "A practice with its implementation",
    "text": "Chad - A practice entered through the API, with partners.",
    "countries": ["TD"],
    "source": "gfmd-thematic-session-1-hrba-gcm-nip",
    "scope": "region",
    "scope_region": "142",
    "start_year": 2019,
    "implementation_status": "ongoing",
    "partners": [
        {"organisation": "iom", "role": "lead"},
        {"name": "Association des femmes du Chari", "role": "implementing"},
    ],
    "results": "Three hundred workers trained.",
    "lessons": "Start with the municipalities.",
}


def implemented(slug, **values):
    """A published practice with an implementation, written by the operator."""
    values.setdefault("status", Status.PUBLISHED)
    return make(slug=slug, **values)


def test_editor_writes_scope_period_status_and_partners(editor_client):
    """The fields come back as written, the region by its brief, partners by slug."""
    response = editor_client.post("/api/practices/", NEW, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["scope"] == "region"
    assert body["scope_region"]["code"] == "142"
    assert (body["start_year"], body["end_year"]) == (2019, None)
    assert body["implementation_status"] == "ongoing"
    assert body["partners"] == [
        {"organisation": None, "name": "Association des femmes du Chari", "role": "implementing"},
        {"organisation": "iom", "name": Organisation.objects.get(slug="iom").name, "role": "lead"},
    ]
    assert body["results"] == "Three hundred workers trained."
    assert "contact" not in body
    practice = Practice.objects.get(slug=NEW["slug"])
    assert practice.partners.count() == 2
    assert Partner.history.filter(practice_id=practice.pk).count() == 2


def test_a_region_is_named_by_its_slug_too(editor_client):
    """scope_region takes an M49 code or a slug."""
    slug = Region.objects.get(code="142").slug
    response = editor_client.post("/api/practices/", {**NEW, "scope_region": slug}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["scope_region"]["code"] == "142"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"scope": "region", "scope_region": None}, "scope_region"),
        ({"scope": "global", "scope_region": "142"}, "scope_region"),
        ({"scope_region": "nowhere"}, "scope_region"),
        ({"scope": "everywhere"}, "scope"),
        ({"start_year": 1800}, "start_year"),
        ({"start_year": "soon"}, "start_year"),
        ({"start_year": 2020, "end_year": 2018, "implementation_status": ""}, "end_year"),
        ({"end_year": 2022, "implementation_status": "ongoing"}, "end_year"),
        ({"implementation_status": "abandoned"}, "implementation_status"),
        ({"partners": [{"role": "lead"}]}, "partners"),
        ({"partners": [{"organisation": "no-such-body", "role": "lead"}]}, "partners"),
        ({"partners": [{"name": "A body", "role": "sponsor"}]}, "partners"),
        ({"partners": [{"name": "A", "role": "lead"}, {"name": "A", "role": "lead"}]}, "partners"),
        ({"partners": [{"name": "x" * 201, "role": "lead"}]}, "partners"),
    ],
)
def test_a_bad_implementation_is_a_400_naming_the_field(editor_client, change, field):
    """Every rule of the model answers at the API's door, naming its field; nothing saved."""
    response = editor_client.post("/api/practices/", {**NEW, **change}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert not Practice.objects.filter(slug=NEW["slug"]).exists()


def test_a_patch_replaces_the_partners_and_keeps_their_history(editor_client):
    """Partners given replace the practice's; the removed one stays in the history."""
    created = editor_client.post("/api/practices/", NEW, format="json")
    url = f"/api/practices/{NEW['slug']}/"
    response = editor_client.patch(
        url,
        {"partners": [{"name": "A new partner", "role": "funding"}]},
        format="json",
        HTTP_IF_MATCH=created["ETag"],
    )
    assert response.status_code == 200, response.content
    assert response.json()["partners"] == [
        {"organisation": None, "name": "A new partner", "role": "funding"}
    ]
    practice = Practice.objects.get(slug=NEW["slug"])
    assert Partner.history.filter(practice_id=practice.pk, history_type="-").count() == 2


def test_a_patch_without_partners_leaves_them(editor_client):
    """A change that does not name the partners keeps them."""
    created = editor_client.post("/api/practices/", NEW, format="json")
    response = editor_client.patch(
        f"/api/practices/{NEW['slug']}/",
        {"title": "Renamed"},
        format="json",
        HTTP_IF_MATCH=created["ETag"],
    )
    assert response.status_code == 200, response.content
    assert len(response.json()["partners"]) == 2


def test_a_patch_checks_the_period_against_the_stored_status(editor_client):
    """An end year on a practice stored as ongoing is refused, naming end_year."""
    created = editor_client.post("/api/practices/", NEW, format="json")
    response = editor_client.patch(
        f"/api/practices/{NEW['slug']}/",
        {"end_year": 2022},
        format="json",
        HTTP_IF_MATCH=created["ETag"],
    )
    assert response.status_code == 400
    assert "end_year" in response.json()


def test_filters_by_scope_status_and_start_year(api):
    """scope, implementation_status and implemented_since select the practices."""
    implemented(
        "made-up-global",
        scope="global",
        start_year=2015,
        implementation_status="completed",
        end_year=2018,
    )
    implemented(
        "made-up-countries", scope="countries", start_year=2021, implementation_status="ongoing"
    )

    def found(**params):
        response = api.get("/api/practices/", params)
        assert response.status_code == 200, response.content
        return {row["slug"] for row in response.json()["results"]}

    assert found(scope="global") == {"made-up-global"}
    assert found(implementation_status="ongoing,completed") == {
        "made-up-global",
        "made-up-countries",
    }
    assert found(implemented_since=2020) == {"made-up-countries"}


@pytest.mark.parametrize(
    "params, name",
    [
        ({"implemented_since": "last-year"}, "implemented_since"),
        ({"implemented_since": "1800"}, "implemented_since"),
        ({"scope": "planet"}, "scope"),
        ({"implementation_status": "abandoned"}, "implementation_status"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(api, params, name):
    """A filter value that cannot be used says which filter."""
    response = api.get("/api/practices/", params)
    assert response.status_code == 400
    assert name in response.json()


def test_the_schema_lists_the_choices_of_the_new_filters(api):
    """The generated schema gives the enum of scope and implementation status."""
    schema = api.get("/api/schema/", {"format": "json"}).json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/practices/"]["get"]["parameters"]}
    assert "global" in str(parameters["scope"]["schema"])
    assert "mostly-completed" in str(parameters["implementation_status"]["schema"])
    assert "implemented_since" in parameters


def test_an_editor_cannot_change_the_partners_of_a_published_practice(editor_client):
    """The partners are the practice's: refused on a published record like its title."""
    practice = implemented("made-up-published")
    response = editor_client.patch(
        f"/api/practices/{practice.slug}/",
        {"partners": [{"name": "Someone", "role": "lead"}]},
        format="json",
        HTTP_IF_MATCH=f'"{practice.version}-x"',
    )
    assert response.status_code in (403, 412)
    assert not practice.partners.exists()


def test_the_service_refuses_partners_for_an_editor_on_a_published_record():
    """practices.editing checks the rule table before writing partners."""
    from django.contrib.auth.models import Permission, User

    practice = implemented("made-up-published-2")
    editor = User.objects.create_user("an-editor")
    editor.user_permissions.set(Permission.objects.filter(codename__in=["change_practice"]))
    editor = User.objects.get(pk=editor.pk)
    with pytest.raises(editing.NotAllowed):
        editing.record_update(
            record=practice,
            user=editor,
            version=practice.version,
            values={},
            partners=[editing.PartnerRow(None, "Someone", "lead")],
        )
    assert not practice.partners.exists()
