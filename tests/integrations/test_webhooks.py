import json
import socket
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from podpora.integrations import webhooks
from podpora.integrations.models import DeliveryStatus, Webhook, WebhookDelivery
from podpora.integrations.tasks import retry_webhooks
from podpora.tickets import services
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

SECRET = "s3cret-for-tests"
ALL_EVENTS = ["ticket.created", "ticket.updated", "ticket.replied", "ticket.closed"]


def _hook(receiver, events=ALL_EVENTS, **fields) -> Webhook:
    fields.setdefault("allow_internal", True)
    return Webhook.objects.create(
        name="Chat", url=receiver.url, secret=SECRET, events=list(events), **fields
    )


def _signed_in(user) -> Client:
    client = Client()
    client.login(email=user.email, password=PASSWORD)
    return client


def test_ticket_created_is_delivered_signed_to_a_real_receiver(
    receiver, anna, open_ticket_for, django_capture_on_commit_callbacks
):
    hook = _hook(receiver)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket_for(anna, "Serwer nie odpowiada")
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request["path"] == "/hooks/podpora"
    assert webhooks.verify(
        SECRET, request["headers"]["Podpora-Signature"], request["body"]
    )
    assert not webhooks.verify(
        "wrong", request["headers"]["Podpora-Signature"], request["body"]
    )
    assert not webhooks.verify(
        SECRET, request["headers"]["Podpora-Signature"], request["body"] + b" "
    )
    body = json.loads(request["body"])
    assert body["event"] == "ticket.created"
    assert body["ticket"]["number"] == ticket.number
    assert request["headers"]["Podpora-Event"] == "ticket.created"
    delivery = WebhookDelivery.objects.get(webhook=hook)
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.response_code == 200
    assert delivery.attempts == 1
    assert str(delivery.id) == body["id"] == request["headers"]["Podpora-Delivery"]


def test_signature_with_an_old_timestamp_is_rejected():
    body = b'{"a":1}'
    old = webhooks.sign(SECRET, 1_000_000_000, body)
    assert not webhooks.verify(SECRET, old, body)


def test_events_map_from_ticket_changes_and_only_subscribed_ones_go_out(
    receiver, anna, tomasz, open_ticket_for, django_capture_on_commit_callbacks
):
    _hook(receiver, events=["ticket.replied", "ticket.closed"])
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket_for(anna)
        services.add_note(ticket, author=tomasz, body_text="wewnętrzna")
        services.add_reply(ticket, author=tomasz, body_text="Odpowiedź")
        services.close_ticket(ticket, actor=tomasz)
    events = [json.loads(r["body"])["event"] for r in receiver.requests]
    assert events == ["ticket.replied", "ticket.closed"]
    reply = json.loads(receiver.requests[0]["body"])
    assert reply["data"]["message"]["text"] == "Odpowiedź"


def test_internal_note_text_is_not_sent(
    receiver, anna, tomasz, open_ticket_for, django_capture_on_commit_callbacks
):
    _hook(receiver, events=["ticket.updated"])
    ticket = open_ticket_for(anna)
    with django_capture_on_commit_callbacks(execute=True):
        services.add_note(ticket, author=tomasz, body_text="tajna notatka")
    assert len(receiver.requests) == 1
    assert b"tajna" not in receiver.requests[0]["body"]


def test_rolled_back_change_sends_nothing(
    receiver, anna, open_ticket_for, django_capture_on_commit_callbacks
):
    _hook(receiver)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                open_ticket_for(anna)
                raise RuntimeError("boom")
        except RuntimeError:
            pass
    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()


def test_failed_delivery_is_retried_with_backoff_until_it_succeeds(
    receiver, anna, open_ticket_for, django_capture_on_commit_callbacks
):
    _hook(receiver, events=["ticket.created"])
    receiver.statuses = [500]
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket_for(anna)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.response_code == 500
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=25)

    retry_webhooks.call()  # not due yet: nothing is sent
    assert len(receiver.requests) == 1

    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now()
    )
    retry_webhooks.call()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 2
    assert len(receiver.requests) == 2
    webhooks.deliver(str(delivery.pk))  # running it again sends nothing more
    assert len(receiver.requests) == 2


def test_delivery_gives_up_after_the_last_attempt(
    receiver, anna, open_ticket_for, django_capture_on_commit_callbacks
):
    _hook(receiver, events=["ticket.created"])
    receiver.statuses = [503] * webhooks.MAX_ATTEMPTS
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket_for(anna)
    delivery = WebhookDelivery.objects.get()
    for _ in range(webhooks.MAX_ATTEMPTS - 1):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            next_attempt_at=timezone.now()
        )
        retry_webhooks.call()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == webhooks.MAX_ATTEMPTS


