"""Every page a role can reach by GET answers without a server error, and
with the security headers: a strict Content-Security-Policy that its HTML
keeps to (no inline script without the nonce, no on...= handler, no style
attribute), nosniff, a Referrer-Policy and a Cross-Origin-Opener-Policy.

The crawl signs in as each persona, starts from the home pages and follows
every same-site link (``<a href>``, ``hx-get`` and the actions of GET forms)
breadth-first. Pages of one shape (``/desk/tickets/<n>/``) are visited a few
times each, not once per ticket. It runs on whatever engine the suite runs on
(``scripts/test`` runs it on SQLite and on PostgreSQL).
"""

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from podpora.chat import services as chat_services
from podpora.chat.models import ChatWidget
from podpora.core import demo
from podpora.desk.models import CannedReply
from podpora.integrations.models import Webhook
from podpora.kb import services as kb_services
from podpora.kb.models import ArticleStatus, Visibility
from podpora.reports.models import ReportSchedule
from podpora.surveys import services as survey_services
from podpora.tickets import services as ticket_services
from podpora.tickets.attachments import IncomingFile
from podpora.tickets.models import Priority, Status

pytestmark = pytest.mark.django_db(transaction=False)

MAX_PAGES = 400  # per persona
SAME_SHAPE = 3  # pages visited per shape (numbers in the path made alike)
SAME_PATH = 6  # and per path whatever its query (sorting, filters)
# Never followed: they end the session, or are files and not pages.
SKIP = re.compile(r"^/(static|media)/|/logout/?$")
# Writes a GET may do: the portal's settings row, made with its defaults the
# first time anyone reads it.
QUIET_WRITES = ('"portal_portalsettings"',)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01"
    b"\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


class _Links(HTMLParser):
    """The GET targets of one page: links, htmx GETs and GET forms' actions."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.found.append(values["href"] or "")
        if values.get("hx-get"):
            self.found.append(values["hx-get"] or "")
        if tag == "form" and (values.get("method") or "get").lower() == "get":
            self.found.append(values.get("action") or "")


# Script types a browser runs; others (application/json data) are data.
SCRIPT_TYPES = {"", "text/javascript", "module", "application/javascript"}


class _Inline(HTMLParser):
    """What a page asks the browser to run or style inline."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str | None] = []  # the nonce of each inline script
        self.handlers: list[str] = []
        self.styles: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        script_type = (values.get("type") or "").lower()
        if tag == "script" and "src" not in values and script_type in SCRIPT_TYPES:
            self.scripts.append(values.get("nonce"))
        if tag == "style":
            self.styles.append("<style>")
        self.handlers += [f"<{tag} {name}>" for name in values if name.startswith("on")]
        if "style" in values:
            self.styles.append(f"<{tag} style={values['style']!r}>")


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for directive in policy.split(";"):
        name, *sources = directive.split()
        parsed[name] = sources
    return parsed


