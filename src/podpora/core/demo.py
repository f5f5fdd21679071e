"""Demo data: a small IT firm serving Polish and Czech client companies.

Goes through the real services so the history is complete. A fuller, faster
generator with 90 days of backdated activity lives in ``core.sample_data``.
"""

import random

from django.db import transaction

from podpora.accounts.models import (
    AgentRole,
    Availability,
    Membership,
    MembershipRole,
    Organization,
    OrganizationDomain,
    Team,
    Tier,
    User,
)
from podpora.tickets import services
from podpora.tickets.models import Channel, Priority, Status, Ticket

PASSWORD = "podpora-demo"  # noqa: S105 -- the published demo password

LOGINS = [
    ("admin@podpora.demo", "administrator"),
    ("sylwia@podpora.demo", "supervisor"),
    ("tomasz@podpora.demo", "agent, 1st line (Service Desk)"),
    ("petra@podpora.demo", "agent, 2nd line (Infrastruktura)"),
    ("anna.kowalska@kowalski-logistyka.pl", "customer, manager of Kowalski Logistyka"),
    ("jan.dvorak@strojirny-brno.cz", "customer of Strojírny Brno"),
]

ORGANIZATIONS = [
    (
        "Kowalski Logistyka sp. z o.o.",
        "kowalski-logistyka.pl",
        "pl",
        ["Anna Kowalska", "Piotr Zieliński", "Katarzyna Wójcik", "Marek Lewandowski"],
    ),
    (
        "Apteka Pod Lwem s.c.",
        "apteka-podlwem.pl",
        "pl",
        ["Ewa Kamińska", "Michał Szymański", "Agnieszka Dąbrowska"],
    ),
    (
        "Biuro Rachunkowe Nowak",
        "br-nowak.pl",
        "pl",
        ["Joanna Nowak", "Krzysztof Mazur"],
    ),
    (
        "Strojírny Brno a.s.",
        "strojirny-brno.cz",
        "cs",
        ["Jan Dvořák", "Lucie Černá", "Tomáš Procházka", "Veronika Kučerová"],
    ),
    (
        "Pekárna U Mlýna s.r.o.",
        "pekarna-mlyn.cz",
        "cs",
        ["Petr Novotný", "Jana Veselá"],
    ),
]

SUBJECTS = [
    (
        "Drukarka w księgowości nie drukuje",
        "Od rana drukarka HP na 2. piętrze pokazuje błąd papieru, a papier jest.",
    ),
    (
        "Nie działa VPN z domu",
        "Po aktualizacji Windows klient VPN nie łączy się, błąd 809.",
    ),
    (
        "Prośba o nowe konto dla pracownika",
        "Od poniedziałku zaczyna u nas nowa osoba w magazynie, prosimy o konto i skrzynkę.",
    ),
    (
        "Faktura za październik — brak PDF",
        "W mailu z fakturą nie ma załącznika PDF, prosimy o ponowne wysłanie.",
    ),
    (
        "Outlook ciągle prosi o hasło",
        "Outlook co kilka minut wyświetla okno logowania do skrzynki.",
    ),
    (
        "Wolny internet w biurze",
        "Od wczoraj strony ładują się bardzo wolno na wszystkich komputerach.",
    ),
    (
        "Tiskárna ve skladu netiskne",
        "Tiskárna Brother ve skladu hlásí chybu a netiskne štítky.",
    ),
    (
        "Nefunguje přihlášení do ERP",
        "Od rána se nemůžeme přihlásit do systému Helios, píše neplatné heslo.",
    ),
    (
        "Nový notebook pro kolegyni",
        "Prosíme o přípravu notebooku pro novou kolegyni v účtárně.",
    ),
    (
        "Faktura nepřišla",
        "Fakturu za služby jsme tento měsíc neobdrželi, můžete ji poslat znovu?",
    ),
    (
        "Zálohování serveru selhalo",
        "Dnes ráno přišel e-mail, že noční záloha skončila chybou.",
    ),
    ("Monitor bliká", "Monitor Dell na recepci bliká a občas zhasne."),
    (
        "Password reset for shared mailbox",
        "Please reset the password for the info@ shared mailbox.",
    ),
    (
        "Teams calls drop after a few minutes",
        "Video calls in Teams drop after 3–5 minutes for the whole sales team.",
    ),
]

REPLIES = {
    "pl": [
        "Dzień dobry, sprawdzamy sprawę i wracamy z informacją.",
        "Proszę o zrestartowanie urządzenia i informację, czy problem nadal występuje.",
        "Problem został rozwiązany, proszę potwierdzić, że wszystko działa.",
    ],
    "cs": [
        "Dobrý den, na požadavku pracujeme a brzy se ozveme.",
        "Prosím restartujte zařízení a dejte vědět, zda problém přetrvává.",
        "Problém je vyřešen, prosím potvrďte, že vše funguje.",
    ],
}
NOTES = [
    "Sprawdziłem logi serwera, brak błędów po naszej stronie.",
    "Zkontroloval jsem nastavení na firewallu, vypadá v pořádku.",
    "Klient ma starą wersję sterownika, zaplanować aktualizację.",
]


