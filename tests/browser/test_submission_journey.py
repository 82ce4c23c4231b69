"""The whole path of a public submission, in chromium against the site served as in
production (gunicorn, DEBUG off, its own seeded SQLite file, e-mails printed on the
server's console): a visitor submits in Spanish and confirms by the e-mailed link; an
editor assigns a panel of three (one UN); two recommend accepting and one revising; the
desk asks for a fourth; the editor sends it back; the submitter revises through the
e-mailed link; the panel accepts; an editor may not publish, a reviewer does; the practice
is on Mexico's page with its period, status and partners; its contact is in no public
response, only in the admin.

Each person's clicks and typed fields are counted and printed (run with -s to see them)."""

import email
import json
import re
import time
import urllib.request
from email.header import decode_header, make_header
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, serious_violations, served_env
from tests.servers import gunicorn, manage

PASSWORD = "Journey-passphrase-2026"
TITLE = "Ventanilla única de atención a personas migrantes retornadas 7f3a"
CONTACT = "contacto-privado-7f3a@example.org, +52 55 0000 7f3a"
# Its distinctive parts, each searched on its own too.
CONTACT_PARTS = ("contacto-privado-7f3a", "+52 55 0000 7f3a", "0000 7f3a")
SUBMITTER_EMAIL = "ana.submitter@example.org"
EDITOR = "editora-elena"
# (username, affiliation, organisation): one UN reviewer and three non-UN.
REVIEWERS = [
    ("rev-un", "un", "IOM"),
    ("rev-gov", "government", "Ministry of Labour"),
    ("rev-civil", "civil-society", "Migrant Forum"),
    ("rev-academia", "academia", "University of Mexico"),
]
RESULTS_FIRST = "Atendió a 12 000 personas retornadas en su primer año."
RESULTS_REVISED = "Atendió a 12 000 personas retornadas en su primer año; el 64 % encontró empleo."
REVISE_COMMENT = "Dé cifras de empleo, no solo de atención."
SENT_BACK_MESSAGE = "Añada los resultados de empleo que piden los revisores."
CALL_TITLE = "Retorno y reintegración sostenibles"
CALL_SLUG = "retorno-y-reintegracion-2026"
OPEN_CALL = f"""
import datetime
from practices.models import Objective
from submissions.models import Call
from submissions.services import call_open
call = Call(
    title="{CALL_TITLE}",
    slug="{CALL_SLUG}",
    description="Prácticas que acompañan el retorno y la reintegración.",
    deadline=datetime.date.today() + datetime.timedelta(days=30),
)
call_open(call=call, objectives=Objective.objects.filter(number=21))
"""
MIN_SECONDS = 1  # GFMD_MIN_SECONDS_TO_SUBMIT on this server


@pytest.fixture(scope="module")
def journey_env(tmp_path_factory):
    """The served site's environment (site_env's recipe) on a database of its own, so
    the other browser tests' site is not changed; spam controls short enough for a test."""
    folder = tmp_path_factory.mktemp("journey")
    env = served_env(
        folder,
        GFMD_MIN_SECONDS_TO_SUBMIT=str(MIN_SECONDS),
        GFMD_SUBMISSION_RATE_SECONDS="1",
        ACCOUNT_PASSWORD=PASSWORD,
        REVIEWER_PASSWORD=PASSWORD,
    )
    for command in (["migrate", "--noinput"], ["load_catalogue"], ["collectstatic", "--noinput"]):
        manage(env, *command)
    manage(env, "create_account", EDITOR, "--role", "editor", "--email", "elena@example.org")
    for username, affiliation, organisation in REVIEWERS:
        manage(
            env,
            "create_reviewer",
            username,
            "--email",
            f"{username}@example.org",
            "--affiliation",
            affiliation,
            "--organisation",
            organisation,
            "--password-from-env",
            "REVIEWER_PASSWORD",
        )
    manage(env, "shell", "-c", OPEN_CALL)  # as the calls' admin does (call_open)
    env["_folder"] = str(folder)
    return env


@pytest.fixture(scope="module")
def server(journey_env):
    """gunicorn on that database; its output (the console e-mails) in a log file."""
    log = Path(journey_env["_folder"]) / "server.log"
    env = {k: v for k, v in journey_env.items() if not k.startswith("_")}
    with gunicorn(env, workers=2, log=log) as url:
        yield url, log


# The e-mails, as the console backend prints them.


