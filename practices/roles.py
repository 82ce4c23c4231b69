"""The two roles of the editors' desk: the Editors and Reviewers groups and exactly the
permissions each needs. What those permissions let one do is practices.editing.RULES for
records, and submissions.review for submissions and their peer review."""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from practices.models import RECORD_MODELS

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


# Submissions: editors assign reviewers (add_review), decide (change_submission) and run
# calls; reviewers see the submissions they review and answer their own reviews.
SUBMISSIONS_EDITORS = (
    "view_submission",
    "change_submission",
    "add_review",
    "view_review",
    "add_call",
    "change_call",
    "view_call",
    "view_reviewerprofile",
)
SUBMISSIONS_REVIEWERS = ("view_submission", "change_review")


def role_permissions() -> dict[str, list[str]]:
    """Permissions per group ("app_label.codename"): editors write drafts and run the
    review; reviewers also publish and delete, and answer their reviews."""
    records = [model._meta.model_name for model in RECORD_MODELS]
    view_all = [f"practices.view_{name}" for name in (*records, *REFERENCE_MODELS)]
    return {
        "Editors": [
            *view_all,
            *(f"practices.{action}_{name}" for name in records for action in ("add", "change")),
            *(f"submissions.{codename}" for codename in SUBMISSIONS_EDITORS),
        ],
        "Reviewers": [
            *view_all,
            *(
                f"practices.{action}_{name}"
                for name in records
                for action in ("add", "change", "delete", "publish")
            ),
            *(f"practices.{action}_source" for action in ("add", "change")),
            *(f"submissions.{codename}" for codename in SUBMISSIONS_REVIEWERS),
        ],
    }


def _permissions(names: list[str]) -> set[int]:
    """The ids of permissions named "app_label.codename"; unknown names fail loudly."""
    query = Q(pk__in=[])
    for name in names:
        app_label, codename = name.split(".", 1)
        query |= Q(content_type__app_label=app_label, codename=codename)
    found = list(
        Permission.objects.filter(query).values_list("pk", "content_type__app_label", "codename")
    )
    missing = set(names) - {f"{app}.{codename}" for _, app, codename in found}
    if missing:
        raise LookupError(f"Unknown permissions: {', '.join(sorted(missing))}")
    return {pk for pk, _, _ in found}


def roles_setup() -> dict[str, bool]:
    """Create or correct the Editors and Reviewers groups; say which changed."""
    changed = {}
    for name, permissions in role_permissions().items():
        group, created = Group.objects.get_or_create(name=name)
        wanted = _permissions(permissions)
        current = set(group.permissions.values_list("pk", flat=True))
        if current != wanted:
            group.permissions.set(wanted)
        changed[name] = created or current != wanted
    return changed
