"""The organisations, people, teams, categories and tags sample tickets need.

Created once and found again by their natural keys (names, domains, e-mail
addresses), so loading more tickets later reuses the same world.
"""

import random
import unicodedata
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction

from podpora.accounts.models import (
    Availability,
    Membership,
    MembershipRole,
    Organization,
    OrganizationDomain,
    Team,
    User,
)
from podpora.core.sample_data import texts
from podpora.tickets.models import Category, Tag


@dataclass
class Org:
    id: int
    language: str
    domain: str
    customer_ids: list[int]
    weight: int


@dataclass
class TeamInfo:
    id: int
    name: str
    tier: int
    agent_ids: list[int]
    escalation_id: int | None


@dataclass
class World:
    orgs: list[Org]
    teams: dict[str, TeamInfo]  # by name
    teams_by_id: dict[int, TeamInfo]
    supervisor_ids: list[int]
    category_ids: dict[str, int]
    tag_ids: dict[str, int]
    agent_language: dict[int, str] = field(default_factory=dict)


def _ascii(text: str) -> str:
    text = text.replace("ł", "l").replace("Ł", "L")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def email_for(full_name: str, domain: str) -> str:
    return f"{_ascii(full_name).lower().replace(' ', '.')}@{domain}"


def _people(company: texts.Company) -> list[str]:
    """The same people for a company every time (seeded by its domain)."""
    rng = random.Random(company.domain)
    names = list(company.people)
    seen = set(names)
    first, last = texts.FIRST_NAMES[company.language], texts.SURNAMES[company.language]
    while len(names) < max(company.size, len(company.people)):
        gender = rng.choice("fm")
        name = f"{rng.choice(first[gender])} {rng.choice(last[gender])}"
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def _ensure_users(rows: list[dict[str, object]], password_hash: str) -> dict[str, int]:
    """Create the users whose e-mail is not taken yet; returns every id by e-mail."""
    emails = [str(r["email"]) for r in rows]
    existing = dict(User.objects.filter(email__in=emails).values_list("email", "pk"))
    missing = [
        User(password=password_hash, **r)  # type: ignore[misc]
        for r in rows
        if r["email"] not in existing
    ]
    if missing:
        User.objects.bulk_create(missing, batch_size=500, ignore_conflicts=True)
        existing = dict(
            User.objects.filter(email__in=emails).values_list("email", "pk")
        )
    return existing


@transaction.atomic
def ensure_world(*, password: str | None = None) -> World:
    """Create what is missing and describe the whole world by ids.

    People get ``password`` (one hash shared by all, so this stays fast), or
    an unusable password when it is ``None``.
    """
    password_hash = make_password(password)

    # --- client organisations and their people ---------------------------------
    orgs: list[Org] = []
    for company in texts.COMPANIES:
        org, _ = Organization.objects.get_or_create(
            name=company.name, defaults={"notes": company.notes}
        )
        OrganizationDomain.objects.get_or_create(
            domain=company.domain, defaults={"organization": org}
        )
        zone = "Europe/Prague" if company.language == "cs" else "Europe/Warsaw"
        people = _people(company)
        rows: list[dict[str, object]] = [
            {
                "email": email_for(name, company.domain),
                "full_name": name,
                "language": company.language,
                "time_zone": zone,
            }
            for name in people
        ]
        ids = _ensure_users(rows, password_hash)
        member_ids = [ids[str(r["email"])] for r in rows]
        present = set(
            Membership.objects.filter(
                organization=org, user_id__in=member_ids
            ).values_list("user_id", flat=True)
        )
        Membership.objects.bulk_create(
            [
                Membership(
                    user_id=uid,
                    organization=org,
                    role=MembershipRole.MANAGER if i == 0 else MembershipRole.MEMBER,
                )
                for i, uid in enumerate(member_ids)
                if uid not in present
            ],
            ignore_conflicts=True,
        )
        # Only people who belong to this organisation and no other may request
        # its tickets: a person of org X never appears on a ticket of org Y.
        elsewhere = set(
            Membership.objects.filter(user_id__in=member_ids)
            .exclude(organization=org)
            .values_list("user_id", flat=True)
        )
        customers = [u for u in member_ids if u not in elsewhere]
        if customers:
            orgs.append(
                Org(org.pk, company.language, company.domain, customers, company.size)
            )

    # --- agents and teams ------------------------------------------------------
    agent_rows: list[dict[str, object]] = [
        {
            "email": a.email,
            "full_name": a.name,
            "agent_role": a.role,
            "language": a.language,
            "availability": Availability.AVAILABLE,
            "is_superuser": a.role == "admin",
        }
        for a in texts.AGENTS
    ]
    agent_ids = _ensure_users(agent_rows, password_hash)
    teams: dict[str, Team] = {}
    for spec in texts.TEAMS:
        lead = texts.TEAM_LEADS.get(spec.name)
        team, _ = Team.objects.get_or_create(
            name=spec.name,
            defaults={
                "tier": spec.tier,
                "description": spec.description,
                "lead_id": agent_ids.get(lead) if lead else None,
                "escalation_team": teams.get(spec.escalates_to),
            },
        )
        teams[spec.name] = team
    for agent in texts.AGENTS:
        for name in agent.teams:
            teams[name].agents.add(agent_ids[agent.email])
    team_infos: dict[str, TeamInfo] = {}
    for name, team in teams.items():
        members = list(
            team.agents.filter(is_active=True)
            .exclude(agent_role="")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        team_infos[name] = TeamInfo(
            team.pk, name, team.tier, members, team.escalation_team_id
        )
    supervisors = [
        agent_ids[a.email] for a in texts.AGENTS if a.role in ("supervisor", "admin")
    ]
    languages = {agent_ids[a.email]: a.language for a in texts.AGENTS}

    # --- categories and tags ---------------------------------------------------
    categories: dict[str, Category] = {}
    for name, parent in texts.CATEGORIES:
        category, _ = Category.objects.get_or_create(
            name=name, defaults={"parent": categories.get(parent)}
        )
        categories[name] = category
    Tag.objects.bulk_create([Tag(name=n) for n in texts.TAGS], ignore_conflicts=True)
    tag_ids = dict(Tag.objects.filter(name__in=texts.TAGS).values_list("name", "pk"))

    return World(
        orgs=orgs,
        teams=team_infos,
        teams_by_id={t.id: t for t in team_infos.values()},
        supervisor_ids=supervisors,
        category_ids={n: c.pk for n, c in categories.items()},
        tag_ids=tag_ids,
        agent_language=languages,
    )