def mails(log: Path) -> list[dict]:
    """Every e-mail in the server's output: to, subject and body, decoded."""
    text = log.read_text(encoding="utf-8", errors="replace")
    found = []
    for match in re.finditer(r"^Content-Type: text/plain.*?(?=^-{79}$)", text, re.S | re.M):
        message = email.message_from_string(match.group(0))
        body = message.get_payload()
        if message["Content-Transfer-Encoding"] in ("quoted-printable", "base64"):
            body = message.get_payload(decode=True).decode("utf-8")
        found.append(
            {
                "to": message["To"],
                "subject": str(make_header(decode_header(message["Subject"]))),
                "body": body,
            }
        )
    return found


def mail_to(log: Path, to: str, subject_part: str, *, after: int = 0) -> dict:
    """The newest e-mail to `to` whose subject has `subject_part` (waiting a little for
    the server to write it), among those after the first `after`."""
    deadline = time.monotonic() + 10
    while True:
        found = [m for m in mails(log)[after:] if m["to"] == to and subject_part in m["subject"]]
        if found:
            return found[-1]
        assert time.monotonic() < deadline, f"no e-mail to {to} about {subject_part!r}"
        time.sleep(0.2)


def link_path(body: str, kind: str) -> str:
    """The path of the link of `kind` (confirm, revise, ...) in an e-mail's body: the site
    URL the server was told cannot know the test server's port."""
    urls = re.findall(r"https?://\S+", body)
    wanted = [u for u in urls if f"/{kind}/" in u]
    assert wanted, f"no {kind} link in: {body}"
    parts = urlsplit(wanted[-1])
    return parts.path + (f"?{parts.query}" if parts.query else "")


# A person at a browser, whose clicks and typed fields are counted.


class Person:
    def __init__(self, name: str, context):
        self.name = name
        self.context = context
        self.page = context.new_page()
        self.page.set_default_timeout(15000)
        self.console_errors = []
        self.page.on("console", self.console_error)
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        self.page.on(
            "response",
            lambda response: (
                response.status == 404 and self.console_errors.append(f"404: {response.url}")
            ),
        )
        self.clicks = 0
        self.typed = 0
        self.stages = []  # (stage, clicks, typed) of each stage ended

    def console_error(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} at {message.location['url']}")

    def open(self, path: str):
        """Follow a link from an e-mail, or type an address: one click."""
        self.clicks += 1
        return self.page.goto(path)

    def click(self, locator) -> None:
        self.clicks += 1
        locator.click()

    def check(self, locator) -> None:
        self.clicks += 1
        locator.check()

    def select(self, locator, label: str) -> None:
        self.clicks += 1
        locator.select_option(label=label)

    def fill(self, locator, text: str) -> None:
        self.typed += 1
        locator.fill(text)

    def sign_in(self, username: str) -> None:
        """On the admin's login page (where /admin/ or a link from an e-mail leads)."""
        self.fill(self.page.get_by_label("Username"), username)
        self.fill(self.page.get_by_label("Password"), PASSWORD)
        self.click(self.page.get_by_role("button", name="Log in"))
        expect(self.page.locator("#user-tools")).to_contain_text(username)

    def stage(self, name: str) -> None:
        """End a stage of this person's path: its clicks and typed fields are its own."""
        clicks = self.clicks - sum(stage[1] for stage in self.stages)
        typed = self.typed - sum(stage[2] for stage in self.stages)
        self.stages.append((name, clicks, typed))

    def report(self) -> str:
        stages = "; ".join(f"{name} {clicks}+{typed}" for name, clicks, typed in self.stages)
        return (
            f"{self.name}: {self.clicks} clicks, {self.typed} fields typed "
            f"(stage clicks+typed: {stages})"
        )


def starting(text: str) -> re.Pattern:
    """A label that starts with `text` (after the spaces a template leaves)."""
    return re.compile(r"^\s*" + re.escape(text))


def field(page, label: str):
    """A form's field by its label, whatever follows it ("(obligatorio)")."""
    return page.get_by_label(starting(label))


def wait_past_minimum(shown_at: float) -> None:
    """The form refuses what is sent sooner than MIN_SECONDS after it was shown."""
    remaining = MIN_SECONDS + 0.2 - (time.monotonic() - shown_at)
    if remaining > 0:
        time.sleep(remaining)


def no_serious_violations(person: Person, where: str) -> None:
    serious = serious_violations(person.page)
    assert serious == [], f"{where}: {serious}"


# The steps.


