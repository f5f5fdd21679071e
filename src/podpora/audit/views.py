"""The audit log page and its CSV export, for administrators only."""

import csv
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from podpora.accounts.permissions import Right, can
from podpora.audit import selectors, services
from podpora.audit.forms import FilterForm
from podpora.audit.models import AuditEntry, Kind
from podpora.reports.exports import neutralise

PAGE_SIZE = 50


def _require_admin(request: HttpRequest) -> None:
    if not can(request.user, Right.MANAGE_SETTINGS):  # type: ignore[arg-type]
        raise PermissionDenied


def _filtered(
    data: QueryDict,
) -> tuple[FilterForm, dict[str, Any], QuerySet[AuditEntry]]:
    form = FilterForm(data or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    found = selectors.entries(
        person=filters.get("person") or "",
        kind=filters.get("kind") or "",
        since=filters.get("since"),
        until=filters.get("until"),
    )
    return form, filters, found


@login_required
@require_GET
def log(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form, _filters, found = _filtered(request.GET)
    page = Paginator(found.select_related("actor"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/log.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "retention_days": settings.PODPORA_AUDIT_RETENTION_DAYS,
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _rows(found: QuerySet[AuditEntry]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(
        [_("When"), _("Kind"), _("Who"), _("From"), _("What"), _("Details")]
    )
    for entry in found.iterator(chunk_size=500):
        yield writer.writerow(
            [
                neutralise(entry.at),
                Kind(entry.kind).label,
                neutralise(entry.actor_email),
                neutralise(entry.address),
                neutralise(entry.target),
                neutralise(str(entry.details or "")),
            ]
        )


@login_required
@require_POST
def export(request: HttpRequest) -> StreamingHttpResponse:
    """A POST: exporting is itself an audited event, and a GET writes nothing."""
    _require_admin(request)
    _form, filters, found = _filtered(request.POST)
    services.record(
        Kind.EXPORT,
        request=request,
        target="audit log",
        details={k: str(v) for k, v in filters.items() if v},
    )
    response = StreamingHttpResponse(_rows(found), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    return response
