"""Counts of published records, kept as records change, so that no reader counts the
whole catalogue.

Every public count (the home's totals, a country's or a theme's records per kind, the
records naming a region, the coverage of countries and of regions by objectives, the
facets of an unfiltered list) is a row of RecordCount: how many published records of a
kind link to a row of a reference table (or to a country or a region and an objective
together, for coverage).

A record contributes one to each of its links while it is published, none otherwise. The
write services (practices.editing, practices.importing) take a record's contribution
before and after they write, in the same transaction, and add the difference: a draft's
edit changes nothing here, a publication adds its links, a withdrawal takes them away.
`rebuild()` counts everything afresh: after a restore, a bulk generation of synthetic
records, a change of a country's region, and from the migration that made the table.
"""

from collections import Counter
from collections.abc import Iterable

from django.apps import apps as django_apps
from django.db import connection
from django.db.models import Count, F

# A record's relations to reference tables whose rows are counted, in link order.
RELATIONS = ("countries", "organisations", "objectives", "actions", "principles", "themes")
# Where a country stands in the M49 regions: the relation name of each level.
REGION_LEVELS = {
    "region": "subregion__parent_id",
    "subregion": "subregion_id",
    "intermediate": "intermediate_region_id",
}
TOTAL, SOURCE, COVERAGE = "all", "source", "coverage"
# Pairs counted besides coverage: (relation name, the record's relation paired with its
# countries). A country's page lists the organisations its records name.
PAIRS = {COVERAGE: "objectives", "country-organisation": "organisations"}
# The coverage of a region (of any level) by objectives: records naming one of its
# countries and the objective, each record once per region, whatever the countries it
# names there. Target WORLD: the records naming any country.
REGION_COVERAGE, WORLD = "region-coverage", 0
KINDS = ("practice", "challenge", "opportunity", "recommendation")
CHUNK = 900  # ids per IN (...): under SQLite's limit of parameters

Key = tuple[str, str, int, int]  # kind, relation, target id, other id (coverage: objective)


def record_models(apps=django_apps) -> list:
    return [apps.get_model("practices", kind) for kind in KINDS]


def contribution(model, ids: Iterable[int]) -> Counter:
    """What the published ones among these records add to the counts, read from the
    database as it stands."""
    kind = model._meta.model_name
    found: Counter = Counter()
    ids = list(ids)
    for start in range(0, len(ids), CHUNK):
        published = list(
            model.objects.filter(pk__in=ids[start : start + CHUNK], status="published")
            .order_by()
            .values_list("pk", "source_id")
        )
        if not published:
            continue
        found.update(_record_keys(model, kind, dict(published)))
    return found


def _record_keys(model, kind: str, sources: dict[int, int]) -> Counter:
    """The keys of records given as {pk: source id}, each record counted once per key."""
    keys: Counter = Counter()
    ids = list(sources)
    keys[(kind, TOTAL, 0, 0)] += len(ids)
    for source_id in sources.values():
        keys[(kind, SOURCE, source_id, 0)] += 1
    linked = {relation: _links(model, relation, ids) for relation in RELATIONS}
    for relation, per_record in linked.items():
        for targets in per_record.values():
            for target in targets:
                keys[(kind, relation, target, 0)] += 1
    places = _country_places({c for cs in linked["countries"].values() for c in cs})
    for pk, countries in linked["countries"].items():
        for level in REGION_LEVELS:
            for region in {places[c][level] for c in countries} - {None}:
                keys[(kind, level, region, 0)] += 1
        regions = {places[c][level] for c in countries for level in REGION_LEVELS} - {None}
        for objective in linked["objectives"].get(pk, ()):
            for region in {*regions, WORLD}:
                keys[(kind, REGION_COVERAGE, region, objective)] += 1
        for pair, relation in PAIRS.items():
            for country in countries:
                for other in linked[relation].get(pk, ()):
                    keys[(kind, pair, country, other)] += 1
    return keys


def _links(model, relation: str, ids: list[int]) -> dict[int, list[int]]:
    field = model._meta.get_field(relation)
    through = field.remote_field.through
    record, target = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
    found: dict[int, list[int]] = {}
    for pk, target_id in through.objects.filter(**{f"{record}__in": ids}).values_list(
        record, target
    ):
        found.setdefault(pk, []).append(target_id)
    return found


def _country_places(country_ids: set[int]) -> dict[int, dict[str, int | None]]:
    country = django_apps.get_model("practices", "Country")
    rows = country.objects.filter(pk__in=country_ids).values_list("pk", *REGION_LEVELS.values())
    return {pk: dict(zip(REGION_LEVELS, levels, strict=True)) for pk, *levels in rows}


def apply(before: Counter, after: Counter) -> None:
    """Add the difference between two contributions to the counts, in one statement."""
    delta = Counter(after)
    delta.subtract(before)
    rows = [(*key, n) for key, n in delta.items() if n]
    if rows:
        _add(rows)


def _add(rows: list[tuple]) -> None:
    """INSERT ... ON CONFLICT DO UPDATE: an upsert that adds, on PostgreSQL and SQLite."""
    table = connection.ops.quote_name(_model()._meta.db_table)
    for start in range(0, len(rows), 150):
        batch = rows[start : start + 150]
        values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(batch))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (kind, relation, target, other, count) VALUES {values} "
                "ON CONFLICT (kind, relation, target, other) "
                f"DO UPDATE SET count = {table}.count + excluded.count",
                [value for row in batch for value in row],
            )


def _model(apps=django_apps):
    return apps.get_model("practices", "RecordCount")


