"""The public submission form: submit, preview, send, confirm by e-mail; its rules."""

import re

import pytest
from django.core import mail

from practices.models import Country, Objective, Organisation, Partner, Practice, Status
from submissions import services
from submissions.forms import shown_stamp
from submissions.models import Submission

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_waiting(settings):
    """No minimum time to fill the form (its own tests set one)."""
    settings.SUBMISSIONS = {**settings.SUBMISSIONS, "MIN_SECONDS_TO_SUBMIT": 0}


def valid_data(**changes) -> dict:
    """What a person sends for a practice implemented in Uruguay, objective 5."""
    data = {
        "title": "Regularisation of migrant domestic workers",
        "summary": "The ministry of labour registered migrant domestic workers.",
        "language": "en",
        "scope": "countries",
        "countries": [str(Country.objects.get(alpha2="UY").pk)],
        "scope_region": "",
        "start_year": "2019",
        "end_year": "",
        "implementation_status": "ongoing",
        "results": "4,000 workers registered.",
        "lessons": "Start with the unions.",
        "innovation": "One window for every permit.",
        "objectives": [str(Objective.objects.get(number=5).pk)],
        "principles_applied": "",
        "contact": "Private Person, private.person@example.org",
        "submitter_name": "Ana Pérez",
        "submitter_email": "ana@example.org",
        "submitter_organisation": "Ministry of Labour",
        "website": "",
        "shown": shown_stamp(),
        "partner_1_organisation": "",
        "partner_1_name": "Domestic Workers' Union",
        "partner_1_role": "implementing",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def send(client, data, url="/submit/", **extra):
    """Send the form as the preview's Send button does."""
    return client.post(url, {**data, "action": "send"}, **extra)


def preview_then_send(client, data, url="/submit/"):
    """Preview the form, then press Send on the preview: what is sent is only what the
    preview's own form carries."""
    from html.parser import HTMLParser

    preview = client.post(url, data)
    assert preview.status_code == 200 and 'value="send"' in preview.content.decode()

    class Inputs(HTMLParser):
        def __init__(self):
            super().__init__()
            self.forms, self.values = 0, {}

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "form" and attrs.get("method") == "post" and "action" not in attrs:
                self.forms += 1
            elif tag == "input" and self.forms and attrs.get("type") == "hidden":
                self.values.setdefault(attrs["name"], []).append(attrs.get("value", ""))

    carried = Inputs()
    carried.feed(preview.content.decode().split('<main id="main"', 1)[1])
    return client.post(url, {**carried.values, "action": "send"})


def confirm_link(message) -> str:
    """The path of the confirmation link an e-mail carries."""
    found = re.search(r"https?://[^/\s]+(/\S*confirm/\S+/)", message.body)
    assert found, message.body
    return found.group(1)


def test_form_shows_every_field_with_a_label_in_english(client):
    """The form's page lists the fields by label, objectives with number and title."""
    response = client.get("/submit/")
    assert response.status_code == 200
    page = response.content.decode()
    for label in ("Title", "Summary", "Implementing countries", "Start year", "Your e-mail"):
        assert label in page
    assert "5. Provide access to regular migration pathways" in page or "5. " in page
    assert 'name="website"' in page and "<div hidden>" in page
    assert "no-store" in response["Cache-Control"] and "public" not in response["Cache-Control"]


def test_form_reads_in_french_and_spanish(client):
    """/fr/submit/ and /es/submit/ show the form in the page's language."""
    assert "Soumettre une pratique" in client.get("/fr/submit/").content.decode()
    page = client.get("/es/submit/").content.decode()
    assert "Enviar una práctica" in page
    assert 'value="es" selected' in page  # the submission's language defaults to the page's


def test_first_post_previews_without_saving(client):
    """The first POST shows the practice as it would read, with Edit and Send, and saves
    nothing."""
    response = client.post("/submit/", valid_data())
    assert response.status_code == 200
    page = response.content.decode()
    assert "Regularisation of migrant domestic workers" in page
    assert "Uruguay" in page and "Domestic Workers&#x27; Union" in page
    assert 'value="edit"' in page and 'value="send"' in page
    assert not Submission.objects.exists()


def test_edit_returns_to_the_filled_form(client):
    """Edit shows the form again with what was sent."""
    response = client.post("/submit/", {**valid_data(), "action": "edit"})
    assert response.status_code == 200
    assert 'value="Regularisation of migrant domestic workers"' in response.content.decode()
    assert not Submission.objects.exists()


def test_submit_confirm_path_in_english(client, django_capture_on_commit_callbacks):
    """Send stores a draft practice and an unconfirmed submission and e-mails a link;
    following it makes the submission received and tells the submitter and editors."""
    from django.contrib.auth.models import Group, User

    editor = User.objects.create_user("editor", "editor@example.org", "x")
    editor.groups.add(Group.objects.get_or_create(name="Editors")[0])
    with django_capture_on_commit_callbacks(execute=True):
        response = preview_then_send(client, valid_data())
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    submission = Submission.objects.get()
    practice = submission.practice
    assert submission.state == Submission.State.UNCONFIRMED
    assert submission.language == "en" and len(submission.client_hash) == 64
    assert practice.status == Status.DRAFT
    assert practice.source.slug == "catalogue-submissions"
    assert practice.contact.startswith("Private Person")
    assert list(practice.countries.values_list("alpha2", flat=True)) == ["UY"]
    assert list(practice.objectives.values_list("number", flat=True)) == [5]
    assert practice.start_year == 2019 and practice.implementation_status == "ongoing"
    partner = Partner.objects.get(practice=practice)
    assert (partner.name, partner.role) == ("Domestic Workers' Union", "implementing")
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]
    assert "Confirm your submission" in mail.outbox[0].subject
    link = confirm_link(mail.outbox[0])

    page = client.get(link)
    assert page.status_code == 200 and "Confirm" in page.content.decode()
    submission.refresh_from_db()
    assert submission.state == Submission.State.UNCONFIRMED  # a GET changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link)
    assert response.status_code == 200
    submission.refresh_from_db()
    assert submission.state == Submission.State.RECEIVED and submission.confirmed_at
    assert [m.to for m in mail.outbox[1:]] == [["ana@example.org"], ["editor@example.org"]]
    assert "received" in mail.outbox[1].subject
    assert "New submission" in mail.outbox[2].subject


