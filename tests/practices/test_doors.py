"""Every door that writes a record, with every role, for records in every status.

The expected outcome of each case comes from practices.editing.RULES, and the doors are
listed once, in DOORS. test_every_door_is_in_the_matrix fails when the admin, the API or
the command line gains a way to write that DOORS does not walk.
"""

import contextlib
import io
import itertools
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import tablib
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from api.urls import router
from practices import editing
from practices.editing import OPERATOR, TRANSITIONS, Operation
from practices.models import Country, Objective, Partner, Practice, Status
from practices.resources import PracticeResource
from tests.records import make

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "editor", "reviewer", "superuser")
STATUSES = tuple(Status.values)
MODEL = Practice


# The actors.


@dataclass
class Actor:
    role: str
    user: User | None
    web: Client
    api: APIClient


def actor(role: str) -> Actor:
    web, api = Client(), APIClient()
    if role == "anonymous":
        return Actor(role, None, web, api)
    call_command("setup_roles", stdout=io.StringIO())
    if role == "superuser":
        user = User.objects.create_superuser(f"su-{uuid.uuid4().hex[:8]}", password=None)
    else:
        user = User.objects.create_user(f"{role}-{uuid.uuid4().hex[:8]}", is_staff=True)
        user.groups.add(
            Group.objects.get(name={"editor": "Editors", "reviewer": "Reviewers"}[role])
        )
        user = User.objects.get(pk=user.pk)
    web.force_login(user)
    api.force_authenticate(user)
    return Actor(role, user, web, api)


# What a door is given and what it returns: the record (or None, for a door that creates)
# and the target status of a move; it returns the slug of the record it meant to write.


def a_record(status: str) -> Practice:
    return make(
        slug=f"door-{uuid.uuid4().hex[:10]}",
        title="A record at a door",
        text="Chad - a record for the matrix of doors.",
        status=status,
        relations={
            "countries": [Country.objects.get(alpha2="TD")],
            "objectives": [Objective.objects.get(number=7)],
        },
    )


