"""Made-up records for tests, written as every door writes them: through practices.editing."""

from practices import editing
from practices.models import Practice, Source, Status


def make(model=Practice, *, relations: dict | None = None, user=editing.OPERATOR, **values):
    """A new record (a draft unless `status` says otherwise), by the operator by default."""
    slug = values.setdefault("slug", "a-made-up-record")
    values.setdefault("title", slug.replace("-", " ").capitalize())
    values.setdefault("text", "A record made up for a test.")
    values.setdefault("status", Status.DRAFT)
    if "source" not in values:
        values["source"] = Source.objects.order_by("pk").first()
    return editing.record_create(record=model(**values), user=user, relations=relations)


def change(record, *, relations: dict | None = None, user=editing.OPERATOR, **values):
    """The record changed from its stored version; the stored record returned."""
    stored = type(record).objects.get(pk=record.pk)
    return editing.record_update(
        record=stored, user=user, version=stored.version, values=values, relations=relations
    )