def test_submit_confirm_path_in_spanish(client, django_capture_on_commit_callbacks):
    """A visitor on /es/ gets the e-mails in Spanish, with a Spanish link."""
    with django_capture_on_commit_callbacks(execute=True):
        response = preview_then_send(client, valid_data(language="es"), url="/es/submit/")
    assert response.status_code == 302 and response["Location"].startswith("/es/")
    submission = Submission.objects.get()
    assert submission.language == "es"
    message = mail.outbox[0]
    assert "Confirme su envío" in message.subject, message.subject
    assert "Gracias por enviar la práctica «Regularisation" in message.body
    assert "Catálogo de prácticas del GFMD" in message.body
    link = confirm_link(message)
    assert link.startswith("/es/confirm/")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link)
    assert response.status_code == 200
    assert "Gracias" in response.content.decode()
    submission.refresh_from_db()
    assert submission.state == Submission.State.RECEIVED
    assert "Envío recibido" in mail.outbox[1].subject
    assert "está en la cola de los editores" in mail.outbox[1].body


def test_submission_for_a_region_or_global(client):
    """A practice may be implemented across a region, or globally, without countries."""
    from practices.models import Region

    region = Region.objects.get(code="419")
    send(client, valid_data(scope="region", countries=None, scope_region=str(region.pk)))
    send(
        client,
        valid_data(scope="global", countries=None, submitter_email="b@example.org"),
        REMOTE_ADDR="10.0.0.2",
    )
    scopes = dict(
        Practice.objects.filter(submission__isnull=False).values_list("scope", "scope_region")
    )
    assert scopes == {"region": region.pk, "global": None}


