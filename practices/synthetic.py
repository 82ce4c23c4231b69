"""Synthetic records at scale, for benchmarks; never part of the real catalogue.

`synthetic_generate()` makes up practices, challenges, opportunities and recommendations
from a seed (the same seed gives the same records) and writes them with bulk_create in
batches, the relation (through) tables too: no save(), no full_clean() and no history
row per record. The database's own triggers index them for full-text search as they are
inserted. Every synthetic row, sources included, has a slug starting "synthetic-", so
`synthetic_remove()` deletes them all, with their relation and history rows.
"""

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate

from django.db import connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from practices.cache import catalogue_changed
from practices.models import (
    RECORD_MODELS,
    Challenge,
    Country,
    GuidingPrinciple,
    Objective,
    ObjectiveAction,
    Opportunity,
    Organisation,
    Practice,
    Recommendation,
    Source,
    Status,
    Theme,
)

PREFIX = "synthetic-"
BATCH_SIZE = 5000
YEARS = range(2007, 2027)
RELATIONS = ("countries", "organisations", "objectives", "actions", "principles", "themes")


class SyntheticDataExists(Exception):
    """Synthetic data is already there; generating again needs `replace=True`."""


class SyntheticError(Exception):
    """Synthetic data that cannot be generated or removed, with the reason."""


@dataclass(frozen=True)
class Topic:
    """What a made-up record is mostly about: the words, objectives and themes it uses."""

    weight: int
    area: str
    objectives: tuple[int, ...]
    themes: tuple[str, ...]
    titles: tuple[str, ...]
    sentences: tuple[str, ...]


