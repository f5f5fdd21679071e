"""Every hand-made mail in tests/mail/corpus lands where a person expects it."""

import json

import pytest

from podpora.mail import intake
from podpora.mail.models import InboundState
from podpora.tickets.models import MessageKind, Ticket, TicketLink

from .conftest import CORPUS

EXPECTED = json.loads((CORPUS / "expected.json").read_text())
STATES = {
    "failed": InboundState.FAILED,
    "held": InboundState.HELD,
    "ignored": InboundState.IGNORED,
}


def test_corpus_has_at_least_sixty_mails():
    assert len(list(CORPUS.glob("*.eml"))) >= 60
    assert set(EXPECTED) == {p.name for p in CORPUS.glob("*.eml")}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_mail_becomes_the_expected_ticket(name, world, settings):
    settings.PODPORA_MAX_ATTACHMENT_BYTES = 20_000
    expect = EXPECTED[name]
    mailbox = world.strict if expect.get("mailbox") == "strict" else world.support
    tickets_before = set(Ticket.objects.values_list("pk", flat=True))

    inbound = intake.receive(mailbox, world.fill((CORPUS / name).read_bytes()))

    thread = expect["thread"]
    assert inbound.raw.size > 0, "the raw mail is always kept"
    if thread in STATES:
        assert inbound.state == STATES[thread], inbound.reason
        assert inbound.reason
        if "reason" in expect:
            assert expect["reason"] in inbound.reason.lower()
        assert set(Ticket.objects.values_list("pk", flat=True)) == tickets_before
        return
    assert inbound.state == InboundState.PROCESSED, inbound.reason
    message = inbound.message
    ticket = message.ticket
    new_tickets = set(Ticket.objects.values_list("pk", flat=True)) - tickets_before
    if thread == "open":
        assert ticket.pk == world.open_ticket.pk
        assert not new_tickets
        if "reason" in expect:
            assert expect["reason"] in message.thread_reason
    elif thread == "new":
        assert new_tickets == {ticket.pk}
        assert bool(message.data["mail"].get("ignored_tag")) == bool(
            expect.get("ignored_tag")
        )
    elif thread == "closed-followup":
        assert new_tickets == {ticket.pk}
        assert TicketLink.objects.filter(
            source=world.closed_ticket, target=ticket
        ).exists()
        assert message.data["mail"]["follow_up_of"] == world.closed_ticket.number
    if "requester" in expect:
        assert ticket.requester.email == expect["requester"]
    if "organization" in expect:
        assert expect["organization"] in ticket.organization.name
    if "subject" in expect:
        assert ticket.subject == expect["subject"]
    if "subject_contains" in expect:
        assert expect["subject_contains"] in ticket.subject
        assert len(ticket.subject) <= 255
    assert expect["text"] in message.body_text
    for unwanted in expect.get("text_excludes", []):
        assert unwanted not in message.body_text
    if "html_contains" in expect:
        assert expect["html_contains"] in message.body_html
    for unwanted in expect.get("html_excludes", []):
        assert unwanted not in message.body_html
    names = sorted(a.original_name for a in message.attachments.all())
    assert names == sorted(expect.get("attachments", []))
    inline = sorted(a.original_name for a in message.attachments.all() if a.is_inline)
    assert inline == sorted(expect.get("inline", []))
    assert message.is_automatic == expect.get("automatic", False)
    assert message.kind == expect.get("kind", MessageKind.CUSTOMER)
    if "cc" in expect:
        assert sorted(ticket.cc.values_list("email", flat=True)) == sorted(expect["cc"])
    if "problem" in expect:
        assert any(expect["problem"] in p for p in inbound.problems)
