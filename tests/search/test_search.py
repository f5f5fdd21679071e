"""Search finds Polish and Czech words however they are typed or inflected,
on whichever engine the tests run (SQLite FTS5 or PostgreSQL)."""

import pytest

from podpora.search.services import search
from podpora.tickets import services
from podpora.tickets.models import Status

pytestmark = pytest.mark.django_db


def _numbers(user, query, **filters) -> list[int]:
    return [hit.ticket.number for hit in search(user, query, **filters).hits]


@pytest.mark.parametrize(
    ("stored", "query"),
    [
        ("Żółty ekran po aktualizacji", "zolty"),
        ("Żółty ekran po aktualizacji", "ŻÓŁTY"),
        ("Je to příliš pomalé", "prilis"),
        ("Nie dostaliśmy faktury za październik", "faktura"),
        ("Problem z fakturou korygującą", "faktura"),
        ("Faktura nie dotarła", "faktury"),
        ("Łódź: serwer nie odpowiada", "lodz"),
        ("Tiskárna v kanceláři nefunguje", "tiskarny"),
        ("Drukarka drukuje puste strony", "druk"),
    ],
)
def test_search_folds_accents_and_tolerates_endings(
    tomasz, anna, open_ticket_for, stored, query
):
    wanted = open_ticket_for(anna, stored, body_text="Szczegóły w treści.")
    open_ticket_for(anna, "Zupełnie inna sprawa", body_text="Nic wspólnego.")
    assert _numbers(tomasz, query) == [wanted.number]


def test_search_finds_text_in_the_thread_and_highlights_it(
    tomasz, anna, open_ticket_for
):
    ticket = open_ticket_for(
        anna, "Pytanie", body_text="Od wczoraj nie działa skaner w magazynie."
    )
    results = search(tomasz, "skanerem magazyn")
    assert [h.ticket for h in results.hits] == [ticket]
    assert "<mark>skaner</mark>" in results.hits[0].snippet_html
    assert "<mark>magazynie</mark>" in results.hits[0].snippet_html


def test_every_word_must_match(tomasz, anna, open_ticket_for):
    open_ticket_for(anna, "Drukarka", body_text="Brak papieru.")
    both = open_ticket_for(anna, "Drukarka", body_text="Brak tonera.")
    assert _numbers(tomasz, "drukarka toner") == [both.number]


def test_search_by_number_requester_email_organisation_tag_and_file_name(
    tomasz, anna, bara, open_ticket_for
):
    ticket = open_ticket_for(
        anna,
        "Sieć",
        tags=["vpn-klient"],
        files=[services.IncomingFile("raport_błędów.pdf", b"%PDF-1.4")],
    )
    other = open_ticket_for(bara, "Síť nefunguje")
    assert _numbers(tomasz, f"#{ticket.number}") == [ticket.number]
    assert _numbers(tomasz, "anna@kowalski.pl") == [ticket.number]
    assert _numbers(tomasz, "Kowalska") == [ticket.number]
    assert _numbers(tomasz, "Logistyka") == [ticket.number]
    assert _numbers(tomasz, "Strojírny") == [other.number]
    assert _numbers(tomasz, "vpn") == [ticket.number]
    assert _numbers(tomasz, "raport bledow") == [ticket.number]


def test_subject_hits_rank_first_then_newest(tomasz, anna, open_ticket_for):
    old_subject = open_ticket_for(anna, "Faktura za serwis", body_text="x")
    newer_body = open_ticket_for(anna, "Pytanie", body_text="Gdzie jest faktura?")
    newest_body = open_ticket_for(anna, "Inne pytanie", body_text="Faktury brak.")
    assert _numbers(tomasz, "faktura") == [
        old_subject.number,
        newest_body.number,
        newer_body.number,
    ]


def test_index_follows_replies_notes_and_subject_changes(tomasz, anna, open_ticket_for):
    ticket = open_ticket_for(anna, "Drukarka", body_text="Nie drukuje.")
    assert _numbers(tomasz, "toner") == []
    services.add_reply(ticket, author=tomasz, body_text="Wymieniliśmy toner.")
    assert _numbers(tomasz, "toner") == [ticket.number]
    services.update_ticket(ticket, actor=tomasz, subject="Kserokopiarka")
    assert _numbers(tomasz, "kserokopiarki") == [ticket.number]
    assert _numbers(tomasz, "drukarka") == []


def test_customer_matches_only_the_public_thread(tomasz, anna, adam, open_ticket_for):
    ticket = open_ticket_for(adam, "Monitor", body_text="Monitor miga.")
    services.add_note(ticket, author=tomasz, body_text="Klient nie zapłacił faktury")
    services.update_ticket(ticket, actor=tomasz, tags=["windykacja"])
    assert _numbers(tomasz, "zaplacil") == [ticket.number]
    assert _numbers(tomasz, "windykacja") == [ticket.number]
    assert _numbers(adam, "zaplacil") == []
    assert _numbers(adam, "windykacja") == []
    assert _numbers(adam, "monitor") == [ticket.number]
    snippet = search(anna, "monitor").hits[0].snippet_html
    assert "zapłacił" not in snippet