# Weights give the key words realistic selectivity: "labour" is in about a quarter of the
# records, "children" a tenth, "detention" a few in a hundred, "statelessness" one in 200.
TOPICS = (
    Topic(
        22,
        "Labour migration and decent work",
        (6, 5, 22, 18),
        ("labour-rights", "social-dialogue", "legal-frameworks"),
        (
            "Bilateral labour agreement on seasonal agricultural workers",
            "Fair recruitment standards for private employment agencies",
            "Labour inspection covering migrant domestic workers",
            "Online platform matching migrant workers with employers",
            "Zero-fee recruitment policy for overseas employment",
        ),
        (
            "A bilateral labour agreement sets the terms of recruitment, wages and working "
            "hours for seasonal workers.",
            "Labour inspectors were trained to identify abuse of migrant workers in "
            "agriculture, construction and domestic work.",
            "Recruitment fees charged to workers were prohibited and employment agencies "
            "must now hold a licence.",
            "Standard employment contracts are translated into the languages of the main "
            "countries of origin.",
            "Migrant workers may change employer without losing their work permit after "
            "the first year.",
            "Pre-departure orientation explains labour rights, contract terms and the "
            "complaint mechanisms abroad.",
        ),
    ),
    Topic(
        11,
        "Children on the move",
        (7, 13, 15),
        ("child-protection", "access-to-basic-services"),
        (
            "Guardianship for unaccompanied and separated children",
            "Access to school for migrant children regardless of status",
            "Best interests procedure for children on the move",
            "Birth registration for children born to migrant parents",
        ),
        (
            "Unaccompanied and separated children are assigned a guardian within a day of "
            "their identification.",
            "Every migrant child may enrol in public school whatever the migration status "
            "of the parents.",
            "A best interests determination precedes any decision on the return or "
            "transfer of a child.",
            "Child protection services and migration officials follow a joint referral "
            "protocol for children.",
            "Children born to migrant parents are registered at birth and receive identity "
            "documents.",
        ),
    ),
    Topic(
        9,
        "Regular pathways and residence",
        (5, 7, 12),
        ("regularisation", "legal-frameworks", "identity-and-documentation"),
        (
            "Regularisation programme granting temporary residence permits",
            "Humanitarian residence for migrants in vulnerable situations",
            "Simplified renewal of residence and work permits",
            "Residence permits for long-term undocumented migrants",
        ),
        (
            "Undocumented migrants who have lived in the country for three years may apply "
            "for a temporary residence permit.",
            "Residence permits are renewed online and applicants keep their rights while "
            "the renewal is pending.",
            "The regularisation programme received applications from migrants in irregular "
            "situations in every province.",
            "A humanitarian residence status protects migrants who cannot return because "
            "of disasters or conflict.",
            "Permanent residence becomes available after five years of lawful stay and "
            "covers family members.",
        ),
    ),
    Topic(
        6,
        "Trafficking in persons",
        (10, 7),
        ("trafficking-and-smuggling", "human-rights-protection", "access-to-justice"),
        (
            "National referral mechanism for victims of trafficking",
            "Joint investigation teams against trafficking in persons",
            "Shelters and legal aid for survivors of trafficking",
            "Hotline to report trafficking and forced labour",
        ),
        (
            "A national referral mechanism identifies victims of trafficking and refers "
            "them to shelters, health care and legal aid.",
            "Prosecutors and police of both countries formed joint investigation teams "
            "against trafficking networks.",
            "Survivors of trafficking receive a reflection period and a residence permit "
            "whether or not they testify.",
            "Frontline officials learned to recognise indicators of trafficking in persons "
            "and forced labour.",
        ),
    ),
    Topic(
        3,
        "Alternatives to detention",
        (13,),
        ("alternatives-to-detention", "human-rights-protection"),
        (
            "Community-based alternatives to immigration detention",
            "Ending the detention of migrant children",
            "Case management as an alternative to detention",
        ),
        (
            "Case managers support migrants in the community as an alternative to "
            "immigration detention.",
            "The law now prohibits the detention of children for reasons related to their "
            "migration status.",
            "Detention is used only as a last resort, for the shortest time, and under "
            "judicial review.",
            "Independent monitors visit places of immigration detention and publish their "
            "findings.",
        ),
    ),
    Topic(
        5,
        "Remittances and financial inclusion",
        (20, 19),
        ("bilateral-and-regional-cooperation",),
        (
            "Lowering the cost of sending remittances",
            "Digital remittance channels linked to savings accounts",
            "Financial literacy for families receiving remittances",
        ),
        (
            "Migrants can send remittances through mobile wallets at a fraction of the "
            "former cost.",
            "A comparison website publishes the fees charged for remittances on the main "
            "corridors.",
            "Families receiving remittances are offered savings accounts and financial "
            "literacy courses.",
            "Remittance service providers were licensed under a simplified regime to "
            "increase competition.",
        ),
    ),
    Topic(
        5,
        "Return and reintegration",
        (21, 14),
        ("bilateral-and-regional-cooperation", "capacity-building"),
        (
            "Sustainable reintegration support for returning migrants",
            "Assisted voluntary return and reintegration programme",
            "One-stop shops for returnees",
        ),
        (
            "Returning migrants receive reintegration support, including counselling, "
            "training and small business grants.",
            "Readmission procedures were agreed with countries of origin, with safeguards "
            "for vulnerable persons.",
            "Municipal one-stop shops help returnees recover their documents and find work.",
        ),
    ),
    Topic(
        4,
        "Diaspora engagement",
        (19, 20),
        ("stakeholder-participation",),
        (
            "Diaspora investment and knowledge transfer programme",
            "Consultative council of diaspora organisations",
        ),
        (
            "A diaspora council advises the government on development projects in regions "
            "of origin.",
            "Diaspora professionals return for short assignments to share skills with "
            "hospitals and universities.",
            "Matching funds support community projects financed by diaspora associations.",
        ),
    ),
    Topic(
        8,
        "Inclusion and social cohesion",
        (16, 15),
        ("integration-and-inclusion", "access-to-basic-services"),
        (
            "Local integration plans developed with migrant communities",
            "Free language courses for newly arrived migrants",
            "Municipal welcome centres for migrants",
        ),
        (
            "Newly arrived migrants attend free language courses and civic orientation sessions.",
            "Municipal welcome centres provide information on housing, health care and schooling.",
            "The local integration plan was drafted together with migrant-led organisations.",
            "Mentoring programmes pair newcomers with long-term inhabitants of the neighbourhood.",
        ),
    ),
    Topic(
        5,
        "Access to health care",
        (15, 7),
        ("access-to-basic-services", "human-rights-protection"),
        (
            "Access to primary health care for all migrants",
            "Firewall between health services and immigration enforcement",
        ),
        (
            "All migrants, whatever their status, may use primary health care and "
            "emergency services.",
            "Health workers need not report the migration status of their patients to the "
            "authorities.",
            "Mobile clinics bring vaccination and maternal care to migrants in remote areas.",
        ),
    ),
    Topic(
        5,
        "Migration data",
        (1, 23),
        ("data-and-indicators", "review-and-follow-up"),
        (
            "Migration data portal with disaggregated statistics",
            "Household survey module on migration",
        ),
        (
            "The national statistics office publishes migration data disaggregated by sex, "
            "age and migration status.",
            "A module on migration was added to the national labour force survey.",
            "Administrative data from several ministries were linked to follow outcomes "
            "for migrants.",
        ),
    ),
    Topic(
        4,
        "Skills and qualifications",
        (18, 5, 6),
        ("capacity-building", "bilateral-and-regional-cooperation"),
        (
            "Mutual recognition of qualifications for health professionals",
            "Skills partnership between countries of origin and destination",
        ),
        (
            "A skills partnership trains workers in the country of origin to the standards "
            "of the destination country.",
            "Foreign qualifications of nurses and engineers are recognised within three months.",
            "Vocational training centres certify skills that returning migrants acquired "
            "informally.",
        ),
    ),
    Topic(
        4,
        "Borders and missing migrants",
        (11, 8, 12),
        ("human-rights-protection", "bilateral-and-regional-cooperation"),
        (
            "Human rights guidance for border officials",
            "Search and rescue coordination to save lives at sea",
        ),
        (
            "Border officials follow guidance on human rights at international borders and "
            "refer persons in need of protection.",
            "Search and rescue operations were coordinated along the main routes to save lives.",
            "Families of missing migrants can report disappearances to a cross-border mechanism.",
        ),
    ),
    Topic(
        3,
        "Consular protection",
        (14, 4),
        ("consular-protection", "identity-and-documentation"),
        (
            "Mobile consular services for nationals abroad",
            "Emergency assistance fund for nationals in distress abroad",
        ),
        (
            "Mobile consular teams issue passports and identity documents to nationals "
            "working abroad.",
            "An emergency fund pays for shelter, legal assistance and repatriation of "
            "nationals in distress.",
        ),
    ),
    Topic(
        5,
        "Gender-responsive migration governance",
        (7, 6),
        ("gender",),
        (
            "Gender-responsive migration policy",
            "Protection of women migrant domestic workers",
        ),
        (
            "The policy addresses the specific risks faced by women migrants, including "
            "gender-based violence.",
            "Women migrant domestic workers gained the right to weekly rest and to keep "
            "their passports.",
        ),
    ),
    Topic(
        4,
        "Public perceptions of migration",
        (17, 16),
        ("xenophobia-and-discrimination", "information-campaigns"),
        (
            "Campaign against xenophobia and hate speech",
            "Guidelines for media reporting on migration",
        ),
        (
            "A public campaign challenged xenophobia and hate speech against migrants.",
            "Journalists adopted guidelines for accurate, evidence-based reporting on migration.",
        ),
    ),
    Topic(
        2,
        "Smuggling of migrants",
        (9, 11),
        ("trafficking-and-smuggling",),
        ("Cooperation against the smuggling of migrants",),
        (
            "Smuggling networks were dismantled through cooperation between prosecutors of "
            "transit countries.",
            "Smuggled migrants are treated as victims of crime and not prosecuted for "
            "irregular entry.",
        ),
    ),
    Topic(
        6,
        "National implementation of the Global Compact",
        (23, 1),
        (
            "national-implementation-planning",
            "policy-coherence-and-coordination",
            "stakeholder-participation",
        ),
        (
            "National implementation plan for the Global Compact",
            "Whole-of-government coordination mechanism on migration",
        ),
        (
            "A national implementation plan for the Global Compact was adopted after "
            "consultations with civil society.",
            "An inter-ministerial committee coordinates migration policy across sectors.",
            "Progress on the plan is reviewed every two years in a public report.",
        ),
    ),
    Topic(
        1,
        "Statelessness",
        (4, 7),
        ("identity-and-documentation", "legal-frameworks"),
        ("Statelessness determination procedure",),
        (
            "A statelessness determination procedure gives stateless persons a legal "
            "status and documents.",
            "Nationality law reforms let children acquire a nationality and prevent statelessness.",
        ),
    ),
    Topic(
        3,
        "Disasters and climate change",
        (2, 5),
        ("refugees-and-displacement",),
        ("Planned relocation of communities affected by climate change",),
        (
            "People displaced by disasters and climate change receive humanitarian visas "
            "and temporary protection.",
            "Planned relocation of coastal communities was carried out with their participation.",
        ),
    ),
)
TOPIC_WEIGHTS = list(accumulate(t.weight for t in TOPICS))

