"""Every write to a record, and the one table of who may make it.

Doors (the admin's forms, actions and history revert; the API's writes; the importer;
the loader and other commands) parse what they are given and call these services; none
decides a rule itself. Each service checks RULES, writes inside one transaction, and
keeps the record's history (who, when, what) through django-simple-history.

RULES says which permissions a write needs, by what it does and the record's status:
editors (add and change) write drafts and records in review; a published or withdrawn
record, and publishing or withdrawing, are the reviewers' (the `publish_<model>`
permission); deleting needs `delete_<model>`, and a published or withdrawn record needs
`publish_<model>` as well. A management command acts as OPERATOR, who may do everything:
whoever runs it holds the database already.

Optimistic locking: a change names the version it was made from. The record's version
is claimed with one `UPDATE ... WHERE id = ... AND version = ...`, so of two saves from
the same version exactly one wins, on any database; a missing version is refused.
"""

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import localize
from django.utils.translation import gettext as _

from practices import summary
from practices.models import Status, record_writes


class Operation(StrEnum):
    """What a write does to a record; RULES is keyed by it and the status concerned."""

    CREATE = "create"  # status: the new record's
    CHANGE = "change"  # status: the stored record's
    MOVE = "move"  # status: the one the record is moved into
    DELETE = "delete"  # status: the stored record's


class PartnerRow(NamedTuple):
    """A partner as a door gives it: an organisation of the table, or a name, and a role
    (a value of Partner.Role)."""

    organisation: object | None
    name: str
    role: str


EDITORS_STATUSES = (Status.DRAFT, Status.IN_REVIEW)
REVIEWERS_STATUSES = (Status.PUBLISHED, Status.WITHDRAWN)

# The permissions (actions of `<app>.<action>_<model>`) each write needs.
RULES: dict[tuple[Operation, str], frozenset[str]] = {
    **{(Operation.CREATE, s): frozenset({"add"}) for s in EDITORS_STATUSES},
    **{(Operation.CREATE, s): frozenset({"add", "publish"}) for s in REVIEWERS_STATUSES},
    **{(Operation.CHANGE, s): frozenset({"change"}) for s in EDITORS_STATUSES},
    **{(Operation.CHANGE, s): frozenset({"change", "publish"}) for s in REVIEWERS_STATUSES},
    **{(Operation.MOVE, s): frozenset({"change"}) for s in EDITORS_STATUSES},
    **{(Operation.MOVE, s): frozenset({"change", "publish"}) for s in REVIEWERS_STATUSES},
    **{(Operation.DELETE, s): frozenset({"delete"}) for s in EDITORS_STATUSES},
    **{(Operation.DELETE, s): frozenset({"delete", "publish"}) for s in REVIEWERS_STATUSES},
}


@dataclass(frozen=True)
class Transition:
    """A named move of the review workflow, as the admin's bulk actions offer it."""

    name: str
    sources: frozenset
    target: str


TRANSITIONS = {
    t.name: t
    for t in (
        Transition("send_to_review", frozenset({Status.DRAFT, Status.WITHDRAWN}), Status.IN_REVIEW),
        Transition(
            "publish",
            frozenset({Status.DRAFT, Status.IN_REVIEW, Status.WITHDRAWN}),
            Status.PUBLISHED,
        ),
        Transition("withdraw", frozenset({Status.PUBLISHED}), Status.WITHDRAWN),
        Transition("return_to_draft", frozenset({Status.IN_REVIEW}), Status.DRAFT),
    )
}


class Operator:
    """Whoever runs a management command: every right, and no account in the history."""

    is_authenticated = True
    is_active = True
    pk = None
    username = "operator"

    def has_perm(self, perm, obj=None) -> bool:
        return True

    def __str__(self):
        return _("the operator (command line)")


OPERATOR = Operator()


class NotAllowed(PermissionDenied):
    """The rule table does not let this user make this write."""


class VersionRequired(Exception):
    """A change that does not say which version it was made from."""


class StaleVersion(Exception):
    """Someone else saved the record since the version the change was made from."""

    def __init__(self, record, version: int | None = None):
        self.record = record
        self.version = version
        latest = record.history.select_related("history_user").first()
        self.who = (latest and latest.history_user and latest.history_user.get_username()) or _(
            "someone"
        )
        self.when = latest.history_date if latest else record.updated_at
        super().__init__(self.message())

    def message(self) -> str:
        return _(
            "%(who)s changed this record (%(when)s, now version %(stored)s) after version "
            "%(seen)s that this change was made from, so it was not saved."
        ) % {
            "who": self.who,
            "when": localize(self.when),
            "stored": self.record.version,
            "seen": self.version,
        }


# The rules.


def needed(model, operation: Operation, status: str) -> list[str]:
    """The permission names a write needs, e.g. ["practices.change_practice", ...]."""
    opts = model._meta
    return [
        f"{opts.app_label}.{action}_{opts.model_name}"
        for action in sorted(RULES[(operation, status)])
    ]


