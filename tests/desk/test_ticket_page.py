import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from podpora.tickets import services
from podpora.tickets.models import (
    Message,
    MessageKind,
    Priority,
    Status,
    Ticket,
    TicketLink,
)
from tests.desk.conftest import signed_in

pytestmark = pytest.mark.django_db


def _url(name, ticket, *args):
    return reverse(f"desk:{name}", args=[ticket.number, *args])


def test_ticket_page_shows_thread_kinds_distinctly(
    tomasz, tomasz_client, printer_ticket
):
    services.add_reply(printer_ticket, author=tomasz, body_text="Proszę zrestartować.")
    services.add_note(printer_ticket, author=tomasz, body_text="Toner się kończy.")
    services.add_system_message(printer_ticket, body_text="Mail bounced.")
    text = tomasz_client.get(_url("ticket", printer_ticket)).text
    for css in ("msg-customer", "msg-reply", "msg-note", "msg-system"):
        assert css in text
    assert text.index("Od rana drukarka") < text.index("Proszę zrestartować.")
    assert text.index("Proszę zrestartować.") < text.index("Toner się kończy.")
    assert "Internal note" in text
    assert "Public reply" in text


def test_agent_of_another_team_gets_404_on_ticket(petra, printer_ticket):
    assert signed_in(petra).get(_url("ticket", printer_ticket)).status_code == 404


def test_reply_with_attachment_and_status_and_time(tomasz_client, printer_ticket):
    response = tomasz_client.post(
        _url("ticket_reply", printer_ticket),
        {
            "body": "Sterownik zaktualizowany.",
            "status": Status.WAITING_CUSTOMER,
            "time_spent": "15",
            "version": printer_ticket.version,
            "files": [SimpleUploadedFile("log.txt", b"printer log", "text/plain")],
        },
    )
    assert response.status_code == 302
    printer_ticket.refresh_from_db()
    assert printer_ticket.status == Status.WAITING_CUSTOMER
    reply = printer_ticket.messages.get(kind=MessageKind.REPLY)
    assert reply.time_spent_minutes == 15
    assert reply.attachments.get().original_name == "log.txt"
    page = tomasz_client.get(_url("ticket", printer_ticket)).text
    assert "log.txt" in page
    assert reverse("tickets:attachment", args=[reply.attachments.get().pk]) in page
    assert "15 minutes" in page


def test_reply_after_someone_else_changed_ticket_warns_and_keeps_text(
    tomasz, sylwia, tomasz_client, printer_ticket
):
    loaded_version = printer_ticket.version
    loaded_at = time.time() - 0.001
    services.update_ticket(printer_ticket, actor=sylwia, priority=Priority.URGENT)
    response = tomasz_client.post(
        _url("ticket_reply", printer_ticket),
        {
            "body": "Mój długi tekst odpowiedzi",
            "version": loaded_version,
            "loaded_at": loaded_at,
        },
    )
    assert response.status_code == 409
    assert "Someone changed this ticket since you opened it." in response.text
    assert (
        "<li>Sylwia Zielińska changed priority: Normal → Urgent</li>" in response.text
    )
    assert "Mój długi tekst odpowiedzi" in response.text
    assert 'name="force" value="1"' in response.text
    assert not Message.objects.filter(kind=MessageKind.REPLY).exists()

    printer_ticket.refresh_from_db()
    response = tomasz_client.post(
        _url("ticket_reply", printer_ticket),
        {
            "body": "Mój długi tekst odpowiedzi",
            "version": loaded_version,
            "force": "1",
        },
    )
    assert response.status_code == 302
    assert Message.objects.filter(
        kind=MessageKind.REPLY, body_text="Mój długi tekst odpowiedzi"
    ).exists()


def test_empty_reply_is_refused_with_a_message(tomasz_client, printer_ticket):
    response = tomasz_client.post(
        _url("ticket_reply", printer_ticket),
        {"body": "", "version": printer_ticket.version},
    )
    assert response.status_code == 400
    assert "This field is required." in response.text


def test_reply_to_closed_ticket_shows_service_error(
    tomasz, tomasz_client, printer_ticket
):
    services.close_ticket(printer_ticket, actor=tomasz)
    printer_ticket.refresh_from_db()
    response = tomasz_client.post(
        _url("ticket_reply", printer_ticket),
        {"body": "Hello", "version": printer_ticket.version},
    )
    assert response.status_code == 400
    assert "The ticket is closed" in response.text


