"""The knowledge base over the API: the same readers' scope as the pages,
and the editor's create / change / publish cycle through kb.services."""

import pytest
from django.test import Client
from django.urls import reverse

from podpora.kb.models import Article, ArticleStatus, SuggestionVisit, Visibility

pytestmark = pytest.mark.django_db

API = "/api/v1/kb"


@pytest.fixture
def shelf(make_article, billing, org_a):
    """One article of each kind a reader may or may not see."""
    return {
        "public": make_article(
            "Faktura korygująca", "Jak wystawić fakturę korygującą.", category=billing
        ),
        "org_a": make_article(
            "Drukarka w biurze Kowalski",
            "Sterownik drukarki.",
            visibility=Visibility.ORGANIZATIONS,
            organizations=[org_a],
        ),
        "internal": make_article(
            "Reset hasła w AD", "Wewnętrzna procedura.", visibility=Visibility.INTERNAL
        ),
        "draft": make_article(
            "Nowy VPN", "Jeszcze nie gotowe.", status=ArticleStatus.DRAFT
        ),
    }


def _titles(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {a["title"] for a in response.json()["items"]}


def test_visitor_without_a_token_reads_only_public_articles(shelf):
    visitor = Client()
    assert _titles(visitor.get(f"{API}/articles")) == {"Faktura korygująca"}
    assert visitor.get(f"{API}/articles/{shelf['public'].pk}").status_code == 200
    for hidden in ("org_a", "internal", "draft"):
        response = visitor.get(f"{API}/articles/{shelf[hidden].pk}")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert _titles(visitor.get(f"{API}/search", {"q": "drukarka"})) == set()
    assert [c["slug"] for c in visitor.get(f"{API}/categories").json()["items"]] == [
        "billing"
    ]


def test_a_wrong_token_is_refused_rather_than_read_as_a_visitor(shelf):
    response = Client(headers={"Authorization": "Bearer pdp_nope_nope"}).get(
        f"{API}/articles"
    )
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_visitors_are_rate_limited_per_address(shelf, settings):
    settings.PODPORA_API_RATE_LIMIT = 2
    visitor = Client()
    assert [visitor.get(f"{API}/articles").status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert other.get(f"{API}/articles").status_code == 200


def test_customers_see_their_organisations_articles_too(api_as, shelf, anna, bara):
    assert _titles(api_as(anna).get(f"{API}/articles")) == {
        "Faktura korygująca",
        "Drukarka w biurze Kowalski",
    }
    assert _titles(api_as(bara).get(f"{API}/articles")) == {"Faktura korygująca"}
    assert api_as(bara).get(f"{API}/articles/{shelf['org_a'].pk}").status_code == 404


def test_customers_get_no_agent_fields_and_no_drafts_even_when_asking(
    api_as, shelf, anna
):
    api = api_as(anna)
    article = api.get(f"{API}/articles/{shelf['public'].pk}").json()
    assert "fakturę korygującą" in article["body_html"]
    for agent_field in ("body_markdown", "visibility", "status", "helpful_yes"):
        assert agent_field not in article
    assert _titles(api.get(f"{API}/articles", {"status": "draft"})) == set()
    assert _titles(api.get(f"{API}/articles", {"status": "any"})) == {
        "Faktura korygująca",
        "Drukarka w biurze Kowalski",
    }


def test_agents_read_internal_articles_and_drafts_when_they_ask(api_as, shelf, tomasz):
    api = api_as(tomasz)
    assert _titles(api.get(f"{API}/articles")) == {
        "Faktura korygująca",
        "Drukarka w biurze Kowalski",
        "Reset hasła w AD",
    }
    assert _titles(api.get(f"{API}/articles", {"status": "draft"})) == {"Nowy VPN"}
    assert len(api.get(f"{API}/articles", {"status": "any"}).json()["items"]) == 4
    draft = api.get(f"{API}/articles/{shelf['draft'].pk}").json()
    assert draft["status"] == "draft"
    assert draft["body_markdown"] == "Jeszcze nie gotowe."
    limited = api.get(f"{API}/articles/{shelf['org_a'].pk}").json()
    assert [o["name"] for o in limited["organizations"]] == [
        "Kowalski Logistyka sp. z o.o."
    ]


def test_an_article_is_read_by_its_slug_as_on_its_page(shelf):
    visitor = Client()
    article = visitor.get(f"{API}/articles/slug/faktura-korygujaca").json()
    assert article["id"] == shelf["public"].pk
    assert article["url"] == reverse(
        "kb:article", kwargs={"slug": "faktura-korygujaca"}
    )
    assert visitor.get(article["url"]).status_code == 200
    assert visitor.get(f"{API}/articles/slug/reset-hasla-w-ad").status_code == 404


def test_search_forgives_diacritics_and_endings_and_matches_the_page(
    shelf, make_article
):
    make_article("Faktury zbiorcze", "Kilka faktur naraz.")
    visitor = Client()
    found = visitor.get(f"{API}/search", {"q": "FAKTURA"}).json()["items"]
    page = visitor.get(reverse("kb:index"), {"q": "FAKTURA"})
    assert [a["id"] for a in found] == [a.pk for a in page.context["results"]]
    assert {a["title"] for a in found} == {"Faktura korygująca", "Faktury zbiorcze"}
    assert _titles(visitor.get(f"{API}/search", {"q": "korygujacej"})) == {
        "Faktura korygująca"
    }


def test_list_filters_and_pages_with_a_cursor(
    api_as, tomasz, make_article, billing, django_assert_max_num_queries
):
    for i in range(5):
        make_article(f"Artykuł {i}", language="pl", category=billing)
    make_article("English article")
    api = api_as(tomasz)
    seen = []
    cursor = None
    while True:
        params = {"language": "pl", "category": billing.pk, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        with django_assert_max_num_queries(4):
            page = api.get(f"{API}/articles", params).json()
        seen += [a["title"] for a in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"Artykuł {i}" for i in reversed(range(5))]
    bad = api.get(f"{API}/articles", {"cursor": "forged"})
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_cursor")


def test_suggestions_lead_to_the_article_and_count_as_a_visit(shelf, make_article):
    visitor = Client()
    response = visitor.get(
        f"{API}/suggest", {"subject": "Jak poprawić fakturę?", "body": "Błędna kwota"}
    )
    items = response.json()["items"]
    assert [s["title"] for s in items] == ["Faktura korygująca"]
    assert "from=suggest" in items[0]["url"]
    assert visitor.get(items[0]["url"]).status_code == 200
    visit = SuggestionVisit.objects.get()
    assert visit.article == shelf["public"]
    assert visit.query == "Jak poprawić fakturę?"
    assert visitor.get(f"{API}/suggest", {"subject": "  "}).json()["items"] == []


def test_an_editor_writes_publishes_changes_and_unpublishes_an_article(
    api_as, tomasz, billing, org_a, anna, bara
):
    api = api_as(tomasz)
    created = api.post(
        f"{API}/articles",
        {
            "title": "Konfiguracja  poczty",
            "body_markdown": "# Krok 1\n<script>alert(1)</script>",
            "category_id": billing.pk,
            "language": "pl",
            "visibility": "organizations",
            "organization_ids": [org_a.pk],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    article = created.json()
    assert article["status"] == "draft"
    assert article["title"] == "Konfiguracja poczty"
    assert article["slug"] == "konfiguracja-poczty"
    assert "<script>" not in article["body_html"]
    assert article["author"]["id"] == tomasz.pk
    url = f"{API}/articles/{article['id']}"
    assert api_as(anna).get(url).status_code == 404

    published = api.post(f"{url}/publish")
    assert published.json()["status"] == "published"
    assert api_as(anna).get(url).status_code == 200
    assert api_as(bara).get(url).status_code == 404

    etag = published["ETag"]
    changed = api.patch(
        url,
        {"title": "Konfiguracja poczty w Outlooku", "visibility": "public"},
        content_type="application/json",
        headers={"If-Match": etag},
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["body_markdown"].startswith("# Krok 1")
    assert changed.json()["organizations"] == []
    assert changed["ETag"] != etag
    assert api_as(bara).get(url).json()["title"] == "Konfiguracja poczty w Outlooku"

    stale = api.patch(
        url,
        {"title": "Nadpisane"},
        content_type="application/json",
        headers={"If-Match": etag},
    )
    assert (stale.status_code, stale.json()["code"]) == (412, "precondition_failed")
    assert Article.objects.get(pk=article["id"]).title == (
        "Konfiguracja poczty w Outlooku"
    )

    assert api.post(f"{url}/unpublish").json()["status"] == "draft"
    assert Client().get(url).status_code == 404


def test_nobody_without_the_editing_right_writes(api_as, shelf, anna, tomasz):
    body = {"title": "Nowy"}
    url = f"{API}/articles/{shelf['public'].pk}"
    customer = api_as(anna)
    for response in (
        customer.post(f"{API}/articles", body, content_type="application/json"),
        customer.patch(url, body, content_type="application/json"),
        customer.post(f"{url}/unpublish"),
    ):
        assert (response.status_code, response.json()["code"]) == (403, "not_allowed")
    read_only = api_as(tomasz, scope="read").post(f"{url}/unpublish")
    assert read_only.json()["code"] == "read_only_token"
    assert Client().post(f"{url}/unpublish").status_code == 401
    assert Article.objects.get(pk=shelf["public"].pk).status == "published"
    assert Article.objects.count() == 4


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"title": "X", "visibility": "organizations"}, 400, "invalid_article"),
        ({"title": "X", "category_id": 999999}, 400, "invalid_article"),
        ({"title": "X", "organization_ids": [999999]}, 400, "invalid_article"),
        ({"title": "   "}, 400, "invalid_article"),
        ({"title": ""}, 422, "validation_error"),
        ({"title": "X", "language": "de"}, 422, "validation_error"),
        ({"title": "X", "slug": "a b"}, 422, "validation_error"),
    ],
)
def test_bad_article_input_is_a_4xx_and_saves_nothing(
    api_as, tomasz, body, status, code
):
    response = api_as(tomasz).post(
        f"{API}/articles", body, content_type="application/json"
    )
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.json()["message"]
    assert not Article.objects.exists()


def test_a_patch_cannot_empty_a_required_field(api_as, tomasz, shelf):
    url = f"{API}/articles/{shelf['public'].pk}"
    response = api_as(tomasz).patch(
        url, {"title": None}, content_type="application/json"
    )
    assert response.status_code == 400
    assert Article.objects.get(pk=shelf["public"].pk).title == "Faktura korygująca"
