"""The sidebar's kept counts (``desk.counts``) always equal a direct count of
the tickets, whatever changed them."""

import threading

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.urls import reverse

from podpora.accounts.models import Team
from podpora.desk import counts, queues
from podpora.desk.models import QueueCount
from podpora.desk.views.queues import sidebar_teams
from podpora.tickets import services
from podpora.tickets.errors import TicketError
from podpora.tickets.models import Message, Status, Ticket


def assert_counts_exact() -> None:
    assert counts.stored() == counts.counted()


def direct_sidebar(user) -> dict[str, int]:
    """What the sidebar showed before the kept counts: each queue's own
    tickets, counted."""
    teams, team_ids = sidebar_teams(user)
    direct = {
        slug: queues.queue_tickets(user, q, team=None, team_ids=team_ids).count()
        for slug, q in queues.QUEUES.items()
    }
    for team in teams:
        direct[f"team-{team.pk}"] = queues.queue_tickets(
            user, None, team=team, team_ids=team_ids
        ).count()
    return direct


def sidebar(user) -> dict[str, int]:
    cache.clear()
    return queues.sidebar_counts(user, *sidebar_teams(user))


@pytest.fixture
def client_for(client):
    def signed_in(user):
        client.force_login(user)
        return client

    return signed_in


def test_counts_follow_every_kind_of_change(
    open_ticket_for,
    adam,
    bara,
    anna,
    sylwia,
    tomasz,
    petra,
    service_desk,
    infrastructure,
    client_for,
):
    printer = open_ticket_for(adam, "Drukarka", team=service_desk)
    vpn = open_ticket_for(bara, "VPN")  # no team
    disk = open_ticket_for(anna, "Dysk", team=infrastructure)
    duplicate = open_ticket_for(adam, "Drukarka znowu", team=service_desk)
    assert_counts_exact()

    services.assign(printer, tomasz, actor=tomasz)
    services.update_ticket(
        printer, actor=tomasz, status=Status.WAITING_CUSTOMER, priority=3
    )
    assert_counts_exact()
    # The customer's answer moves it back to open.
    services.add_customer_message(printer, author=adam, body_text="Nadal nie działa")
    assert_counts_exact()
    # Escalated: new team, and the assignee (not in Infrastructure) let go.
    services.escalate(printer, actor=tomasz, note="Sterownik")
    printer.refresh_from_db()
    assert printer.team == infrastructure
    assert printer.assignee is None
    assert_counts_exact()

    services.add_reply(vpn, author=sylwia, body_text="Sprawdzamy", status="resolved")
    services.customer_set_status(vpn, customer=bara, status=Status.OPEN)
    services.update_ticket(vpn, actor=sylwia, team=service_desk, assignee=petra)
    assert_counts_exact()

    services.merge_tickets(duplicate, printer, actor=sylwia)
    assert_counts_exact()
    message = (
        Message.objects.filter(ticket=printer, kind="customer").order_by("pk").last()
    )
    services.split_message(message, actor=sylwia, subject="Osobno")
    assert_counts_exact()

    # A change that fails, and one rolled back, leave the counts alone.
    services.close_ticket(disk, actor=sylwia)
    with pytest.raises(TicketError):
        services.change_status(disk, Status.WAITING_CUSTOMER, actor=sylwia)

    def assign_then_fail() -> None:
        with transaction.atomic():
            services.assign(vpn, tomasz, actor=sylwia)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        assign_then_fail()
    assert_counts_exact()

    # Bulk actions from the desk: one service call per ticket.
    client_for(sylwia).post(
        reverse("desk:bulk"),
        {"tickets": [printer.number, vpn.number], "action": "assign", "assignee": "me"},
    )
    client_for(sylwia).post(
        reverse("desk:bulk"),
        {
            "tickets": [printer.number, vpn.number, disk.number],
            "action": "status",
            "status": Status.WAITING_THIRD_PARTY,
        },
    )
    assert Ticket.objects.filter(status=Status.WAITING_THIRD_PARTY).count() == 2
    assert_counts_exact()
    assert QueueCount.objects.filter(tickets__lt=0).count() == 0


