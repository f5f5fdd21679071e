"""The REST API at ``/api/v1/``: one NinjaAPI, one router per domain.

Each domain app keeps its endpoints in its own ``api.py`` (a ninja
``Router`` named ``router``) and is listed in ``ROUTERS`` below; a new domain
adds one line here and nothing else. Every router shares the authentication, rate limit and error
shape set on the API.
"""

from django.http import HttpRequest
from django.utils.module_loading import import_string
from ninja import NinjaAPI, Router

from podpora.api import errors
from podpora.api.auth import SessionAuth, TokenAuth
from podpora.api.docs import LocalSwagger
from podpora.api.schemas import PingOut

# (URL prefix, dotted path of the Router). Order is the order in the docs.
ROUTERS: list[tuple[str, str]] = [
    ("", "podpora.api.routers.tickets.router"),
    ("", "podpora.automation.api.router"),
    ("", "podpora.api.routers.people.router"),
    ("", "podpora.api.routers.organizations.router"),
    ("", "podpora.api.routers.teams.router"),
    ("", "podpora.search.api.router"),
    ("kb", "podpora.kb.api.router"),
    ("reports", "podpora.reports.api.router"),
    ("", "podpora.integrations.api.router"),
    ("", "podpora.macros.api.router"),
]

api = NinjaAPI(
    title="Podpora API",
    version="1",
    description=(
        "Tickets, their threads and attachments, SLA clocks, people, search, "
        "the knowledge base, report figures, webhooks and monitoring alerts. "
        "Authenticate with `Authorization: Bearer <token>` (personal tokens "
        "are made at /api/tokens/) or with the web session; the public "
        "knowledge base needs neither. "
        'Errors are `{"code": …, "message": …}`.'
    ),
    urls_namespace="api-v1",
    docs=LocalSwagger(),
    auth=[TokenAuth(), SessionAuth()],
)
errors.install(api)


@api.get("/ping", auth=None, response=PingOut, tags=["meta"], summary="Health check")
def ping(request: HttpRequest) -> dict[str, str]:
    """The smallest endpoint: no database, no authentication."""
    return {"status": "ok"}


for _prefix, _path in ROUTERS:
    _router: Router = import_string(_path)
    api.add_router(_prefix, _router)
