"""The two roles of the editors' desk: the Editors and Reviewers groups and exactly the
permissions each needs. What those permissions let one do is practices.editing.RULES."""

from django.contrib.auth.models import Group, Permission

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
