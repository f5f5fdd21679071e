from datetime import timedelta

import pytest
from django.utils import timezone

from podpora.kb import selectors, services
from podpora.kb.models import ArticleStatus, SuggestionVisit, Visibility


@pytest.fixture
def library(make_article, org_a, org_b):
    return {
        "public": make_article("Jak pobrać fakturę", "Faktury znajdziesz w portalu."),
        "internal": make_article(
            "Reset hasła w AD", "Tylko dla techników.", visibility=Visibility.INTERNAL
        ),
        "org_a": make_article(
            "VPN Kowalski",
            "Konfiguracja VPN dla biura.",
            visibility=Visibility.ORGANIZATIONS,
            organizations=[org_a],
        ),
        "org_b": make_article(
            "VPN Novák",
            "Nastavení VPN pro kancelář.",
            visibility=Visibility.ORGANIZATIONS,
            organizations=[org_b],
        ),
        "draft": make_article("Nowa drukarka", status=ArticleStatus.DRAFT),
    }


def titles(articles):
    return sorted(a.title for a in articles)


def test_anonymous_visitors_see_only_published_public_articles(library):
    assert titles(selectors.articles_visible_to(None)) == ["Jak pobrać fakturę"]


def test_customers_see_public_articles_and_their_organisations_only(
    library, adam, bara
):
    assert titles(selectors.articles_visible_to(adam)) == [
        "Jak pobrać fakturę",
        "VPN Kowalski",
    ]
    assert titles(selectors.articles_visible_to(bara)) == [
        "Jak pobrać fakturę",
        "VPN Novák",
    ]


def test_agents_see_internal_articles_but_drafts_only_when_asked(library, petra):
    assert "Reset hasła w AD" in titles(selectors.articles_visible_to(petra))
    assert "Nowa drukarka" not in titles(selectors.articles_visible_to(petra))
    assert "Nowa drukarka" in titles(selectors.articles_visible_to(petra, drafts=True))


def test_drafts_are_never_visible_to_customers(library, anna):
    assert "Nowa drukarka" not in titles(
        selectors.articles_visible_to(anna, drafts=True)
    )


def test_search_ignores_diacritics_and_word_endings(make_article):
    make_article("Żółty wykrzyknik przy drukarce", "Toner jest na wyczerpaniu.")
    make_article("Příliš mnoho přihlášení", "Účet je zablokován.")
    make_article("Faktury", "Kde najdu faktury? Pod fakturou je odkaz.")
    assert titles(selectors.search(None, "zolty")) == ["Żółty wykrzyknik przy drukarce"]
    assert titles(selectors.search(None, "prilis")) == ["Příliš mnoho přihlášení"]
    assert titles(selectors.search(None, "faktura")) == ["Faktury"]
    assert titles(selectors.search(None, "FAKTUROU")) == ["Faktury"]


def test_search_needs_every_word_and_ranks_title_matches_first(make_article):
    make_article("Drukarka i kabel USB", "Sprawdź połączenie.")
    make_article("Kabel sieciowy", "Drukarka potrzebuje kabla.")  # newer
    make_article("Monitor", "Nic o tym.")
    found = selectors.search(None, "drukarka kabel")
    assert [a.title for a in found] == ["Drukarka i kabel USB", "Kabel sieciowy"]
    assert titles(selectors.search(None, "drukarka monitor")) == []


def test_search_respects_the_access_scope(library, bara):
    assert titles(selectors.search(bara, "vpn")) == ["VPN Novák"]
    assert titles(selectors.search(None, "vpn")) == []
    assert titles(selectors.search(None, "hasła")) == []


def test_suggestions_match_any_word_best_first_and_stop_at_five(make_article):
    for n in range(7):
        make_article(f"Drukarka model {n}", "Instrukcja.")
    make_article("Drukarka nie drukuje faktur", "Papier i toner.")
    found = selectors.suggest(None, "drukarka nie drukuje po aktualizacji")
    assert len(found) == 5
    assert found[0].title == "Drukarka nie drukuje faktur"


def test_suggestions_prefer_the_viewers_language(make_article):
    make_article("VPN setup", "VPN", language="en")
    make_article("Nastavení VPN", "VPN", language="cs")
    assert selectors.suggest(None, "vpn", language="cs")[0].title == "Nastavení VPN"
    assert selectors.suggest(None, "vpn", language="en")[0].title == "VPN setup"


def test_categories_count_only_articles_the_viewer_may_read(library, billing, adam):
    for article in library.values():
        article.category = billing
        article.save()
    (category,) = selectors.categories_with_counts(adam)
    assert category.visible_count == 2
    assert selectors.categories_with_counts(None)[0].visible_count == 1


def test_deflection_counts_solved_visits_and_visits_without_a_request(
    make_article, adam
):
    article = make_article("Faktury")
    now = timezone.now()
    solved = services.mark_solved(article, session_key="s1", user=adam)
    services.record_suggestion_visit(article, session_key="s2", user=None)
    services.record_suggestion_visit(article, session_key="s3", user=None)
    services.note_request_sent("s3")
    SuggestionVisit.objects.update(opened_at=now - timedelta(hours=2))
    summary = selectors.deflection_summary(now - timedelta(days=1), now)
    assert (summary.opened, summary.solved, summary.deflected) == (3, 1, 2)
    assert summary.rate == pytest.approx(2 / 3)
    by_org = selectors.deflection_summary(
        now - timedelta(days=1), now, organization=solved.organization
    )
    assert (by_org.opened, by_org.deflected) == (1, 1)


def test_a_fresh_visit_is_not_yet_counted_as_deflected(make_article):
    article = make_article("Faktury")
    services.record_suggestion_visit(article, session_key="s1", user=None)
    now = timezone.now()
    summary = selectors.deflection_summary(now - timedelta(days=1), now + timedelta(1))
    assert (summary.opened, summary.deflected) == (1, 0)


def test_an_old_title_match_outranks_many_newer_text_matches(make_article):
    make_article("Toner w drukarce", "Wymiana.")  # the oldest
    for n in range(60):
        make_article(f"Notatka {n}", "Tu jest mowa o tonerze.")
    assert selectors.search(None, "toner", limit=10)[0].title == "Toner w drukarce"
    assert selectors.suggest(None, "toner")[0].title == "Toner w drukarce"
