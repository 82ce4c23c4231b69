"""The editors' desk: roles, the review workflow, history, locking and login safety."""

import io
import re

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test import Client

from practices.models import Practice, Status
from tests.records import make

pytestmark = pytest.mark.django_db

THAILAND = "thailand-alternatives-to-detention-children-mou"


def account(username, role):
    call_command("setup_roles", stdout=io.StringIO())
    user = User.objects.create_user(username, password="x-Unguessable-9", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    return user, client


@pytest.fixture
def editor():
    return account("edith", "Editors")


@pytest.fixture
def reviewer():
    return account("rosa", "Reviewers")


def change_url(record):
    return f"/admin/practices/{record._meta.model_name}/{record.pk}/change/"


def form_data(client, record, **changes):
    """The change form's current values, as the browser would post them back."""
    html = client.get(change_url(record)).content.decode()
    data = {
        "title": record.title,
        "slug": record.slug,
        "text": record.text,
        "language": record.language,
        "status": record.status,
        "source": record.source_id,
        "section": record.section,
        "seen_version": re.search(r'name="seen_version" value="(\d+)"', html)[1],
        "countries": [c.pk for c in record.countries.all()],
        "organisations": [o.pk for o in record.organisations.all()],
        "objectives": [o.pk for o in record.objectives.all()],
        "actions": [a.pk for a in record.actions.all()],
        "principles": [p.pk for p in record.principles.all()],
        "themes": [t.pk for t in record.themes.all()],
        "practice_challenges_addressed-TOTAL_FORMS": 0,
        "practice_challenges_addressed-INITIAL_FORMS": 0,
        "Challenge_addressed_by-TOTAL_FORMS": 0,
        "Challenge_addressed_by-INITIAL_FORMS": 0,
    }
    inline_prefix = re.search(r'name="([^"]+)-TOTAL_FORMS"', html)
    if inline_prefix:
        data[f"{inline_prefix[1]}-TOTAL_FORMS"] = 0
        data[f"{inline_prefix[1]}-INITIAL_FORMS"] = 0
    data.update(changes)
    return data


def draft(title="A draft practice"):
    template = Practice.objects.get(slug=THAILAND)
    return make(
        slug=re.sub(r"\W+", "-", title.lower()),
        title=title,
        text=template.text,
        source=template.source,
        section=template.section,
        relations={"countries": list(template.countries.all())},
    )


def act(client, action, *records):
    return client.post(
        "/admin/practices/practice/",
        {"action": action, "_selected_action": [r.pk for r in records]},
        follow=True,
    )


def test_anonymous_user_is_sent_to_login():
    response = Client().get("/admin/practices/practice/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_roles_are_created_idempotently_with_the_right_permissions():
    call_command("setup_roles", stdout=io.StringIO())
    editors = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    reviewers = set(
        Group.objects.get(name="Reviewers").permissions.values_list("codename", flat=True)
    )
    assert {"add_practice", "change_practice", "view_country"} <= editors
    assert not {"publish_practice", "delete_practice"} & editors
    assert {"publish_practice", "delete_practice", "publish_recommendation"} <= reviewers

    out = io.StringIO()
    call_command("setup_roles", stdout=out)
    assert out.getvalue() == "Editors: unchanged\nReviewers: unchanged\n"


def test_create_account_makes_a_staff_member_of_the_role(monkeypatch):
    monkeypatch.setenv("ACCOUNT_PASSWORD", "Long-enough-passphrase-42")
    call_command("create_account", "ines", "--role", "reviewer", stdout=io.StringIO())
    user = User.objects.get(username="ines")
    assert user.is_staff and not user.is_superuser
    assert user.has_perm("practices.publish_practice")
    assert user.check_password("Long-enough-passphrase-42")


def test_editor_cannot_publish(editor):
    _, client = editor
    record = draft()
    response = act(client, "publish", record)
    record.refresh_from_db()
    assert record.status == Status.DRAFT
    assert "No action selected" in response.content.decode()
    # Nor by hand: the status menu offers only draft and in review.
    html = client.get(change_url(record)).content.decode()
    assert 'value="published"' not in html and 'value="review"' in html


def test_editor_sends_to_review_and_reviewer_publishes(editor, reviewer):
    first, second = draft("First draft"), draft("Second draft")
    _, editor_client = editor
    response = act(editor_client, "send_to_review", first, second)
    assert "2 practices sent to review." in response.content.decode()
    reviewer_user, reviewer_client = reviewer
    response = act(reviewer_client, "publish", first)
    assert "1 practice published." in response.content.decode()
    first.refresh_from_db()
    assert first.status == Status.PUBLISHED
    assert first.published_by == reviewer_user and first.published_at is not None
    assert Client().get(first.get_absolute_url()).status_code == 200


def test_publish_says_how_many_were_left_alone(reviewer):
    _, client = reviewer
    published = Practice.objects.get(slug=THAILAND)
    response = act(client, "publish", published, draft()).content.decode()
    assert "1 practice published." in response
    assert "1 was not in a state to move" in response


def test_withdrawn_record_disappears_from_pages_and_api(reviewer):
    _, client = reviewer
    practice = Practice.objects.get(slug=THAILAND)
    assert Client().get(practice.get_absolute_url()).status_code == 200
    response = act(client, "withdraw", practice)
    assert "1 practice withdrawn." in response.content.decode()
    practice.refresh_from_db()
    assert practice.status == Status.WITHDRAWN
    public = Client()
    assert public.get(practice.get_absolute_url()).status_code == 404
    assert public.get(f"/api/practices/{THAILAND}/").status_code == 404
    assert THAILAND not in public.get("/practices/?q=detention").content.decode()
    assert THAILAND not in public.get("/api/practices/?q=detention").content.decode()


def test_editor_cannot_change_a_published_record(editor):
    _, client = editor
    practice = Practice.objects.get(slug=THAILAND)
    response = client.post(change_url(practice), {"title": "Vandalised"})
    assert response.status_code == 403
    practice.refresh_from_db()
    assert practice.title != "Vandalised"


def test_an_edit_is_recorded_with_its_author_and_can_be_restored(editor, reviewer):
    user, client = editor
    record = draft()
    old_text = record.text
    response = client.post(change_url(record), form_data(client, record, text="Corrected text."))
    assert response.status_code == 302, response.content.decode()[:2000]
    record.refresh_from_db()
    assert record.text == "Corrected text."
    latest = record.history.first()
    assert latest.history_user == user
    delta = latest.diff_against(latest.prev_record)
    assert [change.field for change in delta.changes] == ["text"]
    assert delta.changes[0].old == old_text

    history_page = client.get(f"{change_url(record)[:-7]}history/").content.decode()
    assert "edith" in history_page and "Corrected text." in history_page

    # Restore the first version through the history's revert form.
    _, reviewer_client = reviewer
    first = record.history.last()
    revert_url = f"{change_url(record)[:-7]}history/{first.history_id}/"
    data = form_data(reviewer_client, record, text=first.text)
    data["seen_version"] = Practice.objects.get(pk=record.pk).version
    assert reviewer_client.post(revert_url, data).status_code == 302
    record.refresh_from_db()
    assert record.text == old_text


def test_the_later_of_two_saves_is_refused_and_nothing_is_lost(editor, reviewer):
    """Optimistic locking: the second editor's save, from an older version, is refused."""
    _, first_client = editor
    _, second_client = reviewer
    record = draft()
    first_form = form_data(first_client, record, text="First editor's text.")
    second_form = form_data(second_client, record, text="Second editor's text.")
    assert first_client.post(change_url(record), first_form).status_code == 302
    response = second_client.post(change_url(record), second_form)
    assert response.status_code == 200
    html = response.content.decode()
    assert "changed this record" in html and "edith" in html
    assert "Second editor&#x27;s text." in html or "Second editor's text." in html
    record.refresh_from_db()
    assert record.text == "First editor's text."


def test_view_on_site_only_for_published_records(reviewer):
    _, client = reviewer
    published = Practice.objects.get(slug=THAILAND)
    assert "View on site" in client.get(change_url(published)).content.decode()
    assert "View on site" not in client.get(change_url(draft())).content.decode()


def test_challenge_form_shows_the_practices_that_address_it(reviewer):
    from practices.models import Challenge

    _, client = reviewer
    challenge = Challenge.objects.get(text__contains="unaccompanied minors")
    html = client.get(change_url(challenge)).content.decode()
    assert "practices addressing this challenge" in html.lower()
    assert THAILAND in html or "MOU on alternatives to detention" in html


def test_lists_have_search_and_filters(reviewer):
    _, client = reviewer
    html = client.get("/admin/practices/practice/?q=detention").content.decode()
    assert "MOU on alternatives to detention" in html
    for filter_title in ("status", "region", "countries", "GCM objectives", "themes", "source"):
        assert f"By {filter_title}" in html, filter_title
    assert client.get("/admin/practices/practice/?region=142").status_code == 200


def test_repeated_failed_logins_lock_the_account():
    User.objects.create_user("locky", password="right-Password-7", is_staff=True)
    client = Client()
    for _ in range(5):
        client.post("/admin/login/", {"username": "locky", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "locky", "password": "right-Password-7"})
    assert response.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


def test_admin_posts_need_the_csrf_token(reviewer):
    user, _ = reviewer
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(
        "/admin/practices/practice/",
        {"action": "publish", "_selected_action": [draft().pk]},
    )
    assert response.status_code == 403