def test_note_with_mention_notifies_the_colleague(
    tomasz, sylwia, tomasz_client, printer_ticket
):
    response = tomasz_client.post(
        _url("ticket_note", printer_ticket),
        {"body": "@Sylwia Zielińska please check the toner order", "time_spent": "5"},
        follow=True,
    )
    note = Message.objects.get(kind=MessageKind.NOTE)
    assert note.data["mentions"] == [sylwia.pk]
    assert note.time_spent_minutes == 5
    assert "Sylwia Zielińska will be notified" in response.text


def test_change_properties_records_history_in_words(
    tomasz, tomasz_client, printer_ticket, infrastructure
):
    response = tomasz_client.post(
        _url("ticket_update", printer_ticket),
        {
            "status": Status.OPEN,
            "priority": Priority.URGENT,
            "team": printer_ticket.team_id,
            "assignee": tomasz.pk,
            "tier": 1,
            "category": "",
            "tags": "Printer, Floor 2",
            "cc": "anna@kowalski.pl",
            "remote_session_id": "AnyDesk 123 456 789",
            "version": printer_ticket.version,
        },
    )
    assert response.status_code == 302
    printer_ticket.refresh_from_db()
    assert printer_ticket.priority == Priority.URGENT
    assert printer_ticket.assignee == tomasz
    assert printer_ticket.remote_session_id == "AnyDesk 123 456 789"
    assert sorted(printer_ticket.tags.values_list("name", flat=True)) == [
        "floor 2",
        "printer",
    ]
    assert list(printer_ticket.cc.values_list("email", flat=True)) == [
        "anna@kowalski.pl"
    ]
    text = tomasz_client.get(_url("ticket", printer_ticket)).text
    assert "Tomasz Wiśniewski changed priority: Normal → Urgent" in text
    assert "Tomasz Wiśniewski changed assignee: none → Tomasz Wiśniewski" in text
    assert "Tomasz Wiśniewski changed status: New → Open" in text


