"""Administrators' pages for webhooks (with their delivery log) and alert
sources. Everything here needs the MANAGE_SETTINGS right."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from podpora.accounts.permissions import Right, can
from podpora.core.outbox import enqueue_after_commit
from podpora.integrations import alerts
from podpora.integrations.forms import AlertSourceForm, WebhookForm
from podpora.integrations.models import (
    AlertSource,
    DeliveryStatus,
    Webhook,
    WebhookDelivery,
)


def _admin_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can(request.user, Right.MANAGE_SETTINGS):  # type: ignore[arg-type]
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@_admin_only
def webhook_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "integrations/webhooks.html",
        {"webhooks": Webhook.objects.all()},
    )


@_admin_only
def webhook_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    webhook = get_object_or_404(Webhook, pk=pk) if pk else None
    form = WebhookForm(request.POST or None, instance=webhook)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        if webhook is None:
            saved.created_by = request.user
        saved.save()
        messages.success(request, _("The webhook was saved."))
        return redirect("integrations:webhook_deliveries", pk=saved.pk)
    return render(
        request,
        "integrations/webhook_form.html",
        {"form": form, "webhook": webhook},
        status=400 if form.errors else 200,
    )


@require_POST
@_admin_only
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(Webhook, pk=pk).delete()
    messages.success(request, _("The webhook was deleted."))
    return redirect("integrations:webhooks")


@_admin_only
def webhook_deliveries(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = get_object_or_404(Webhook, pk=pk)
    return render(
        request,
        "integrations/deliveries.html",
        {"webhook": webhook, "deliveries": webhook.deliveries.all()[:100]},
    )


@require_POST
@_admin_only
def delivery_retry(request: HttpRequest, pk: str) -> HttpResponse:
    from podpora.integrations.tasks import deliver_webhook

    delivery = get_object_or_404(WebhookDelivery, pk=pk)
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=None
        )
        enqueue_after_commit(deliver_webhook, str(delivery.pk))
    messages.success(request, _("The delivery will be sent again."))
    return redirect("integrations:webhook_deliveries", pk=delivery.webhook_id)


@_admin_only
def alert_sources(request: HttpRequest) -> HttpResponse:
    form = AlertSourceForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        _source, new_secret = alerts.create_source(form)
        form = AlertSourceForm()
    return render(
        request,
        "integrations/alert_sources.html",
        {
            "form": form,
            "sources": AlertSource.objects.select_related(
                "organization", "team", "requester"
            ),
            "new_secret": new_secret,
        },
        status=400 if form.errors else 200,
    )


@require_POST
@_admin_only
def alert_source_delete(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(AlertSource, pk=pk).delete()
    messages.success(request, _("The alert source was deleted."))
    return redirect("integrations:alert_sources")