def test_the_sidebar_shows_what_the_queues_hold(
    open_ticket_for, adam, bara, sylwia, tomasz, petra, service_desk, infrastructure
):
    """For an agent, "visible" is an OR of his teams, no team, his own and
    watched tickets; each count must agree with the queue it stands for."""
    hidden = Team.objects.create(name="Zarząd")
    retired = Team.objects.create(name="Stary zespół", is_active=False)
    retired.agents.add(tomasz)  # still his tickets to see, but no queue of its own
    for team in (service_desk, infrastructure, hidden, retired, None):
        for i in range(2):
            open_ticket_for(adam, f"{team} {i}", team=team)
    mine_elsewhere = open_ticket_for(bara, "Przydzielony", team=hidden)
    services.assign(mine_elsewhere, tomasz, actor=sylwia)
    watched = [
        open_ticket_for(bara, "Obserwowany", team=hidden),
        open_ticket_for(bara, "Obserwowany, czeka", team=infrastructure),
        open_ticket_for(bara, "Obserwowany, Petry", team=hidden),
        open_ticket_for(bara, "Obserwowany, zamknięty", team=hidden),
        open_ticket_for(bara, "Obserwowany, swój", team=service_desk),
    ]
    services.change_status(watched[1], Status.WAITING_CUSTOMER, actor=sylwia)
    services.assign(watched[2], petra, actor=sylwia)
    services.close_ticket(watched[3], actor=sylwia)
    for ticket in watched:
        services.set_watching(ticket, tomasz, watching=True)
    services.change_status(
        open_ticket_for(adam, "Czeka", team=service_desk),
        Status.WAITING_THIRD_PARTY,
        actor=sylwia,
    )

    for user in (tomasz, petra, sylwia):
        assert sidebar(user) == direct_sidebar(user), user
    shown = sidebar(tomasz)
    # His team's 4 (one waiting, one watched), no team's 2, the retired
    # team's 2, and elsewhere his own and the open ones he watches (3).
    assert shown["open"] == 4 + 2 + 2 + 1 + 3
    assert shown["waiting"] == 2


def test_rebuild_counts_everything_again(open_ticket_for, adam, service_desk, tomasz):
    for i in range(3):
        open_ticket_for(adam, f"Zgłoszenie {i}", team=service_desk)
    QueueCount.objects.update(tickets=7)
    QueueCount.objects.create(team_id=999, assignee_id=0, status="new", tickets=3)
    assert counts.stored() != counts.counted()
    assert counts.rebuild() == 3
    assert_counts_exact()

    QueueCount.objects.all().delete()
    call_command("desk_recount", verbosity=0)
    assert_counts_exact()


def test_sample_data_is_counted(db):
    from podpora.core.sample_data import generate_tickets

    generate_tickets(40, seed=7)
    assert Ticket.objects.count() == 40
    assert_counts_exact()


def test_deleting_a_ticket_a_team_or_a_person_moves_the_counts(
    open_ticket_for, adam, sylwia, tomasz, petra, service_desk, infrastructure
):
    first = open_ticket_for(adam, "Pierwsze", team=service_desk)
    second = open_ticket_for(adam, "Drugie", team=infrastructure)
    services.assign(first, tomasz, actor=sylwia)
    services.assign(second, petra, actor=sylwia)
    open_ticket_for(adam, "Trzecie", team=infrastructure)

    Ticket.objects.filter(pk=second.pk).delete()
    assert_counts_exact()
    service_desk.delete()  # its tickets now have no team
    assert_counts_exact()
    tomasz.delete()  # his tickets now have no assignee
    assert_counts_exact()
    assert Ticket.objects.get(pk=first.pk).assignee is None


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite lets one writer at a time: nothing runs concurrently there",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_changes_all_add_up(open_ticket_for, adam, sylwia, service_desk):
    """Two agents move tickets between the same counts, in opposite
    directions, at the same time: no change is lost and nobody deadlocks."""
    tickets = [open_ticket_for(adam, f"Równolegle {i}") for i in range(12)]
    halves = (tickets[::2], tickets[1::2])
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def work(mine: list[Ticket], forwards: bool) -> None:
        try:
            start.wait()
            for round_ in range(3):
                for ticket in mine:
                    team = service_desk if (round_ % 2 == 0) == forwards else None
                    services.update_ticket(ticket, actor=sylwia, team=team)
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=work, args=(half, forwards))
        for half, forwards in zip(halves, (True, False), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert_counts_exact()