def allowed(user, model, operation: Operation, status: str) -> bool:
    """Whether the rule table lets `user` make this write."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return all(user.has_perm(name) for name in needed(model, operation, status))


def check(user, model, operation: Operation, status: str) -> None:
    """Refuse, naming what was refused, a write the rule table does not allow."""
    if not allowed(user, model, operation, status):
        raise NotAllowed(refusal(user, model, operation, status))


def refusal(user, model, operation: Operation, status: str) -> str:
    """What was refused, and whose it is when it is the reviewers'."""
    label = Status(status).label.lower()
    name = model._meta.verbose_name_plural
    text = {
        Operation.CREATE: _("You may not create %(name)s in status “%(status)s”."),
        Operation.CHANGE: _("You may not change %(name)s in status “%(status)s”."),
        Operation.MOVE: _("You may not set %(name)s to status “%(status)s”."),
        Operation.DELETE: _("You may not delete %(name)s in status “%(status)s”."),
    }[operation] % {"name": name, "status": label}
    publish = f"{model._meta.app_label}.publish_{model._meta.model_name}"
    if publish in needed(model, operation, status) and user and not user.has_perm(publish):
        text += " " + _("Only a reviewer may.")
    return text


def settable_statuses(user, model, current: str | None = None) -> list[str]:
    """The statuses a user may give a record by hand (its current one included)."""
    operation = Operation.CREATE if current is None else Operation.MOVE
    return [
        status
        for status in Status.values
        if status == current or allowed(user, model, operation, status)
    ]


def changeable(user, record) -> bool:
    """Whether `user` may change `record` as it is stored now."""
    return allowed(user, type(record), Operation.CHANGE, record.status)


# The writes.


def record_create(
    *, record, user, relations: dict | None = None, partners: list[PartnerRow] | None = None
):
    """Save a new record (built by the door, unsaved) with its relations and, for a
    practice, its partners; publishing it stamps who and when."""
    model = type(record)
    check(user, model, Operation.CREATE, record.status)
    record.version = 1
    _stamp(record, previous=None, user=user)
    with transaction.atomic(), summary.Tracked(model, []) as counts:
        _save(record, user=user)
        _set_relations(record, relations)
        _set_partners(record, partners, user=user)
        counts.also([record.pk])
    return record


def record_update(
    *,
    record,
    user,
    version: int | None,
    values: dict,
    relations: dict | None = None,
    partners: list[PartnerRow] | None = None,
    reason: str = "",
):
    """Change a stored record from the version the change was made from; `partners`
    (a practice's), when given, replace the ones it has."""
    model = type(record)
    with transaction.atomic():
        current = _locked(model, record.pk)
        check(user, model, Operation.CHANGE, current.status)
        status = values.get("status", current.status)
        if status != current.status:
            check(user, model, Operation.MOVE, status)
        _claim(current, version)
        with summary.Tracked(model, [current.pk]):
            previous = current.status
            for name, value in values.items():
                setattr(current, name, value)
            _stamp(current, previous=previous, user=user)
            _save(current, user=user, reason=reason)
            _set_relations(current, relations)
            _set_partners(current, partners, user=user)
    return current


def record_revert(
    *,
    record,
    history_id: int,
    user,
    version: int | None,
    values: dict,
    relations: dict | None = None,
    partners: list[PartnerRow] | None = None,
):
    """Bring a record back to an earlier version from its history: an update like any
    other (the same rules, the same lock), recorded as a revert. A practice's partners
    come back as they were in that version unless the door gives them."""
    entry = record.history.filter(history_id=history_id).first()
    if entry is None:
        raise ValidationError(
            _("Version %(id)s is not in this record's history."),
            code="unknown_version",
            params={"id": history_id},
        )
    if partners is None and hasattr(record, "partners"):
        partners = partners_at(record, entry)
    reason = _("Reverted to the version of %(when)s") % {"when": localize(entry.history_date)}
    return record_update(
        record=record,
        user=user,
        version=version,
        values=values,
        relations=relations,
        partners=partners,
        reason=reason,
    )


def partners_at(record, entry) -> list[PartnerRow]:
    """A practice's partners as they were in version `entry` (a history entry): each
    partner's last state before the practice's next version was saved. Partners change
    only with their practice (_set_partners runs inside record_create and record_update,
    the import writes them with the version), so that is the set the version had."""
    from practices.models import Partner

    later = (
        record.history.filter(version__gt=entry.version)
        .order_by("history_date")
        .values_list("history_date", flat=True)
        .first()
    )
    rows = Partner.history.filter(practice_id=record.pk)
    if later is not None:
        rows = rows.filter(history_date__lt=later)
    last = {}
    for row in rows.select_related("organisation").order_by("history_date", "history_id"):
        last[row.id] = row
    return [
        PartnerRow(row.organisation, row.name, row.role)
        for row in sorted(last.values(), key=lambda row: row.id)
        if row.history_type != "-"
    ]


def record_delete(*, record, user, version: int | None) -> None:
    """Delete a record, from the version the deletion was decided on."""
    model = type(record)
    with transaction.atomic():
        current = _locked(model, record.pk)
        check(user, model, Operation.DELETE, current.status)
        _claim(current, version)
        current._history_user = history_user(user)
        with summary.Tracked(model, [current.pk]), record_writes():
            current.delete()


