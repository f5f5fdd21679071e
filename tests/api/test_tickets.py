from datetime import timedelta

import pytest
from django.utils import timezone

from podpora.tickets import services
from podpora.tickets.models import Channel, MessageKind, Status, Ticket

pytestmark = pytest.mark.django_db

AGENT_ONLY = {"team", "assignee", "tags", "version", "tier", "category", "merged_into"}


def _json(api, method, url, data=None, **headers):
    return getattr(api, method)(
        url, data, content_type="application/json", headers=headers
    )


def test_customer_opens_a_ticket_over_the_api(api_as, adam):
    response = _json(
        api_as(adam),
        "post",
        "/api/v1/tickets",
        {"subject": "Nie działa VPN", "body_text": "Od rana nie mogę się połączyć."},
    )
    assert response.status_code == 201
    body = response.json()
    ticket = Ticket.objects.get(number=body["number"])
    assert ticket.requester == adam
    assert ticket.channel == Channel.API
    assert ticket.organization == adam.memberships.get().organization
    assert ticket.messages.get().body_text == "Od rana nie mogę się połączyć."
    assert response["ETag"] == '"1"'
    assert not AGENT_ONLY & body.keys()


def test_control_characters_never_reach_a_stored_subject_body_or_name(api_as, adam):
    adam.full_name = "Adam\x1b[31m Nowak\x00"
    adam.save()
    response = _json(
        api_as(adam),
        "post",
        "/api/v1/tickets",
        {
            "subject": "Faktura\x0b\x1f \x85nr 12\u2028",
            "body_text": "Linia 1\r\nLinia\x07 2",
        },
    )
    assert response.status_code == 201
    ticket = Ticket.objects.get(number=response.json()["number"])
    assert ticket.subject == "Faktura nr 12"
    assert ticket.messages.get().body_text == "Linia 1\nLinia 2"
    adam.refresh_from_db()
    assert adam.full_name == "Adam[31m Nowak"


