"""Writing synthetic records at scale, for benchmarks; never part of the real catalogue.

An operator-only bulk writer outside the editing services (practices.editing): benchmark
data has no author, no review and no history, and 100,000 practices must be written in
under two minutes, which one save() and full_clean() per record cannot do. So
`synthetic_generate()` writes with bulk_create in batches, the relation (through) tables
too: QuerySet methods that never call Record.save() (which raises ServiceOnly outside
practices.models.record_writes()), so no rule check, no full_clean() and no history row.
The database's own triggers index the records for full-text search as they are inserted;
the cache generation is bumped by hand. Only the generate_synthetic command calls it.
"""

import random
import time

from django.db import transaction

from practices import summary
from practices.cache import catalogue_changed
from practices.models import Challenge, Opportunity, Partner, Practice, Recommendation, Source
from synthetic.records import RecordGenerator
from synthetic.remove import synthetic_remove
from synthetic.report import SyntheticDataExists, SyntheticReport, synthetic_exists

BATCH_SIZE = 5000


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
        generator = RecordGenerator(random.Random(seed))
        report.add(Source, "records", len(generator.sources))
        for model, count in wanted.items():
            _write(model, generator, count, report)
        summary.rebuild()  # bulk writes pass no service: count afresh
        catalogue_changed()  # bulk_create sends no signal: bump the cache generation here
    report.seconds = time.monotonic() - started
    return report


def _write(model, generator: RecordGenerator, count: int, report: SyntheticReport) -> None:
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
            partners = [
                Partner(practice_id=record.pk, organisation_id=organisation, role=role)
                for record in records
                for organisation, role in generator.partners()
            ]
            Partner.objects.bulk_create(partners, batch_size=BATCH_SIZE)
            report.add(model, "partners", len(partners))
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
