"""Audit entries for events that happen inside libraries: allauth's
two-factor pages and Django's admin, whose documented way to tell is a signal.
Podpora's own code calls ``services.record`` directly."""

from typing import Any

from allauth.mfa import signals as mfa_signals
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.db.models.signals import post_save

from podpora.audit import services
from podpora.audit.models import Kind


def _authenticator(
    kind: Kind, request: Any, user: Any, authenticator: Any, **kwargs: Any
) -> None:
    services.record(
        kind,
        request=request,
        actor=user,
        target=str(authenticator.type),
        details={"method": str(authenticator.type)},
    )


def _added(sender: Any, request: Any, user: Any, authenticator: Any, **kw: Any) -> None:
    _authenticator(Kind.TWO_FACTOR_ADDED, request, user, authenticator)


def _removed(
    sender: Any, request: Any, user: Any, authenticator: Any, **kw: Any
) -> None:
    _authenticator(Kind.TWO_FACTOR_REMOVED, request, user, authenticator)


def _reset(sender: Any, request: Any, user: Any, authenticator: Any, **kw: Any) -> None:
    _authenticator(Kind.TWO_FACTOR_RESET, request, user, authenticator)


def _failed(sender: Any, request: Any, user: Any, **kw: Any) -> None:
    authenticator = kw.get("authenticator")
    services.record(
        Kind.TWO_FACTOR_FAILED,
        request=request,
        actor=user,
        target=str(authenticator.type) if authenticator is not None else "",
    )


def _admin_change(sender: Any, instance: LogEntry, created: bool, **kw: Any) -> None:
    if not created:
        return
    action = {
        ADDITION: "added",
        CHANGE: "changed",
        DELETION: "deleted",
    }.get(instance.action_flag, "")
    model = instance.content_type.model if instance.content_type else ""
    services.record(
        Kind.SETTINGS_CHANGED,
        actor=instance.user,
        target=f"{model} #{instance.object_id}: {instance.object_repr}",
        details={
            "action": action,
            "model": model,
            "change": instance.get_change_message(),
        },
    )


def connect() -> None:
    mfa_signals.authenticator_added.connect(_added, dispatch_uid="audit-2fa-added")
    mfa_signals.authenticator_removed.connect(
        _removed, dispatch_uid="audit-2fa-removed"
    )
    mfa_signals.authenticator_reset.connect(_reset, dispatch_uid="audit-2fa-reset")
    mfa_signals.authentication_failed.connect(_failed, dispatch_uid="audit-2fa-failed")
    post_save.connect(_admin_change, sender=LogEntry, dispatch_uid="audit-admin")
