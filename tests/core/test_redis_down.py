"""Redis is a cache, not the system of record: with it gone, pages load,
writes commit and rate limits let people in."""

import time
import uuid

import pytest
from django.core.cache import cache
from django.urls import reverse

from podpora.tickets.models import Ticket
from tests.conftest import PASSWORD
from tests.core.processes import free_port
from tests.desk.conftest import signed_in

pytestmark = pytest.mark.django_db


def _redis_cache(location: str) -> dict:
    return {
        "default": {
            "BACKEND": "podpora.core.cache.ResilientRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": f"podpora-test-{uuid.uuid4().hex[:8]}",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }


@pytest.fixture
def redis_gone(settings):
    # Nothing listens on this port: every connection is refused.
    settings.CACHES = _redis_cache(f"redis://127.0.0.1:{free_port()}/0")


def test_with_redis_gone_a_customer_opens_a_ticket_over_the_api(
    redis_gone, api_as, adam
):
    started = time.monotonic()
    response = api_as(adam).post(
        "/api/v1/tickets",
        {"subject": "Drukarka", "body_text": "Nie drukuje."},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert Ticket.objects.filter(subject="Drukarka").exists()
    assert time.monotonic() - started < 5


def test_with_redis_gone_the_desk_and_sign_in_still_work(
    redis_gone, client, tomasz, adam, service_desk, open_ticket_for
):
    ticket = open_ticket_for(adam, "Drukarka", team=service_desk)
    page = signed_in(tomasz).get(reverse("desk:ticket", args=[ticket.number]))
    assert page.status_code == 200
    signed = client.post(
        reverse("accounts:login"), {"username": tomasz.email, "password": PASSWORD}
    )
    assert signed.status_code == 302


def test_the_same_cache_keeps_values_while_redis_is_there(settings):
    settings.CACHES = _redis_cache("redis://127.0.0.1:6379/0")
    cache.set("probe", 41)
    assert cache.incr("probe") == 42
    assert cache.get("probe") == 42
    cache.delete("probe")
    assert cache.get("probe") is None


@pytest.mark.django_db(transaction=True)
def test_a_ticket_stored_is_answered_201_even_when_its_tasks_cannot_be_queued(
    settings, api_as, tomasz, petra, service_desk
):
    from podpora.mail.models import OutboundMail

    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_redis.RedisTaskBackend",
            "QUEUES": [],
            "OPTIONS": {"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"},
        }
    }
    settings.PODPORA_MAIL_ACK_CHANNELS = ["api"]
    response = api_as(tomasz).post(
        "/api/v1/tickets",
        {
            "subject": "Telefon: drukarka",
            "body_text": "Klient dzwonił.",
            "requester_email": "ewa@kowalski.pl",
            "team_id": service_desk.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    ticket = Ticket.objects.get(number=response.json()["number"])
    # Its mails wait in the database; the retry job sends them once tasks run.
    assert OutboundMail.objects.filter(ticket=ticket, state="pending").exists()
