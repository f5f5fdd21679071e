"""Property-based checks of the live API against its own OpenAPI schema:
schemathesis generates valid and invalid requests for every operation, with a
customer's, an agent's and a supervisor's token (the supervisor reaches the
report figures). No answer may be a 5xx or break the schema."""

import subprocess
import sys
from pathlib import Path

import pytest

from podpora.api import services as tokens
from podpora.automation.data import install_defaults
from podpora.kb import services as kb
from podpora.kb.models import ArticleStatus, Visibility
from podpora.tickets import services

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ST = Path(sys.executable).with_name("st")
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"


@pytest.mark.parametrize("persona", ["anna", "tomasz", "sylwia"])
def test_live_api_answers_every_generated_request_within_its_schema(
    request, live_server, settings, tmp_path, persona, open_ticket_for
):
    settings.PODPORA_API_RATE_LIMIT = 0
    user = request.getfixturevalue(persona)
    anna = request.getfixturevalue("anna")
    tomasz = request.getfixturevalue("tomasz")
    install_defaults()  # an SLA policy, so that tickets have clocks
    article = kb.create_article(
        actor=tomasz,
        title="Drukarka nie drukuje",
        body_markdown="Sprawdź **toner**.",
        visibility=Visibility.PUBLIC,
        status=ArticleStatus.PUBLISHED,
    )
    for i in range(3):
        ticket = open_ticket_for(
            anna, f"Drukarka {i}", files=[services.IncomingFile("a.txt", b"x")]
        )
        services.add_reply(ticket, author=tomasz, body_text="Odpowiedź")
        services.add_note(ticket, author=tomasz, body_text="Notatka")
    _, secret = tokens.create_token(user, name="schemathesis", scope="write")
    # Real ids, so that generated requests reach past the 404s into the
    # endpoints' logic (schemathesis varies everything else).
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        "[parameters]\n"
        f'"path.number" = {ticket.number}\n'
        f'"path.attachment_id" = {ticket.attachments.first().pk}\n'
        f'"path.team_id" = {tomasz.teams.first().pk}\n'
        f'"path.user_id" = {anna.pk}\n'
        f'"path.organization_id" = {anna.memberships.first().organization_id}\n'
        '"path.source" = "prometheus"\n'
        f'"path.article_id" = {article.pk}\n'
        f'"path.slug" = "{article.slug}"\n'
        '"path.year" = 2026\n'
        '"path.month" = 11\n'
    )
    result = subprocess.run(
        [
            str(ST),
            "--config-file",
            str(config),
            "run",
            f"{live_server.url}/api/v1/openapi.json",
            "--header",
            f"Authorization: Bearer {secret}",
            "--checks",
            CHECKS,
            "--max-examples",
            "10",
            "--phases",
            "examples,coverage,fuzzing",
            "--seed",
            "20261123",
            # Two at a time: the live server answers in threads, and CI's
            # time is spent waiting on one request after another otherwise.
            "--workers",
            "2",
            "--request-timeout",
            "20",
            "--generation-deterministic",
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,  # its cache directory goes there, not into the checkout
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