ACTORS = (
    "The government",
    "The national migration authority",
    "The ministry of the interior",
    "Local authorities",
    "A national coordination body",
    "The ombudsperson's office",
    "Municipal governments",
    "The ministry of foreign affairs",
)
PARTNERS = (
    "civil society organisations",
    "trade unions",
    "employers' associations",
    "UN agencies",
    "faith-based groups",
    "academic institutions",
    "migrant-led organisations",
)
GENERAL_SENTENCES = (
    "{actor} worked with {partner} to design and carry out the measure.",
    "The measure is financed from the national budget with support from development partners.",
    "An evaluation found that the approach could be replicated in other regions.",
    "{actor} set up a monitoring framework with clear indicators and annual targets.",
    "Implementation was piloted in two provinces before being extended nationwide.",
    "Information is available in several languages through a hotline, a website and local offices.",
    "{actor} involved {partner} at every stage, from design to review.",
    "Training sessions were held for officials at central and local level.",
    "The initiative draws on international human rights standards and the Global Compact.",
    "Difficulties remain in funding, coordination and reaching people in remote areas.",
)
TITLE_FORMS = {
    Practice: ("{title}", "{title} in {country}", "{country}: {title}"),
    Challenge: (
        "Gaps in {title}",
        "Limited resources for {title}",
        "Weak coordination on {title}",
        "Uneven implementation of {title}",
    ),
    Opportunity: (
        "Momentum for {title}",
        "Regional cooperation on {title}",
        "New funding for {title}",
        "Political commitment to {title}",
    ),
    Recommendation: (
        "Strengthen {title}",
        "Scale up {title}",
        "Invest in {title}",
        "Share experience of {title}",
    ),
}
RECOMMENDATION_KINDS = list(Recommendation.Kind.values)
RECOMMENDATION_KIND_WEIGHTS = list(accumulate((50, 35, 8, 7)))


