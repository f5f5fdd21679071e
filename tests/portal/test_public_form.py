import re
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from podpora.accounts.models import User
from podpora.portal import botcheck, links
from podpora.portal.models import PendingRequest
from podpora.portal.views.public import PUBLIC_CHALLENGE_AFTER
from podpora.tickets.models import Channel, Ticket
from tests.portal.conftest import aged_stamp, upload

pytestmark = pytest.mark.django_db

FORM = "/portal/request/"


def _data(**overrides):
    data = {
        "full_name": "Jan Nowicki",
        "email": "jan@example.org",
        "subject": "Nie mogę się zalogować",
        "description": "Od wczoraj hasło nie działa.",
        "website": "",
        "rendered": aged_stamp(),
    }
    data.update(overrides)
    return data


def _post(client, django_capture_on_commit_callbacks, **overrides):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(FORM, _data(**overrides))


def _main(response) -> str:
    # The page without its per-response CSRF token.
    return response.content.decode().split("<main", 1)[1].split("</main>", 1)[0]


def _link_in(message) -> str:
    return re.search(r"http://\S+/portal/t/\S+/", message.body).group(0)


def _token_in(message) -> str:
    return _link_in(message).rstrip("/").rsplit("/", 1)[1]


def _confirmation_path(message) -> str:
    return re.search(r"http://\S+?(/portal/request/confirm/\S+/)", message.body).group(
        1
    )


def _confirm(client, capture, message=None):
    """Open the confirmation mail's link and press its button."""
    path = _confirmation_path(message or mail.outbox[-1])
    with capture(execute=True):
        return client.post(path)


def _submit_and_confirm(client, capture, **overrides):
    _post(client, capture, **overrides)
    return _confirm(client, capture)


def test_a_person_without_an_account_confirms_by_mail_and_gets_a_follow_link(
    client, django_capture_on_commit_callbacks
):
    response = _post(
        client, django_capture_on_commit_callbacks, attachments=[upload("blad.png")]
    )
    assert response.status_code == 302
    assert not Ticket.objects.exists()  # nothing is opened before the address
    sent = client.get(response["Location"]).content.decode()
    assert "Check your e-mail" in sent
    assert "jan@example.org" in sent
    (confirmation,) = mail.outbox
    assert confirmation.to == ["jan@example.org"]
    # Mail scanners open links: opening it only asks.
    page = client.get(_confirmation_path(confirmation))
    assert page.status_code == 200
    assert "Yes, send my request" in page.content.decode()
    assert "Nie mogę się zalogować" not in page.content.decode()
    assert not Ticket.objects.exists()
    confirmed = _confirm(client, django_capture_on_commit_callbacks, confirmation)
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.PORTAL
    assert ticket.requester.email == "jan@example.org"
    assert ticket.requester.full_name == "Jan Nowicki"
    assert ticket.subject == "Nie mogę się zalogować"
    assert not ticket.requester.has_usable_password()
    assert ticket.attachments.get().original_name == "blad.png"
    assert not PendingRequest.objects.exists()
    # Straight to the ticket's page, and its link by mail for later.
    followed = client.get(confirmed["Location"])
    assert followed.status_code == 200
    assert ticket.reference in followed.content.decode()
    message = mail.outbox[1]
    assert message.to == ["jan@example.org"]
    assert ticket.reference in message.subject
    assert links.resolve(_token_in(message)).ticket == ticket
    assert message.alternatives[0].mimetype == "text/html"
    # The confirmation link works once.
    assert client.post(_confirmation_path(confirmation)).status_code == 410
    assert Ticket.objects.count() == 1


def test_a_sender_from_a_known_domain_joins_that_organisation(
    client, org_a, django_capture_on_commit_callbacks
):
    _submit_and_confirm(
        client, django_capture_on_commit_callbacks, email="nowy@kowalski.pl"
    )
    assert Ticket.objects.get().organization == org_a


