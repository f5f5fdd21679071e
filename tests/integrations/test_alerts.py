import threading

import pytest
from django.db import connection
from django.test import Client

from podpora.integrations import alerts
from podpora.integrations.forms import AlertSourceForm
from podpora.integrations.models import AlertSource, OpenAlert
from podpora.tickets.models import Channel, MessageKind, Priority, Status, Ticket
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def monitoring(db, org_a, service_desk):
    from podpora.accounts.models import User

    bot = User.objects.create_user(email="monitoring@kowalski.pl", full_name="Zabbix")
    form = AlertSourceForm(
        {
            "name": "prometheus-kowalski",
            "organization": org_a.pk,
            "team": service_desk.pk,
            "requester": bot.pk,
            "priority": Priority.HIGH,
            "resolve_on_recovery": "on",
            "is_active": "on",
        }
    )
    assert form.is_valid(), form.errors
    source, secret = alerts.create_source(form)
    return source, secret


def _am(status: str, fingerprint: str = "f00d", **labels) -> dict:
    return {
        "version": "4",
        "status": status,
        "receiver": "podpora",
        "groupLabels": {},
        "commonLabels": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": [
            {
                "status": status,
                "labels": {
                    "alertname": "DiskFull",
                    "instance": "db1:9100",
                    "severity": "critical",
                    **labels,
                },
                "annotations": {
                    "summary": "Dysk /var zapełniony w 95%",
                    "description": "Zostało 2 GB.",
                },
                "startsAt": "2026-11-23T01:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus:9090/graph",
                "fingerprint": fingerprint,
            }
        ],
    }


def _post(url: str, secret: str, body: dict, client: Client | None = None):
    return (client or Client()).post(
        url,
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )


AM = "/api/v1/alerts/alertmanager/prometheus-kowalski"
GENERIC = "/api/v1/alerts/generic/prometheus-kowalski"


def test_firing_alert_opens_one_monitoring_ticket_and_repeats_become_notes(
    monitoring, service_desk, org_a
):
    _source, secret = monitoring
    first = _post(AM, secret, _am("firing"))
    assert first.status_code == 200, first.json()
    assert first.json()["results"][0]["action"] == "opened"
    for _ in range(3):
        assert (
            _post(AM, secret, _am("firing")).json()["results"][0]["action"]
            == "repeated"
        )
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.MONITORING
    assert ticket.priority == Priority.URGENT  # severity=critical
    assert ticket.team == service_desk
    assert ticket.organization == org_a
    assert ticket.subject == "DiskFull: Dysk /var zapełniony w 95%"
    assert ticket.messages.filter(kind=MessageKind.NOTE).count() == 3
    assert OpenAlert.objects.get().repeats == 3


def test_resolved_alert_adds_a_note_and_resolves_the_ticket(monitoring):
    _source, secret = monitoring
    number = _post(AM, secret, _am("firing")).json()["results"][0]["ticket"]
    response = _post(AM, secret, _am("resolved"))
    assert response.json()["results"][0] == {
        "fingerprint": "f00d",
        "action": "resolved",
        "ticket": number,
    }
    ticket = Ticket.objects.get(number=number)
    assert ticket.status == Status.RESOLVED
    assert "resolved" in ticket.messages.filter(kind=MessageKind.NOTE).last().body_text
    assert not OpenAlert.objects.exists()
    # The next firing is a new incident: a new ticket.
    assert _post(AM, secret, _am("firing")).json()["results"][0]["action"] == "opened"
    assert Ticket.objects.count() == 2


def test_source_may_keep_tickets_open_on_recovery(monitoring):
    source, secret = monitoring
    AlertSource.objects.filter(pk=source.pk).update(resolve_on_recovery=False)
    _post(AM, secret, _am("firing"))
    _post(AM, secret, _am("resolved"))
    assert Ticket.objects.get().status == Status.NEW


def test_resolved_alert_without_an_open_ticket_is_ignored(monitoring):
    _source, secret = monitoring
    assert (
        _post(AM, secret, _am("resolved")).json()["results"][0]["action"] == "ignored"
    )
    assert not Ticket.objects.exists()


def test_different_fingerprints_open_different_tickets(monitoring):
    _source, secret = monitoring
    _post(AM, secret, _am("firing", fingerprint="a"))
    _post(AM, secret, _am("firing", fingerprint="b"))
    assert Ticket.objects.count() == 2