@dataclass
class SyntheticReport:
    """Rows created or removed, by table (records, then relation or history rows), and
    how long it took."""

    action: str
    counts: dict[str, Counter] = field(default_factory=dict)
    seconds: float = 0.0
    replaced: int = 0

    def add(self, model, part: str, count: int) -> None:
        name = str(model._meta.verbose_name_plural)
        self.counts.setdefault(name, Counter())[part] += count

    @property
    def total(self) -> int:
        return sum(sum(parts.values()) for parts in self.counts.values())

    def lines(self) -> list[str]:
        total = self.total
        if not total:
            return ["No synthetic data."]
        lines = (
            [f"Removed {self.replaced:,} earlier synthetic rows first."] if self.replaced else []
        )
        for name, parts in self.counts.items():
            details = ", ".join(f"{p} {n:,}" for p, n in parts.items() if n and p != "records")
            lines.append(
                f"Synthetic {name}: {parts['records']:,}" + (f" ({details})" if details else "")
            )
        lines.append(f"{self.action} {total:,} rows in {self.seconds:.1f} s.")
        return lines


def synthetic_exists() -> bool:
    """Whether any synthetic source or record is in the database."""
    return any(
        model.objects.filter(slug__startswith=PREFIX).exists() for model in (Source, *RECORD_MODELS)
    )


def synthetic_generate(
    *,
    practices: int,
    seed: int,
    challenges: int | None = None,
    opportunities: int | None = None,
    recommendations: int | None = None,
    replace: bool = False,
) -> SyntheticReport:
    """Create reproducible synthetic records; the kinds other than practices default to a
    tenth of the practices."""
    started = time.monotonic()
    wanted = {
        Practice: practices,
        Challenge: practices // 10 if challenges is None else challenges,
        Opportunity: practices // 10 if opportunities is None else opportunities,
        Recommendation: practices // 10 if recommendations is None else recommendations,
    }
    report = SyntheticReport("Created")
    with transaction.atomic():
        if synthetic_exists():
            if not replace:
                raise SyntheticDataExists(
                    "Synthetic data is already in the database: remove it first "
                    "(remove_synthetic) or generate with --replace."
                )
            report.replaced = synthetic_remove().total
        generator = _Generator(random.Random(seed))
        report.add(Source, "records", len(generator.sources))
        for model, count in wanted.items():
            _write(model, generator, count, report)
        catalogue_changed()  # bulk_create sends no signal: bump the cache generation here
    report.seconds = time.monotonic() - started
    return report


