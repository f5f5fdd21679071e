"""Queue rows (``desk.rows``, ``desk/queue.html``) and the desk's frame:
what an agent sees must stay exactly what the data says, at once."""

import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from podpora.accounts.models import AgentRole, User
from podpora.automation.models import TicketSla
from podpora.tickets import services
from podpora.tickets.models import Priority, Status
from tests.desk.conftest import signed_in

pytestmark = pytest.mark.django_db


def _queue(client, slug="open", **params):
    return client.get(reverse("desk:queue", args=[slug]), params).text


def _row(text: str, ticket) -> str:
    """The table row of ``ticket`` in a queue page."""
    match = re.search(
        rf'<tr class="row [^"]*">(?:(?!</tr>).)*?#{ticket.number}</a>.*?</tr>',
        text,
        re.DOTALL,
    )
    assert match, f"no row for {ticket.reference}"
    return match.group(0)


def test_a_row_shows_every_column_of_its_ticket(
    sylwia, sylwia_client, tomasz, printer_ticket, service_desk
):
    services.update_ticket(
        printer_ticket,
        actor=sylwia,
        priority=Priority.HIGH,
        assignee=tomasz,
        tags=["Drukarka", "biuro"],
    )
    row = _row(_queue(sylwia_client), printer_ticket)
    url = reverse("desk:ticket", args=[printer_ticket.number])
    assert f'<a href="{url}">{printer_ticket.reference}</a>' in row
    assert f'<a href="{url}">Drukarka nie drukuje</a>' in row
    # Tags in name order, each a badge.
    assert (
        '<span class="badge tag">biuro</span> <span class="badge tag">drukarka</span>'
        in row
    )
    assert '<span class="status status-new">New</span>' in row
    assert '<span class="prio prio-3">High</span>' in row
    assert "Adam Nowak" in row
    assert "Kowalski Logistyka sp. z o.o." in row
    assert "<td>Service Desk</td>" in row
    assert "<td>Tomasz Wiśniewski</td>" in row
    assert f'aria-label="Select {printer_ticket.reference}"' in row


def test_a_row_shows_dates_in_the_agents_time_zone_and_language(sylwia, printer_ticket):
    sylwia.time_zone = "America/New_York"
    sylwia.language = "pl"
    sylwia.save()
    client = signed_in(sylwia)
    session = client.session
    session["podpora_language"] = "pl"
    session.save()
    local = timezone.localtime(
        printer_ticket.updated_at, timezone=ZoneInfo("America/New_York")
    )
    row = _row(_queue(client), printer_ticket)
    assert f'<time datetime="{local.isoformat()}"' in row
    assert local.strftime("%d.%m.%Y") in row  # Polish short date
    assert "<td>Nowe</td>" not in row
    assert ">Nowe</span>" in row
    assert '<span class="muted">Nikt</span>' in row  # no assignee


def test_a_changed_ticket_shows_at_once(sylwia, sylwia_client, tomasz, printer_ticket):
    _queue(sylwia_client)
    services.update_ticket(
        printer_ticket,
        actor=sylwia,
        subject="Drukarka drukuje puste strony",
        status=Status.WAITING_CUSTOMER,
        assignee=tomasz,
        tags=["toner"],
    )
    row = _row(_queue(sylwia_client), printer_ticket)
    assert "Drukarka drukuje puste strony" in row
    assert ">Waiting on customer</span>" in row
    assert "<td>Tomasz Wiśniewski</td>" in row
    assert '<span class="badge tag">toner</span>' in row


def test_renamed_people_teams_and_organisations_show_at_once(
    sylwia, sylwia_client, tomasz, adam, org_a, service_desk, printer_ticket
):
    services.assign(printer_ticket, tomasz, actor=sylwia)
    _queue(sylwia_client)
    # None of these changes touches the ticket itself.
    adam.full_name = "Adam Nowak-Kowalski"
    adam.save()
    tomasz.full_name = ""
    tomasz.save()
    org_a.name = "Kowalski Logistyka S.A."
    org_a.save()
    service_desk.name = "Pierwsza linia"
    service_desk.save()
    row = _row(_queue(sylwia_client), printer_ticket)
    assert "Adam Nowak-Kowalski" in row
    assert "Kowalski Logistyka S.A." in row
    assert "<td>Pierwsza linia</td>" in row
    # Without a name, the address stands in (as User.display_name).
    assert f"<td>{tomasz.email}</td>" in row


def test_everything_from_the_database_is_escaped(
    sylwia, sylwia_client, adam, printer_ticket
):
    services.update_ticket(
        printer_ticket,
        actor=sylwia,
        subject='<script>alert("s")</script>',
        tags=["<b>x</b>"],
    )
    adam.full_name = "<img src=x onerror=alert(1)>"
    adam.save()
    row = _row(_queue(sylwia_client), printer_ticket)
    assert "<script>" not in row
    assert "<img" not in row
    assert "<b>" not in row
    assert "&lt;script&gt;alert(&quot;s&quot;)&lt;/script&gt;" in row
    assert "&lt;img src=x onerror=alert(1)&gt;" in row
    assert '<span class="badge tag">&lt;b&gt;x&lt;/b&gt;</span>' in row


