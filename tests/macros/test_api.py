import pytest

from podpora.macros.models import Macro
from podpora.tickets.models import MessageKind, Priority, Status

pytestmark = pytest.mark.django_db


def test_an_agent_lists_shared_and_own_macros_only(
    api_as, tomasz, petra, ask_for_model
):
    Macro.objects.create(title="Tomasz's", note="x", owner=tomasz)
    Macro.objects.create(title="Petra's", note="x", owner=petra)
    response = api_as(tomasz).get("/api/v1/macros")
    assert response.status_code == 200
    titles = {m["title"]: m["shared"] for m in response.json()["items"]}
    assert titles == {ask_for_model.title: True, "Tomasz's": False}


def test_an_agent_applies_a_macro_through_the_api(
    api_as, printer_ticket, tomasz, ask_for_model
):
    response = api_as(tomasz).post(
        f"/api/v1/tickets/{printer_ticket.number}/macros/{ask_for_model.pk}",
        headers={"If-Match": f'"{printer_ticket.version}"'},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["priority"]) == (
        Status.WAITING_CUSTOMER,
        Priority.HIGH,
    )
    assert printer_ticket.messages.filter(kind=MessageKind.REPLY).exists()
    stale = api_as(tomasz).post(
        f"/api/v1/tickets/{printer_ticket.number}/macros/{ask_for_model.pk}",
        headers={"If-Match": f'"{printer_ticket.version}"'},
    )
    assert stale.status_code == 412


def test_customers_and_agents_out_of_scope_get_404(
    api_as, printer_ticket, adam, petra, ask_for_model
):
    url = f"/api/v1/tickets/{printer_ticket.number}/macros/{ask_for_model.pk}"
    assert api_as(adam).post(url).status_code == 404
    assert api_as(adam).get("/api/v1/macros").status_code == 404
    assert api_as(petra).post(url).status_code == 404
    assert not printer_ticket.messages.filter(kind=MessageKind.REPLY).exists()


def test_a_read_only_token_cannot_apply_a_macro(
    api_as, printer_ticket, tomasz, ask_for_model
):
    url = f"/api/v1/tickets/{printer_ticket.number}/macros/{ask_for_model.pk}"
    assert api_as(tomasz, scope="read").post(url).status_code == 403