def test_properties_change_through_htmx_returns_the_panel(
    tomasz_client, printer_ticket
):
    response = tomasz_client.post(
        _url("ticket_update", printer_ticket),
        {
            "status": Status.OPEN,
            "priority": Priority.HIGH,
            "team": printer_ticket.team_id,
            "assignee": "",
            "tier": 1,
            "version": printer_ticket.version,
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'id="properties"' in response.text
    assert "Saved." in response.text
    assert "<html" not in response.text


def test_properties_conflict_keeps_choices_and_offers_save_anyway(
    sylwia, tomasz_client, printer_ticket
):
    old_version = printer_ticket.version
    services.update_ticket(printer_ticket, actor=sylwia, tags=["x"])
    response = tomasz_client.post(
        _url("ticket_update", printer_ticket),
        {
            "status": Status.OPEN,
            "priority": Priority.HIGH,
            "tier": 1,
            "remote_session_id": "TV-42",
            "version": old_version,
        },
    )
    assert response.status_code == 409
    assert "Save anyway" in response.text
    assert 'value="TV-42"' in response.text
    printer_ticket.refresh_from_db()
    assert printer_ticket.priority == Priority.NORMAL


def test_assign_to_me(tomasz, tomasz_client, printer_ticket):
    tomasz_client.post(_url("ticket_take", printer_ticket))
    printer_ticket.refresh_from_db()
    assert printer_ticket.assignee == tomasz


def test_escalate_requires_a_hand_over_note(tomasz_client, printer_ticket):
    response = tomasz_client.post(_url("ticket_escalate", printer_ticket), {"note": ""})
    assert response.status_code == 400
    printer_ticket.refresh_from_db()
    assert printer_ticket.tier == 1


def test_escalate_moves_ticket_to_second_line(
    tomasz_client, printer_ticket, infrastructure
):
    response = tomasz_client.post(
        _url("ticket_escalate", printer_ticket),
        {"note": "Restart did not help; the print server looks down."},
    )
    assert response.status_code == 302
    printer_ticket.refresh_from_db()
    assert printer_ticket.tier == 2
    assert printer_ticket.team == infrastructure
    # Tomasz is not in Infrastructure: he is sent back to his queues.
    assert response["Location"] == reverse("desk:home")


def test_merge_into_another_ticket_by_number(
    sylwia_client, printer_ticket, open_ticket_for, adam
):
    other = open_ticket_for(adam, "Drukarka znowu")
    response = sylwia_client.post(
        _url("ticket_merge", other), {"number": printer_ticket.number}
    )
    assert response["Location"] == _url("ticket", printer_ticket)
    other.refresh_from_db()
    assert other.merged_into == printer_ticket
    assert other.status == Status.CLOSED
    text = sylwia_client.get(_url("ticket", printer_ticket)).text
    assert f"merged #{other.number} into this ticket" in text


def test_merge_into_unknown_number_is_refused(sylwia_client, printer_ticket):
    response = sylwia_client.post(
        _url("ticket_merge", printer_ticket), {"number": 987654}, follow=True
    )
    assert "No ticket with that number" in response.text


def test_merge_into_ticket_agent_cannot_see_is_refused(
    tomasz_client, printer_ticket, open_ticket_for, bara, infrastructure
):
    hidden = open_ticket_for(bara, "Hidden", team=infrastructure)
    tomasz_client.post(_url("ticket_merge", printer_ticket), {"number": hidden.number})
    printer_ticket.refresh_from_db()
    assert printer_ticket.merged_into is None


def test_link_parent_and_related(sylwia_client, printer_ticket, vpn_ticket):
    sylwia_client.post(
        _url("ticket_link", printer_ticket),
        {"number": vpn_ticket.number, "kind": "parent"},
    )
    link = TicketLink.objects.get()
    assert (link.source, link.target, link.kind) == (
        vpn_ticket,
        printer_ticket,
        "parent",
    )
    text = sylwia_client.get(_url("ticket", printer_ticket)).text
    assert f'Parent: <a href="{_url("ticket", vpn_ticket)}">' in text


def test_split_a_customer_message_off(tomasz, adam, tomasz_client, printer_ticket):
    extra = services.add_customer_message(
        printer_ticket, author=adam, body_text="A jeszcze monitor miga."
    )
    response = tomasz_client.post(
        _url("ticket_split", printer_ticket),
        {"message": extra.pk, "subject": "Monitor miga"},
    )
    new = Ticket.objects.get(subject="Monitor miga")
    assert response["Location"] == _url("ticket", new)
    assert new.messages.get().body_text == "A jeszcze monitor miga."


def test_split_message_of_another_ticket_is_404(
    tomasz_client, printer_ticket, vpn_ticket
):
    foreign = vpn_ticket.messages.get()
    response = tomasz_client.post(
        _url("ticket_split", printer_ticket), {"message": foreign.pk}
    )
    assert response.status_code == 404


def test_watch_and_unwatch(tomasz, tomasz_client, printer_ticket):
    tomasz_client.post(_url("ticket_watch", printer_ticket), {"watching": "1"})
    assert printer_ticket.watchers.filter(pk=tomasz.pk).exists()
    assert "Stop watching" in tomasz_client.get(_url("ticket", printer_ticket)).text
    tomasz_client.post(_url("ticket_watch", printer_ticket), {"watching": "0"})
    assert not printer_ticket.watchers.filter(pk=tomasz.pk).exists()


def test_thread_partial_for_htmx_refresh(tomasz_client, printer_ticket):
    response = tomasz_client.get(_url("ticket_thread", printer_ticket))
    assert response.status_code == 200
    assert response.text.strip().startswith('<ol id="thread"')


def test_ticket_page_queries_do_not_grow_with_thread(
    tomasz, tomasz_client, printer_ticket, django_assert_max_num_queries
):
    services.add_reply(printer_ticket, author=tomasz, body_text="one")
    with django_assert_max_num_queries(20) as few:
        tomasz_client.get(_url("ticket", printer_ticket))
    for i in range(10):
        services.add_note(printer_ticket, author=tomasz, body_text=f"note {i}")
        services.add_reply(
            printer_ticket,
            author=tomasz,
            body_text=f"reply {i}",
            files=[services.IncomingFile(f"f{i}.txt", b"x")],
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        tomasz_client.get(_url("ticket", printer_ticket))


def _add_messages(ticket, agent, customer, count):
    for i in range(count):
        if i % 2:
            services.add_customer_message(ticket, author=customer, body_text=f"{i}")
        else:
            services.add_note(ticket, author=agent, body_text=f"note {i}")


def test_ticket_page_reads_as_many_queries_with_30_messages_as_with_10(
    tomasz,
    adam,
    tomasz_client,
    printer_ticket,
    vpn_ticket,
    open_ticket_for,
    django_assert_max_num_queries,
):
    # Everything the page can show, so that each part's query is counted
    # (19 queries before the page's queries were folded; one more since the
    # page reads the agent's drafts).
    services.set_watching(printer_ticket, tomasz, watching=True)
    services.link_tickets(printer_ticket, vpn_ticket, kind="parent", actor=tomasz)
    other = open_ticket_for(adam, "Skaner", team=printer_ticket.team)
    services.link_tickets(other, printer_ticket, kind="related", actor=tomasz)
    _add_messages(printer_ticket, tomasz, adam, 9)
    # 18: the agent's drafts and the macro picker's list are two of them.
    with django_assert_max_num_queries(18) as ten:
        page = tomasz_client.get(_url("ticket", printer_ticket)).text
    assert printer_ticket.messages.count() == 10
    assert "Stop watching" in page
    assert f"{vpn_ticket.reference}</a>" in page
    assert f"{other.reference}</a>" in page
    _add_messages(printer_ticket, tomasz, adam, 20)
    assert printer_ticket.messages.count() == 30
    with django_assert_max_num_queries(len(ten.captured_queries)):
        tomasz_client.get(_url("ticket", printer_ticket))


def test_page_values_tags_cc_merged_tickets_and_links_both_ways(
    sylwia, adam, bara, printer_ticket, vpn_ticket, open_ticket_for
):
    from podpora.desk import selectors as page

    services.update_ticket(
        printer_ticket, actor=sylwia, tags=["zebra", "Alpha", "mid"], cc=[bara]
    )
    services.link_tickets(printer_ticket, vpn_ticket, kind="parent", actor=sylwia)
    other = open_ticket_for(adam, "Skaner", team=printer_ticket.team)
    services.link_tickets(other, printer_ticket, kind="related", actor=sylwia)
    merged = open_ticket_for(adam, "Drukarka znowu", team=printer_ticket.team)
    services.merge_tickets(merged, printer_ticket, actor=sylwia)
    printer_ticket.refresh_from_db()
    assert page.tag_names(printer_ticket) == ["alpha", "mid", "zebra"]
    assert page.cc_addresses(printer_ticket) == [bara.email]
    assert page.merged_numbers(printer_ticket) == [merged.number]
    assert [
        (label, t.number, t.subject) for label, t in page.links(printer_ticket)
    ] == [
        ("Child", vpn_ticket.number, "VPN nefunguje"),
        ("Related", other.number, "Skaner"),
    ]
    assert [(label, t.number) for label, t in page.links(vpn_ticket)] == [
        ("Parent", printer_ticket.number)
    ]


def test_forms_from_the_pages_lists_render_as_from_their_querysets(
    rf, tomasz, sylwia, infrastructure, printer_ticket
):
    from podpora.accounts.models import Team
    from podpora.desk.forms import EscalateForm, PropertiesForm, agents
    from podpora.desk.views import ticket as page
    from podpora.tickets.models import Category

    hardware = Category.objects.create(name="Hardware")
    Category.objects.create(name="Access")
    Category.objects.create(name="Old", is_active=False)
    Team.objects.create(name="Closed team", is_active=False)
    services.update_ticket(
        printer_ticket,
        actor=sylwia,
        team=infrastructure,
        assignee=tomasz,
        category=hardware,
    )
    printer_ticket.refresh_from_db()
    request = rf.get("/")
    request.user = sylwia
    context = page._context(request, printer_ticket)
    initial = context["properties_form"].initial
    plain = PropertiesForm(initial=initial, agent_list=list(agents()))
    assert str(context["properties_form"]) == str(plain)
    assert str(context["escalate_form"]) == str(EscalateForm())
    assert f'value="{infrastructure.pk}" selected' in str(plain["team"])


def test_ticket_page_has_integration_hooks_and_shortcuts(
    tomasz, tomasz_client, printer_ticket
):
    services.add_reply(printer_ticket, author=tomasz, body_text="Done.")
    text = tomasz_client.get(_url("ticket", printer_ticket)).text
    # Knowledge base: search from the reply box, and a reply turned into an article.
    assert "kb-reply-search" in text
    assert "kb-draft-from-message" in text
    # Satisfaction ratings in the sidebar.
    assert "survey-ticket-rating" in text
    assert 'accesskey="r"' in text
    assert 'accesskey="n"' in text
    assert 'id="id_body"' in text


ACTIONS = [
    "ticket_reply",
    "ticket_note",
    "ticket_update",
    "ticket_take",
    "ticket_escalate",
    "ticket_merge",
    "ticket_link",
    "ticket_split",
    "ticket_watch",
]


@pytest.mark.parametrize("action", ACTIONS)
def test_customers_and_other_teams_agents_get_404_on_every_ticket_action(
    adam, petra, printer_ticket, action
):
    for outsider in (adam, petra):
        response = signed_in(outsider).post(
            _url(action, printer_ticket), {"body": "x", "number": 1, "note": "x"}
        )
        assert response.status_code == 404, (outsider, action)
    assert printer_ticket.messages.count() == 1


def test_thread_and_canned_text_are_404_outside_the_scope(petra, printer_ticket):
    from podpora.desk.models import CannedReply

    reply = CannedReply.objects.create(title="Shared", body="Hi")
    client = signed_in(petra)
    assert client.get(_url("ticket_thread", printer_ticket)).status_code == 404
    assert (
        client.get(_url("ticket_canned", printer_ticket, reply.pk)).status_code == 404
    )


def test_properties_conflict_through_htmx_then_save_anyway(
    sylwia, tomasz_client, printer_ticket
):
    old_version = printer_ticket.version
    services.update_ticket(printer_ticket, actor=sylwia, tags=["x"])
    data = {
        "status": Status.OPEN,
        "priority": Priority.HIGH,
        "tier": 1,
        "tags": "x",
        "version": old_version,
        "loaded_at": time.time() - 5,
    }
    response = tomasz_client.post(
        _url("ticket_update", printer_ticket), data, HTTP_HX_REQUEST="true"
    )
    # htmx swaps only 2xx answers: the warning comes back as 200.
    assert response.status_code == 200
    assert "Save anyway" in response.text
    assert "Sylwia Zielińska changed tags: none → x" in response.text
    response = tomasz_client.post(
        _url("ticket_update", printer_ticket),
        {**data, "force": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert "Saved." in response.text
    printer_ticket.refresh_from_db()
    assert printer_ticket.priority == Priority.HIGH


def test_an_agent_moves_a_misthreaded_message_to_the_right_ticket(
    client, tomasz, adam, anna, open_ticket_for
):
    from podpora.tickets import services as ticket_services

    wrong = open_ticket_for(adam, "Drukarka")
    right = open_ticket_for(anna, "VPN")
    stray = ticket_services.add_customer_message(
        wrong, author=adam, body_text="A VPN nadal nie działa"
    )
    client.force_login(tomasz)
    response = client.post(
        reverse("desk:ticket_move_message", args=[wrong.number]),
        {"message": stray.pk, "number": right.number},
    )
    assert response.status_code == 302
    stray.refresh_from_db()
    assert stray.ticket == right
    page = client.get(reverse("desk:ticket", args=[right.number])).content.decode()
    assert "A VPN nadal nie działa" in page


def test_moving_a_message_to_a_ticket_one_cannot_see_is_refused(
    client, tomasz, adam, bara, infrastructure, open_ticket_for
):
    from podpora.tickets import services as ticket_services

    mine = open_ticket_for(adam, "Drukarka")
    hidden = open_ticket_for(bara, "Jiná věc", team=infrastructure)
    stray = ticket_services.add_customer_message(mine, author=adam, body_text="Dopisek")
    client.force_login(tomasz)
    client.post(
        reverse("desk:ticket_move_message", args=[mine.number]),
        {"message": stray.pk, "number": hidden.number},
    )
    stray.refresh_from_db()
    assert stray.ticket == mine


def test_a_reply_after_changing_the_panel_is_sent_without_a_conflict(
    tomasz_client, printer_ticket
):
    page = tomasz_client.get(_url("ticket", printer_ticket)).text
    reply_version = re.search(
        r'id="reply-version"><input type="hidden" name="version" value="(\d+)"', page
    ).group(1)
    response = tomasz_client.post(
        _url("ticket_update", printer_ticket),
        {
            "status": Status.OPEN,
            "priority": Priority.HIGH,
            "team": printer_ticket.team_id,
            "tier": 1,
            "version": reply_version,
        },
        HTTP_HX_REQUEST="true",
    )
    # The panel's answer gives the reply box the version after the change.
    printer_ticket.refresh_from_db()
    swapped = re.search(
        r'<span id="reply-version" hx-swap-oob="true">'
        r'<input type="hidden" name="version" value="(\d+)">',
        response.text,
    )
    assert swapped
    assert int(swapped.group(1)) == printer_ticket.version
    assert int(reply_version) < printer_ticket.version
    response = tomasz_client.post(
        _url("ticket_reply", printer_ticket),
        {"body": "Już działa?", "version": swapped.group(1)},
    )
    assert response.status_code == 302
    assert printer_ticket.messages.filter(kind=MessageKind.REPLY).exists()
