"""The roles' submissions permissions: editors run the review, reviewers answer theirs."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from practices.roles import role_permissions

pytestmark = pytest.mark.django_db


def submissions_permissions(group: str) -> set[str]:
    return set(
        Group.objects.get(name=group)
        .permissions.filter(content_type__app_label="submissions")
        .values_list("codename", flat=True)
    )


def test_editors_assign_decide_and_run_calls():
    """Editors: view and change submissions, add and view reviews, calls, view profiles."""
    call_command("setup_roles", stdout=io.StringIO())
    assert submissions_permissions("Editors") == {
        "view_submission",
        "change_submission",
        "add_review",
        "view_review",
        "add_call",
        "change_call",
        "view_call",
        "view_reviewerprofile",
    }


def test_reviewers_see_submissions_and_answer_reviews_only():
    """Reviewers: view submissions (their own, in the admin) and change reviews (their own)."""
    call_command("setup_roles", stdout=io.StringIO())
    assert submissions_permissions("Reviewers") == {"view_submission", "change_review"}
    practices = set(
        Group.objects.get(name="Reviewers")
        .permissions.filter(content_type__app_label="practices")
        .values_list("codename", flat=True)
    )
    assert "publish_practice" in practices


def test_setup_roles_stays_idempotent_and_corrects_a_changed_group():
    """Run twice: unchanged; a permission taken away is given back."""
    call_command("setup_roles", stdout=io.StringIO())
    out = io.StringIO()
    call_command("setup_roles", stdout=out)
    assert out.getvalue() == "Editors: unchanged\nReviewers: unchanged\n"
    editors = Group.objects.get(name="Editors")
    editors.permissions.remove(editors.permissions.get(codename="add_review"))
    out = io.StringIO()
    call_command("setup_roles", stdout=out)
    assert out.getvalue() == "Editors: updated\nReviewers: unchanged\n"
    assert "add_review" in submissions_permissions("Editors")


def test_every_permission_named_is_qualified_by_its_app():
    """Names are "app_label.codename", so a codename shared by two apps is not confused."""
    for names in role_permissions().values():
        assert all(name.split(".")[0] in ("practices", "submissions") for name in names)
