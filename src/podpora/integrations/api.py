"""Alert intake: ``/api/v1/alerts/alertmanager/<source>`` and
``/api/v1/alerts/generic/<source>``, authenticated by the source's secret
(``Authorization: Bearer pda_…``), not by a person's token.

The secret is checked before the body is read: a caller without it learns
nothing about what a valid alert looks like (401, never 422).
"""

from typing import Annotated, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Router, Schema
from ninja.security import HttpBearer
from pydantic import Field

from podpora.api.auth import throttle
from podpora.api.errors import ERROR_RESPONSES, ApiError
from podpora.api.schemas import Text
from podpora.integrations import alerts

router = Router(tags=["alerts"])

SourceName = Annotated[str, Path(pattern=r"^[-a-zA-Z0-9_]{1,64}$")]
ShortText = Annotated[Text, Field(max_length=1000)]
Labels = dict[Annotated[Text, Field(max_length=200)], ShortText]


class AlertmanagerAlert(Schema):
    status: Literal["firing", "resolved"]
    labels: Labels = Field(default_factory=dict, max_length=100)
    annotations: dict[
        Annotated[Text, Field(max_length=200)],
        Annotated[Text, Field(max_length=10_000)],
    ] = Field(default_factory=dict, max_length=100)
    startsAt: Annotated[Text, Field(max_length=64)] | None = None
    endsAt: Annotated[Text, Field(max_length=64)] | None = None
    generatorURL: Annotated[Text, Field(max_length=2000)] = ""
    fingerprint: Annotated[Text, Field(max_length=128)] = ""


class AlertmanagerIn(Schema):
    """Prometheus Alertmanager's webhook body (other fields are ignored)."""

    version: Annotated[Text, Field(max_length=16)] = "4"
    status: Literal["firing", "resolved"] = "firing"
    alerts: list[AlertmanagerAlert] = Field(min_length=1, max_length=500)


class GenericAlertIn(Schema):
    title: Annotated[Text, Field(min_length=1, max_length=255)]
    status: Literal["firing", "resolved"] = "firing"
    fingerprint: Annotated[Text, Field(max_length=128)] = Field(
        "",
        description="Same value = same alert; derived from title and labels if empty.",
    )
    description: Annotated[Text, Field(max_length=10_000)] = ""
    severity: Annotated[Text, Field(max_length=32)] = ""
    labels: Labels = Field(default_factory=dict, max_length=100)
    url: Annotated[Text, Field(max_length=2000)] = ""


class AlertResultOut(Schema):
    fingerprint: str
    action: Literal["opened", "repeated", "resolved", "ignored"]
    ticket: int | None


class AlertResultsOut(Schema):
    results: list[AlertResultOut]


class AlertSourceAuth(HttpBearer):
    """The source named in the path and its secret; runs before ninja parses
    the body. Any failure is one 401, whatever was wrong."""

    def __call__(self, request: HttpRequest) -> alerts.AlertSource:
        scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
        name = (
            request.resolver_match.kwargs.get("source", "")
            if request.resolver_match
            else ""
        )
        source = None
        if scheme.lower() == "bearer":
            source = alerts.authenticate_source(str(name), secret.strip())
        if source is None:
            raise ApiError(
                401,
                "unauthorized",
                _("Unknown alert source or wrong secret."),
                headers={"WWW-Authenticate": "Bearer"},
            )
        throttle(f"alert-source:{source.pk}")
        return source

    def authenticate(self, request: HttpRequest, token: str) -> None:
        raise NotImplementedError  # __call__ does the whole check


def _source(request: HttpRequest) -> alerts.AlertSource:
    return request.auth  # type: ignore[attr-defined,no-any-return]


@router.post(
    "/alerts/alertmanager/{source}",
    auth=AlertSourceAuth(),
    response={200: AlertResultsOut, **ERROR_RESPONSES},
    summary="Alertmanager webhook receiver",
)
def alertmanager(
    request: HttpRequest, source: SourceName, payload: AlertmanagerIn
) -> dict:
    """Point an Alertmanager `webhook_configs` entry here with
    `http_config.authorization.credentials` set to the source's secret."""
    alert_source = _source(request)
    results = [
        alerts.handle(alert_source, a) for a in alerts.from_alertmanager(payload)
    ]
    return {"results": [r.__dict__ for r in results]}


@router.post(
    "/alerts/generic/{source}",
    auth=AlertSourceAuth(),
    response={200: AlertResultsOut, **ERROR_RESPONSES},
    summary="Generic JSON alert receiver",
)
def generic(request: HttpRequest, source: SourceName, payload: GenericAlertIn) -> dict:
    alert_source = _source(request)
    result = alerts.handle(alert_source, alerts.from_generic(payload))
    return {"results": [result.__dict__]}
