import re

import pytest
from django.core import mail

from podpora.portal import emails
from podpora.portal.tasks import send_portal_email
from tests.portal.conftest import aged_stamp

pytestmark = pytest.mark.django_db


def _public_request(client, capture, email, **headers):
    """Submit the public form, then confirm from the mail (in any language)."""
    with capture(execute=True):
        client.post(
            "/portal/request/",
            {
                "full_name": "Petr Svoboda",
                "email": email,
                "subject": "Nefunguje tiskárna",
                "description": "Tiskárna hlásí chybu.",
                "rendered": aged_stamp(),
            },
            **headers,
        )
    path = re.search(r"(/portal/request/confirm/\S+/)", mail.outbox[-1].body).group(1)
    with capture(execute=True):
        return client.post(path)


def test_a_new_requester_gets_the_mail_in_the_language_of_the_form(
    client, django_capture_on_commit_callbacks
):
    _public_request(
        client,
        django_capture_on_commit_callbacks,
        "petr@example.cz",
        HTTP_ACCEPT_LANGUAGE="cs",
    )
    confirmation, message = mail.outbox
    assert (
        confirmation.subject == "Potvrďte prosím svůj požadavek v našem centru podpory"
    )
    assert message.subject.startswith("[#")
    assert "Potvrzení přijetí požadavku" in message.subject
    assert "Odkaz platí 90 dní" in message.body
    assert "Sledovat požadavek" in message.alternatives[0].content


def test_a_known_person_gets_the_mail_in_their_own_language(
    client, adam, django_capture_on_commit_callbacks
):
    _public_request(
        client,
        django_capture_on_commit_callbacks,
        adam.email,
        HTTP_ACCEPT_LANGUAGE="cs",
    )
    confirmation, message = mail.outbox
    assert confirmation.subject == "Potwierdź swoje zgłoszenie w naszym centrum pomocy"
    assert "Potwierdzenie przyjęcia zgłoszenia" in message.subject  # Adam reads Polish


def test_subjects_are_one_line_and_not_html_escaped():
    subject, text, html = emails.render(
        "follow_link",
        "en",
        {
            "reference": "#10001",
            "subject": 'Tom & Jerry <"quoted">',
            "url": "http://x/portal/t/1:a:b/",
            "days": 90,
            "name": "",
        },
    )
    assert subject == '[#10001] We received your request: Tom & Jerry <"quoted">'
    assert "\n" not in subject
    assert "Tom & Jerry" in text
    assert "Tom &amp; Jerry" in html


def test_a_mail_task_run_twice_sends_once():
    kwargs = {
        "to": "x@example.org",
        "kind": "register_existing",
        "language": "en",
        "context": {"name": "", "url": "http://x/", "email": "x@example.org"},
        "key": "same-key",
    }
    send_portal_email.call(**kwargs)
    send_portal_email.call(**kwargs)
    assert len(mail.outbox) == 1


def test_no_mail_leaves_when_the_transaction_rolls_back(
    django_capture_on_commit_callbacks,
):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                emails.send_later(
                    "x@example.org", "register_existing", "en", {"url": "u"}
                )
                raise RuntimeError
        except RuntimeError:
            pass
    assert callbacks == []
    assert not mail.outbox
