"""Named personas shared by every test (see docs/testing.md).

Organisation A ("Kowalski Logistyka", domain kowalski.pl): Anna (manager) and
Adam (member). Organisation B ("Novák Strojírny", novak.cz): Bára. Agents:
Tomasz (1st line, Service Desk), Petra (2nd line, Infrastructure), Sylwia
(supervisor), and Alicja (administrator).
"""

from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone, translation

from podpora.accounts.models import (
    AgentRole,
    Membership,
    MembershipRole,
    Organization,
    OrganizationDomain,
    Team,
    Tier,
    User,
)
from podpora.core import config_cache

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _isolated_media_and_cache(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    settings.TASKS = {
        "default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}
    }
    settings.MAILERS = {
        "default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    # Rules, SLA policies and webhooks of an earlier test were rolled back.
    config_cache.forget()
    # Every test starts in English and in the default time zone, whatever an
    # earlier test in the same worker activated.
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()
    yield
    translation.deactivate()
    timezone.deactivate()
    cache.clear()
    config_cache.forget()


def _user(email: str, name: str, **fields: object) -> User:
    return User.objects.create_user(
        email=email, password=PASSWORD, full_name=name, **fields
    )


@pytest.fixture
def org_a(db) -> Organization:
    org = Organization.objects.create(name="Kowalski Logistyka sp. z o.o.")
    OrganizationDomain.objects.create(organization=org, domain="kowalski.pl")
    return org


@pytest.fixture
def org_b(db) -> Organization:
    org = Organization.objects.create(name="Novák Strojírny a.s.")
    OrganizationDomain.objects.create(organization=org, domain="novak.cz")
    return org


@pytest.fixture
def anna(org_a) -> User:
    """Customer, manager of organisation A: sees all of A's tickets."""
    user = _user("anna@kowalski.pl", "Anna Kowalska", language="pl")
    Membership.objects.create(
        user=user, organization=org_a, role=MembershipRole.MANAGER
    )
    return user


@pytest.fixture
def adam(org_a) -> User:
    """Customer, member of organisation A: sees only his own tickets."""
    user = _user("adam@kowalski.pl", "Adam Nowak", language="pl")
    Membership.objects.create(user=user, organization=org_a)
    return user


@pytest.fixture
def bara(org_b) -> User:
    """Customer of organisation B."""
    user = _user("bara@novak.cz", "Barbora Nováková", language="cs")
    Membership.objects.create(user=user, organization=org_b)
    return user


@pytest.fixture
def service_desk(db) -> Team:
    return Team.objects.create(name="Service Desk", tier=Tier.FIRST)


@pytest.fixture
def infrastructure(db) -> Team:
    return Team.objects.create(name="Infrastructure", tier=Tier.SECOND)


@pytest.fixture
def tomasz(service_desk, infrastructure) -> User:
    """1st-line agent in the Service Desk team."""
    user = _user(
        "tomasz@podpora.test",
        "Tomasz Wiśniewski",
        agent_role=AgentRole.AGENT,
        availability="available",
    )
    service_desk.agents.add(user)
    service_desk.escalation_team = infrastructure
    service_desk.save()
    return user


@pytest.fixture
def petra(infrastructure) -> User:
    """2nd-line agent in the Infrastructure team."""
    user = _user(
        "petra@podpora.test",
        "Petra Svobodová",
        agent_role=AgentRole.AGENT,
        language="cs",
        availability="available",
    )
    infrastructure.agents.add(user)
    return user


@pytest.fixture
def sylwia(db) -> User:
    """Supervisor: sees every ticket and the reports."""
    return _user(
        "sylwia@podpora.test", "Sylwia Zielińska", agent_role=AgentRole.SUPERVISOR
    )


@pytest.fixture
def alicja(db) -> User:
    """Administrator."""
    return _user(
        "alicja@podpora.test",
        "Alicja Admin",
        agent_role=AgentRole.ADMIN,
        is_superuser=True,
    )


@pytest.fixture
def open_ticket_for():
    """Open a ticket through the real service, as the requester would."""
    from podpora.tickets import services
    from podpora.tickets.models import Channel

    def _open(requester: User, subject: str = "Drukarka nie drukuje", **kwargs: object):
        kwargs.setdefault("body_text", "Od rana drukarka w biurze pokazuje błąd.")
        kwargs.setdefault("channel", Channel.PORTAL)
        return services.open_ticket(subject=subject, requester=requester, **kwargs)

    return _open


# --- the API -----------------------------------------------------------------------


@pytest.fixture
def token_for():
    """A personal API token's secret for a persona."""
    from podpora.api import services

    def _token(user: User, scope: str = "write") -> str:
        _, secret = services.create_token(user, name="test", scope=scope)
        return secret

    return _token


@pytest.fixture
def api_as(token_for):
    """A test client that calls the API with a persona's token."""
    from django.test import Client

    def _client(user: User, scope: str = "write") -> Client:
        return Client(headers={"Authorization": f"Bearer {token_for(user, scope)}"})

    return _client


# --- browser tests -------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session")
def _playwright_browser():
    import os

    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread for the
    # rest of the session, which Django's async-safety check would take for
    # async code calling the ORM from every later test.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(_playwright_browser, live_server):
    """A fresh browser tab; ``page.goto(live_server.url + "/…")``."""
    context = _playwright_browser.new_context(
        locale="en-US", viewport={"width": 1280, "height": 900}
    )
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    # Leaving the page sends what it still had to save (the desk's drafts save
    # on "pagehide"); give the server a moment to answer before the test's
    # database is emptied, or that request and the flush deadlock.
    try:
        tab.goto("about:blank")
        tab.wait_for_timeout(300)
    finally:
        context.close()


def screenshot(page, name: str) -> Path:
    """Save a screenshot under test-artifacts/ for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
