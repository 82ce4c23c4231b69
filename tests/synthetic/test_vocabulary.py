import pytest

from practices.models import RECORD_MODELS, Objective, Theme
from synthetic.vocabulary import GENERAL_SENTENCES, TITLE_FORMS, TOPICS

pytestmark = pytest.mark.django_db


def test_vocabulary_names_only_objectives_and_themes_the_reference_data_holds():
    """Every topic of vocabulary.yaml names existing GCM objectives and theme slugs and
    has the two sentences a text starts with; each kind of record has title forms."""
    numbers = set(Objective.objects.values_list("number", flat=True))
    slugs = set(Theme.objects.values_list("slug", flat=True))
    for topic in TOPICS:
        assert topic.weight > 0 and topic.titles, topic.area
        assert set(topic.objectives) <= numbers, topic.area
        assert set(topic.themes) <= slugs, topic.area
        assert len(topic.sentences) >= 2, topic.area
    assert set(TITLE_FORMS) == {model._meta.model_name for model in RECORD_MODELS}
    assert all(TITLE_FORMS.values()) and GENERAL_SENTENCES
