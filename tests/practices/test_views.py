import pytest
from django.urls import reverse

from practices.models import Challenge, Practice

pytestmark = pytest.mark.django_db


def test_home_page_shows_the_catalogues_counts(client, django_assert_max_num_queries):
    """The front page answers from the first day, with published counts and sources."""
    with django_assert_max_num_queries(12):
        response = client.get(reverse("practices:home"))
    assert response.status_code == 200
    counts = response.context["counts"]
    assert counts["practices"] == Practice.objects.published().count() > 0
    assert counts["challenges"] == Challenge.objects.published().count() > 0
    assert counts["GCM objectives"] == 23
    content = response.content.decode()
    assert "Working Session on Human Rights of all migrants" in content
    assert f"<dd>{counts['practices']}</dd>" in content


def test_home_page_does_not_count_drafts(client):
    """A record that is not published is not counted."""
    practice = Practice.objects.published().first()
    before = client.get(reverse("practices:home")).context["counts"]["practices"]
    Practice.objects.filter(pk=practice.pk).update(status="draft")
    after = client.get(reverse("practices:home")).context["counts"]["practices"]
    assert after == before - 1
