import re

import pytest

from podpora.kb import services
from podpora.kb.errors import InvalidArticle, NotAllowed, TooManyRequests
from podpora.kb.models import ArticleStatus, ArticleVote, Visibility
from podpora.tickets import services as ticket_services


def test_markdown_is_rendered_and_scripts_are_removed(tomasz):
    article = services.create_article(
        actor=tomasz,
        title="Skróty",
        body_markdown="# Nagłówek\n\n**Ctrl+P** drukuje.\n\n<script>alert(1)</script>"
        "\n\n[link](javascript:alert(1))\n\n| a |\n|---|\n| b |\n",
    )
    assert "<h1>Nagłówek</h1>" in article.body_html
    assert "<strong>Ctrl+P</strong>" in article.body_html
    assert "<script" not in article.body_html
    assert 'href="javascript' not in article.body_html
    assert "<td>b</td>" in article.body_html


@pytest.mark.parametrize(
    "markdown",
    [
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](DATA:text/html,hi)",
        "[x](&#100;ata:text/html,hi)",
        "[x](&#x64;&#x61;ta:text/html,hi)",
        "[x](data&colon;text/html,hi)",
        "[x](<data\t:text/html,hi>)",
        "[x](da%74a:text/html,hi)",
        "[x](data%3Atext/html,hi)",
        "[x][ref]\n\n[ref]: DATA:text/html,hi",
        "<data:text/html,hi>",
        "![i](data:image/svg+xml;base64,PHN2Zz4=)",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](java&#x09;script:alert(1))",
        "[x](<java\tscript:alert(1)>)",
        "[x](vbscript:msgbox(1))",
        "[x](file:///etc/passwd)",
    ],
)
def test_no_data_or_script_link_survives_in_an_article_body(tomasz, markdown):
    article = services.create_article(
        actor=tomasz, title="Linki", body_markdown=f"Zobacz {markdown} tutaj."
    )
    body = article.body_html.lower()
    assert "tutaj" in body
    for scheme in ("data", "javascript", "vbscript", "file", "da%74a", "data%3a"):
        assert f'="{scheme}' not in body.replace("\t", "").replace("%09", "")
    assert not re.search(r'(href|src)="[^"]*(data|script)[^"]*"', body)
    assert services.render_markdown(markdown).lower().count("href=") == 0


def test_customers_cannot_write_articles(adam):
    with pytest.raises(NotAllowed):
        services.create_article(actor=adam, title="Spam")


def test_an_article_needs_a_title_and_organisations_when_limited(tomasz):
    with pytest.raises(InvalidArticle):
        services.create_article(actor=tomasz, title="   ")
    with pytest.raises(InvalidArticle):
        services.create_article(
            actor=tomasz, title="VPN", visibility=Visibility.ORGANIZATIONS
        )


def test_slugs_are_ascii_and_unique(tomasz):
    first = services.create_article(actor=tomasz, title="Żółta łódź")
    second = services.create_article(actor=tomasz, title="Żółta łódź")
    assert first.slug == "zolta-lodz"
    assert second.slug == "zolta-lodz-2"


def test_publishing_and_unpublishing_records_the_time(tomasz):
    article = services.create_article(actor=tomasz, title="VPN")
    assert article.status == ArticleStatus.DRAFT
    article = services.set_published(article, actor=tomasz, published=True)
    assert article.status == ArticleStatus.PUBLISHED
    assert article.published_at is not None
    article = services.set_published(article, actor=tomasz, published=False)
    assert article.status == ArticleStatus.DRAFT


def test_editing_updates_the_search_column(make_article, tomasz):
    article = make_article("VPN", "stary tekst")
    services.update_article(
        article,
        actor=tomasz,
        title="VPN",
        body_markdown="Nowa konfiguracja",
        category=None,
        language="pl",
        visibility=Visibility.PUBLIC,
    )
    article.refresh_from_db()
    assert " konfiguracj" in article.search_text
    assert " star" not in article.search_text


def test_a_second_vote_by_the_same_person_replaces_the_first(make_article, adam):
    article = make_article("VPN")
    services.vote(article, helpful=True, user=adam, session_key="", client="1.2.3.4")
    services.vote(article, helpful=False, user=adam, session_key="", client="1.2.3.4")
    services.vote(article, helpful=True, user=None, session_key="abc", client="5.6.7.8")
    article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no) == (1, 1)
    assert ArticleVote.objects.count() == 2


def test_votes_are_rate_limited_per_client(make_article):
    article = make_article("VPN")
    for n in range(services.VOTES_PER_HOUR):
        services.vote(
            article, helpful=True, user=None, session_key=f"s{n}", client="9.9.9.9"
        )
    with pytest.raises(TooManyRequests):
        services.vote(
            article, helpful=True, user=None, session_key="x", client="9.9.9.9"
        )


def test_a_reply_becomes_an_internal_draft(tomasz, adam, open_ticket_for):
    ticket = open_ticket_for(adam, "Nie działa VPN po aktualizacji")
    reply = ticket_services.add_reply(
        ticket, author=tomasz, body_text="Zainstaluj ponownie klienta VPN."
    )
    draft = services.draft_from_message(reply.pk, actor=tomasz)
    assert draft.title == "Nie działa VPN po aktualizacji"
    assert draft.body_markdown == "Zainstaluj ponownie klienta VPN."
    assert draft.status == ArticleStatus.DRAFT
    assert draft.visibility == Visibility.INTERNAL
    assert draft.language == "pl"
    assert draft.source_message == reply


def test_a_customer_message_or_a_ticket_out_of_scope_cannot_become_an_article(
    tomasz, petra, adam, open_ticket_for, service_desk
):
    ticket = open_ticket_for(adam, "VPN", team=service_desk)
    customer_message = ticket.messages.get()
    with pytest.raises(InvalidArticle):
        services.draft_from_message(customer_message.pk, actor=tomasz)
    reply = ticket_services.add_reply(ticket, author=tomasz, body_text="Tak.")
    with pytest.raises(InvalidArticle) as not_found:
        services.draft_from_message(reply.pk, actor=petra)  # not her team
    assert not_found.value.code == "not_found"


def test_a_portal_request_after_reading_a_suggestion_is_not_a_deflection(
    make_article, adam, open_ticket_for, settings
):
    settings.PODPORA_TICKET_HOOKS = ["podpora.kb.hooks.on_ticket_change"]
    article = make_article("VPN")
    visit = services.record_suggestion_visit(article, session_key="s", user=adam)
    open_ticket_for(adam, "VPN nadal nie działa")
    visit.refresh_from_db()
    assert visit.request_sent_at is not None
