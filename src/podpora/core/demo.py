"""Demo data: a small IT firm serving Polish and Czech client companies.

A few hundred tickets backdated over the last 90 days come from
``core.sample_data`` (threads, notes, history and all), with their SLA clocks,
answered satisfaction surveys, knowledge-base articles in Polish, Czech and
English and shared canned replies; a handful of today's requests from the demo
customers then go through the real services, so the apps that react to ticket
changes (rules, SLA clocks, notifications, search) see them as they would see
live traffic.
"""

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password
from django.core.management import call_command
from django.db import transaction
from django.db.models import Q

from podpora.accounts.models import User
from podpora.core import sample_data
from podpora.core.sample_data import content
from podpora.tickets import services
from podpora.tickets.models import Channel, Priority, Ticket

PASSWORD = "podpora-demo"  # noqa: S105 -- the published demo password
ADMIN = "admin@podpora.demo"
# The invoice rule routes to the demo's own invoice team (no second,
# English-named team next to it).
INVOICE_TEAM = "Obsługa faktur"
INVOICE_RULE = "Faktury do zespołu Obsługa faktur"

LOGINS = [
    (ADMIN, "administrator"),
    ("sylwia@podpora.demo", "supervisor"),
    ("tomasz@podpora.demo", "agent, 1st line (Service Desk)"),
    ("petra@podpora.demo", "agent, 2nd line (Infrastruktura)"),
    ("anna.kowalska@kowalski-logistyka.pl", "customer, manager of Kowalski Logistyka"),
    ("jan.dvorak@strojirny-brno.cz", "customer of Strojírny Brno"),
]

# Today's requests, opened through the services: (requester, subject, body,
# channel, priority, who takes it).
TODAY = [
    (
        "anna.kowalska@kowalski-logistyka.pl",
        "Skaner w magazynie nie wysyła plików na e-mail",
        "Dzień dobry,\nskaner Canon w magazynie od rana nie wysyła skanów na "
        "e-mail, pokazuje błąd SMTP. Proszę o pomoc.\nAnna Kowalska",
        Channel.PORTAL,
        Priority.HIGH,
        "tomasz@podpora.demo",
    ),
    (
        "piotr.zielinski@kowalski-logistyka.pl",
        "Prośba o dostęp do folderu Przetargi",
        "Proszę o dostęp do folderu Przetargi na dysku wspólnym.",
        Channel.EMAIL,
        Priority.NORMAL,
        "",
    ),
    (
        "jan.dvorak@strojirny-brno.cz",
        "Nejde tisk z ERP do PDF",
        "Dobrý den,\nz Heliosu nejde tisknout faktury do PDF, aplikace spadne.\n"
        "Jan Dvořák",
        Channel.EMAIL,
        Priority.NORMAL,
        "petra@podpora.demo",
    ),
    (
        "lucie.cerna@strojirny-brno.cz",
        "Výpadek Wi-Fi ve výrobní hale",
        "Ve výrobní hale od 9:00 nefunguje Wi-Fi, terminály jsou offline.",
        Channel.PHONE,
        Priority.URGENT,
        "petra@podpora.demo",
    ),
]


def has_data() -> bool:
    return Ticket.objects.exists()


def _give_demo_password() -> None:
    """The demo password for the demo's agents and client people who have no
    usable password yet (one someone set since is kept)."""
    domains = [company.domain for company in sample_data.texts.COMPANIES]
    User.objects.filter(
        Q(email__endswith="@podpora.demo")
        | Q(memberships__organization__domains__domain__in=domains),
        password__startswith=UNUSABLE_PASSWORD_PREFIX,
    ).update(password=make_password(PASSWORD))


def _add_content() -> None:
    """Articles, canned replies and answered surveys (see ``content``)."""
    admin = User.objects.get(email=ADMIN)
    content.add_articles(admin)
    content.add_canned_replies(admin)
    content.answer_surveys()


def _open_todays_requests() -> None:
    users = {
        u.email: u
        for u in User.objects.filter(
            email__in=[row[0] for row in TODAY] + [row[5] for row in TODAY if row[5]]
        )
    }
    for email, subject, body, channel, priority, agent_email in TODAY:
        requester = users.get(email)
        if requester is None:
            continue
        agent = users.get(agent_email)
        ticket = services.open_ticket(
            subject=subject,
            body_text=body,
            requester=requester,
            channel=channel,
            priority=priority,
            actor=agent if channel == Channel.PHONE and agent else None,
            # The agent's account of the call, as the desk's phone intake logs it.
            call_account=channel == Channel.PHONE and agent is not None,
        )
        if agent is not None:
            services.assign(ticket, agent, actor=agent)


@transaction.atomic
def load(*, tickets: int = 300, seed: int = 7) -> int:
    """Load the demo world and ``tickets`` backdated tickets (plus today's few);
    returns how many tickets were added. People and organisations are reused
    when they exist, so loading twice only adds tickets."""
    from podpora.audit import demo as audit_demo
    from podpora.automation import data as automation_data
    from podpora.automation import demo as automation_demo
    from podpora.automation import sla
    from podpora.desk import demo as desk_demo
    from podpora.desk import demo_images as desk_demo_images
    from podpora.macros import demo as macros_demo
    from podpora.mail import demo as mail_demo
    from podpora.portal import demo as portal_demo
    from podpora.reports import demo as reports_demo

    sample_data.ensure_world()
    automation_data.install_defaults(
        invoice_team=INVOICE_TEAM, invoice_rule=INVOICE_RULE
    )
    _give_demo_password()
    created = sample_data.generate_tickets(tickets, seed=seed, days=90)
    # The generator writes tables directly, without the ticket hooks: derive
    # what the hooks would have kept (SLA clocks) from the tables.
    sla.rebuild_states()
    _add_content()
    call_command("search", "reindex", "--no-progress", verbosity=0)
    call_command("reports_rebuild", verbosity=0)
    reports_demo.add_deflection()
    _open_todays_requests()
    automation_demo.load()
    desk_demo.load()
    macros_demo.install()
    desk_demo.add_saved_views()
    desk_demo_images.load()
    portal_demo.load()
    mail_demo.load()
    audit_demo.load()
    return created + len(TODAY)