def test_unreachable_receiver_is_logged_as_an_error(
    anna, open_ticket_for, django_capture_on_commit_callbacks
):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    Webhook.objects.create(
        name="Down",
        url=f"http://127.0.0.1:{port}/",
        secret=SECRET,
        events=["ticket.created"],
        allow_internal=True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket_for(anna)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.RETRYING
    assert "ConnectError" in delivery.error


# --- SSRF ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://localhost:8080/x",
        "http://10.1.2.3/x",
        "http://192.168.0.10/x",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://0.0.0.0/x",
        "http://224.0.0.1/x",
        "ftp://example.com/x",
        "http://user:pass@example.com/x",
    ],
)
def test_admin_cannot_save_an_internal_target_without_allowing_it(alicja, url):
    response = _signed_in(alicja).post(
        "/integrations/webhooks/new/",
        {"name": "x", "url": url, "events": ["ticket.created"], "is_active": "on"},
    )
    assert response.status_code == 400
    assert not Webhook.objects.exists()


def test_admin_may_allow_an_internal_target_explicitly(alicja, receiver):
    response = _signed_in(alicja).post(
        "/integrations/webhooks/new/",
        {
            "name": "Lokalny",
            "url": receiver.url,
            "events": ["ticket.created", "ticket.closed"],
            "is_active": "on",
            "allow_internal": "on",
        },
    )
    assert response.status_code == 302
    hook = Webhook.objects.get()
    assert hook.allow_internal
    assert len(hook.secret) >= 32  # generated


def _fake_dns(monkeypatch, answers: dict[str, list[str]]):
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host in answers:
            return [
                (
                    socket.AF_INET6 if ":" in a else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (a, port),
                )
                for a in answers[host]
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


def test_host_that_rebinds_to_loopback_is_refused_at_delivery(
    monkeypatch, receiver, anna, open_ticket_for, django_capture_on_commit_callbacks
):
    _fake_dns(monkeypatch, {"hooks.example.com": ["93.184.215.14"]})
    from podpora.integrations.netguard import resolve

    resolve("http://hooks.example.com/x", allow_internal=False)  # fine when saved
    Webhook.objects.create(
        name="Rebind",
        url=f"http://hooks.example.com:{receiver.server.server_port}/x",
        secret=SECRET,
        events=["ticket.created"],
    )
    _fake_dns(monkeypatch, {"hooks.example.com": ["93.184.215.14", "127.0.0.1"]})
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket_for(anna)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert "internal address" in delivery.error
    assert receiver.requests == []


def test_delivery_connects_to_the_checked_address_with_the_original_host(
    monkeypatch, receiver, anna, open_ticket_for, django_capture_on_commit_callbacks
):
    _fake_dns(monkeypatch, {"hooks.internal.test": ["127.0.0.1"]})
    Webhook.objects.create(
        name="Pinned",
        url=f"http://hooks.internal.test:{receiver.server.server_port}/p",
        secret=SECRET,
        events=["ticket.created"],
        allow_internal=True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket_for(anna)
    assert (
        receiver.requests[0]["headers"]["Host"]
        == f"hooks.internal.test:{receiver.server.server_port}"
    )


# --- pages ---------------------------------------------------------------------------


def test_only_admins_reach_the_webhook_pages(tomasz, sylwia, adam, alicja):
    for person in (tomasz, sylwia, adam):
        assert _signed_in(person).get("/integrations/webhooks/").status_code == 403
    assert _signed_in(alicja).get("/integrations/webhooks/").status_code == 200


def test_delivery_log_shows_attempts_and_can_send_again(
    alicja, receiver, anna, open_ticket_for, django_capture_on_commit_callbacks
):
    hook = _hook(receiver, events=["ticket.created"])
    receiver.statuses = [500, 500]
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket_for(anna)
    client = _signed_in(alicja)
    page = client.get(f"/integrations/webhooks/{hook.pk}/deliveries/").content.decode()
    assert "500" in page
    assert "Retrying" in page
    delivery = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/integrations/deliveries/{delivery.pk}/retry/")
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.RETRYING  # the receiver said 500 again
    receiver.statuses = []
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/integrations/deliveries/{delivery.pk}/retry/")
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED


def test_emit_is_the_entry_point_for_sla_events(
    receiver, anna, open_ticket_for, django_capture_on_commit_callbacks
):
    _hook(receiver, events=["sla.breach"])
    ticket = open_ticket_for(anna)
    with django_capture_on_commit_callbacks(execute=True):
        assert webhooks.emit("sla.breach", ticket, {"target": "first_response"}) == 1
    body = json.loads(receiver.requests[0]["body"])
    assert body["event"] == "sla.breach"
    assert body["data"] == {"target": "first_response"}
    with pytest.raises(ValueError, match="Unknown webhook event"):
        webhooks.emit("ticket.exploded", ticket)