def test_rows_show_the_sla_badge_as_the_clock_runs(
    sylwia_client, printer_ticket, vpn_ticket, open_ticket_for, adam
):
    quiet = open_ticket_for(adam, "Bez terminu")
    now = timezone.now()
    TicketSla.objects.update_or_create(
        ticket=printer_ticket,
        defaults={"next_breach_at": now - timezone.timedelta(minutes=5)},
    )
    TicketSla.objects.update_or_create(
        ticket=vpn_ticket,
        defaults={"next_breach_at": now + timezone.timedelta(minutes=20)},
    )
    TicketSla.objects.update_or_create(
        ticket=quiet, defaults={"next_breach_at": now + timezone.timedelta(hours=5)}
    )
    text = _queue(sylwia_client)
    assert "sla-badge-breached" in _row(text, printer_ticket)
    assert "sla-badge-at-risk" in _row(text, vpn_ticket)
    assert "sla-badge" not in _row(text, quiet)


def test_an_agent_without_bulk_rights_gets_no_checkboxes(tomasz_client, printer_ticket):
    text = _queue(tomasz_client)
    assert 'type="checkbox"' not in _row(text, printer_ticket)
    assert 'id="bulk-action"' not in text


def test_column_heads_link_to_sorting_and_keep_the_filters(
    sylwia_client, printer_ticket
):
    text = _queue(sylwia_client, priority=2, sort="-number")
    assert (
        '<th scope="col" aria-sort="descending">'
        '<a href="?priority=2&amp;sort=number">Number ▼</a></th>'
    ) in text
    assert '<th scope="col"><a href="?priority=2&amp;sort=-subject">Subject</a>' in text
    text = _queue(sylwia_client, sort="updated")
    assert (
        '<th scope="col" aria-sort="ascending"><a href="?sort=-updated">Updated ▲</a>'
    ) in text


def test_sorting_links_keep_a_filter_that_needs_encoding(
    sylwia, sylwia_client, printer_ticket
):
    services.update_ticket(printer_ticket, actor=sylwia, tags=["biuro & dom"])
    text = _queue(sylwia_client, tag="biuro & dom", sort="number")
    assert _row(text, printer_ticket)
    assert '<a href="?tag=biuro+%26+dom&amp;sort=-number">Number ▲</a>' in text


def test_the_shared_top_bar_follows_each_agents_rights_and_language(
    sylwia, tomasz, printer_ticket
):
    reports = reverse("reports:dashboard")
    # Rendered once for the supervisor, then for an agent who may not see
    # the reports: the agent must not get the supervisor's links.
    assert f'href="{reports}"' in _queue(signed_in(sylwia))
    assert f'href="{reports}"' not in _queue(signed_in(tomasz))
    tomasz.language = "pl"
    tomasz.save()
    client = signed_in(tomasz)
    session = client.session
    session["podpora_language"] = "pl"
    session.save()
    text = _queue(client)
    assert "Skróty klawiszowe" in text  # the footer, in Polish
    assert 'placeholder="Ticket #"' not in text


def test_the_bulk_panel_lists_a_new_agent(sylwia, sylwia_client, printer_ticket):
    from django.core.cache import cache

    assert "Nowa Agentka" not in _queue(sylwia_client)
    User.objects.create_user(
        email="nowa@podpora.test",
        password="x",
        full_name="Nowa Agentka",
        agent_role=AgentRole.AGENT,
    )
    cache.clear()  # the agent list is cached for a minute
    text = _queue(sylwia_client)
    panel = text[
        text.index('id="bulk-assignee"') : text.index(
            "</select>", text.index('id="bulk-assignee"')
        )
    ]
    assert "Nowa Agentka" in panel


def test_a_breached_ticket_keeps_its_badge_after_the_sweep_marked_it(
    sylwia, sylwia_client, printer_ticket
):
    """Once the sweep records a breach, the clock is no longer the "next"
    deadline: the row must still say the ticket is past its SLA."""
    TicketSla.objects.update_or_create(
        ticket=printer_ticket,
        defaults={"first_response_breached": True, "next_breach_at": None},
    )
    row = _row(_queue(sylwia_client), printer_ticket)
    assert '<span class="badge sla-badge-breached"' in row
    assert ">Breached</span>" in row
    sylwia.language = "pl"
    sylwia.save()
    client = signed_in(sylwia)
    session = client.session
    session["podpora_language"] = "pl"
    session.save()
    assert ">Po terminie</span>" in _row(_queue(client), printer_ticket)