def record_transition(*, record, transition: str, user) -> bool:
    """Move one stored record along the workflow; False when it is not in a state to."""
    step = TRANSITIONS[transition]
    if record.status not in step.sources:
        return False
    record_update(record=record, user=user, version=record.version, values={"status": step.target})
    return True


@dataclass
class Moved:
    """What a bulk transition did: moved, not in a state to move, not the user's to move."""

    moved: int = 0
    skipped: int = 0
    refused: int = 0


def records_transition(*, queryset, transition: str, user) -> Moved:
    """Move every record of a queryset that can move and that the user may move."""
    step = TRANSITIONS[transition]
    outcome = Moved()
    with transaction.atomic():
        for record in queryset.select_for_update().order_by("pk"):
            if record.status not in step.sources:
                outcome.skipped += 1
            elif not (
                changeable(user, record)
                and allowed(user, type(record), Operation.MOVE, step.target)
            ):
                outcome.refused += 1
            else:
                record_transition(record=record, transition=transition, user=user)
                outcome.moved += 1
    return outcome


def records_delete(*, queryset, user) -> Counter:
    """Delete the records of a queryset, all or none: refused if any is not the user's."""
    with transaction.atomic():
        records = list(queryset.select_for_update().order_by("pk"))
        for record in records:
            check(user, type(record), Operation.DELETE, record.status)
        for record in records:
            record_delete(record=record, user=user, version=record.version)
    return Counter(type(record)._meta.label for record in records)


# How a write is made.


def _locked(model, pk):
    """The stored record, locked until the transaction ends where the database can."""
    current = model.objects.select_for_update().filter(pk=pk).first()
    if current is None:
        raise model.DoesNotExist(_("This record no longer exists."))
    return current


def _claim(current, version: int | None) -> None:
    """Take the next version in one conditional UPDATE: of two writers who read the same
    version, the database lets exactly one through."""
    if version is None:
        raise VersionRequired(
            _(
                "Say which version of the record this change was made from (version %(v)s "
                "is stored)."
            )
            % {"v": current.version}
        )
    claimed = (
        type(current)
        .objects.filter(pk=current.pk, version=version)
        .update(version=F("version") + 1)
    )
    if not claimed:
        current.refresh_from_db(fields=["version"])
        raise StaleVersion(current, version)
    current.version = version + 1


def _stamp(record, *, previous: str | None, user) -> None:
    """Publishing records who published and when: here, and nowhere else."""
    if record.status == Status.PUBLISHED and previous != Status.PUBLISHED:
        record.published_at = timezone.now()
        record.published_by = history_user(user)


def history_user(user):
    """The account a history row names: none for the operator."""
    return None if user is OPERATOR or not getattr(user, "pk", None) else user


def _save(record, *, user, reason: str = "") -> None:
    """full_clean() then save, the history naming the user (and the reason, if any)."""
    record.full_clean(validate_unique=True)
    record._history_user = history_user(user)
    if reason:
        record._change_reason = reason
    with record_writes():
        record.save()


def _set_partners(record, partners: list[PartnerRow] | None, *, user) -> None:
    """Replace a practice's partners by exactly those given (None: leave them), each
    checked as the model checks it; an error names the field `partners`. Unchanged
    partners are kept, so the history shows only what changed."""
    if partners is None:
        return
    from practices.models import Partner

    wanted, errors = [], []
    for number, row in enumerate(partners, 1):
        partner = Partner(
            practice=record,
            organisation=row.organisation,
            name="" if row.organisation is not None else (row.name or "").strip(),
            role=row.role,
        )
        try:
            partner.full_clean(exclude=["practice"], validate_constraints=False)
            if partner.organisation is None and not partner.name:
                raise ValidationError(_("Name the organisation or give its name."))
        except ValidationError as error:
            errors += [
                _("Partner %(n)s: %(message)s") % {"n": number, "message": message}
                for message in error.messages
            ]
            continue
        key = (partner.organisation_id, partner.name, partner.role)
        if key in {(p.organisation_id, p.name, p.role) for p in wanted}:
            errors.append(_("Partner %(n)s is named twice with the same role.") % {"n": number})
            continue
        wanted.append(partner)
    if errors:
        raise ValidationError({"partners": errors})
    stored = {(p.organisation_id, p.name, p.role): p for p in record.partners.all()}
    keep = {(p.organisation_id, p.name, p.role) for p in wanted}
    who = history_user(user)
    for key, partner in stored.items():
        if key not in keep:
            partner._history_user = who
            partner.delete()
    for partner in wanted:
        if (partner.organisation_id, partner.name, partner.role) not in stored:
            partner._history_user = who
            partner.save()


def _set_relations(record, relations: dict | None) -> None:
    """Set each to-many relation named to exactly the rows given."""
    for name, rows in (relations or {}).items():
        related = getattr(record, name)
        wanted = {row.pk for row in rows}
        if {row.pk for row in related.all()} != wanted:
            related.set(rows)