def test_customer_cannot_route_their_own_ticket(api_as, adam, service_desk):
    response = _json(
        api_as(adam),
        "post",
        "/api/v1/tickets",
        {"subject": "Pilne", "team_id": service_desk.pk},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"
    assert not Ticket.objects.exists()


def test_agent_opens_a_ticket_for_a_new_customer_by_email(
    api_as, tomasz, org_a, service_desk
):
    response = _json(
        api_as(tomasz),
        "post",
        "/api/v1/tickets",
        {
            "subject": "Telefon: drukarka",
            "body_text": "Klient dzwonił.",
            "requester_email": "ewa@kowalski.pl",
            "requester_name": "Ewa Lis",
            "channel": "phone",
            "team_id": service_desk.pk,
            "priority": 3,
            "tags": ["Drukarki"],
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["requester"]["email"] == "ewa@kowalski.pl"
    assert body["organization"]["id"] == org_a.pk
    assert body["team"]["id"] == service_desk.pk
    assert body["tags"] == ["drukarki"]
    assert body["channel"] == "phone"
    assert body["priority"] == 3


def test_an_agent_opening_a_ticket_that_a_rule_routes_is_answered_as_routed(
    api_as, tomasz, adam
):
    from podpora.automation.data import ACCOUNTING_TEAM, install_defaults

    install_defaults()
    response = _json(
        api_as(tomasz),
        "post",
        "/api/v1/tickets",
        {"subject": "Faktura nie dotarła", "requester_id": adam.pk, "priority": 2},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    ticket = Ticket.objects.get(number=body["number"])
    # The answer and its ETag show the ticket as the invoice rule left it.
    assert body["team"]["name"] == ACCOUNTING_TEAM == ticket.team.name
    assert body["priority"] == ticket.priority == 3
    assert body["organization"]["id"] == adam.memberships.get().organization_id
    assert response["ETag"] == f'"{ticket.version}"' != '"1"'


def test_opening_a_ticket_over_the_api_costs_a_fixed_handful_of_statements(
    api_as, tomasz, adam, django_assert_max_num_queries
):
    """Token, requester with organisation, number, ticket, message, event,
    SLA clocks, search document and its full-text row, report figures and
    fact, the desk's queue counts: nothing is read twice and nothing is read
    back for the answer."""
    from podpora.automation.data import install_defaults
    from podpora.search.models import SearchDocument

    install_defaults()
    api = api_as(tomasz)
    payload = {
        "subject": "Drukarka nie drukuje",
        "body_text": "Od rana drukarka pokazuje błąd papieru.",
        "requester_id": adam.pk,
        "tags": ["Drukarki"],
    }
    _json(api, "post", "/api/v1/tickets", payload)  # configuration loaded once

    # 21: the rules read the tags and the index reads the thread, files and
    # tags back (5 plain queries that a hand-seeded prefetch cache once saved).
    with django_assert_max_num_queries(21):
        response = _json(api, "post", "/api/v1/tickets", payload)

    assert response.status_code == 201, response.json()
    assert response.json()["tags"] == ["drukarki"]
    document = SearchDocument.objects.get(ticket__number=response.json()["number"])
    assert "błąd papieru" in document.public_text
    assert document.tags == "drukarki"


def test_agent_reads_a_ticket_with_agent_fields_and_customer_without(
    api_as, anna, tomasz, open_ticket_for
):
    ticket = open_ticket_for(anna, "Faktura")
    agent_view = api_as(tomasz).get(f"/api/v1/tickets/{ticket.number}").json()
    customer_view = api_as(anna).get(f"/api/v1/tickets/{ticket.number}").json()
    assert agent_view.keys() >= AGENT_ONLY
    assert not AGENT_ONLY & customer_view.keys()
    assert customer_view["subject"] == agent_view["subject"] == "Faktura"


def test_update_with_a_stale_if_match_answers_412_and_changes_nothing(
    api_as, anna, tomasz, open_ticket_for
):
    ticket = open_ticket_for(anna)
    api = api_as(tomasz)
    etag = api.get(f"/api/v1/tickets/{ticket.number}")["ETag"]
    services.update_ticket(ticket, actor=tomasz, priority=4)  # someone else's edit

    response = _json(
        api, "patch", f"/api/v1/tickets/{ticket.number}", {"priority": 1}, If_Match=etag
    )
    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    ticket.refresh_from_db()
    assert ticket.priority == 4


def test_update_with_the_current_etag_changes_fields_and_returns_the_new_etag(
    api_as, anna, tomasz, petra, infrastructure, open_ticket_for
):
    ticket = open_ticket_for(anna)
    api = api_as(tomasz)
    etag = api.get(f"/api/v1/tickets/{ticket.number}")["ETag"]
    response = _json(
        api,
        "patch",
        f"/api/v1/tickets/{ticket.number}",
        {
            "status": "open",
            "priority": 3,
            "team_id": infrastructure.pk,
            "assignee_id": petra.pk,
            "tags": ["vpn", "Sieć"],
            "subject": "VPN nie działa",
        },
        If_Match=etag,
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "open"
    assert body["assignee"]["id"] == petra.pk
    assert body["team"]["id"] == infrastructure.pk
    assert body["tags"] == ["sieć", "vpn"]
    assert response["ETag"] == f'"{body["version"]}"' != etag


def test_update_can_clear_the_assignee(api_as, anna, tomasz, open_ticket_for):
    ticket = open_ticket_for(anna)
    services.assign(ticket, tomasz, actor=tomasz)
    response = _json(
        api_as(tomasz),
        "patch",
        f"/api/v1/tickets/{ticket.number}",
        {"assignee_id": None},
    )
    assert response.json()["assignee"] is None


def test_invalid_transition_is_a_409_not_a_500(api_as, anna, tomasz, open_ticket_for):
    ticket = open_ticket_for(anna)
    services.close_ticket(ticket, actor=tomasz)
    response = _json(
        api_as(tomasz), "patch", f"/api/v1/tickets/{ticket.number}", {"status": "open"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_customer_may_only_resolve_or_reopen(api_as, adam, open_ticket_for):
    ticket = open_ticket_for(adam)
    api = api_as(adam)
    denied = _json(api, "patch", f"/api/v1/tickets/{ticket.number}", {"priority": 4})
    assert denied.status_code == 403
    solved = _json(
        api, "patch", f"/api/v1/tickets/{ticket.number}", {"status": "resolved"}
    )
    assert solved.status_code == 200
    assert solved.json()["status"] == "resolved"


def test_merge_folds_the_thread_into_the_survivor(
    api_as, anna, tomasz, open_ticket_for
):
    first = open_ticket_for(anna, "Drukarka")
    second = open_ticket_for(anna, "Drukarka znowu")
    response = _json(
        api_as(tomasz),
        "post",
        f"/api/v1/tickets/{second.number}/merge",
        {"into": first.number},
    )
    assert response.status_code == 200
    assert response.json()["number"] == first.number
    second.refresh_from_db()
    assert second.merged_into == first
    assert first.messages.count() == 2


def test_customer_cannot_merge(api_as, anna, open_ticket_for):
    first, second = open_ticket_for(anna), open_ticket_for(anna)
    response = _json(
        api_as(anna),
        "post",
        f"/api/v1/tickets/{second.number}/merge",
        {"into": first.number},
    )
    assert response.status_code == 404


def test_list_filters_combine(
    api_as, anna, adam, tomasz, service_desk, open_ticket_for
):
    vpn = open_ticket_for(anna, "VPN", priority=3, team=service_desk, tags=["vpn"])
    open_ticket_for(adam, "Drukarka", priority=3)
    open_ticket_for(anna, "Poczta", priority=1, team=service_desk)
    services.assign(vpn, tomasz, actor=tomasz)
    api = api_as(tomasz)

    def numbers(query: str) -> list[int]:
        response = api.get(f"/api/v1/tickets?{query}")
        assert response.status_code == 200, response.json()
        return [t["number"] for t in response.json()["items"]]

    assert numbers(f"priority=3&team={service_desk.pk}") == [vpn.number]
    assert numbers("assignee=me") == [vpn.number]
    assert numbers("tag=vpn&status=new") == [vpn.number]
    assert len(numbers("assignee=none")) == 2
    assert len(numbers("priority=3&priority=1")) == 3
    tomorrow = (timezone.now() + timedelta(days=1)).isoformat()
    assert numbers(f"created_from={tomorrow.replace('+', '%2B')}") == []
    assert len(numbers("channel=portal&sort=created")) == 3


def test_cursor_pages_through_every_ticket_once(api_as, anna, tomasz, open_ticket_for):
    opened = {open_ticket_for(anna, f"Zgłoszenie {i}").number for i in range(7)}
    api = api_as(tomasz)
    seen: list[int] = []
    url = "/api/v1/tickets?limit=3&sort=-number"
    while url:
        body = api.get(url).json()
        seen += [t["number"] for t in body["items"]]
        url = (
            body["next_cursor"]
            and f"/api/v1/tickets?limit=3&sort=-number&cursor={body['next_cursor']}"
        )
    assert seen == sorted(opened, reverse=True)


def test_tampered_cursor_and_unknown_sort_are_400(api_as, tomasz):
    api = api_as(tomasz)
    assert api.get("/api/v1/tickets?cursor=abc").json()["code"] == "invalid_cursor"
    response = api.get("/api/v1/tickets?sort=subject")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_sort"


def test_list_runs_a_fixed_number_of_queries(
    api_as, anna, tomasz, service_desk, open_ticket_for, django_assert_max_num_queries
):
    for i in range(12):
        open_ticket_for(anna, f"Zgłoszenie {i}", team=service_desk, tags=["a", "b"])
    api = api_as(tomasz)
    api.get("/api/v1/users/me")  # token's last-used time is written once a minute
    with django_assert_max_num_queries(6):
        response = api.get("/api/v1/tickets?limit=50")
    assert len(response.json()["items"]) == 12


def test_customer_list_is_their_portal_scope(api_as, anna, adam, bara, open_ticket_for):
    mine = open_ticket_for(adam, "Moje")
    colleague = open_ticket_for(anna, "Anny")
    open_ticket_for(bara, "Cizí")
    adam_sees = {
        t["number"] for t in api_as(adam).get("/api/v1/tickets").json()["items"]
    }
    anna_sees = {
        t["number"] for t in api_as(anna).get("/api/v1/tickets").json()["items"]
    }
    assert adam_sees == {mine.number}
    assert anna_sees == {mine.number, colleague.number}


def test_customer_filter_on_agent_fields_reveals_nothing(
    api_as, adam, service_desk, open_ticket_for
):
    open_ticket_for(adam, "Moje", team=service_desk)
    response = api_as(adam).get(f"/api/v1/tickets?team={service_desk.pk + 1000}")
    assert len(response.json()["items"]) == 1


def test_messages_status_reply(api_as, anna, tomasz, open_ticket_for):
    ticket = open_ticket_for(anna)
    response = _json(
        api_as(tomasz),
        "post",
        f"/api/v1/tickets/{ticket.number}/messages",
        {
            "kind": "reply",
            "body_text": "Proszę zrestartować.",
            "status": "waiting_customer",
        },
    )
    assert response.status_code == 201
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_CUSTOMER
    assert ticket.messages.last().kind == MessageKind.REPLY


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("created_to=0.5", "created_to"),
        ("updated_from=soon", "updated_from"),
        ("assignee=nobody", "assignee"),
        ("breached=perhaps", "breached"),
    ],
)
def test_a_bad_filter_value_is_a_422_with_the_fields_message(
    api_as, tomasz, query, field
):
    for url in ("/api/v1/tickets", "/api/v1/search?q=vpn"):
        sep = "&" if "?" in url else "?"
        response = api_as(tomasz).get(f"{url}{sep}{query}")
        assert response.status_code == 422, (url, response.content)
        body = response.json()
        assert body["code"] == "validation_error"
        [error] = body["errors"]
        assert error["loc"] == ["query", field]
        assert error["msg"]


def test_the_api_lists_tickets_with_the_desks_filter_language(
    api_as, tomasz, open_ticket_for, adam, service_desk
):
    from podpora.automation.models import TicketSla

    late = open_ticket_for(adam, "Late", team=service_desk)
    fresh = open_ticket_for(adam, "Fresh", team=service_desk)
    TicketSla.objects.update_or_create(
        ticket=late, defaults={"resolution_breached": True}
    )
    api = api_as(tomasz)

    def numbers(query: str) -> set[int]:
        response = api.get(f"/api/v1/tickets?{query}")
        assert response.status_code == 200, response.content
        return {t["number"] for t in response.json()["items"]}

    assert numbers("breached=1") == {late.number}
    assert numbers("breached=0&team=mine") == {fresh.number}
    assert numbers("updated_from=1d") == {late.number, fresh.number}
    assert numbers("created_to=2000-01-01") == set()
    assert numbers("q=fresh") == {fresh.number}
