import pytest
from django.urls import reverse

from podpora.kb.models import Article, ArticleStatus, SuggestionVisit, Visibility
from podpora.tickets import services as ticket_services


@pytest.fixture
def faktury(make_article, billing):
    return make_article(
        "Jak pobrać fakturę", "Faktury są w **portalu**.", category=billing
    )


def test_anonymous_visitor_browses_and_searches_public_articles(client, faktury):
    page = client.get(reverse("kb:index"))
    assert page.status_code == 200
    assert "Jak pobrać fakturę" in page.text
    assert "Billing" in page.text
    found = client.get(reverse("kb:index"), {"q": "faktury"})
    assert "Jak pobrać fakturę" in found.text
    missing = client.get(reverse("kb:index"), {"q": "monitor"})
    assert "Jak pobrać fakturę" not in missing.text
    article = client.get(reverse("kb:article", args=[faktury.slug]))
    assert "<strong>portalu</strong>" in article.text
    category = client.get(reverse("kb:category", args=["billing"]))
    assert "Jak pobrać fakturę" in category.text


def test_htmx_search_returns_only_the_results_fragment(client, faktury):
    page = client.get(reverse("kb:index"), {"q": "faktura"}, HTTP_HX_REQUEST="true")
    assert "Jak pobrać fakturę" in page.text
    assert "<html" not in page.text


def test_hidden_articles_answer_404(client, make_article, org_b, adam):
    internal = make_article("Tajne", visibility=Visibility.INTERNAL)
    other_org = make_article(
        "Novák", visibility=Visibility.ORGANIZATIONS, organizations=[org_b]
    )
    draft = make_article("Szkic", status=ArticleStatus.DRAFT)
    client.force_login(adam)
    for article in (internal, other_org, draft):
        assert client.get(reverse("kb:article", args=[article.slug])).status_code == 404


def test_an_editor_previews_a_draft_on_its_page(client, make_article, tomasz):
    draft = make_article("Szkic", status=ArticleStatus.DRAFT)
    client.force_login(tomasz)
    page = client.get(reverse("kb:article", args=[draft.slug]))
    assert page.status_code == 200
    assert "Draft" in page.text


def test_a_category_with_nothing_visible_is_not_found(client, make_article, billing):
    make_article("Tajne", visibility=Visibility.INTERNAL, category=billing)
    assert client.get(reverse("kb:category", args=["billing"])).status_code == 404


def test_index_runs_a_fixed_number_of_queries(
    client, make_article, billing, django_assert_max_num_queries
):
    for n in range(15):
        make_article(f"Artykuł {n}", category=billing)
    with django_assert_max_num_queries(6):
        client.get(reverse("kb:index"))
    with django_assert_max_num_queries(6):
        client.get(reverse("kb:index"), {"q": "artykuł"})


def test_a_visitor_votes_once_and_may_change_the_vote(client, faktury):
    url = reverse("kb:vote", args=[faktury.slug])
    client.get(reverse("kb:article", args=[faktury.slug]))
    assert (
        client.post(url, {"helpful": "yes"}, HTTP_HX_REQUEST="true").status_code == 200
    )
    client.post(url, {"helpful": "yes"})
    faktury.refresh_from_db()
    assert (faktury.helpful_yes, faktury.helpful_no) == (1, 0)
    client.post(url, {"helpful": "no"})
    faktury.refresh_from_db()
    assert (faktury.helpful_yes, faktury.helpful_no) == (0, 1)
    assert client.post(url, {"helpful": "maybe"}).status_code == 400


