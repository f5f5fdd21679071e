import pytest

from podpora.kb.models import SuggestionVisit, Visibility
from tests.conftest import PASSWORD, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, user):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_load_state()


@pytest.fixture
def stand_in_pages(settings):
    settings.ROOT_URLCONF = "tests.kb.urls"


def test_customer_typing_a_request_sees_a_suggestion_and_is_helped(
    page, live_server, stand_in_pages, make_article, adam
):
    make_article(
        "Drukarka nie drukuje – wymiana tonera",
        "Gdy drukarka pokazuje **żółty** wykrzyknik, wymień toner.",
        language="pl",
    )
    make_article("Konfiguracja VPN", "Pobierz klienta VPN.")
    _sign_in(page, live_server, adam)
    page.goto(live_server.url + "/test/new-request/")
    page.locator("#id_subject").press_sequentially("Drukarki nie drukują", delay=20)
    suggestion = page.locator("#kb-suggest a", has_text="wymiana tonera")
    suggestion.wait_for()
    assert page.locator("#kb-suggest a").count() == 1
    screenshot(page, "kb-suggestion-while-typing")

    with page.context.expect_page() as opened:
        suggestion.click()
    article = opened.value
    article.wait_for_load_state()
    article.locator("#kb-solved button").click()
    article.locator("#kb-solved[role=status]").wait_for()
    screenshot(article, "kb-suggestion-solved")
    visit = SuggestionVisit.objects.get()
    assert visit.solved_at is not None
    assert visit.user == adam


def test_agent_inserts_an_article_link_into_a_reply(
    page, live_server, stand_in_pages, make_article, tomasz
):
    article = make_article("Jak pobrać fakturę", "Faktury są w portalu.")
    make_article("Procedura wewnętrzna", "faktury", visibility=Visibility.INTERNAL)
    _sign_in(page, live_server, tomasz)
    page.goto(live_server.url + "/test/reply/")
    page.get_by_text("Insert from the knowledge base").click()
    page.get_by_placeholder("Search articles").fill("faktury")
    page.get_by_role("button", name="Insert link").click()
    reply = page.locator("#id_reply").input_value()
    assert reply.startswith("Dzień dobry,\nJak pobrać fakturę: ")
    assert reply.rstrip().endswith(f"/kb/a/{article.slug}/")
    screenshot(page, "kb-reply-insert-link")


def test_visitor_searches_the_public_knowledge_base(page, live_server, make_article):
    make_article("Příliš mnoho přihlášení", "Účet je zablokován.", language="cs")
    make_article("Żółty wykrzyknik", "Toner.", language="pl")
    page.goto(live_server.url + "/kb/")
    assert page.locator("#kb-results a").count() == 2  # recently updated
    page.locator("#kb-q").fill("prilis")
    page.locator("#kb-results h2", has_text="prilis").wait_for()
    assert (
        page.locator("#kb-results a", has_text="Příliš mnoho přihlášení").count() == 1
    )
    assert page.locator("#kb-results a", has_text="Żółty").count() == 0
    screenshot(page, "kb-public-search")


def test_agent_writes_previews_and_publishes_an_article(page, live_server, tomasz):
    from podpora.kb.models import Article

    _sign_in(page, live_server, tomasz)
    page.goto(live_server.url + "/kb/manage/")
    page.get_by_role("link", name="New article").click()
    page.get_by_label("Title").fill("Żółty wykrzyknik na drukarce")
    page.get_by_label("Text (Markdown)").fill(
        "Wymień **toner**.\n\n1. Otwórz klapkę\n2. Wyjmij kasetę"
    )
    page.get_by_label("Who may read it").select_option("public")
    page.get_by_role("button", name="Preview").click()
    page.locator("#kb-preview strong", has_text="toner").wait_for()
    screenshot(page, "kb-editor-preview")
    page.get_by_role("button", name="Save and publish").click()
    page.get_by_text("The article was saved.").wait_for()
    article = Article.objects.get()
    assert article.status == "published"
    page.goto(live_server.url + "/kb/?q=zolty")
    page.get_by_role("link", name="Żółty wykrzyknik na drukarce").wait_for()
