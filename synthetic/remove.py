"""Removing synthetic records: every row whose slug starts "synthetic-", sources included,
with its relation and history rows.

Like synthetic/generate.py, an operator-only bulk writer outside the editing services
(practices.editing): it deletes benchmark data, not the catalogue, in seconds, with raw
deletes that call no Record.delete() and write no history row. Only the remove_synthetic
command, and generating with replace=True, call it.
"""

import time

from django.db import connection, transaction
from django.db.models import ProtectedError

from practices import summary
from practices.cache import catalogue_changed
from practices.models import RECORD_MODELS, Partner, Practice, Source
from synthetic.report import PREFIX, SyntheticError, SyntheticReport


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
            summary.rebuild()  # bulk writes pass no service: count afresh
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
    if model is Practice:  # its partners, with their history rows (if one was edited)
        partners = Partner.objects.filter(practice__in=synthetic)
        removed += Partner.history.filter(practice_id__in=synthetic)._raw_delete(using)
        removed += partners._raw_delete(using)
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
