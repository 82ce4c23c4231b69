"""Made-up records: a seeded random sequence turned into unsaved records and the primary
keys of their relations, drawn from the vocabulary and the reference tables. The same
seed on the same reference data gives the same records; nothing here writes but the
synthetic sources."""

import random
from datetime import UTC, datetime, timedelta
from itertools import accumulate

from django.utils import timezone

from practices.models import (
    Challenge,
    Country,
    GuidingPrinciple,
    Objective,
    ObjectiveAction,
    Organisation,
    Partner,
    Practice,
    Recommendation,
    Source,
    Status,
    Theme,
)
from synthetic.report import PREFIX, SyntheticError
from synthetic.vocabulary import (
    ACTORS,
    GENERAL_SENTENCES,
    PARTNERS,
    TITLE_FORMS,
    TOPIC_WEIGHTS,
    TOPICS,
    Topic,
)

YEARS = range(2007, 2027)
# The share of practices with an implementation (as submitted ones have), and its values.
IMPLEMENTED_SHARE = 0.3
IMPLEMENTATION_STATUSES = list(Practice.Implementation.values)
PARTNER_ROLES = list(Partner.Role.values)
RECOMMENDATION_KINDS = list(Recommendation.Kind.values)
RECOMMENDATION_KIND_WEIGHTS = list(accumulate((50, 35, 8, 7)))