def form_data(record: Practice, **changes) -> dict:
    """What the admin's change form posts for this record."""
    data = {
        "title": record.title,
        "slug": record.slug,
        "text": record.text,
        "language": record.language,
        "status": record.status,
        "source": record.source_id,
        "section": record.section,
        "seen_version": record.version,
        "countries": [c.pk for c in record.countries.all()],
        "objectives": [o.pk for o in record.objectives.all()],
        "practice_challenges_addressed-TOTAL_FORMS": 0,
        "practice_challenges_addressed-INITIAL_FORMS": 0,
        "Challenge_addressed_by-TOTAL_FORMS": 0,
        "Challenge_addressed_by-INITIAL_FORMS": 0,
        "partners-TOTAL_FORMS": 0,
        "partners-INITIAL_FORMS": 0,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


A_PARTNER = "A partner at the door"


def api_data(record: Practice, **changes) -> dict:
    data = {
        "slug": record.slug,
        "title": record.title,
        "text": record.text,
        "countries": ["TD"],
        "objectives": [7],
        "source": record.source.slug,
        "section": record.section,
        "status": record.status,
    }
    return {**data, **changes}


def admin_url(record, suffix="change/") -> str:
    return f"/admin/practices/practice/{record.pk}/{suffix}"


def check_no_error(response) -> None:
    assert response.status_code < 500, response.content[:500]


def admin_add(who: Actor, record, target):
    slug = f"door-new-{uuid.uuid4().hex[:8]}"
    template = a_record(Status.DRAFT)
    data = form_data(template, slug=slug, title="Added at the door", status=target)
    data["seen_version"] = ""
    check_no_error(who.web.post("/admin/practices/practice/add/", data))
    return slug


def admin_change(who: Actor, record, target):
    check_no_error(who.web.post(admin_url(record), form_data(record, title="Changed")))
    return record.slug


def admin_partners(who: Actor, record, target):
    """The partners inline: written with the practice, under the practice's rule."""
    data = form_data(
        record,
        **{
            "partners-TOTAL_FORMS": 1,
            "partners-0-name": A_PARTNER,
            "partners-0-role": "lead",
        },
    )
    check_no_error(who.web.post(admin_url(record), data))
    return record.slug


def admin_move(who: Actor, record, target):
    check_no_error(who.web.post(admin_url(record), form_data(record, status=target)))
    return record.slug


def admin_revert(who: Actor, record, target):
    first = record.history.order_by("history_id").first()
    url = admin_url(record, f"history/{first.history_id}/")
    check_no_error(who.web.post(url, form_data(record, title="Reverted")))
    return record.slug


def admin_action(name: str):
    def door(who: Actor, record, target):
        data = {"action": name, "_selected_action": [record.pk], "post": "yes"}
        check_no_error(who.web.post("/admin/practices/practice/", data))
        return record.slug

    return door


def admin_delete(who: Actor, record, target):
    check_no_error(who.web.post(admin_url(record, "delete/"), {"post": "yes"}))
    return record.slug


def admin_import(who: Actor, record, target, tmp_path: Path):
    """Upload a file changing the record (or adding one), then confirm the preview."""
    path = tmp_path / f"{uuid.uuid4().hex}.csv"
    slug = import_file(record, path)
    with path.open("rb") as handle:
        preview = who.web.post(
            "/admin/practices/practice/import/",
            {"resource": "0", "format": "0", "import_file": handle},
        )
    check_no_error(preview)
    confirm_form = (preview.context or {}).get("confirm_form") if preview.context else None
    if confirm_form is not None:
        check_no_error(
            who.web.post("/admin/practices/practice/process_import/", confirm_form.initial)
        )
    return slug


def import_file(record, path: Path) -> str:
    """A CSV of one row changing the record (or adding one); the row's slug."""
    if record is None:
        row = {**PracticeResource.example_row, "slug": f"door-new-{uuid.uuid4().hex[:8]}"}
    else:
        exported = PracticeResource().export(queryset=Practice.objects.filter(pk=record.pk))
        row = dict(zip(exported.headers, exported[0], strict=True))
    row["title"] = "Imported at the door"
    row["partners"] = f"{A_PARTNER} [lead]"
    dataset = tablib.Dataset([row[h] for h in row], headers=list(row))
    path.write_text(dataset.csv, encoding="utf-8")
    return row["slug"]


def command_import(who: Actor, record, target, tmp_path: Path):
    """manage.py import_records --user: the account's rights, at the command line."""
    path = tmp_path / f"{uuid.uuid4().hex}.csv"
    slug = import_file(record, path)
    # Refused: CommandError, and the test reads the record to see that nothing changed.
    with contextlib.suppress(CommandError):
        call_command(
            "import_records",
            str(path),
            "--user",
            who.user.username,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    return slug


def if_match(record) -> str:
    return f'"{record.version}"'


def api_post(who: Actor, record, target):
    slug = f"door-new-{uuid.uuid4().hex[:8]}"
    data = api_data(a_record(Status.DRAFT), slug=slug, status=target)
    check_no_error(who.api.post("/api/practices/", data, format="json"))
    return slug


def api_put(who: Actor, record, target):
    url = f"/api/practices/{record.slug}/"
    data = api_data(record, title="Put")
    check_no_error(who.api.put(url, data, format="json", HTTP_IF_MATCH=if_match(record)))
    return record.slug


def api_patch(who: Actor, record, target):
    url = f"/api/practices/{record.slug}/"
    data = {"title": "Patched"}
    check_no_error(who.api.patch(url, data, format="json", HTTP_IF_MATCH=if_match(record)))
    return record.slug


def api_patch_partners(who: Actor, record, target):
    url = f"/api/practices/{record.slug}/"
    data = {"partners": [{"name": A_PARTNER, "role": "lead"}]}
    check_no_error(who.api.patch(url, data, format="json", HTTP_IF_MATCH=if_match(record)))
    return record.slug


def api_patch_status(who: Actor, record, target):
    url = f"/api/practices/{record.slug}/"
    data = {"status": target}
    check_no_error(who.api.patch(url, data, format="json", HTTP_IF_MATCH=if_match(record)))
    return record.slug


def api_delete(who: Actor, record, target):
    url = f"/api/practices/{record.slug}/"
    check_no_error(who.api.delete(url, HTTP_IF_MATCH=if_match(record)))
    return record.slug


# The doors, each with what the rule table says of it.


def may(user, operation, status) -> bool:
    return editing.allowed(user, MODEL, operation, status)


def may_change(user, status, target) -> bool:
    return may(user, Operation.CHANGE, status)


def may_move(user, status, target) -> bool:
    return may(user, Operation.CHANGE, status) and may(user, Operation.MOVE, target)


def may_create(user, status, target) -> bool:
    return may(user, Operation.CREATE, target)


def may_delete(user, status, target) -> bool:
    return may(user, Operation.DELETE, status)


def may_import_over(user, status, target) -> bool:
    """An import makes the record a draft again."""
    return may(user, Operation.CHANGE, status) and (
        status == Status.DRAFT or may(user, Operation.MOVE, Status.DRAFT)
    )


def may_transition(name: str):
    step = TRANSITIONS[name]

    def rule(user, status, target) -> bool:
        return status in step.sources and may_move(user, status, step.target)

    return rule


@dataclass(frozen=True)
class Door:
    name: str
    run: object
    expected: object
    creates: bool = False  # the door makes a new record in status `target`
    moves: bool = False  # the door moves a record to each other status
    target: str | None = None  # a fixed target (a named transition)
    statuses: tuple = STATUSES
    roles: tuple = ROLES  # the command line has no anonymous user
    covers: tuple = field(default=())  # admin URL names, API actions, commands it walks


DOORS = [
    Door("admin add form", admin_add, may_create, creates=True, covers=("add",)),
    Door("admin change form", admin_change, may_change, covers=("change",)),
    Door("admin change form, partners", admin_partners, may_change, covers=("change",)),
    Door("admin change form, status", admin_move, may_move, moves=True, covers=("change",)),
    Door("admin history revert", admin_revert, may_change, covers=("simple_history",)),
    *(
        Door(
            f"admin bulk action {name}",
            admin_action(name),
            may_transition(name),
            target=TRANSITIONS[name].target,
            covers=("changelist", f"action:{name}"),
        )
        for name in ("send_to_review", "publish", "withdraw")
    ),
    Door("admin delete", admin_delete, may_delete, covers=("delete",)),
    Door(
        "admin bulk delete",
        admin_action("delete_selected"),
        may_delete,
        covers=("changelist", "action:delete_selected"),
    ),
    Door(
        "admin import, new row",
        admin_import,
        may_create,
        creates=True,
        statuses=(Status.DRAFT,),
        covers=("import", "process_import"),
    ),
    Door(
        "admin import, row over a record",
        admin_import,
        may_import_over,
        covers=("import", "process_import"),
    ),
    Door(
        "command import_records --user, new row",
        command_import,
        may_create,
        creates=True,
        statuses=(Status.DRAFT,),
        roles=ROLES[1:],
        covers=("command:import_records",),
    ),
    Door(
        "command import_records --user, row over a record",
        command_import,
        may_import_over,
        roles=ROLES[1:],
        covers=("command:import_records",),
    ),
    Door("API POST", api_post, may_create, creates=True, covers=("create",)),
    Door("API PUT", api_put, may_change, covers=("update",)),
    Door("API PATCH", api_patch, may_change, covers=("partial_update",)),
    Door("API PATCH partners", api_patch_partners, may_change, covers=("partial_update",)),
    Door("API PATCH status", api_patch_status, may_move, moves=True, covers=("partial_update",)),
    Door("API DELETE", api_delete, may_delete, covers=("destroy",)),
]


def cases():
    for door, role, status in itertools.product(DOORS, ROLES, STATUSES):
        if role not in door.roles:
            continue
        if door.creates:
            if status in door.statuses:
                yield door, role, None, status
        elif status in door.statuses:
            targets = [t for t in STATUSES if t != status] if door.moves else [door.target]
            for target in targets:
                yield door, role, status, target


CASES = list(cases())


def state(slug: str):
    row = Practice.objects.filter(slug=slug).values("pk", "title", "status", "version").first()
    if not row:
        return row
    partners = Partner.objects.filter(practice_id=row.pop("pk")).values_list("name", "role")
    return (*row.values(), frozenset(partners))


@pytest.mark.parametrize(
    ("door", "role", "status", "target"),
    CASES,
    ids=[f"{d.name}|{r}|{s or 'new'}->{t or '-'}" for d, r, s, t in CASES],
)
def test_a_door_writes_exactly_when_the_rule_table_allows(door, role, status, target, tmp_path):
    """A write happens, or nothing changes, as editing.RULES says for this role."""
    who = actor(role)
    record = None if door.creates else a_record(status)
    before = state(record.slug) if record else None
    takes_file = door.run in (admin_import, command_import)
    arguments = (who, record, target, tmp_path) if takes_file else (who, record, target)
    slug = door.run(*arguments)
    wrote = state(slug) != before
    expected = door.expected(who.user, status, target)
    assert wrote == expected, (
        f"{door.name} by {role} on a {status or 'new'} record (to {target}): "
        f"{'wrote' if wrote else 'refused'}, the rule table says "
        f"{'allowed' if expected else 'refused'}"
    )


# The rule table in words, as the README gives it: so a change to RULES is a change here.


@pytest.mark.parametrize(
    ("role", "operation", "status", "allowed"),
    [
        ("editor", Operation.CREATE, Status.DRAFT, True),
        ("editor", Operation.CREATE, Status.IN_REVIEW, True),
        ("editor", Operation.CREATE, Status.PUBLISHED, False),
        ("editor", Operation.CHANGE, Status.DRAFT, True),
        ("editor", Operation.CHANGE, Status.IN_REVIEW, True),
        ("editor", Operation.CHANGE, Status.PUBLISHED, False),
        ("editor", Operation.CHANGE, Status.WITHDRAWN, False),
        ("editor", Operation.MOVE, Status.IN_REVIEW, True),
        ("editor", Operation.MOVE, Status.PUBLISHED, False),
        ("editor", Operation.MOVE, Status.WITHDRAWN, False),
        ("editor", Operation.DELETE, Status.DRAFT, False),
        ("reviewer", Operation.CHANGE, Status.PUBLISHED, True),
        ("reviewer", Operation.MOVE, Status.PUBLISHED, True),
        ("reviewer", Operation.MOVE, Status.WITHDRAWN, True),
        ("reviewer", Operation.DELETE, Status.DRAFT, True),
        ("reviewer", Operation.DELETE, Status.PUBLISHED, True),
        ("anonymous", Operation.CREATE, Status.DRAFT, False),
        ("superuser", Operation.DELETE, Status.PUBLISHED, True),
    ],
)
def test_the_rule_table_says_who_may_do_what(role, operation, status, allowed):
    """Editors write drafts and records in review; the rest is the reviewers'."""
    assert editing.allowed(actor(role).user, MODEL, operation, status) is allowed


def test_the_operator_may_do_everything():
    """Management commands act with every right (whoever runs them holds the database)."""
    for operation, status in itertools.product(Operation, STATUSES):
        assert editing.allowed(OPERATOR, MODEL, operation, status)


def test_an_inactive_account_may_do_nothing():
    user = actor("superuser").user
    user.is_active = False
    assert not editing.allowed(user, MODEL, Operation.CHANGE, Status.DRAFT)


# Every door is in the matrix.

COVERED = {cover for door in DOORS for cover in door.covers}
# Admin pages and commands that read, or that write something other than records.
READ_ONLY_ADMIN = {"history", "export", "import_template"}
COMMANDS = {
    "backup_catalogue": "reads",
    "export_snapshot": "reads: writes files of the published catalogue, no record",
    "compile_translations": "writes translation files",
    "create_account": "writes accounts",
    "setup_roles": "writes groups",
    "purge_submissions": "operator: record_delete, tests/submissions/test_spam_controls.py",
    "load_catalogue": "operator: tests/practices/test_load_catalogue.py",
    "restore_catalogue": "operator: tests/practices/test_backup.py",
    "rebuild_counts": "writes the counts of practices.summary, no record",
    "generate_synthetic": "operator: synthetic rows for benchmarks, counted afresh after",
    "remove_synthetic": "operator: removes synthetic rows only, counted afresh after",
    "import_records": "walked above with --user; as the operator in test_import_scale.py",
    "create_reviewer": "writes accounts and reviewer profiles",
    "remind_reviewers": "writes reviews' reminder times, no record",
}


def test_every_admin_page_and_action_of_records_is_a_door_or_reads():
    """A new admin URL or bulk action that is not walked above fails here."""
    superuser = actor("superuser").user
    request = RequestFactory().get("/admin/")
    request.user = superuser
    for model, model_admin in admin.site._registry.items():
        if model not in (MODEL, *editing_models()):
            continue
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        names = {p.name.removeprefix(prefix) for p in model_admin.get_urls() if p.name}
        unknown = names - COVERED - READ_ONLY_ADMIN
        assert not unknown, f"{model.__name__} admin pages not in the matrix: {unknown}"
        actions = {f"action:{name}" for name in model_admin.get_actions(request)}
        assert actions <= COVERED, f"actions not in the matrix: {actions - COVERED}"


def editing_models():
    from practices.models import RECORD_MODELS

    return RECORD_MODELS


def test_every_api_write_of_records_is_a_door():
    """A new write method or action on a record endpoint fails here."""
    for _prefix, viewset, _basename in router.registry:
        model = getattr(viewset, "queryset", None)
        if model is None or model.model not in editing_models():
            continue
        writes = {"create", "update", "partial_update", "destroy"}
        present = {name for name in writes if hasattr(viewset, name)}
        extra = {
            action.__name__
            for action in viewset.get_extra_actions()
            if set(action.mapping) - {"get", "head", "options"}
        }
        assert (present | extra) <= COVERED, f"{viewset.__name__}: {(present | extra) - COVERED}"


def test_every_command_is_a_door_or_reads():
    """A new management command must say here how it writes records, if it does."""
    root = Path(editing.__file__).parent.parent
    found = {
        path.stem
        for path in root.glob("*/management/commands/*.py")
        if not path.stem.startswith("_")
    }
    assert found <= set(COMMANDS), f"commands not in the matrix: {found - set(COMMANDS)}"


def test_a_record_cannot_be_saved_past_the_services():
    """Record.save() outside practices.editing fails loudly: no door can skip the rules."""
    from practices.models import ServiceOnly

    record = Practice.objects.first()
    record.title = "Saved past the rules"
    with pytest.raises(ServiceOnly):
        record.save()
    with pytest.raises(ServiceOnly):
        record.delete()
    assert re.sub(r"\s", "", Practice.objects.get(pk=record.pk).title) != "Savedpasttherules"
