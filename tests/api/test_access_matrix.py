"""Every persona against every resource: allowed, or a 404 that says nothing."""

import pytest

from podpora.tickets import services

pytestmark = pytest.mark.django_db

PERSONAS = ["anna", "adam", "bara", "tomasz", "petra", "sylwia", "alicja"]

# Who sees which ticket: A's is in the Service Desk's queue, B's with
# Infrastructure (tomasz works the former, petra the latter).
SEES_A = {"anna", "adam", "tomasz", "sylwia", "alicja"}
SEES_B = {"bara", "petra", "sylwia", "alicja"}


@pytest.fixture
def world(
    request, open_ticket_for, adam, bara, service_desk, infrastructure, tomasz, petra
):
    a = open_ticket_for(adam, "Drukarka", team=service_desk)
    b = open_ticket_for(bara, "Tiskárna", team=infrastructure)
    public = {}
    internal = {}
    for ticket, agent in ((a, tomasz), (b, petra)):
        reply = services.add_reply(
            ticket,
            author=agent,
            body_text="Plik",
            files=[services.IncomingFile("log.txt", b"log")],
        )
        note = services.add_note(
            ticket,
            author=agent,
            body_text="Wewn.",
            files=[services.IncomingFile("wewn.txt", b"internal")],
        )
        public[ticket.number] = reply.attachments.get().pk
        internal[ticket.number] = note.attachments.get().pk
    return {"a": a, "b": b, "public": public, "internal": internal}


def _persona(request, name):
    return request.getfixturevalue(name)


@pytest.mark.parametrize("name", PERSONAS)
@pytest.mark.parametrize("which", ["a", "b"])
def test_ticket_resources_are_visible_exactly_to_those_in_scope(
    request, api_as, world, name, which
):
    user = _persona(request, name)
    api = api_as(user)
    ticket = world[which]
    allowed = name in (SEES_A if which == "a" else SEES_B)
    expected = 200 if allowed else 404
    n = ticket.number
    urls = [
        f"/api/v1/tickets/{n}",
        f"/api/v1/tickets/{n}/messages",
        f"/api/v1/tickets/{n}/attachments",
        f"/api/v1/attachments/{world['public'][n]}",
        f"/api/v1/attachments/{world['public'][n]}/content",
    ]
    for url in urls:
        assert api.get(url).status_code == expected, url
    listed = {t["number"] for t in api.get("/api/v1/tickets").json()["items"]}
    assert (n in listed) == allowed

    internal = f"/api/v1/attachments/{world['internal'][n]}"
    assert api.get(internal).status_code == (200 if allowed and user.is_agent else 404)

    denied_writes = [
        ("post", f"/api/v1/tickets/{n}/messages", {"body_text": "Hej"}),
        ("patch", f"/api/v1/tickets/{n}", {"priority": 4}),
    ]
    for method, url, data in denied_writes:
        response = getattr(api, method)(url, data, content_type="application/json")
        if not allowed:
            assert response.status_code == 404, url
            assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("name", PERSONAS)
def test_people_resources_follow_the_same_scope(
    request, api_as, world, name, org_a, org_b, service_desk
):
    user = _persona(request, name)
    api = api_as(user)
    in_a = name in {"anna", "adam"}
    in_b = name == "bara"
    agent = user.is_agent
    assert api.get(f"/api/v1/organizations/{org_a.pk}").status_code == (
        200 if agent or in_a else 404
    )
    assert api.get(f"/api/v1/organizations/{org_b.pk}").status_code == (
        200 if agent or in_b else 404
    )
    assert api.get(f"/api/v1/teams/{service_desk.pk}").status_code == (
        200 if agent else 404
    )
    bara = request.getfixturevalue("bara")
    assert api.get(f"/api/v1/users/{bara.pk}").status_code == (
        200 if agent or in_b else 404
    )


@pytest.mark.parametrize("name", PERSONAS)
@pytest.mark.parametrize("which", ["a", "b"])
def test_sla_clocks_are_for_agents_who_see_the_ticket(
    request, api_as, world, name, which
):
    user = _persona(request, name)
    allowed = user.is_agent and name in (SEES_A if which == "a" else SEES_B)
    response = api_as(user).get(f"/api/v1/tickets/{world[which].number}/sla")
    assert response.status_code == (200 if allowed else 404)


KB_READERS = {
    # which articles each persona reads: public, A's only, internal, draft
    None: {"public"},
    "anna": {"public", "org_a"},
    "adam": {"public", "org_a"},
    "bara": {"public"},
    "tomasz": {"public", "org_a", "internal", "draft"},
    "petra": {"public", "org_a", "internal", "draft"},
    "sylwia": {"public", "org_a", "internal", "draft"},
    "alicja": {"public", "org_a", "internal", "draft"},
}


@pytest.fixture
def kb_shelf(tomasz, org_a):
    from podpora.kb import services as kb
    from podpora.kb.models import ArticleStatus, Visibility

    def _article(title, visibility, status=ArticleStatus.PUBLISHED, **kwargs):
        return kb.create_article(
            actor=tomasz,
            title=title,
            body_markdown="Treść artykułu.",
            visibility=visibility,
            status=status,
            **kwargs,
        )

    return {
        "public": _article("Publiczny", Visibility.PUBLIC),
        "org_a": _article("Dla A", Visibility.ORGANIZATIONS, organizations=[org_a]),
        "internal": _article("Wewnętrzny", Visibility.INTERNAL),
        "draft": _article("Szkic", Visibility.PUBLIC, status=ArticleStatus.DRAFT),
    }


@pytest.mark.parametrize("name", [None, *PERSONAS])
def test_kb_articles_are_read_within_the_kb_scope_and_written_by_editors(
    request, api_as, kb_shelf, name
):
    from django.test import Client

    user = _persona(request, name) if name else None
    api = api_as(user) if user else Client()
    readable = KB_READERS[name]
    for kind, article in kb_shelf.items():
        for url in (
            f"/api/v1/kb/articles/{article.pk}",
            f"/api/v1/kb/articles/slug/{article.slug}",
        ):
            assert api.get(url).status_code == (200 if kind in readable else 404), url
    listed = {
        a["id"] for a in api.get("/api/v1/kb/articles?status=any").json()["items"]
    }
    assert listed == {kb_shelf[kind].pk for kind in readable}
    found = api.get("/api/v1/kb/search?q=artykułu&status=any").json()["items"]
    assert {a["id"] for a in found} == listed

    created = api.post(
        "/api/v1/kb/articles", {"title": "Nowy"}, content_type="application/json"
    )
    publish = api.post(f"/api/v1/kb/articles/{kb_shelf['draft'].pk}/publish")
    if user is None:
        assert (created.status_code, publish.status_code) == (401, 401)
    elif user.is_agent:
        assert (created.status_code, publish.status_code) == (201, 200)
    else:
        assert (created.status_code, publish.status_code) == (403, 403)


@pytest.mark.parametrize("name", PERSONAS)
def test_report_figures_follow_the_reports_rights(request, api_as, name, org_a, org_b):
    user = _persona(request, name)
    api = api_as(user)
    supervisor = name in {"sylwia", "alicja"}
    assert api.get("/api/v1/reports/metrics").status_code == (
        200 if supervisor else 403
    )
    assert api.get(f"/api/v1/reports/organizations/{org_a.pk}/2026/3").status_code == (
        200 if supervisor or name == "anna" else 404
    )
    assert api.get(f"/api/v1/reports/organizations/{org_b.pk}/2026/3").status_code == (
        200 if supervisor else 404
    )