def test_voting_too_often_is_refused_with_429(client, faktury, settings):
    from podpora.kb import services

    url = reverse("kb:vote", args=[faktury.slug])
    for _ in range(services.VOTES_PER_HOUR):
        client.post(url, {"helpful": "yes"})
    response = client.post(url, {"helpful": "yes"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 429
    assert "Too many votes" in response.text


def test_suggestions_list_up_to_five_visible_articles(client, make_article, adam):
    for n in range(7):
        make_article(f"Drukarka {n}", "toner")
    make_article("Drukarka wewnętrzna", visibility=Visibility.INTERNAL)
    client.force_login(adam)
    response = client.get(reverse("kb:suggest"), {"subject": "drukarki nie działają"})
    assert response.text.count("?from=suggest") == 5
    assert "wewnętrzna" not in response.text
    assert client.get(reverse("kb:suggest"), {"subject": ""}).text.strip() == ""


def test_opening_a_suggestion_and_saying_it_helped_counts_a_deflection(
    client, faktury, adam
):
    client.force_login(adam)
    page = client.get(
        reverse("kb:article", args=[faktury.slug]), {"from": "suggest", "q": "faktura"}
    )
    assert "this solved my problem" in page.text
    visit = SuggestionVisit.objects.get()
    assert (visit.user, visit.query, visit.solved_at) == (adam, "faktura", None)
    response = client.post(
        reverse("kb:solved", args=[faktury.slug]), HTTP_HX_REQUEST="true"
    )
    assert "Glad it helped" in response.text
    visit.refresh_from_db()
    assert visit.solved_at is not None
    assert visit.organization == adam.memberships.get().organization


def test_agent_reply_search_offers_link_and_text(
    client, faktury, make_article, tomasz, settings
):
    settings.PODPORA_BASE_URL = "https://pomoc.example.pl"
    make_article(
        "Procedura wewnętrzna faktur", "krok 1", visibility=Visibility.INTERNAL
    )
    client.force_login(tomasz)
    response = client.get(
        reverse("kb:agent_search"), {"q": "faktura", "target": "id_reply"}
    )
    assert response.status_code == 200
    assert f"https://pomoc.example.pl/kb/a/{faktury.slug}/" in response.text
    assert "Procedura wewnętrzna faktur" in response.text
    assert response.text.count("Insert link") == 1  # no link to an internal article
    assert 'data-kb-target="id_reply"' in response.text


def test_customers_cannot_use_agent_search(client, adam):
    client.force_login(adam)
    assert client.get(reverse("kb:agent_search"), {"q": "x"}).status_code == 403


def test_agent_turns_a_reply_into_a_draft_and_lands_in_the_editor(
    client, tomasz, adam, open_ticket_for
):
    ticket = open_ticket_for(adam, "Brak dostępu do faktur")
    reply = ticket_services.add_reply(
        ticket, author=tomasz, body_text="Nadałem uprawnienia."
    )
    client.force_login(tomasz)
    response = client.post(reverse("kb:draft_from_message"), {"message": reply.pk})
    draft = Article.objects.get()
    assert response.url == reverse("kb:article_edit", args=[draft.pk])
    assert draft.author == tomasz
    bad = client.post(reverse("kb:draft_from_message"), {"message": "abc"})
    assert bad.status_code == 400
    assert (
        client.post(reverse("kb:draft_from_message"), {"message": 999}).status_code
        == 404
    )


def test_customers_cannot_turn_messages_into_articles(client, adam):
    client.force_login(adam)
    assert (
        client.post(reverse("kb:draft_from_message"), {"message": 1}).status_code == 403
    )


def test_editor_creates_previews_publishes_and_unpublishes(client, tomasz, org_a):
    client.force_login(tomasz)
    form = {
        "title": "Nowy VPN",
        "slug": "",
        "body_markdown": "Pobierz *klienta*.",
        "language": "pl",
        "visibility": "organizations",
    }
    rejected = client.post(reverse("kb:article_create"), form)
    assert "Choose at least one organisation" in rejected.text
    assert not Article.objects.exists()
    created = client.post(
        reverse("kb:article_create"), {**form, "organizations": [org_a.pk]}
    )
    article = Article.objects.get()
    assert created.url == reverse("kb:article_edit", args=[article.pk])
    assert article.status == ArticleStatus.DRAFT
    assert list(article.organizations.all()) == [org_a]
    preview = client.post(reverse("kb:preview"), {"body_markdown": "*x*<script>"})
    assert "<em>x</em>" in preview.text
    assert "<script" not in preview.text
    client.post(reverse("kb:article_publish", args=[article.pk]), {"publish": "1"})
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED
    client.post(reverse("kb:article_publish", args=[article.pk]), {"publish": "0"})
    article.refresh_from_db()
    assert article.status == ArticleStatus.DRAFT
    edited = client.post(
        reverse("kb:article_edit", args=[article.pk]),
        {
            **form,
            "title": "VPN dla wszystkich",
            "visibility": "public",
            "action": "publish",
        },
    )
    assert edited.status_code == 302
    article.refresh_from_db()
    assert (article.title, article.status) == ("VPN dla wszystkich", "published")
    assert list(article.organizations.all()) == []
    listing = client.get(reverse("kb:manage"))
    assert "VPN dla wszystkich" in listing.text


def test_customers_cannot_reach_the_editor(client, adam):
    client.force_login(adam)
    assert client.get(reverse("kb:manage")).status_code == 403
    assert client.get(reverse("kb:article_create")).status_code == 403
    assert client.post(reverse("kb:preview"), {"body_markdown": "x"}).status_code == 403


def test_manage_list_runs_a_fixed_number_of_queries(
    client, make_article, tomasz, django_assert_max_num_queries
):
    for n in range(20):
        make_article(f"Artykuł {n}")
    client.force_login(tomasz)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("kb:manage")).status_code == 200


def test_the_desk_button_turns_a_reply_into_a_draft(
    client, tomasz, adam, open_ticket_for
):
    from django.template import Context, Template

    ticket = open_ticket_for(adam, "VPN")
    reply = ticket_services.add_reply(ticket, author=tomasz, body_text="Restart.")
    html = Template(
        '{% include "kb/partials/draft_from_message_button.html" %}'
    ).render(Context({"message": reply}))
    assert f'name="message" value="{reply.pk}"' in html
    assert reverse("kb:draft_from_message") in html
