"""Calls for practices: opened by an editor, answered through the form, listed publicly;
and a submission stays out of every public door until it is published."""

import datetime

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone

from practices.models import Objective, Practice, Status
from submissions.models import Call, Submission
from submissions.services import call_open
from tests.records import change
from tests.submissions.test_submission_form import send, valid_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_waiting(settings):
    settings.SUBMISSIONS = {**settings.SUBMISSIONS, "MIN_SECONDS_TO_SUBMIT": 0}


def a_call(slug="labour-2027", *, days_left=30, objectives=(6, 16)) -> Call:
    today = timezone.localdate()
    return call_open(
        call=Call(
            title="Labour migration 2027",
            slug=slug,
            description="Practices of fair recruitment and decent work.",
            opens_on=today - datetime.timedelta(days=40),
            deadline=today + datetime.timedelta(days=days_left),
        ),
        objectives=Objective.objects.filter(number__in=objectives),
    )


def test_call_open_creates_its_source():
    """Opening a call creates the source its practices cite."""
    call = a_call()
    assert call.source.title == "Call for practices: Labour migration 2027"
    assert call.source.year == call.opens_on.year
    assert sorted(call.objectives.values_list("number", flat=True)) == [6, 16]


def test_editor_opens_a_call_in_the_admin(client):
    """An editor with the call permissions adds one in the admin; its source is made."""
    editor = User.objects.create_user("call-editor", "ce@example.org", "x", is_staff=True)
    editor.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="submissions",
            codename__in=["add_call", "change_call", "view_call"],
        )
    )
    client.force_login(editor)
    today = timezone.localdate()
    response = client.post(
        "/admin/submissions/call/add/",
        {
            "title": "Climate and mobility",
            "slug": "climate-mobility",
            "description": "Practices on climate and mobility.",
            "objectives": [Objective.objects.get(number=2).pk],
            "opens_on": today.isoformat(),
            "deadline": (today + datetime.timedelta(days=10)).isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    call = Call.objects.get(slug="climate-mobility")
    assert call.source.title == "Call for practices: Climate and mobility"
    assert list(call.objectives.values_list("number", flat=True)) == [2]


def test_calls_page_lists_open_and_past_calls(client):
    """/calls/ shows open calls and past ones, each linked, and links the form."""
    a_call()
    a_call("old-call", days_left=-5)
    page = client.get("/calls/").content.decode()
    open_part, past_part = page.split("Past calls", 1)
    assert "/calls/labour-2027/" in open_part and "/calls/old-call/" in past_part
    assert 'href="/submit/"' in page


def test_form_for_a_call_preticks_its_objectives_and_carries_it(client):
    """The form opened for a call ticks its objectives; the submission carries the call
    and cites its source."""
    call = a_call()
    page = client.get(f"/submit/?call={call.slug}").content.decode()
    for number in (6, 16):
        pk = Objective.objects.get(number=number).pk
        tick = page.split(f'name="objectives" value="{pk}" id="id_objectives_', 1)[1]
        assert tick.split(">", 1)[0].endswith(" checked")
    assert page.count(" checked>") == 3  # the two objectives and the scope's default
    assert f'name="call" value="{call.slug}"' in page
    assert send(client, {**valid_data(), "call": call.slug}).status_code == 302
    submission = Submission.objects.get()
    assert submission.call == call and submission.practice.source == call.source


def test_closed_call_refuses_with_a_message(client):
    """A call past its deadline refuses the form, and a submission sent to it."""
    call = a_call("closed-call", days_left=-1)
    response = client.get(f"/submit/?call={call.slug}")
    assert response.status_code == 410 and "is closed" in response.content.decode()
    response = send(client, {**valid_data(), "call": call.slug})
    assert response.status_code == 410
    assert not Submission.objects.exists()
    assert (
        "Submit a practice to this call" not in client.get(call.get_absolute_url()).content.decode()
    )


def test_call_page_lists_only_what_was_published_from_it(client):
    """The call's page shows its description and objectives, the link to the form while
    open, and its practices once published (not before)."""
    call = a_call()
    send(client, {**valid_data(title="Fair recruitment pilot"), "call": call.slug})
    page = client.get(call.get_absolute_url()).content.decode()
    assert "Practices of fair recruitment" in page
    assert f"/submit/?call={call.slug}" in page
    assert "Fair recruitment pilot" not in page
    change(Submission.objects.get().practice, status=Status.PUBLISHED)
    assert "Fair recruitment pilot" in client.get(call.get_absolute_url()).content.decode()


def test_submission_is_never_public_until_published(client):
    """A submitted practice is on no page, API answer or search result, and its
    contact nowhere, until it is published."""
    send(client, valid_data(title="Zanzibarian quokka scheme", summary="Quokka text."))
    practice = Practice.objects.get(title="Zanzibarian quokka scheme")
    urls = [
        "/practices/",
        f"/practices/{practice.slug}/",
        "/search/?q=quokka",
        "/api/practices/",
        f"/api/practices/{practice.slug}/",
        "/api/practices/?q=quokka",
        "/countries/uruguay/",
    ]
    for url in urls:
        body = client.get(url).content.decode()
        assert "Zanzibarian quokka" not in body, url
        assert "private.person@example.org" not in body, url
    assert client.get(f"/practices/{practice.slug}/").status_code == 404


def test_call_not_yet_open_is_not_public(client):
    """A call whose opening day is to come has no public page and no form yet."""
    today = timezone.localdate()
    call = call_open(
        call=Call(
            title="Coming call",
            slug="coming-call",
            description="Soon.",
            opens_on=today + datetime.timedelta(days=3),
            deadline=today + datetime.timedelta(days=30),
        )
    )
    assert client.get(call.get_absolute_url()).status_code == 404
    assert client.get(f"/submit/?call={call.slug}").status_code == 404
    assert "coming-call" not in client.get("/calls/").content.decode()
