"""The words synthetic records are made of, read from synthetic/data/vocabulary.yaml.

Topics (what a record is mostly about, weighted), the actors and partners of general
sentences, those sentences, and title forms by kind. The order of every list is kept: the
same seed draws the same items by position.
"""

from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

import yaml

PATH = Path(__file__).resolve().parent / "data" / "vocabulary.yaml"


@dataclass(frozen=True)
class Topic:
    """What a made-up record is mostly about: the words, objectives and themes it uses."""

    weight: int
    area: str
    objectives: tuple[int, ...]
    themes: tuple[str, ...]
    titles: tuple[str, ...]
    sentences: tuple[str, ...]


def _load() -> dict:
    with PATH.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


_VOCABULARY = _load()
TOPICS = tuple(
    Topic(
        weight=topic["weight"],
        area=topic["area"],
        objectives=tuple(topic["objectives"]),
        themes=tuple(topic["themes"]),
        titles=tuple(topic["titles"]),
        sentences=tuple(topic["sentences"]),
    )
    for topic in _VOCABULARY["topics"]
)
TOPIC_WEIGHTS = list(accumulate(topic.weight for topic in TOPICS))
ACTORS = tuple(_VOCABULARY["actors"])
PARTNERS = tuple(_VOCABULARY["partners"])
GENERAL_SENTENCES = tuple(_VOCABULARY["general_sentences"])
# By model name: "practice", "challenge", "opportunity", "recommendation".
TITLE_FORMS = {kind: tuple(forms) for kind, forms in _VOCABULARY["title_forms"].items()}
