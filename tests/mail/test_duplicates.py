"""A Message-ID that comes again: the same mail is a duplicate, other content
under the same id is imported and noted on its ticket, never dropped."""

from podpora.mail import intake
from podpora.mail.models import InboundMail, InboundState, Mailbox
from podpora.tickets.models import Message, MessageKind, Ticket


def _mail(body: str, *, hop: str = "", extra: str = "", crlf: bool = False) -> bytes:
    text = (
        f"{hop}From: Adam Nowak <adam@kowalski.pl>\nTo: support@podpora.test\n{extra}"
        "Subject: Serwer nie odpowiada\nMessage-ID: <same@kowalski.pl>\n\n"
        f"{body}\n"
    )
    return (text.replace("\n", "\r\n") if crlf else text).encode()


def _notes(ticket: Ticket) -> list[str]:
    return list(
        ticket.messages.filter(kind=MessageKind.SYSTEM).values_list(
            "body_text", flat=True
        )
    )


def test_the_same_mail_through_another_address_and_relay_is_still_a_duplicate(
    support_mailbox, adam
):
    other = Mailbox.objects.create(name="it", kind="pipe", addresses="it@podpora.test")
    first = intake.receive(
        support_mailbox,
        _mail(
            "Serwer plików nie odpowiada.", hop="Delivered-To: support@podpora.test\n"
        ),
    )
    # Other transport headers, CRLF line ends, trailing blanks: the same mail.
    second = intake.receive(
        other,
        _mail(
            "Serwer plików nie odpowiada.   ",
            hop="Received: from mx2\nDelivered-To: it@podpora.test\n",
            crlf=True,
        ),
    )
    assert second.state == InboundState.DUPLICATE
    assert second.ticket_id == first.ticket_id
    assert Message.objects.count() == 1


def test_other_content_under_a_used_message_id_is_imported_and_noted(
    support_mailbox, adam
):
    first = intake.receive(support_mailbox, _mail("Serwer plików nie odpowiada."))
    second = intake.receive(
        support_mailbox,
        _mail("Teraz nie działa też drukarka w pokoju 12.", hop="Received: x\n"),
    )
    assert second.state == InboundState.PROCESSED
    assert second.ticket_id != first.ticket_id  # a new request, as its text says
    landed = Ticket.objects.get(pk=second.ticket_id)
    texts = list(landed.messages.values_list("body_text", flat=True))
    assert any("drukarka w pokoju 12" in t for t in texts)
    [note] = _notes(landed)
    assert "<same@kowalski.pl>" in note
    assert f"#{first.ticket.number}" in note
    # The first mail's content is untouched.
    assert "Serwer plików" in first.ticket.messages.get().body_text


def test_a_reply_with_a_reused_message_id_lands_on_its_thread_with_a_note(
    support_mailbox, adam
):
    opened = intake.receive(
        support_mailbox,
        _mail("Serwer plików nie odpowiada.").replace(b"same@", b"first@"),
    )
    intake.receive(
        support_mailbox,
        _mail("Dziękuję, już działa.", extra="In-Reply-To: <first@kowalski.pl>\n"),
    )
    reused = intake.receive(
        support_mailbox,
        _mail(
            "Jednak znowu nie działa.",
            extra="In-Reply-To: <first@kowalski.pl>\n",
        ),
    )
    assert reused.state == InboundState.PROCESSED
    assert reused.ticket_id == opened.ticket_id
    ticket = opened.ticket
    texts = "\n".join(ticket.messages.values_list("body_text", flat=True))
    assert "już działa" in texts
    assert "znowu nie działa" in texts
    assert len(_notes(ticket)) == 1


def test_a_batch_with_two_contents_under_one_message_id_keeps_both(
    support_mailbox, adam
):
    rows = intake.receive_batch(
        support_mailbox,
        [
            intake.Incoming(_mail("Serwer plików nie odpowiada.")),
            intake.Incoming(_mail("Serwer plików nie odpowiada.", hop="Received: y\n")),
            intake.Incoming(_mail("Drukarka też nie działa.", hop="Received: z\n")),
        ],
    )
    assert [r.state for r in rows] == [
        InboundState.PROCESSED,
        InboundState.DUPLICATE,
        InboundState.PROCESSED,
    ]
    texts = "\n".join(
        Message.objects.exclude(kind=MessageKind.SYSTEM).values_list(
            "body_text", flat=True
        )
    )
    assert "Serwer plików" in texts
    assert "Drukarka" in texts
    assert InboundMail.objects.count() == 3
