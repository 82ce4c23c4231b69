import io
import re
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from practices import editing, search
from practices.backup import catalogue_models
from practices.models import RECORD_MODELS, Challenge, Partner, Practice, Source, Status
from synthetic.report import PREFIX
from tests.records import change

pytestmark = pytest.mark.django_db


def run(command: str, **options) -> str:
    out = io.StringIO()
    call_command(command, stdout=out, **options)
    return out.getvalue()


def generate(**options) -> str:
    return run("generate_synthetic", **{"practices": 200, "seed": 3, **options})


def synthetic(model):
    return model.objects.filter(slug__startswith=PREFIX).with_related()


IMPLEMENTATION = ("scope", "start_year", "end_year", "implementation_status", "results")


def snapshot() -> dict:
    """Every synthetic record by slug: its own fields and its relations, by natural keys."""
    records = {}
    for model in RECORD_MODELS:
        queryset = synthetic(model)
        if model is Challenge:
            queryset = queryset.prefetch_related("addressed_by")
        for record in queryset:
            records[record.slug] = {
                "title": record.title,
                "text": record.text,
                "status": record.status,
                "section": record.section,
                "source": record.source.slug,
                "countries": sorted(c.alpha2 for c in record.countries.all()),
                "objectives": sorted(o.number for o in record.objectives.all()),
                "actions": sorted(a.code for a in record.actions.all()),
                "themes": sorted(t.slug for t in record.themes.all()),
                "organisations": sorted(o.slug for o in record.organisations.all()),
                "principles": sorted(p.number for p in record.principles.all()),
                "addressed_by": sorted(p.slug for p in record.addressed_by.all())
                if model is Challenge
                else [],
                "partners": sorted((p.organisation.slug, p.role) for p in record.partners.all())
                if model is Practice
                else [],
                "implementation": [getattr(record, f, None) for f in IMPLEMENTATION],
            }
    return records


def catalogue_rows() -> dict:
    """Every row of every catalogue table, relation and history tables included."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values_list())
        for model in catalogue_models(include_auto_created=True)
    }


def test_same_seed_makes_the_same_records():
    """Seed 3 twice, with a removal in between: the same titles, texts and relations."""
    generate()
    first = snapshot()
    run("remove_synthetic")
    generate()
    assert snapshot() == first
    assert len(first) == 260  # 200 practices and a tenth as many of each other kind
    run("remove_synthetic")
    generate(seed=4)
    assert snapshot() != first


def test_synthetic_records_have_realistic_shapes():
    """1-3 countries, 1-4 objectives, 1-3 themes, 0-2 organisations and principles,
    actions only under chosen objectives, texts of 40-120 words, mostly published."""
    generate()
    statuses = Counter()
    for model in RECORD_MODELS:
        for record in synthetic(model):
            objectives = set(record.objectives.all())
            assert 1 <= record.countries.count() <= 3
            assert 1 <= len(objectives) <= 4
            assert 1 <= record.themes.count() <= 3
            assert record.organisations.count() <= 2
            assert record.principles.count() <= 2
            assert all(action.objective in objectives for action in record.actions.all())
            assert 40 <= len(record.text.split()) <= 120
            assert record.source.slug.startswith(PREFIX)
            assert (record.published_at is not None) == (record.status == Status.PUBLISHED)
            statuses[record.status] += 1
    assert statuses[Status.PUBLISHED] / sum(statuses.values()) > 0.85
    # Some practices have an implementation and partners, as submitted ones do.
    practices = Practice.objects.filter(slug__startswith=PREFIX)
    implemented = practices.exclude(implementation_status="")
    assert 0.15 < implemented.count() / practices.count() < 0.45
    for practice in implemented:
        assert practice.scope == "countries" and 2010 <= practice.start_year <= 2025
        assert practice.end_year is None or practice.start_year < practice.end_year <= 2026
        assert (practice.end_year is not None) == (
            practice.implementation_status in ("completed", "mostly-completed")
        )
    partnered = Counter(Partner.objects.filter(practice__in=practices).values_list("practice"))
    assert 0.3 < len(partnered) / practices.count() < 0.7
    assert set(partnered.values()) == {1, 2, 3}
    years = Counter(Source.objects.filter(slug__startswith=PREFIX).values_list("year", flat=True))
    assert years == dict.fromkeys(range(2007, 2027), 2)


def test_synthetic_records_are_searchable_with_varied_selectivity():
    """The insert triggers index bulk-created records; common words match more than rare."""
    generate()
    practices = Practice.objects.filter(slug__startswith=PREFIX)
    labour = search.search(practices, "labour").count()
    detention = search.search(practices, "detention").count()
    assert 0 < detention < labour < practices.count()


def test_generating_writes_no_history_rows():
    """bulk_create bypasses django-simple-history: no history row per synthetic record."""
    before = Practice.history.count()
    generate()
    assert Practice.history.count() == before


def test_remove_synthetic_leaves_the_catalogue_as_it_was():
    """Removal deletes the synthetic records, their relation and history rows and the
    synthetic sources, and nothing else."""
    before = catalogue_rows()
    output = generate()
    assert "Synthetic practices: 200" in output
    edited = Practice.objects.filter(slug__startswith=PREFIX).first()
    edited = change(edited, title="Edited by hand, so that it has history")
    assert edited.history.exists()
    editing.record_update(
        record=edited,
        user=editing.OPERATOR,
        version=edited.version,
        values={},
        partners=[editing.PartnerRow(None, "A partner named by hand", "funding")],
    )
    assert Partner.history.filter(practice_id=edited.pk).exists()

    output = run("remove_synthetic")

    assert "Synthetic practices: 200" in output and "Synthetic sources: 40" in output
    assert catalogue_rows() == before
    assert run("remove_synthetic") == "No synthetic data.\n"


def test_generating_twice_is_refused_without_replace():
    """A second run on top of synthetic data is refused; --replace removes it first."""
    generate()
    first = snapshot()
    with pytest.raises(CommandError, match="already in the database"):
        generate(seed=4)
    assert snapshot() == first
    output = generate(replace=True)
    assert "earlier synthetic rows first" in output
    assert snapshot() == first


def test_remove_is_refused_while_a_real_record_cites_a_synthetic_source():
    """A record that is not synthetic keeps its source: nothing is removed, and the
    message names the record."""
    generate()
    seeded = Practice.objects.exclude(slug__startswith=PREFIX).first()
    seeded = change(seeded, source=Source.objects.get(slug=f"{PREFIX}2010-1"))
    with pytest.raises(CommandError, match=re.escape(seeded.title)):
        run("remove_synthetic")
    assert Practice.objects.filter(slug__startswith=PREFIX).count() == 200
