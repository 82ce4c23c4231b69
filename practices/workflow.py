"""Services for the editorial workflow: draft -> in review -> published (or withdrawn).

Editors create and edit drafts and send them to review; only reviewers (the
`publish_<model>` permission) publish or withdraw. Publishing stamps who and when.
A save names the version it was opened at; a save from an older version is refused.
"""

from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from practices.models import RECORD_MODELS, Status


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset
    target: str
    permission: str  # "change" or "publish"


TRANSITIONS = {
    t.name: t
    for t in (
        Transition(
            "send_to_review",
            frozenset({Status.DRAFT, Status.WITHDRAWN}),
            Status.IN_REVIEW,
            "change",
        ),
        Transition(
            "publish",
            frozenset({Status.DRAFT, Status.IN_REVIEW, Status.WITHDRAWN}),
            Status.PUBLISHED,
            "publish",
        ),
        Transition("withdraw", frozenset({Status.PUBLISHED}), Status.WITHDRAWN, "publish"),
        Transition("return_to_draft", frozenset({Status.IN_REVIEW}), Status.DRAFT, "change"),
    )
}


class StaleVersion(Exception):
    """Someone else saved the record since this version was read."""


def permission_name(model, action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def user_can(user, model, action: str) -> bool:
    return user.has_perm(permission_name(model, action))


def editable_statuses(user, model) -> set[str]:
    """Statuses a user may set by hand: reviewers any; editors draft and in review."""
    if user_can(user, model, "publish"):
        return set(Status.values)
    return {Status.DRAFT, Status.IN_REVIEW}


def record_transition(*, record, transition: str, user) -> bool:
    """Move one record along the workflow; False when it is not in a state to move."""
    step = TRANSITIONS[transition]
    if not user_can(user, type(record), step.permission):
        raise PermissionDenied(_("You may not %(action)s these records.") % {"action": step.name})
    if record.status not in step.sources:
        return False
    record.status = step.target
    if step.target == Status.PUBLISHED:
        record_stamp_published(record=record, user=user)
    record._history_user = user
    record.save()
    return True


def record_stamp_published(*, record, user) -> None:
    """Publishing records who published and when."""
    record.published_at = timezone.now()
    record.published_by = user


def records_transition(*, queryset, transition: str, user) -> int:
    """Move every record of a queryset that can move; return how many did."""
    with transaction.atomic():
        return sum(
            record_transition(record=record, transition=transition, user=user)
            for record in queryset.select_for_update()
        )


def record_check_version(*, record, seen_version: int) -> None:
    """Refuse a save started from an older version than the one stored."""
    if record.pk is None:
        return
    stored = type(record).objects.filter(pk=record.pk).values_list("version", flat=True).first()
    if stored is not None and stored != seen_version:
        raise StaleVersion(stored)


# Roles: the two groups and exactly the permissions they need.

REFERENCE_MODELS = (
    "region",
    "country",
    "objective",
    "objectiveaction",
    "guidingprinciple",
    "theme",
    "organisation",
    "source",
)


def role_permissions() -> dict[str, list[str]]:
    """Codenames per group: editors write drafts; reviewers also publish and delete."""
    records = [model._meta.model_name for model in RECORD_MODELS]
    view_all = [f"view_{name}" for name in (*records, *REFERENCE_MODELS)]
    return {
        "Editors": [
            *view_all,
            *(f"{action}_{name}" for name in records for action in ("add", "change")),
        ],
        "Reviewers": [
            *view_all,
            *(
                f"{action}_{name}"
                for name in records
                for action in ("add", "change", "delete", "publish")
            ),
            *(f"{action}_source" for action in ("add", "change")),
        ],
    }


def roles_setup() -> dict[str, bool]:
    """Create or correct the Editors and Reviewers groups; say which changed."""
    changed = {}
    for name, codenames in role_permissions().items():
        group, created = Group.objects.get_or_create(name=name)
        wanted = set(
            Permission.objects.filter(
                content_type__app_label="practices", codename__in=codenames
            ).values_list("pk", flat=True)
        )
        missing = set(codenames) - set(
            Permission.objects.filter(pk__in=wanted).values_list("codename", flat=True)
        )
        if missing:
            raise LookupError(f"Unknown permissions: {', '.join(sorted(missing))}")
        current = set(group.permissions.values_list("pk", flat=True))
        if current != wanted:
            group.permissions.set(wanted)
        changed[name] = created or current != wanted
    return changed