def synthetic_remove() -> SyntheticReport:
    """Delete every synthetic record with its relation and history rows, then the
    synthetic sources; no history row is written for the deletions."""
    started = time.monotonic()
    report = SyntheticReport("Removed")
    using = connection.alias
    with transaction.atomic():
        for model in RECORD_MODELS:
            report.add(model, "relation rows", _remove_relations(model, using))
            report.add(model, "history rows", _remove_history(model, using))
            # A raw delete: QuerySet.delete() would send post_delete for each record,
            # and django-simple-history would write a history row for each.
            deleted = model.objects.filter(slug__startswith=PREFIX)._raw_delete(using)
            report.add(model, "records", deleted)
        try:
            deleted, _ = Source.objects.filter(slug__startswith=PREFIX).delete()
        except ProtectedError as error:
            cited = sorted({str(obj) for obj in error.protected_objects})[:5]
            raise SyntheticError(
                "Records that are not synthetic cite synthetic sources: "
                f"{'; '.join(cited)}. Change their source first."
            ) from None
        report.add(Source, "records", deleted)
        if report.total:
            catalogue_changed()  # raw deletes send no signal
    report.seconds = time.monotonic() - started
    return report


def _remove_relations(model, using: str) -> int:
    """Delete the relation rows of synthetic records, from either side of the relation."""
    synthetic = model.objects.filter(slug__startswith=PREFIX).values("pk")
    removed = 0
    for relation in model._meta.many_to_many:
        rows = relation.remote_field.through.objects.filter(
            **{f"{relation.m2m_field_name()}__in": synthetic}
        )
        removed += rows._raw_delete(using)
    for relation in model._meta.related_objects:
        if relation.many_to_many:  # Challenge.addressed_by, seen from a practice
            rows = relation.through.objects.filter(
                **{f"{relation.field.m2m_reverse_field_name()}__in": synthetic}
            )
            removed += rows._raw_delete(using)
    return removed


def _remove_history(model, using: str) -> int:
    """Delete the history rows of synthetic records (there are some only if someone
    edited a synthetic record), their m2m history rows first."""
    historical = model.history.model
    rows = historical.objects.filter(slug__startswith=PREFIX)
    removed = 0
    for m2m_history in historical._meta.related_objects:
        removed += m2m_history.related_model.objects.filter(
            **{f"{m2m_history.field.name}__in": rows.values("pk")}
        )._raw_delete(using)
    return removed + rows._raw_delete(using)


def _write(model, generator: "_Generator", count: int, report: SyntheticReport) -> None:
    """Create `count` records of one kind and their relation rows, a batch at a time."""
    report.add(model, "records", 0)
    for start in range(0, count, BATCH_SIZE):
        batch = [generator.record(model, i) for i in range(start, min(count, start + BATCH_SIZE))]
        records = model.objects.bulk_create([record for record, _ in batch])
        if records and records[0].pk is None:  # a database that returns no ids
            ids = model.objects.in_bulk([r.slug for r in records], field_name="slug")
            records = [ids[r.slug] for r in records]
        report.add(model, "records", len(records))
        if model is Practice:
            generator.practice_ids += [record.pk for record in records]
        for name in batch[0][1]:
            relation = model._meta.get_field(name)
            through = relation.remote_field.through
            source = f"{relation.m2m_field_name()}_id"
            target = f"{relation.m2m_reverse_field_name()}_id"
            rows = [
                through(**{source: record.pk, target: pk})
                for record, (_, relations) in zip(records, batch, strict=True)
                for pk in relations[name]
            ]
            through.objects.bulk_create(rows, batch_size=BATCH_SIZE)
            report.add(model, name, len(rows))


class _Generator:
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
        self.practice_ids: list[int] = []
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
        values = {
            "title": rng.choice(TITLE_FORMS[model]).format(title=title, country=country)[:200],
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
        if model is Recommendation:
            values["kind"] = rng.choices(
                RECOMMENDATION_KINDS, cum_weights=RECOMMENDATION_KIND_WEIGHTS
            )[0]
            values["area"] = topic.area
        return values

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
