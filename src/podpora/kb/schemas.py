"""What the knowledge-base API shows and takes.

Readers (customers and visitors) and agents get separate output schemas, as
for tickets: drafts, visibility, the organisations an article is limited to,
its Markdown source and vote counts are agents' business, so the reader
schema does not have them.
"""

from datetime import datetime
from typing import Annotated, Literal

from django.urls import reverse
from ninja import Field, Schema

from podpora.api.schemas import Id, OrganizationRef, PersonRef, Text
from podpora.kb.models import Article, Category

LanguageCode = Literal["en", "pl", "cs"]
VisibilityName = Literal["public", "organizations", "internal"]
StatusName = Literal["draft", "published"]
Slug = Annotated[str, Field(pattern=r"^[-a-zA-Z0-9_]+$", max_length=200)]


class CategoryRef(Schema):
    id: int
    name: str
    slug: str


class CategoryOut(CategoryRef):
    description: str
    parent_id: int | None
    articles: int = Field(description="Articles in it the caller may read.")

    @staticmethod
    def resolve_articles(obj: Category) -> int:
        return int(getattr(obj, "visible_count", 0))


class CategoryList(Schema):
    items: list[CategoryOut]


class ArticleSummaryOut(Schema):
    """An article in a list: no text."""

    id: int
    slug: str
    title: str
    language: str
    category: CategoryRef | None
    updated_at: datetime
    published_at: datetime | None
    url: str = Field(description="The article's page in the knowledge base.")

    @staticmethod
    def resolve_url(obj: Article) -> str:
        return reverse("kb:article", kwargs={"slug": obj.slug})


class ArticleAgentSummaryOut(ArticleSummaryOut):
    status: str
    visibility: str


class ArticleOut(ArticleSummaryOut):
    body_html: str = Field(description="Rendered and sanitised; safe to show.")


class ArticleAgentOut(ArticleOut):
    # No defaults: an article without these cannot pass for the agent schema.
    status: str
    visibility: str
    organizations: list[OrganizationRef]
    body_markdown: str
    author: PersonRef | None
    created_at: datetime
    helpful_yes: int
    helpful_no: int

    @staticmethod
    def resolve_organizations(obj: Article) -> list:
        return list(obj.organizations.all())


class ArticlePage(Schema):
    items: list[ArticleAgentSummaryOut | ArticleSummaryOut]
    next_cursor: str | None


class ArticleResults(Schema):
    items: list[ArticleAgentSummaryOut | ArticleSummaryOut]


class SuggestionOut(Schema):
    id: int
    slug: str
    title: str
    language: str
    url: str = Field(
        description=(
            "The article's page marked as opened from a suggestion: the "
            "visit counts towards deflection and offers 'this solved my problem'."
        )
    )


class SuggestionList(Schema):
    items: list[SuggestionOut]


class ArticleIn(Schema):
    title: Text = Field(min_length=1, max_length=200)
    body_markdown: Text = Field("", max_length=200_000)
    slug: Slug | None = Field(None, description="Made from the title when empty.")
    category_id: Id | None = None
    language: LanguageCode = "en"
    visibility: VisibilityName = "internal"
    organization_ids: list[Id] = Field(
        default_factory=list,
        max_length=500,
        description="Who may read it when `visibility` is `organizations`.",
    )
    status: StatusName = "draft"


class ArticlePatch(Schema):
    """Only the fields sent change; `status` goes through publish/unpublish."""

    title: Text | None = Field(None, min_length=1, max_length=200)
    body_markdown: Text | None = Field(None, max_length=200_000)
    slug: Slug | None = None
    category_id: Id | None = None
    language: LanguageCode | None = None
    visibility: VisibilityName | None = None
    organization_ids: list[Id] | None = Field(None, max_length=500)