class Tracked:
    """A write's effect on the counts: `with Tracked(model, ids):` around the write."""

    def __init__(self, model, ids: Iterable[int]):
        self.model = model
        self.ids = [pk for pk in ids if pk is not None]

    def __enter__(self):
        self.before = contribution(self.model, self.ids)
        return self

    def also(self, ids: Iterable[int]) -> None:
        """Records the write created: counted after it, not before."""
        self.ids += [pk for pk in ids if pk is not None]

    def __exit__(self, kind, error, traceback):
        if kind is None:
            apply(self.before, contribution(self.model, self.ids))
        return False


def rebuild(apps=django_apps) -> int:
    """Count everything afresh (GROUP BYs over the whole catalogue); return the rows."""
    record_count = _model(apps)
    record_count.objects.all().delete()
    rows = []
    for model in record_models(apps):
        rows += _counted(model, apps)
    record_count.objects.bulk_create(
        [
            record_count(kind=kind, relation=relation, target=target, other=other, count=n)
            for kind, relation, target, other, n in rows
        ],
        batch_size=2000,
    )
    return len(rows)


def _counted(model, apps) -> list[tuple]:
    kind = model._meta.model_name
    published = model.objects.filter(status="published").order_by()
    rows = [(kind, TOTAL, 0, 0, published.count())]
    rows += [
        (kind, SOURCE, source, 0, n)
        for source, n in published.values_list("source_id").annotate(n=Count("pk"))
    ]
    for relation in RELATIONS:
        field = model._meta.get_field(relation)
        through = field.remote_field.through.objects.filter(
            **{f"{field.m2m_field_name()}__status": "published"}
        ).order_by()
        target = f"{field.m2m_reverse_field_name()}_id"
        rows += [
            (kind, relation, t, 0, n)
            for t, n in through.values_list(target).annotate(n=Count("pk"))
        ]
        if relation == "countries":
            country = field.m2m_reverse_field_name()
            record = field.m2m_field_name()
            for level, path in REGION_LEVELS.items():
                region = f"{country}__{path.removesuffix('_id')}"
                rows += [
                    (kind, level, r, 0, n)
                    for r, n in through.exclude(**{region: None})
                    .values_list(region)
                    .annotate(n=Count(record, distinct=True))
                ]
            rows += _region_coverage(kind, through, record, country)
    countries = model._meta.get_field("countries").remote_field.through
    record = model._meta.get_field("countries").m2m_field_name()
    for pair, relation in PAIRS.items():
        pairs = (
            countries.objects.filter(**{f"{record}__status": "published"})
            .order_by()
            .annotate(other=F(f"{record}__{relation}"))
            .exclude(other=None)
            .values_list("country_id", "other")
            .annotate(n=Count("pk"))
        )
        rows += [(kind, pair, c, o, n) for c, o, n in pairs]
    return [row for row in rows if row[-1]]


def _region_coverage(kind: str, through, record: str, country: str) -> list[tuple]:
    """Rows of REGION_COVERAGE from a kind's published links to countries."""
    linked = through.annotate(objective=F(f"{record}__objectives")).exclude(objective=None)
    rows = [
        (kind, REGION_COVERAGE, WORLD, o, n)
        for o, n in linked.values_list("objective").annotate(n=Count(record, distinct=True))
    ]
    for path in REGION_LEVELS.values():
        region = f"{country}__{path.removesuffix('_id')}"
        rows += [
            (kind, REGION_COVERAGE, r, o, n)
            for r, o, n in linked.exclude(**{region: None})
            .values_list(region, "objective")
            .annotate(n=Count(record, distinct=True))
        ]
    return rows


# Reads.


def counts(relation: str, *, targets=None, kinds=KINDS) -> dict[str, dict[int, int]]:
    """Kind: {row id: published records of that kind linking to it by `relation`}."""
    rows = _model().objects.filter(relation=relation, kind__in=kinds, count__gt=0)
    if targets is not None:
        rows = rows.filter(target__in=list(targets))
    found: dict[str, dict[int, int]] = {kind: {} for kind in kinds}
    for kind, target, n in rows.values_list("kind", "target", "count"):
        found[kind][target] = n
    return found


def summed(relation: str, *, targets=None, kinds=KINDS) -> dict[int, int]:
    """Row id: published records of all `kinds` linking to it by `relation`."""
    total: Counter = Counter()
    for per_kind in counts(relation, targets=targets, kinds=kinds).values():
        total.update(per_kind)
    return dict(total)


def totals() -> dict[str, int]:
    """Kind: its published records."""
    return {kind: per.get(0, 0) for kind, per in counts(TOTAL).items()}


def coverage(
    *, kinds=KINDS, country=None, objective=None, pair: str = COVERAGE
) -> dict[tuple[int, int], int]:
    """(country id, objective id): published records naming both, all `kinds` together;
    with `pair="country-organisation"`, (country id, organisation id) likewise."""
    rows = _model().objects.filter(relation=pair, kind__in=kinds, count__gt=0)
    if country is not None:
        rows = rows.filter(target=country)
    if objective is not None:
        rows = rows.filter(other=objective)
    cells: Counter = Counter()
    for target, other, n in rows.values_list("target", "other", "count"):
        cells[(target, other)] += n
    return dict(cells)


def region_coverage(regions, *, kinds=KINDS) -> dict[tuple[int, int], int]:
    """(region id, objective id): published records of all `kinds` naming a country of
    the region (of any level; WORLD: any country) and the objective, each record once."""
    rows = _model().objects.filter(
        relation=REGION_COVERAGE, kind__in=kinds, target__in=list(regions), count__gt=0
    )
    cells: Counter = Counter()
    for target, other, n in rows.values_list("target", "other", "count"):
        cells[(target, other)] += n
    return dict(cells)
