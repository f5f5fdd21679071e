import pytest

from podpora.kb import services
from podpora.kb.models import ArticleStatus, Category, Visibility


@pytest.fixture
def billing(db) -> Category:
    return Category.objects.create(name="Billing", slug="billing")


@pytest.fixture
def make_article(tomasz):
    """Publish an article through the real service, written by Tomasz."""

    def _make(title: str, body: str = "", **kwargs):
        kwargs.setdefault("visibility", Visibility.PUBLIC)
        kwargs.setdefault("status", ArticleStatus.PUBLISHED)
        return services.create_article(
            actor=tomasz, title=title, body_markdown=body, **kwargs
        )

    return _make