def has_data() -> bool:
    return Ticket.objects.exists()


def _user(email: str, name: str, **fields: object) -> User:
    user = User.objects.filter(email=email).first()
    if user:
        return user
    return User.objects.create_user(
        email=email, password=PASSWORD, full_name=name, **fields
    )


def _slug(name: str) -> str:
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return ascii_name.lower().replace(" ", ".")


@transaction.atomic
def load(*, tickets: int = 300, seed: int = 7) -> int:
    rng = random.Random(seed)
    admin = _user(
        "admin@podpora.demo",
        "Alicja Administratorka",
        agent_role=AgentRole.ADMIN,
        is_superuser=True,
    )
    supervisor = _user(
        "sylwia@podpora.demo", "Sylwia Zielińska", agent_role=AgentRole.SUPERVISOR
    )
    tomasz = _user(
        "tomasz@podpora.demo",
        "Tomasz Wiśniewski",
        agent_role=AgentRole.AGENT,
        availability=Availability.AVAILABLE,
        language="pl",
    )
    marta = _user(
        "marta@podpora.demo",
        "Marta Kubiak",
        agent_role=AgentRole.AGENT,
        availability=Availability.AVAILABLE,
        language="pl",
    )
    petra = _user(
        "petra@podpora.demo",
        "Petra Svobodová",
        agent_role=AgentRole.AGENT,
        availability=Availability.AVAILABLE,
        language="cs",
    )
    ondrej = _user(
        "ondrej@podpora.demo", "Ondřej Marek", agent_role=AgentRole.AGENT, language="cs"
    )

    infra, _ = Team.objects.get_or_create(
        name="Infrastruktura", defaults={"tier": Tier.SECOND, "lead": supervisor}
    )
    desk, _ = Team.objects.get_or_create(
        name="Service Desk",
        defaults={"tier": Tier.FIRST, "lead": supervisor, "escalation_team": infra},
    )
    accounting, _ = Team.objects.get_or_create(
        name="Obsługa faktur", defaults={"tier": Tier.FIRST}
    )
    desk.agents.add(tomasz, marta)
    infra.agents.add(petra, ondrej)
    accounting.agents.add(marta)
    agents = [tomasz, marta, petra, ondrej]

    customers: list[tuple[User, str]] = []
    for name, domain, language, people in ORGANIZATIONS:
        org, _ = Organization.objects.get_or_create(name=name)
        OrganizationDomain.objects.get_or_create(
            domain=domain, defaults={"organization": org}
        )
        for index, person in enumerate(people):
            user = _user(
                f"{_slug(person)}@{domain}",
                person,
                language=language,
                time_zone="Europe/Prague" if language == "cs" else "Europe/Warsaw",
            )
            Membership.objects.get_or_create(
                user=user,
                organization=org,
                defaults={
                    "role": MembershipRole.MANAGER
                    if index == 0
                    else MembershipRole.MEMBER
                },
            )
            customers.append((user, language))

    channels = (
        [Channel.EMAIL] * 5
        + [Channel.PORTAL] * 3
        + [Channel.PHONE] * 2
        + [Channel.CHAT, Channel.API]
    )
    for _ in range(tickets):
        requester, language = rng.choice(customers)
        pool = [s for s in SUBJECTS if _language_of(s[0]) in (language, "en")]
        subject, body = rng.choice(pool)
        team = accounting if "aktur" in subject else rng.choice([desk, desk, infra])
        ticket = services.open_ticket(
            subject=subject,
            body_text=body,
            requester=requester,
            channel=rng.choice(channels),
            priority=rng.choice(
                [
                    Priority.LOW,
                    Priority.NORMAL,
                    Priority.NORMAL,
                    Priority.HIGH,
                    Priority.URGENT,
                ]
            ),
            team=team,
        )
        fate = rng.random()
        if fate < 0.15:
            continue  # stays new and unassigned
        agent = rng.choice(
            [a for a in agents if team.agents.filter(pk=a.pk).exists()] or agents
        )
        services.assign(ticket, agent, actor=agent)
        replies = REPLIES["cs" if language == "cs" else "pl"]
        services.add_reply(
            ticket,
            author=agent,
            body_text=replies[0],
            time_spent_minutes=rng.choice([5, 10, 15]),
        )
        if rng.random() < 0.4:
            services.add_note(
                ticket, author=agent, body_text=rng.choice(NOTES), time_spent_minutes=10
            )
        if fate < 0.35:
            continue
        if fate < 0.5:
            services.add_reply(
                ticket,
                author=agent,
                body_text=replies[1],
                status=Status.WAITING_CUSTOMER,
            )
            continue
        services.add_reply(
            ticket, author=agent, body_text=replies[2], status=Status.RESOLVED
        )
        if fate > 0.8:
            services.close_ticket(ticket, actor=agent)
    del admin
    return tickets


def _language_of(subject: str) -> str:
    if any(ch in subject for ch in "ěščřžýáíéůú") or subject.startswith(
        ("Tisk", "Nefun", "Nový", "Faktura nep", "Zál", "Monitor")
    ):
        return "cs"
    if subject[0].isascii() and subject.split()[0] in {"Password", "Teams"}:
        return "en"
    return "pl"