def test_alert_after_a_person_closed_the_ticket_opens_a_new_one(monitoring, tomasz):
    from podpora.tickets import services

    _source, secret = monitoring
    _post(AM, secret, _am("firing"))
    services.close_ticket(Ticket.objects.get(), actor=tomasz)
    assert _post(AM, secret, _am("firing")).json()["results"][0]["action"] == "opened"


def test_generic_json_alert_derives_a_fingerprint(monitoring):
    _source, secret = monitoring
    body = {
        "title": "Backup nie wykonał się",
        "severity": "warning",
        "labels": {"host": "nas1"},
    }
    assert _post(GENERIC, secret, body).json()["results"][0]["action"] == "opened"
    assert _post(GENERIC, secret, body).json()["results"][0]["action"] == "repeated"
    assert (
        _post(GENERIC, secret, {**body, "status": "resolved"}).json()["results"][0][
            "action"
        ]
        == "resolved"
    )
    assert Ticket.objects.get().priority == Priority.HIGH


@pytest.mark.parametrize("secret", ["", "pda_wrong", None])
def test_wrong_or_missing_secret_is_401(monitoring, secret):
    headers = {"Authorization": f"Bearer {secret}"} if secret is not None else {}
    response = Client().post(
        AM, _am("firing"), content_type="application/json", headers=headers
    )
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert not Ticket.objects.exists()


def test_unknown_source_is_401_and_bad_payload_is_422(monitoring):
    _source, secret = monitoring
    assert (
        _post("/api/v1/alerts/generic/nope", secret, {"title": "x"}).status_code == 401
    )
    assert _post(GENERIC, secret, {"status": "firing"}).status_code == 422
    assert _post(AM, secret, {"alerts": []}).status_code == 422


@pytest.mark.parametrize("url", [AM, GENERIC, "/api/v1/alerts/generic/nope"])
@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"alerts": []}', b'{"status": "firing"}', b"[]"],
)
def test_an_invalid_body_without_the_secret_is_401_not_422(monitoring, url, body):
    # The secret is checked before the body: a stranger learns nothing about
    # what a valid alert looks like, nor that the source exists.
    response = Client().post(
        url,
        body,
        content_type="application/json",
        headers={"Authorization": "Bearer pda_wrong"},
    )
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert response.json()["message"] == "Unknown alert source or wrong secret."
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("url", [AM, GENERIC])
def test_an_invalid_body_with_the_right_secret_is_422(monitoring, url):
    _source, secret = monitoring
    for body in (b"{not json", b'{"alerts": []}', b"[]"):
        response = Client().post(
            url,
            body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {secret}"},
        )
        assert response.status_code in (400, 422), body
        assert response.status_code != 401
    assert not Ticket.objects.exists()


def test_a_secret_of_another_source_is_401(monitoring, org_a, service_desk):
    _source, secret = monitoring
    other = AlertSource.objects.create(
        name="zabbix",
        organization=org_a,
        requester=_source.requester,
        secret_hash="x",
        secret_prefix="x",
    )
    assert (
        _post(
            f"/api/v1/alerts/generic/{other.name}", secret, {"title": "x"}
        ).status_code
        == 401
    )


def test_admin_creates_a_source_in_the_ui_and_sees_the_secret_once(alicja, org_a, anna):
    client = Client()
    client.login(email=alicja.email, password=PASSWORD)
    response = client.post(
        "/integrations/alerts/",
        {
            "name": "zabbix",
            "organization": org_a.pk,
            "requester": anna.pk,
            "priority": 2,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    secret = response.context["new_secret"]
    assert secret.startswith("pda_")
    assert alerts.authenticate_source("zabbix", secret) is not None
    assert secret not in client.get("/integrations/alerts/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_a_new_alert_open_one_ticket(monitoring):
    _source, secret = monitoring
    barrier = threading.Barrier(4)
    results: list[str] = []

    def deliver() -> None:
        try:
            barrier.wait()
            response = _post(AM, secret, _am("firing"))
            results.append(response.json()["results"][0]["action"])
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["opened", "repeated", "repeated", "repeated"]
    assert Ticket.objects.count() == 1
    assert Ticket.objects.get().messages.filter(kind=MessageKind.NOTE).count() == 3