def submit_in_spanish(person: Person) -> None:
    """From the home page in Spanish, through the open call's page, to its form."""
    page = person.page
    person.open("/es/")
    person.click(
        page.get_by_role("contentinfo").get_by_role("link", name="Convocatorias de prácticas")
    )
    person.click(page.get_by_role("link", name=CALL_TITLE))
    no_serious_violations(person, "the call's page")
    person.click(page.get_by_role("link", name="Enviar una práctica a esta convocatoria"))
    shown_at = time.monotonic()
    expect(page).to_have_url(re.compile(rf"/es/submit/\?call={CALL_SLUG}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Enviar una práctica")
    expect(page.get_by_role("main")).to_contain_text(CALL_TITLE)
    no_serious_violations(person, "the form")
    person.fill(field(page, "Título"), TITLE)
    person.fill(
        field(page, "Resumen"),
        "El gobierno federal y sus socios abrieron en Ciudad de México una ventanilla que "
        "orienta a las personas retornadas sobre empleo, salud e identidad.",
    )
    person.select(page.get_by_role("listbox", name=starting("Países de implementación")), "México")
    organisation = field(page, "Socio 1: organización")
    person.select(organisation, "Organización Internacional para las Migraciones")
    person.select(field(page, "Socio 1: función"), "Socio implementador")
    person.fill(
        field(page, "Socio 2: o su nombre, si no figura en la lista"),
        "Secretaría de Gobernación",
    )
    person.select(field(page, "Socio 2: función"), "Líder")
    person.fill(field(page, "Año de inicio"), "2020")
    person.select(field(page, "Estado de implementación"), "En curso")
    person.fill(field(page, "Resultados y evidencia"), RESULTS_FIRST)
    person.fill(
        field(page, "Lecciones aprendidas y escollos"),
        "Coordinar desde el inicio con los gobiernos locales.",
    )
    expect(page.get_by_label(starting("21. "))).to_be_checked()  # the call's objective
    person.check(page.get_by_label("Derechos humanos", exact=True))
    person.fill(field(page, "Contacto para esta práctica (privado)"), CONTACT)
    person.fill(field(page, "Su nombre"), "Ana Submitter")
    person.fill(field(page, "Su correo electrónico"), SUBMITTER_EMAIL)
    wait_past_minimum(shown_at)
    person.click(page.get_by_role("button", name="Vista previa"))

    expect(page.get_by_role("heading", level=1)).to_have_text("Vista previa")
    facts = page.locator(".preview-facts")
    for shown in ("México", "2020", "En curso", "Secretaría de Gobernación", "Derechos humanos"):
        expect(facts).to_contain_text(shown)
    no_serious_violations(person, "the preview")
    person.click(page.get_by_role("button", name="Enviar", exact=True))

    expect(page.get_by_role("heading", level=1)).to_have_text("Revise su correo electrónico")
    no_serious_violations(person, "the page saying it was sent")
    assert person.console_errors == []


def form_fits_a_phone(browser, url: str) -> None:
    context = browser.new_context(base_url=url, viewport=PHONE, locale="es-ES")
    try:
        page = context.new_page()
        page.goto("/es/submit/")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the form is {width}px wide on a phone"
    finally:
        context.close()


def review(person: Person, recommendation: str, comment: str = "") -> None:
    """From the reviewer's waiting page: declare no conflict, then recommend."""
    page = person.page
    row = page.get_by_role("row").filter(has_text=TITLE)
    person.click(row.get_by_role("link", name="Declare conflicts"))
    person.check(page.get_by_label("No conflict of interest"))
    person.click(page.get_by_role("button", name="Declare"))
    expect(page.locator(".messagelist")).to_contain_text("Now give your recommendation")
    person.check(
        page.get_by_role("group", name="Overall recommendation").get_by_label(recommendation)
    )
    for criterion in (
        "Relates to one or more of the 23 GCM objectives",
        "Adheres to the ten guiding principles",
        "Implemented after December 2018",
        "Fully or mostly completed",
        "Innovative",
        "Replicable",
    ):
        group = page.get_by_role("group", name=criterion, exact=True)
        person.check(group.get_by_label(recommendation if criterion == "Innovative" else "Accept"))
    if comment:
        person.fill(page.get_by_label("Comments for the submitter"), comment)
        person.fill(page.get_by_label("Comment (Innovative)"), comment)
    person.click(page.get_by_role("button", name="Give my recommendation"))
    expect(page.locator(".messagelist")).to_contain_text("your answer is recorded")


def reviewer_opens_waiting(person: Person, log: Path, after: int, *, signed_in: bool) -> None:
    """The reviewer follows the link of the e-mail that asks them to review."""
    mail = mail_to(log, f"{person.name}@example.org", "review", after=after)
    assert TITLE in mail["body"]
    person.open(link_path(mail["body"], "waiting"))
    if not signed_in:
        person.sign_in(person.name)
    expect(person.page.get_by_role("heading", name="Reviews waiting for me")).to_be_visible()


def open_on_desk(person: Person, section: str) -> None:
    """The editor's dashboard, from the admin's home: the submission under `section`."""
    page = person.page
    person.open("/admin/")
    person.click(page.get_by_role("link", name="Editors' dashboard: submissions that wait"))
    module = page.locator(".module").filter(
        has=page.get_by_role("heading", name=re.compile(re.escape(section)))
    )
    expect(module).to_contain_text(TITLE)
    person.click(module.get_by_role("link", name=TITLE))
    expect(page.locator("#content")).to_contain_text(TITLE)


def fetch(url: str) -> tuple[int, str]:
    """An anonymous request, as any visitor or robot makes it."""
    request = urllib.request.Request(url, headers={"User-Agent": "journey-test"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read().decode("utf-8", errors="replace")


def test_a_spanish_submission_goes_through_review_to_mexicos_page_and_its_contact_stays_private(
    server, journey_env, browser
):
    """The whole path in the browser, each person clicking as they would."""
    started = time.monotonic()
    url, log = server
    contexts = []

    def person(name, locale):
        context = browser.new_context(base_url=url, locale=locale)
        contexts.append(context)
        return Person(name, context)

    try:
        submitter = person("submitter", "es-ES")
        editor = person("editor", "en-GB")
        reviewers = {name: person(name, "en-GB") for name, _, _ in REVIEWERS}
        run_path(url, log, journey_env, browser, submitter, editor, reviewers)
    finally:
        for context in contexts:
            context.close()
    print(f"whole path: {time.monotonic() - started:.0f} s")


def run_path(url, log, journey_env, browser, submitter, editor, reviewers):
    # 1. A visitor submits in Spanish (and the form fits a phone).
    form_fits_a_phone(browser, url)
    submit_in_spanish(submitter)
    submitter.stage("submit")

    # 2. They confirm by the link of the e-mail, which is in Spanish.
    mail = mail_to(log, SUBMITTER_EMAIL, "Confirme su envío")
    assert "Estimado/a Ana Submitter" in mail["body"]
    page = submitter.page
    submitter.open(link_path(mail["body"], "confirm"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirme su envío")
    no_serious_violations(submitter, "the confirmation page")
    submitter.click(page.get_by_role("button", name="Confirmar"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Gracias: su envío se ha recibido")
    no_serious_violations(submitter, "the thank-you page")
    submitter.stage("confirm")

    # 3. An editor signs in, finds it on the desk and assigns three reviewers (one UN).
    editor.open("/admin/")
    editor.sign_in(EDITOR)
    open_on_desk(editor, "Received, awaiting reviewers")
    desk = editor.page
    submission_url = desk.url
    editor.click(desk.get_by_role("link", name="Assign reviewers"))
    before = len(mails(log))
    for name in ("rev-un", "rev-gov", "rev-civil"):
        editor.check(desk.get_by_label(starting(f"{name} (")))
    editor.click(desk.get_by_role("button", name="Assign reviewers"))
    expect(desk.locator(".messagelist")).to_contain_text("The reviewers were assigned")
    editor.stage("assign 3")

    # 4. Each declares no conflict and scores: two accept, one revise with comments.
    for name, recommendation in (("rev-un", "Accept"), ("rev-gov", "Accept")):
        reviewer_opens_waiting(reviewers[name], log, before, signed_in=False)
        review(reviewers[name], recommendation)
    reviewer_opens_waiting(reviewers["rev-civil"], log, before, signed_in=False)
    review(reviewers["rev-civil"], "Revise", REVISE_COMMENT)

    # 5. The desk shows the disagreement and asks for one more reviewer: a fourth.
    open_on_desk(editor, "Reviewers disagree: ask one more reviewer")
    expect(
        desk.get_by_text("The reviewers disagree: ask one more reviewer.", exact=True)
    ).to_be_visible()
    editor.click(desk.get_by_role("link", name="Ask one more reviewer"))
    before = len(mails(log))
    editor.check(desk.get_by_label(starting("rev-academia (")))
    editor.click(desk.get_by_role("button", name="Ask one more reviewer"))
    expect(desk.locator(".messagelist")).to_contain_text("The reviewers were assigned")
    reviewer_opens_waiting(reviewers["rev-academia"], log, before, signed_in=False)
    editor.stage("ask a 4th")
    review(reviewers["rev-academia"], "Accept")
    for reviewer in reviewers.values():
        reviewer.stage("round 1")

    # 6. The editor sends it back; the submitter revises through the e-mailed link.
    editor.open(submission_url)
    editor.click(desk.get_by_role("link", name="Send back for revision"))
    expect(desk.locator("#content")).to_contain_text(REVISE_COMMENT)
    editor.fill(desk.get_by_label("Message to the submitter"), SENT_BACK_MESSAGE)
    editor.click(desk.get_by_role("button", name="Send back"))
    expect(desk.locator(".messagelist")).to_contain_text("Sent back")
    editor.stage("send back")

    mail = mail_to(log, SUBMITTER_EMAIL, TITLE, after=0)
    assert REVISE_COMMENT in mail["body"] and SENT_BACK_MESSAGE in mail["body"]
    assert "Estimado/a Ana Submitter" in mail["body"], mail["body"]
    before = len(mails(log))
    submitter.open(link_path(mail["body"], "revise"))
    shown_at = time.monotonic()
    expect(page.get_by_role("heading", level=1)).to_have_text("Revise su envío")
    comments = page.locator("section").filter(
        has=page.get_by_role("heading", name="Los comentarios de los revisores")
    )
    expect(comments).to_contain_text(REVISE_COMMENT)
    expect(page.get_by_text(SENT_BACK_MESSAGE)).to_be_visible()
    no_serious_violations(submitter, "the revision form")
    results = field(page, "Resultados y evidencia")
    expect(results).to_have_value(RESULTS_FIRST)
    submitter.fill(results, RESULTS_REVISED)
    wait_past_minimum(shown_at)
    submitter.click(page.get_by_role("button", name="Vista previa"))
    expect(page.locator(".preview-facts")).to_contain_text("64 %")
    submitter.click(page.get_by_role("button", name="Enviar", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Gracias: su revisión se ha recibido")
    assert submitter.console_errors == []
    submitter.stage("revise")

    # 7. Round 2: the same panel reviews again, and every reviewer accepts.
    for reviewer in reviewers.values():
        reviewer_opens_waiting(reviewer, log, before, signed_in=True)
        review(reviewer, "Accept")
        reviewer.stage("round 2")

    # 8. An editor trying to publish is refused; a reviewer publishes.
    open_on_desk(editor, "Panel complete: awaiting a decision")
    expect(desk.locator("#content")).to_contain_text("a reviewer may publish it")
    expect(desk.get_by_role("link", name="Publish", exact=True)).to_have_count(0)
    # Even at the publish address itself: no form, back to the desk with the rule's words.
    editor.open(submission_url.replace("/change/", "/publish/"))
    expect(desk.get_by_role("button", name="Publish")).to_have_count(0)
    expect(desk.locator(".messagelist .error")).to_have_text(
        "You may not set practices to status “published”. Only a reviewer may."
    )
    editor.stage("try to publish")
    publisher = reviewers["rev-un"]
    admin = publisher.page
    publisher.open("/admin/")
    publisher.click(admin.get_by_role("link", name="Submissions", exact=True))
    publisher.click(admin.get_by_role("link", name=TITLE))
    publisher.click(admin.get_by_role("link", name="Publish", exact=True))
    publisher.click(admin.get_by_role("button", name="Publish"))
    expect(admin.locator(".messagelist")).to_contain_text("Published")
    publisher.stage("publish")
    mail = mail_to(log, SUBMITTER_EMAIL, TITLE, after=before)
    practice_path = link_path(mail["body"], "practices")
    assert practice_path.startswith("/es/practices/"), practice_path
    slug = practice_path.rstrip("/").rsplit("/", 1)[-1]

    # 9. On Mexico's page (the list item) and its own page: period, status, partners.
    public = submitter.page
    submitter.open("/countries/mexico/")
    item = public.get_by_role("listitem").filter(
        has=public.get_by_role("link", name=TITLE, exact=True)
    )
    expect(item).to_contain_text("2020 – ongoing")
    expect(item).to_contain_text("Ongoing")
    expect(item).to_contain_text("Secretaría de Gobernación")
    expect(item).to_contain_text("International Organization for Migration")
    submitter.click(item.get_by_role("link", name=TITLE, exact=True))
    facts = public.locator(".implementation")
    for shown in (
        "Mexico",
        "2020 – ongoing",
        "Ongoing",
        "Secretaría de Gobernación (lead)",
        "International Organization for Migration (implementing partner)",
    ):
        expect(facts).to_contain_text(shown)
    expect(public.get_by_text(RESULTS_REVISED)).to_be_visible()
    submitter.open(practice_path)
    expect(public.locator(".implementation")).to_contain_text("En curso")
    submitter.stage("find it published")

    # 10. The contact is in no public response; the admin shows it.
    public_responses_hide_the_contact(url, slug, public)
    snapshot_hides_the_contact(journey_env, url, slug)
    editor.open(submission_url)
    editor.click(desk.get_by_role("link", name=TITLE))
    expect(desk.get_by_role("main")).to_contain_text(CONTACT)
    editor.stage("see the contact")
    assert "Traceback" not in log.read_text(errors="replace"), "the server logged an error"

    for person in (submitter, editor, *reviewers.values()):
        print(person.report())
        assert person.console_errors == [], (person.name, person.console_errors)


def assert_private(where: str, body: str) -> None:
    for part in (CONTACT, *CONTACT_PARTS):
        assert part not in body, f"the contact ({part!r}) is public in {where}"


def public_responses_hide_the_contact(url: str, slug: str, page) -> None:
    """Every public response that can name the practice: each names it, none its contact."""
    page.goto(f"/practices/{slug}/")
    cite_links = page.locator(".cite-links a").evaluate_all("links => links.map(a => a.href)")
    assert len(cite_links) >= 3, cite_links  # RIS, BibTeX, CSL-JSON
    title_words = "Ventanilla+%C3%BAnica+7f3a"
    naming = {
        **{
            f"{lang}/practices/{slug}/": f"{url}{lang}/practices/{slug}/"
            for lang in ("", "/fr", "/es")
        },
        "country page": f"{url}/countries/mexico/",
        "call page": f"{url}/calls/{CALL_SLUG}/",
        "call page (es)": f"{url}/es/calls/{CALL_SLUG}/",
        "call's source page": f"{url}/sources/call-{CALL_SLUG}/",
        "country page (es)": f"{url}/es/countries/mexico/",
        "practices list": f"{url}/practices/?q={title_words}",
        "practices list filtered": f"{url}/practices/?implementation_status=ongoing&country=MX",
        "search": f"{url}/search/?q={title_words}",
        "API list": f"{url}/api/practices/?q={title_words}",
        "API detail": f"{url}/api/practices/{slug}/",
        "API detail (es)": f"{url}/api/practices/{slug}/?lang=es",
        "CSV (?format=csv)": f"{url}/api/practices/?format=csv",
        "CSV export": f"{url}/api/practices.csv",
        "JSON Lines export": f"{url}/api/practices.jsonl",
        "feed": f"{url}/feed/",
        "sitemap": f"{url}/sitemap.xml",
        **{f"citation {link}": link for link in cite_links},
    }
    for where, address in naming.items():
        status, body = fetch(address)
        assert status == 200, (where, status)
        assert slug in body or TITLE in body, f"{where} does not name the practice"
        assert_private(where, body)
    detail = json.loads(fetch(f"{url}/api/practices/{slug}/")[1])
    assert "contact" not in json.dumps(list(detail)), sorted(detail)
    # Pages that list around it: whatever they show, never the contact.
    for where in ("/", "/es/", "/calls/", "/es/calls/", "/sources/", "/data/", "/api/"):
        status, body = fetch(url + where)
        assert status == 200, (where, status)
        assert_private(where, body)


def snapshot_hides_the_contact(journey_env, url: str, slug: str) -> None:
    """The data snapshot, written by its command and served at /data/: it holds the
    practice, never its contact."""
    env = {k: v for k, v in journey_env.items() if not k.startswith("_")}
    manage(env, "export_snapshot")
    files = [p for p in Path(env["DJANGO_SNAPSHOT_ROOT"]).rglob("*") if p.is_file()]
    texts = {str(p): p.read_text(encoding="utf-8", errors="replace") for p in files}
    assert any(slug in text for text in texts.values()), "the snapshot lacks the practice"
    for where, text in texts.items():
        assert_private(where, text)
    status, body = fetch(f"{url}/data/")
    assert status == 200
    served = sorted(set(re.findall(r'href="(/data/[^"/]+/[^"]+)"', body)))
    assert served, "the /data/ page links no file"
    for path in served:
        assert_private(path, fetch(url + path)[1])