def test_search_is_scoped_to_what_the_person_may_see(
    anna, adam, bara, petra, service_desk, open_ticket_for
):
    a = open_ticket_for(adam, "Serwer pocztowy", team=service_desk)
    b = open_ticket_for(bara, "Poštovní server")
    assert _numbers(bara, "serwer") == [b.number] or _numbers(bara, "server") == [
        b.number
    ]
    assert _numbers(bara, "pocztowy") == []
    assert _numbers(anna, "pocztowy") == [a.number]
    assert _numbers(petra, "pocztowy") == []  # Service Desk's ticket, not hers


def test_filters_combine_with_the_query(tomasz, anna, service_desk, open_ticket_for):
    urgent = open_ticket_for(anna, "VPN nie działa", priority=4, team=service_desk)
    open_ticket_for(anna, "VPN wolno działa", priority=1)
    services.update_ticket(urgent, actor=tomasz, status=Status.OPEN)
    assert _numbers(tomasz, "vpn", priority=[4]) == [urgent.number]
    assert _numbers(tomasz, "vpn", status=["open"], team=service_desk.pk) == [
        urgent.number
    ]
    assert _numbers(tomasz, "vpn", status=["closed"]) == []


def test_merged_tickets_are_reindexed(tomasz, anna, open_ticket_for):
    target = open_ticket_for(anna, "Drukarka", body_text="Pierwsze")
    source = open_ticket_for(anna, "Drukarka 2", body_text="Zacina się papier")
    services.merge_tickets(source, target, actor=tomasz)
    assert target.number in _numbers(tomasz, "zacina papier")


def test_query_without_words_finds_nothing_and_breaks_nothing(
    tomasz, anna, open_ticket_for
):
    open_ticket_for(anna)
    for query in ["", "   ", "&|!:*()\"'", "a:*", "{title}: x", "NEAR(a b)"]:
        search(tomasz, query)


def test_pages_run_through_subject_hits_then_the_rest_without_gaps(
    tomasz, anna, open_ticket_for
):
    body_hits = [
        open_ticket_for(anna, f"Pytanie {i}", body_text="Gdzie faktura?")
        for i in range(3)
    ]
    title_hits = [
        open_ticket_for(anna, f"Faktura {i}", body_text="x") for i in range(3)
    ]
    pages = [
        [h.ticket.number for h in search(tomasz, "faktura", page=p, page_size=2).hits]
        for p in (1, 2, 3, 4)
    ]
    expected = [t.number for t in reversed(title_hits)] + [
        t.number for t in reversed(body_hits)
    ]
    assert pages == [expected[0:2], expected[2:4], expected[4:6], []]
    assert search(tomasz, "faktura", page=2, page_size=2).has_more
    assert not search(tomasz, "faktura", page=3, page_size=2).has_more


@pytest.mark.parametrize(
    ("stored", "query"),
    [
        ("Drukarka na drugim piętrze", "drukarce"),
        ("Drukarka na drugim piętrze", "drukarkami"),
        ("Problem z drukarkami sieciowymi", "drukarka"),
        ("Papier zaciął się w drukarce", "drukarki"),
        ("Tiskárně došel toner", "tiskárna"),
        ("Nie dostałem faktury", "fakturze"),
        ("Chyba ve faktuře", "faktura"),
        ("The office printer is offline", "printers"),
        ("Wi-Fi nie działa w sali", "wifi"),
        ("Wi-Fi nie działa w sali", "wi fi"),
        ("Brak wifi od rana", "Wi-Fi"),
        ("Nie dochodzi e-mail z banku", "email"),
        ("Nie dochodzi email z banku", "e-mail"),
    ],
)
def test_search_finds_other_word_forms_and_spellings(
    tomasz, anna, open_ticket_for, stored, query
):
    wanted = open_ticket_for(anna, "Zgłoszenie", body_text=stored)
    open_ticket_for(anna, "Zupełnie inna sprawa", body_text="Druk i wydruk, fakt.")
    assert _numbers(tomasz, query) == [wanted.number]
    assert not search(tomasz, query).fuzzy


def test_a_word_does_not_find_its_shorter_relatives(tomasz, anna, open_ticket_for):
    open_ticket_for(anna, "Druk dokumentów", body_text="Wydruk trwa długo, to fakt.")
    assert _numbers(tomasz, "drukarka") == []
    assert _numbers(tomasz, "faktura") == []


def test_a_hyphenated_word_is_highlighted_for_its_joined_spelling(
    tomasz, anna, open_ticket_for
):
    open_ticket_for(anna, "Wi-Fi nie działa", body_text="x")
    (hit,) = search(tomasz, "wifi").hits
    assert hit.title_html == "<mark>Wi-Fi</mark> nie działa"


def test_a_typo_is_forgiven_on_either_engine(tomasz, anna, open_ticket_for):
    ticket = open_ticket_for(anna, "Drukarka w recepcji", body_text="Brak tonera.")
    open_ticket_for(anna, "Monitor miga", body_text="x")
    results = search(tomasz, "drukrka")
    assert results.fuzzy
    assert [h.ticket for h in results.hits] == [ticket]


def test_a_typo_in_the_thread_is_forgiven_on_sqlite_only_for_what_the_person_sees(
    tomasz, anna, open_ticket_for
):
    from django.db import connection

    ticket = open_ticket_for(anna, "Pytanie", body_text="Skaner w magazynie.")
    services.add_note(
        ticket, author=tomasz, body_text="Kontrahent Brzęczyszczykiewicz."
    )
    if connection.vendor == "sqlite":
        assert [h.ticket for h in search(tomasz, "magazine").hits] == [ticket]
    assert search(anna, "brzeczyszczykewicz").hits == []