class RecordGenerator:
    """Makes up records from a seeded random sequence and the reference tables."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        # Countries in a seeded order, weighted by rank so that a few have many records.
        countries = list(
            Country.objects.filter(subregion__isnull=False)
            .order_by("alpha2")
            .values_list("pk", "name")
        )
        if not countries or not Objective.objects.exists():
            raise SyntheticError("Load the reference data first: manage.py load_catalogue.")
        rng.shuffle(countries)
        self.countries = countries
        self.country_weights = list(
            accumulate(1 / (rank + 1) ** 0.9 for rank in range(len(countries)))
        )
        self.objectives = dict(Objective.objects.values_list("number", "pk"))
        self.actions: dict[int, list[int]] = {}
        for number, pk in ObjectiveAction.objects.order_by("pk").values_list(
            "objective__number", "pk"
        ):
            self.actions.setdefault(number, []).append(pk)
        self.numbers = sorted(self.objectives)
        self.themes = dict(Theme.objects.order_by("slug").values_list("slug", "pk"))
        self.theme_slugs = list(self.themes)
        self.organisations = list(
            Organisation.objects.order_by("slug").values_list("pk", flat=True)
        )
        self.principles = list(
            GuidingPrinciple.objects.order_by("number").values_list("pk", flat=True)
        )
        self.sources = self._create_sources()
        # More records in later years, as the Forum grew.
        self.source_weights = list(
            accumulate(1 + (year - YEARS[0]) / 10 for year, _ in self.sources)
        )
        self.practice_ids: list[int] = []  # filled by the writer: challenges address them
        self.now = timezone.now()

    def _create_sources(self) -> list[tuple[int, int]]:
        """Two synthetic sources a year; return them as (year, pk)."""
        sources = Source.objects.bulk_create(
            Source(
                slug=f"{PREFIX}{year}-{number}",
                title=f"Synthetic GFMD roundtable report {year}, session {number}",
                session=f"Roundtable session {number}",
                meeting=f"GFMD {year} (synthetic, for benchmarks)",
                year=year,
                citation=f"Synthetic data for benchmarks, {year}; not a GFMD document.",
            )
            for year in YEARS
            for number in (1, 2)
        )
        if sources[0].pk is None:
            sources = list(Source.objects.filter(slug__startswith=PREFIX).order_by("slug"))
        return [(source.year, source.pk) for source in sources]

    def record(self, model, index: int):
        """One unsaved record of `model` and its relations as lists of primary keys."""
        topic = self.rng.choices(TOPICS, cum_weights=TOPIC_WEIGHTS)[0]
        countries = self._draw(
            self.countries, self.rng.choice((1, 1, 1, 2, 2, 3)), self.country_weights
        )
        values = self._values(model, topic, country=countries[0][1])
        values["slug"] = f"{PREFIX}{model._meta.model_name}-{index + 1:06d}"
        relations = self._relations(model, topic, [pk for pk, _ in countries])
        return model(**values), relations

    def _values(self, model, topic: Topic, *, country: str) -> dict:
        """A record's own fields: title, text, source, status and publication date."""
        rng = self.rng
        title = rng.choice(topic.titles)
        if model is not Practice:
            title = _lower_first(title)
        year, source = rng.choices(self.sources, cum_weights=self.source_weights)[0]
        forms = TITLE_FORMS[model._meta.model_name]
        values = {
            "title": rng.choice(forms).format(title=title, country=country)[:200],
            "text": self._text(topic),
            "source_id": source,
            "section": f"Roundtable {rng.randint(1, 3)}.{rng.randint(1, 4)}, "
            f"page {rng.randint(2, 40)}",
            "status": Status.PUBLISHED,
        }
        draw = rng.random()
        if draw < 0.95:
            offset = timedelta(seconds=rng.randrange(365 * 86400))
            values["published_at"] = min(datetime(year, 1, 1, tzinfo=UTC) + offset, self.now)
        else:
            values["status"] = Status.DRAFT if draw < 0.975 else Status.IN_REVIEW
        if model is Practice and rng.random() < IMPLEMENTED_SHARE:
            values.update(self._implementation(topic))
        if model is Recommendation:
            values["kind"] = rng.choices(
                RECOMMENDATION_KINDS, cum_weights=RECOMMENDATION_KIND_WEIGHTS
            )[0]
            values["area"] = topic.area
        return values

    def _implementation(self, topic: Topic) -> dict:
        """What a submitted practice adds: its scope, period, status and results."""
        rng = self.rng
        start = rng.randrange(2010, 2026)
        status = rng.choice(IMPLEMENTATION_STATUSES)
        finished = status in (
            Practice.Implementation.COMPLETED,
            Practice.Implementation.MOSTLY_COMPLETED,
        )
        return {
            "scope": Practice.Scope.COUNTRIES,
            "start_year": start,
            "end_year": min(start + rng.randrange(1, 6), 2026) if finished else None,
            "implementation_status": status,
            "results": self._text(topic),
            "lessons": rng.choice(GENERAL_SENTENCES),
        }

    def partners(self) -> list[tuple[int, str]]:
        """A practice's partners, as (organisation pk, role): none for most."""
        rng = self.rng
        count = rng.choice((0, 0, 0, 1, 2, 3))
        return [
            (organisation, rng.choice(PARTNER_ROLES))
            for organisation in rng.sample(self.organisations, min(count, len(self.organisations)))
        ]

    def _relations(self, model, topic: Topic, countries: list[int]) -> dict[str, list[int]]:
        """Primary keys of a record's related rows, by relation name."""
        rng = self.rng
        numbers = self._related(topic.objectives, self.numbers, rng.choice((1, 1, 2, 2, 3, 4)))
        actions = [pk for number in numbers for pk in self.actions.get(number, ())]
        themes = self._related(topic.themes, self.theme_slugs, rng.choice((1, 2, 2, 3)))
        relations = {
            "countries": countries,
            "organisations": rng.sample(self.organisations, rng.choice((0, 0, 1, 1, 2))),
            "objectives": [self.objectives[number] for number in numbers],
            "actions": rng.sample(actions, min(len(actions), rng.choice((0, 1, 2)))),
            "principles": rng.sample(self.principles, rng.choice((0, 1, 1, 2))),
            "themes": [self.themes[slug] for slug in themes],
        }
        if model is Challenge:
            count = min(len(self.practice_ids), rng.choice((0, 1, 1, 2)))
            relations["addressed_by"] = rng.sample(self.practice_ids, count)
        return relations

    def _text(self, topic: Topic) -> str:
        """40-120 words: sentences on the topic, mixed with general ones and others'."""
        rng = self.rng
        target = rng.randint(40, 100)  # the longest sentence has 18 words: at most 117
        sentences = rng.sample(topic.sentences, 2)
        words = sum(len(s.split()) for s in sentences)
        while words < target:
            draw = rng.random()
            if draw < 0.5:
                sentence = rng.choice(GENERAL_SENTENCES).format(
                    actor=rng.choice(ACTORS), partner=rng.choice(PARTNERS)
                )
            elif draw < 0.75:
                other = rng.choices(TOPICS, cum_weights=TOPIC_WEIGHTS)[0]
                sentence = rng.choice(other.sentences)
            else:
                sentence = rng.choice(topic.sentences)
            if sentence not in sentences:
                sentences.append(sentence)
                words += len(sentence.split())
        return " ".join(sentences)

    def _related(self, preferred: tuple, everything: list, count: int) -> list:
        """`count` distinct values, the first from `preferred`, then either half the time."""
        chosen = [self.rng.choice(preferred)]
        while len(chosen) < count:
            value = self.rng.choice(preferred if self.rng.random() < 0.5 else everything)
            if value not in chosen:
                chosen.append(value)
        return chosen

    def _draw(self, population: list, count: int, cum_weights: list) -> list:
        """`count` distinct items drawn with weights."""
        chosen: list = []
        while len(chosen) < count:
            item = self.rng.choices(population, cum_weights=cum_weights)[0]
            if item not in chosen:
                chosen.append(item)
        return chosen


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