def test_the_follow_link_shows_the_public_thread_and_takes_a_reply(
    client, tomasz, django_capture_on_commit_callbacks
):
    from podpora.tickets import services

    _submit_and_confirm(client, django_capture_on_commit_callbacks)
    ticket = Ticket.objects.get()
    services.add_reply(
        ticket, author=tomasz, body_text="Proszę zresetować hasło tutaj."
    )
    services.add_note(ticket, author=tomasz, body_text="TAJNE notatki")
    path = _link_in(mail.outbox[1]).split("127.0.0.1:8000", 1)[-1]
    visitor = client.__class__()
    page = visitor.get(path)
    html = page.content.decode()
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "same-origin"
    assert "no-store" in page["Cache-Control"]
    assert "Proszę zresetować hasło tutaj." in html
    assert "TAJNE" not in html
    response = visitor.post(
        path, {"body": "Dziękuję, działa!", "attachments": [upload("ok.png")]}
    )
    assert response.status_code == 302
    message = ticket.messages.last()
    assert message.body_text == "Dziękuję, działa!"
    assert message.author == ticket.requester
    assert message.attachments.get().original_name == "ok.png"
    visitor.post(path.rstrip("/") + "/status/", {"status": "resolved"})
    ticket.refresh_from_db()
    assert ticket.status == "resolved"


def test_a_filled_honeypot_looks_accepted_but_opens_nothing(
    client, django_capture_on_commit_callbacks
):
    response = _post(
        client, django_capture_on_commit_callbacks, website="http://spam.example"
    )
    assert response.status_code == 302
    assert not Ticket.objects.exists()
    assert not mail.outbox


def test_a_form_sent_too_fast_is_refused_with_everything_kept(
    client, django_capture_on_commit_callbacks
):
    response = _post(
        client, django_capture_on_commit_callbacks, rendered=botcheck.issue()
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "very fast" in html
    assert "Od wczoraj hasło nie działa." in html
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    "rendered", ["forged", aged_stamp(3 * 3600)], ids=["forged", "stale"]
)
def test_a_stale_or_forged_form_is_refused_with_everything_kept(
    client, rendered, django_capture_on_commit_callbacks
):
    response = _post(client, django_capture_on_commit_callbacks, rendered=rendered)
    html = response.content.decode()
    assert response.status_code == 400
    assert "open for too long" in html
    assert "Nie mogę się zalogować" in html
    assert not Ticket.objects.exists()


def _aged_with_question() -> str:
    """A form with a question, rendered long enough ago to be sent now."""
    return botcheck.issue(with_question=True, at=time.time() - 10)


def _answer_as_a_person_would(rendered: str) -> str:
    a, b = botcheck.question_of(rendered).split(" + ")
    return str(int(a) + int(b))


def test_after_several_requests_a_sum_must_be_solved(
    client, django_capture_on_commit_callbacks
):
    for i in range(PUBLIC_CHALLENGE_AFTER):
        _post(
            client,
            django_capture_on_commit_callbacks,
            email=f"jan{i}@example.org",
            subject=f"Sprawa {i}",
        )
    page = client.get(FORM).content.decode()
    assert re.search(r"what is \d \+ \d\?", page)
    wrong = _post(
        client,
        django_capture_on_commit_callbacks,
        rendered=_aged_with_question(),
        answer="99",
        subject="Zła",
    )
    assert wrong.status_code == 400
    assert "not the right answer" in wrong.content.decode()
    assert not PendingRequest.objects.filter(subject="Zła").exists()
    rendered = _aged_with_question()
    right = _post(
        client,
        django_capture_on_commit_callbacks,
        rendered=rendered,
        answer=_answer_as_a_person_would(rendered),
        subject="Dobra",
    )
    assert right.status_code == 302
    assert PendingRequest.objects.filter(subject="Dobra").exists()