@pytest.mark.parametrize(
    "field",
    [
        "title",
        "summary",
        "scope",
        "implementation_status",
        "objectives",
        "language",
        "submitter_name",
        "submitter_email",
    ],
)
def test_each_required_field_is_named_in_its_error(client, field):
    """A required field left empty is named in the error summary, linked to its input,
    and nothing is saved."""
    response = send(client, valid_data(**{field: None}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Please correct the following" in page
    assert f'id="id_{field}_error"' in page
    assert f'href="#id_{field}' in page
    assert (
        not Submission.objects.exists()
        and not Practice.objects.filter(title__startswith="Regularisation").exists()
    )


def test_countries_are_required_for_a_practice_in_countries(client):
    """Scope 'countries' with none chosen is refused on the countries field."""
    page = send(client, valid_data(countries=None)).content.decode()
    assert "Choose at least one implementing country." in page
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    ("field", "length"),
    [
        ("title", 201),
        ("summary", 10001),
        ("results", 5001),
        ("contact", 1001),
        ("submitter_name", 201),
    ],
)
def test_over_long_fields_are_refused(client, field, length):
    """A field over its maximum length is refused with a message naming it."""
    page = send(client, valid_data(**{field: "x" * length})).content.decode()
    assert f'id="id_{field}_error"' in page
    assert "Ensure this value has at most" in page
    assert not Submission.objects.exists()


@pytest.mark.parametrize("field", ["countries", "objectives"])
def test_invalid_country_or_objective_ids_are_refused(client, field):
    """An id that names no country or objective is refused on its field, not a 500."""
    page = send(client, valid_data(**{field: ["999999"]})).content.decode()
    assert f'id="id_{field}_error"' in page
    assert "Select a valid choice" in page
    page = send(client, valid_data(**{field: ["not-a-number"]})).content.decode()
    assert f'id="id_{field}_error"' in page
    assert not Submission.objects.exists()


def test_practice_rules_come_from_the_model(client):
    """The end year before the start year, and an end year on an ongoing practice, are
    Practice.clean's messages on the end year."""
    page = send(
        client, valid_data(start_year="2020", end_year="2018", implementation_status="completed")
    ).content.decode()
    assert "The end year (2018) is before the start year (2020)." in page
    page = send(client, valid_data(end_year="2021")).content.decode()
    assert "A planned or ongoing practice has no end year yet." in page
    page = send(client, valid_data(start_year="1900")).content.decode()
    assert 'id="id_start_year_error"' in page
    page = send(client, valid_data(scope="region", countries=None)).content.decode()
    assert "Name the region where it is implemented." in page
    assert not Submission.objects.exists()


def test_partner_needs_a_role_and_one_name(client):
    """A partner named without a role, or both chosen and written, is refused on its row."""
    page = send(client, valid_data(partner_1_role="")).content.decode()
    assert "Say what role this partner had." in page
    organisation = Organisation.objects.order_by("pk").first()
    page = send(client, valid_data(partner_1_organisation=str(organisation.pk))).content.decode()
    assert "not both" in page
    assert not Submission.objects.exists()


def test_partner_from_the_table(client):
    """A partner chosen from the organisations table is stored as that organisation."""
    organisation = Organisation.objects.order_by("pk").first()
    send(
        client,
        valid_data(
            partner_1_name="", partner_1_organisation=str(organisation.pk), partner_1_role="lead"
        ),
    )
    partner = Partner.objects.get(practice__submission__isnull=False)
    assert partner.organisation == organisation and partner.name == "" and partner.role == "lead"


def test_request_too_large_is_a_clear_413(client):
    """A request over the cap answers a page saying so, not a 500."""
    response = send(client, valid_data(summary="x" * 300_000))
    assert response.status_code == 413
    assert "larger than the form accepts" in response.content.decode()
    assert not Submission.objects.exists()


def test_call_slug_unknown_is_404(client):
    """A form opened for a call that does not exist is not found."""
    assert client.get("/submit/?call=no-such-call").status_code == 404


def test_nothing_half_written_when_the_submission_fails(client, monkeypatch):
    """A failure after the practice is written (here, the link) leaves no practice,
    partner or submission behind, and sends no e-mail."""

    def broken(*args, **kwargs):
        raise RuntimeError("link service down")

    monkeypatch.setattr(services.links, "issue", broken)
    client.raise_request_exception = False
    response = send(client, valid_data())
    assert response.status_code == 500
    assert not Submission.objects.exists()
    assert not Practice.objects.filter(title__startswith="Regularisation").exists()
    assert not Partner.objects.filter(name="Domestic Workers' Union").exists()
    assert mail.outbox == []


def test_every_input_has_a_label_and_errors_are_tied_to_their_fields(client):
    """Each visible control of the form, and of its error state, has a label (for= or
    around it), and each field in error points to its message with aria-describedby."""
    from html.parser import HTMLParser

    class Controls(HTMLParser):
        def __init__(self):
            super().__init__()
            self.controls, self.label_for, self.open_labels, self.fieldsets = [], set(), 0, []

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "label":
                self.open_labels += 1
                self.label_for.add(attrs.get("for"))
            elif tag == "fieldset":
                self.fieldsets.append(attrs)
            elif tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
                self.controls.append((attrs, self.open_labels > 0))

        def handle_endtag(self, tag):
            if tag == "label":
                self.open_labels -= 1

    for response in (client.get("/submit/"), send(client, valid_data(title=None, objectives=None))):
        parsed = Controls()
        parsed.feed(response.content.decode())
        main_controls = [c for c in parsed.controls if c[0].get("name") not in ("q",)]
        assert len(main_controls) > 40
        for attrs, wrapped in main_controls:
            assert wrapped or attrs.get("id") in parsed.label_for, attrs
    title = next(a for a, _ in parsed.controls if a.get("name") == "title")
    assert title["aria-describedby"] == "id_title_error" and title["aria-invalid"] == "true"
    assert any(f.get("aria-describedby") == "id_objectives_error" for f in parsed.fieldsets)