def security_problems(url: str, response) -> list[str]:
    """How this response falls short of the security headers' promise."""
    problems = []
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    problems += [
        f"{url}: {name} is {response.get(name)!r}, not {value!r}"
        for name, value in headers.items()
        if response.get(name) != value
    ]
    if "text/html" not in response.get("Content-Type", "") or response.streaming:
        return problems
    policy = directives(response.get("Content-Security-Policy", "") or "x")
    nonce = next(
        (s[7:-1] for s in policy.get("script-src", []) if s.startswith("'nonce-")),
        None,
    )
    wanted = {
        "default-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    problems += [
        f"{url}: CSP {name} is {policy.get(name)}"
        for name, sources in wanted.items()
        if policy.get(name) != sources
    ]
    for name in ("script-src", "style-src"):
        loose = {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"}
        if name not in policy or loose & set(policy[name]):
            problems.append(f"{url}: CSP {name} is {policy.get(name)}")
    page = _Inline()
    page.feed(response.content.decode("utf-8", "replace"))
    problems += [
        f"{url}: an inline <script> without the response's nonce"
        for script_nonce in page.scripts
        if nonce is None or script_nonce != nonce
    ]
    problems += [f"{url}: inline handler {h}" for h in page.handlers]
    problems += [f"{url}: inline style {s}" for s in page.styles]
    return problems


def links_of(page_url: str, html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    found = []
    for raw in parser.found:
        if raw.startswith(("mailto:", "tel:", "javascript:", "data:")):
            continue
        url, _fragment = urldefrag(urljoin("http://testserver" + page_url, raw))
        parts = urlsplit(url)
        if parts.netloc != "testserver" or "{" in url:
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def shape(url: str) -> str:
    """Pages alike but for numbers (and query values) share one shape."""
    parts = urlsplit(url)
    keys = sorted({key for key, _value in parse_qsl(parts.query)})
    return re.sub(r"\d+", "N", parts.path) + ("?" + "&".join(keys) if keys else "")


def crawl(client: Client, starts: list[str]) -> tuple[int, list[str]]:
    """Visit breadth-first; returns how many pages were seen and the failures
    (a server error, or a GET that wrote to the database)."""
    queue = deque(starts)
    seen: set[str] = set(starts)
    per_shape: dict[str, int] = {}
    per_path: dict[str, int] = {}
    failures: list[str] = []
    visited = 0
    writes: list[str] = []

    def note_writes(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes.append(" ".join(sql.split()[:3]).replace("`", '"'))
        return execute(sql, params, many, context)

    while queue and visited < MAX_PAGES:
        url = queue.popleft()
        visited += 1
        writes.clear()
        try:
            with connection.execute_wrapper(note_writes):
                response = client.get(url)
        except Exception as error:  # a crash is a 500 too
            failures.append(f"{url} raised {type(error).__name__}: {error}")
            continue
        changed = sorted({w for w in writes if not w.endswith(QUIET_WRITES)})
        if changed:
            failures.append(f"{url} changed data on GET: {', '.join(changed)}")
        if response.status_code >= 500:
            failures.append(f"{url} answered {response.status_code}")
            continue
        failures += security_problems(url, response)
        if response.status_code in (301, 302, 303, 307, 308):
            targets = [response["Location"]]
        elif "text/html" in response.get("Content-Type", "") and not response.streaming:
            targets = links_of(url, response.content.decode("utf-8", "replace"))
        else:
            continue
        for target in targets:
            target = links_of(url, f'<a href="{target}">')[:1]
            if not target or target[0] in seen or SKIP.search(target[0]):
                continue
            key = shape(target[0])
            path = key.partition("?")[0]
            if (
                per_shape.get(key, 0) >= SAME_SHAPE
                or per_path.get(path, 0) >= SAME_PATH
            ):
                continue
            per_shape[key] = per_shape.get(key, 0) + 1
            per_path[path] = per_path.get(path, 0) + 1
            seen.add(target[0])
            queue.append(target[0])
    return visited, failures


@pytest.fixture
def lived_in_helpdesk(
    org_a,
    org_b,
    anna,
    adam,
    bara,
    tomasz,
    petra,
    sylwia,
    alicja,
    service_desk,
    infrastructure,
    open_ticket_for,
):
    """The demo's world plus the personas' own tickets, files, articles, a chat,
    a survey, canned replies, a scheduled report and a webhook."""
    demo.load(tickets=25)
    printer = open_ticket_for(
        anna,
        "Drukarka nie drukuje",
        team=service_desk,
        files=[IncomingFile("blad.png", PNG, "image/png")],
    )
    ticket_services.add_reply(
        printer,
        author=tomasz,
        body_text="Proszę wyłączyć i włączyć drukarkę.",
        files=[IncomingFile("instrukcja.txt", b"Krok 1", "text/plain")],
    )
    ticket_services.add_note(printer, author=tomasz, body_text="Toner do wymiany.")
    ticket_services.change_status(printer, Status.RESOLVED, actor=tomasz)
    printer.refresh_from_db()
    survey = survey_services.start_survey(printer)
    survey_services.respond(survey, rating=5, comment="Szybko i sprawnie.")
    own = open_ticket_for(adam, "Nie działa VPN", priority=Priority.HIGH)
    ticket_services.assign(own, tomasz, actor=tomasz)
    ticket_services.escalate(
        own, actor=tomasz, note="VPN do sprawdzenia.", team=infrastructure
    )
    open_ticket_for(bara, "Nefunguje tiskárna", team=infrastructure)
    for language, title in (("pl", "Jak podłączyć drukarkę"), ("cs", "Jak na VPN")):
        kb_services.create_article(
            actor=tomasz,
            title=title,
            body_markdown="1. Krok\n2. Krok",
            language=language,
            visibility=Visibility.PUBLIC,
            status=ArticleStatus.PUBLISHED,
        )
    kb_services.create_article(
        actor=tomasz, title="Internal runbook", body_markdown="Restart the spooler."
    )
    CannedReply.objects.create(title="Greeting", body="Hello {{ requester_name }},")
    CannedReply.objects.create(title="Mine", body="Regards", owner=tomasz)
    widget = ChatWidget.objects.create(
        name="Kowalski shop", team=service_desk, organization=org_a, language="pl"
    )
    session = chat_services.start_session(
        widget, name=bara.full_name, email="", user=bara
    )
    chat_services.post_message(session, sender="visitor", author=bara, body="Dobrý den")
    chat_services.accept(session, tomasz)
    ReportSchedule.objects.create(
        name="Weekly", frequency="weekly", recipients="sylwia@podpora.test"
    )
    Webhook.objects.create(
        name="CRM",
        url="https://crm.example.com/hook",
        secret="s",
        events=["ticket.created"],
    )
    return timezone.now()


def test_no_page_reachable_by_get_answers_with_an_error_or_a_loose_policy(
    lived_in_helpdesk, alicja, sylwia, tomasz, anna, bara
):
    # Each in another of our languages: a translation can break a page too.
    personas = {
        "admin": (alicja, "en"),
        "supervisor": (sylwia, "pl"),
        "agent": (tomasz, "cs"),
        "customer manager": (anna, "pl"),
        "customer": (bara, "cs"),
        "anonymous": (None, "en"),
    }
    failures: list[str] = []
    visited: dict[str, int] = {}
    for role, (person, language) in personas.items():
        client = Client(
            raise_request_exception=False, headers={"accept-language": language}
        )
        if person is not None:
            client.force_login(person)
        count, failed = crawl(client, ["/", "/desk/", "/portal/", "/kb/"])
        visited[role] = count
        failures += [f"{role}: {failure}" for failure in failed]
    assert not failures, "\n".join(failures)
    # The crawl really went round the app, not only to a sign-in page.
    minimum = {"admin": 100, "agent": 40, "customer": 10, "anonymous": 5}
    assert all(visited[role] > least for role, least in minimum.items()), visited