def test_the_page_holds_no_answer_and_a_solved_form_sends_once(
    client, django_capture_on_commit_callbacks
):
    for i in range(PUBLIC_CHALLENGE_AFTER):
        _post(
            client,
            django_capture_on_commit_callbacks,
            email=f"jan{i}@example.org",
            subject=f"Sprawa {i}",
        )
    page = client.get(FORM).content.decode()
    hidden = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', page))
    assert set(hidden) == {"csrfmiddlewaretoken", "rendered"}
    # A random id: nothing in it to decode, the answer stays on the server.
    assert re.fullmatch(r"[\w-]{32}", hidden["rendered"])
    rendered = _aged_with_question()
    answer = _answer_as_a_person_would(rendered)
    first = _post(
        client,
        django_capture_on_commit_callbacks,
        rendered=rendered,
        answer=answer,
        subject="Raz",
    )
    assert first.status_code == 302
    assert PendingRequest.objects.filter(subject="Raz").exists()
    replayed = _post(
        client,
        django_capture_on_commit_callbacks,
        rendered=rendered,
        answer=answer,
        subject="Dwa",
    )
    assert replayed.status_code == 400
    assert not PendingRequest.objects.filter(subject="Dwa").exists()


def test_forty_requests_naming_one_address_send_it_three_plain_mails(
    client, django_capture_on_commit_callbacks
):
    for i in range(40):
        # Forty senders (so no per-sender limit or question applies).
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                FORM,
                _data(
                    email="ofiara@example.org",
                    full_name="Bank Security Team",
                    subject=f"Your account is locked, call +48 700 000 {i:03d}",
                    description="Log in at http://phish.example to unlock it.",
                ),
                REMOTE_ADDR=f"10.1.0.{i}",
            )
        assert response.status_code == 302
        assert response["Location"] == "/portal/request/sent/"
    assert len(mail.outbox) == 3
    assert {m.to[0] for m in mail.outbox} == {"ofiara@example.org"}
    assert all("locked" not in m.subject + m.body for m in mail.outbox)
    assert not Ticket.objects.exists()


def test_the_confirmation_mail_carries_none_of_the_senders_words(
    client, django_capture_on_commit_callbacks
):
    _post(
        client,
        django_capture_on_commit_callbacks,
        full_name="Bank Security Team",
        subject="Your account is locked",
        description="Log in at http://phish.example to unlock it.",
    )
    (message,) = mail.outbox
    everything = message.subject + message.body + message.alternatives[0].content
    for typed in ("Bank Security", "account is locked", "phish.example"):
        assert typed not in everything
    assert "/portal/request/confirm/" in message.body


def test_a_confirmation_link_older_than_a_day_opens_nothing(
    client, django_capture_on_commit_callbacks
):
    _post(client, django_capture_on_commit_callbacks)
    PendingRequest.objects.update(created_at=timezone.now() - timedelta(hours=25))
    page = client.post(_confirmation_path(mail.outbox[0]))
    assert page.status_code == 410
    assert "not confirmed within a day" in page.content.decode()
    assert not Ticket.objects.exists()
    assert client.get("/portal/request/confirm/nonsense/").status_code == 410


def test_the_hourly_job_forgets_unconfirmed_requests_and_their_files(
    client, django_capture_on_commit_callbacks
):
    from django.core.files.base import ContentFile

    from podpora.portal.jobs import forget_stale_requests
    from podpora.portal.models import PendingFile

    _post(client, django_capture_on_commit_callbacks)
    old = PendingRequest.objects.get()
    held = PendingFile.objects.create(
        request=old, file=ContentFile(b"scan", name="held"), name="scan.pdf"
    )
    stored = held.file.name
    PendingRequest.objects.update(created_at=timezone.now() - timedelta(hours=25))
    fresh = PendingRequest.objects.create(
        key_hash="fresh", email="ewa@example.test", subject="Nowa", language="pl"
    )

    forget_stale_requests.enqueue()

    assert list(PendingRequest.objects.all()) == [fresh]
    assert not held.file.storage.exists(stored)


