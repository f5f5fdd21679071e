"""Monitoring alerts into tickets, one ticket per firing alert.

An alert is known by its source and fingerprint. The first firing opens a
ticket (channel "monitoring") and an ``OpenAlert`` row; every repeat adds a
note to that ticket; "resolved" adds a note and, if the source says so,
resolves the ticket. The unique constraint on ``OpenAlert`` settles races:
two deliveries of one new alert both try to insert, one wins, the other's
ticket is rolled back and it adds a note to the winner's ticket instead.
"""

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from podpora.integrations.models import AlertSource, OpenAlert
from podpora.tickets import services
from podpora.tickets.models import Channel, Priority, Status, Ticket

if TYPE_CHECKING:
    from podpora.integrations.forms import AlertSourceForm

SECRET_PREFIX = "pda_"  # noqa: S105 (a marker, not a secret)
_SEVERITY = {
    "critical": Priority.URGENT,
    "page": Priority.URGENT,
    "error": Priority.HIGH,
    "warning": Priority.HIGH,
    "info": Priority.NORMAL,
    "none": Priority.LOW,
}


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_source(form: "AlertSourceForm") -> tuple[AlertSource, str]:
    secret = f"{SECRET_PREFIX}{secrets.token_urlsafe(32)}"
    source = form.save(commit=False)
    source.secret_hash = _hash(secret)
    source.secret_prefix = secret[:12]
    source.save()
    return source, secret


def new_secret(source: AlertSource) -> str:
    secret = f"{SECRET_PREFIX}{secrets.token_urlsafe(32)}"
    source.secret_hash = _hash(secret)
    source.secret_prefix = secret[:12]
    source.save(update_fields=["secret_hash", "secret_prefix"])
    return secret


def authenticate_source(name: str, secret: str) -> AlertSource | None:
    source = (
        AlertSource.objects.select_related("requester", "organization", "team")
        .filter(name=name, is_active=True)
        .first()
    )
    # Compare even when the source is unknown, so timing tells nothing.
    expected = source.secret_hash if source else _hash("")
    if not hmac.compare_digest(expected, _hash(secret or "")) or source is None:
        return None
    return source


@dataclass
class Alert:
    fingerprint: str
    firing: bool
    title: str
    description: str = ""
    severity: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    url: str = ""
    starts_at: str = ""


@dataclass(frozen=True)
class Outcome:
    fingerprint: str
    action: str  # opened, repeated, resolved, ignored
    ticket: int | None


def fingerprint_of(labels: dict[str, str], title: str = "") -> str:
    canonical = json.dumps({"labels": labels, "title": title}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def _describe(alert: Alert, heading: str) -> str:
    lines = [heading, "", alert.title]
    if alert.description:
        lines += ["", alert.description]
    if alert.labels:
        lines += ["", *(f"{k}: {v}" for k, v in sorted(alert.labels.items()))]
    if alert.url:
        lines += ["", alert.url]
    return "\n".join(lines)[:20_000]


def _priority(source: AlertSource, alert: Alert) -> int:
    return _SEVERITY.get(alert.severity.lower(), source.priority)


def _note(ticket: Ticket, source: AlertSource, text: str) -> None:
    # No person wrote it: the note is the helpdesk's own, named by ``via``.
    services.add_note(
        ticket,
        author=None,  # type: ignore[arg-type]
        body_text=text,
        via=f"alert:{source.name}",
    )


def _repeat(source: AlertSource, open_alert: OpenAlert, alert: Alert) -> Outcome:
    OpenAlert.objects.filter(pk=open_alert.pk).update(
        repeats=open_alert.repeats + 1, last_seen_at=timezone.now()
    )
    _note(
        open_alert.ticket,
        source,
        _describe(
            alert,
            _("The alert fired again (%(n)s repeats).") % {"n": open_alert.repeats + 1},
        ),
    )
    return Outcome(alert.fingerprint, "repeated", open_alert.ticket.number)


def _fire(source: AlertSource, alert: Alert) -> Outcome:
    with transaction.atomic():
        existing = (
            OpenAlert.objects.select_for_update()
            .select_related("ticket")
            .filter(source=source, fingerprint=alert.fingerprint)
            .first()
        )
        if existing is not None:
            if existing.ticket.is_open:
                return _repeat(source, existing, alert)
            # A person closed the ticket while the alert kept firing: start anew.
            existing.delete()
        try:
            with transaction.atomic():
                ticket = services.open_ticket(
                    subject=alert.title[:255] or alert.fingerprint,
                    requester=source.requester,
                    channel=Channel.MONITORING,
                    body_text=_describe(
                        alert, _("Alert from %(source)s") % {"source": source.name}
                    ),
                    organization=source.organization
                    if source.organization_id
                    else services.UNSET,
                    team=source.team,
                    priority=_priority(source, alert),
                    tags=["alert", source.name],
                    is_automatic=True,
                    message_data={
                        "alert": {
                            "fingerprint": alert.fingerprint,
                            "labels": alert.labels,
                        }
                    },
                    via=f"alert:{source.name}",
                )
                OpenAlert.objects.create(
                    source=source, fingerprint=alert.fingerprint, ticket=ticket
                )
        except IntegrityError:
            winner = OpenAlert.objects.select_related("ticket").get(
                source=source, fingerprint=alert.fingerprint
            )
            return _repeat(source, winner, alert)
        return Outcome(alert.fingerprint, "opened", ticket.number)


def _resolve(source: AlertSource, alert: Alert) -> Outcome:
    with transaction.atomic():
        existing = (
            OpenAlert.objects.select_for_update()
            .select_related("ticket")
            .filter(source=source, fingerprint=alert.fingerprint)
            .first()
        )
        if existing is None:
            return Outcome(alert.fingerprint, "ignored", None)
        ticket = existing.ticket
        _note(ticket, source, _describe(alert, _("The alert is resolved.")))
        ticket.refresh_from_db()
        if source.resolve_on_recovery and ticket.is_open:
            services.update_ticket(
                ticket, actor=None, status=Status.RESOLVED, via=f"alert:{source.name}"
            )
        existing.delete()
        return Outcome(alert.fingerprint, "resolved", ticket.number)


def handle(source: AlertSource, alert: Alert) -> Outcome:
    return _fire(source, alert) if alert.firing else _resolve(source, alert)


def from_alertmanager(payload: Any) -> list[Alert]:
    """Prometheus Alertmanager's webhook body (version 4)."""
    alerts = []
    for item in payload.alerts:
        labels = dict(item.labels)
        annotations = dict(item.annotations)
        name = labels.get("alertname", "")
        summary = annotations.get("summary") or annotations.get("title") or ""
        title = ": ".join(p for p in (name, summary) if p) or _("Alert")
        alerts.append(
            Alert(
                fingerprint=item.fingerprint or fingerprint_of(labels),
                firing=item.status == "firing",
                title=title,
                description=annotations.get("description", ""),
                severity=labels.get("severity", ""),
                labels=labels,
                url=item.generatorURL,
                starts_at=item.startsAt or "",
            )
        )
    return alerts


def from_generic(payload: Any) -> Alert:
    labels = dict(payload.labels)
    return Alert(
        fingerprint=payload.fingerprint or fingerprint_of(labels, payload.title),
        firing=payload.status == "firing",
        title=payload.title,
        description=payload.description,
        severity=payload.severity,
        labels=labels,
        url=payload.url,
    )