def test_too_many_requests_from_one_address_get_a_clear_429(
    client, portal_settings, django_capture_on_commit_callbacks
):
    portal_settings.public_requests_per_hour = 2
    portal_settings.save()
    for _ in range(2):
        client.post(FORM, _data(website="bot"))  # counted even when refused
    response = client.post(FORM, _data())
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    # Another address is not affected.
    other = client.post(FORM, _data(), REMOTE_ADDR="10.0.0.9")
    assert other.status_code != 429


def test_the_public_form_can_be_switched_off(client, portal_settings):
    portal_settings.public_form = False
    portal_settings.save()
    response = client.get(FORM)
    assert response.status_code == 404
    assert "Requests need an account here" in response.content.decode()


def test_an_existing_customers_address_gets_the_link_not_the_typist(
    client, adam, open_ticket_for, django_capture_on_commit_callbacks
):
    open_ticket_for(adam, "Prywatna sprawa Adama")
    response = _post(client, django_capture_on_commit_callbacks, email=adam.email)
    page = client.get(response["Location"]).content.decode()
    assert "Prywatna sprawa Adama" not in page
    assert mail.outbox[0].to == [adam.email]
    assert User.objects.filter(email=adam.email).count() == 1
    assert not client.get("/portal/").context["user"].is_authenticated


# --- expired and revoked links ----------------------------------------------------


def test_an_expired_link_offers_a_fresh_one(
    client, adam, open_ticket_for, portal_settings
):
    ticket = open_ticket_for(adam)
    token = links.follow_token(ticket, adam)
    portal_settings.follow_link_days = 0
    portal_settings.save()
    page = client.get(reverse("portal:follow", args=[token]))
    assert page.status_code == 410
    html = page.content.decode()
    assert "This link no longer works" in html
    assert "Drukarka" not in html
    assert f'value="{ticket.number}"' in html


def test_a_revoked_link_stops_working(client, adam, open_ticket_for):
    ticket = open_ticket_for(adam)
    token = links.follow_token(ticket, adam)
    links.revoke_all(ticket)
    assert client.get(reverse("portal:follow", args=[token])).status_code == 410


def test_a_fresh_link_goes_to_the_requester_and_the_answer_is_always_the_same(
    client, adam, open_ticket_for, django_capture_on_commit_callbacks
):
    ticket = open_ticket_for(adam)
    renew = reverse("portal:follow_renew")
    with django_capture_on_commit_callbacks(execute=True):
        wrong = client.post(
            renew, {"number": ticket.number, "email": "obcy@example.org"}
        )
    assert not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        right = client.post(
            renew, {"number": ticket.number, "email": "ADAM@kowalski.pl"}
        )
    assert _main(wrong) == _main(right)
    (message,) = mail.outbox
    assert message.to == [adam.email]
    assert links.resolve(_token_in(message)).ticket == ticket


def test_asking_for_fresh_links_is_rate_limited(client, adam, open_ticket_for):
    ticket = open_ticket_for(adam)
    renew = reverse("portal:follow_renew")
    statuses = [
        client.post(
            renew, {"number": ticket.number, "email": f"x{i}@example.org"}
        ).status_code
        for i in range(7)
    ]
    assert statuses[:5] == [200] * 5
    assert statuses[-1] == 429


def test_a_too_large_attachment_on_the_public_form_keeps_everything_typed(
    client, settings, django_capture_on_commit_callbacks
):
    settings.PODPORA_MAX_ATTACHMENT_BYTES = 10
    response = _post(
        client, django_capture_on_commit_callbacks, attachments=[upload("big.png")]
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "big.png is larger than the limit" in html
    assert "Jan Nowicki" in html
    assert "jan@example.org" in html
    assert "Od wczoraj hasło nie działa." in html
    assert not Ticket.objects.exists()


def test_a_signed_in_customer_is_sent_to_the_ordinary_new_request_page(
    client_for, adam
):
    response = client_for(adam).get(FORM)
    assert response.status_code == 302
    assert response["Location"] == "/portal/new/"


def test_the_sent_page_without_a_submission_goes_back_to_the_form(client):
    response = client.get("/portal/request/sent/")
    assert response.status_code == 302
    assert response["Location"] == FORM
