"""The knowledge base over the API, at ``/api/v1/kb/``.

Reading follows ``kb.selectors.articles_visible_to`` exactly as the pages
do: visitors without a token read the public articles, customers also those
limited to their organisations, agents every published article, and agents
with ``Right.MANAGE_KB`` drafts too when they ask for them. Writing goes
through ``kb.services`` and needs that right.
"""

from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema
from pydantic import Field

from podpora.accounts.models import Organization, User
from podpora.accounts.permissions import Right, can
from podpora.api.auth import PUBLIC_READ_AUTH, PUBLIC_READ_SECURITY, caller
from podpora.api.errors import ERROR_RESPONSES, ApiError, not_found
from podpora.api.pagination import DEFAULT_LIMIT, paginate
from podpora.api.responses import if_match, respond, respond_page
from podpora.api.schemas import Id, Text
from podpora.kb import selectors, services
from podpora.kb.errors import InvalidArticle, NotAllowed
from podpora.kb.models import Article, ArticleStatus, Category
from podpora.kb.schemas import (
    ArticleAgentOut,
    ArticleAgentSummaryOut,
    ArticleIn,
    ArticleOut,
    ArticlePage,
    ArticlePatch,
    ArticleResults,
    ArticleSummaryOut,
    CategoryList,
    CategoryOut,
    LanguageCode,
    SuggestionList,
    SuggestionOut,
)

router = Router(tags=["knowledge base"])

ARTICLE_SORTS = {
    "-updated": "-updated_at",
    "updated": "updated_at",
    "id": "pk",
    "-id": "-pk",
}
ArticleId = Annotated[int, Path(ge=1, le=2**62)]
StatusFilter = Literal["published", "draft", "any"]
STATUS_HELP = (
    "`published` (default); agents who edit the knowledge base may ask for "
    "`draft` or `any`, everyone else only ever gets published articles."
)


def _public_get(path: str, **options: Any) -> Any:
    """``router.get`` for what a visitor without a token may read too."""
    return router.get(
        path,
        auth=PUBLIC_READ_AUTH,
        openapi_extra=PUBLIC_READ_SECURITY,
        **options,
    )


def _reader(request: HttpRequest) -> User | None:
    """The signed-in caller, or ``None`` for a visitor without a token."""
    user = getattr(request, "auth", None)
    return user if user is not None and user.is_authenticated else None


def _editor(request: HttpRequest) -> User:
    # Checked before any lookup, so a refusal says nothing about what exists.
    user = caller(request)
    if not can(user, Right.MANAGE_KB):
        raise NotAllowed(_("You are not allowed to edit the knowledge base."))
    return user


def _scoped(user: User | None, status: str) -> QuerySet[Article]:
    drafts = status != ArticleStatus.PUBLISHED and can(user, Right.MANAGE_KB)
    articles = selectors.articles_visible_to(user, drafts=drafts)
    if status != "any":
        articles = articles.filter(status=status)
    return articles


def _summary_out(
    article: Article, user: User | None
) -> ArticleAgentSummaryOut | ArticleSummaryOut:
    if user is not None and user.is_agent:
        return ArticleAgentSummaryOut.from_orm(article)
    return ArticleSummaryOut.from_orm(article)


def _article_out(article: Article, user: User | None) -> ArticleAgentOut | ArticleOut:
    if user is not None and user.is_agent:
        return ArticleAgentOut.from_orm(article)
    return ArticleOut.from_orm(article)


def _version(article: Article) -> str:
    # updated_at changes on every edit and on (un)publishing, to the microsecond.
    return str(int(article.updated_at.timestamp() * 1_000_000))


def _etag(article: Article) -> str:
    return f'"{_version(article)}"'


def _expected(request: HttpRequest, article: Article) -> datetime | None:
    """The ``updated_at`` the caller's ``If-Match`` names; 412 when stale.
    The service checks it again under the row lock."""
    tags = if_match(request)
    if tags is None:
        return None
    if _version(article) not in tags:
        raise ApiError(
            412, "precondition_failed", _("The article was changed since you read it.")
        )
    return article.updated_at


def _one(user: User | None, **lookup: Any) -> Article:
    """An article the caller may read (editors: drafts too), or 404."""
    articles = selectors.articles_visible_to(user, drafts=True).select_related(
        "category", "author"
    )
    if user is not None and user.is_agent:
        articles = articles.prefetch_related("organizations")
    article = articles.filter(**lookup).first()
    if article is None:
        raise not_found()
    return article


# --- reading ------------------------------------------------------------------------


class ArticleQuery(Schema):
    language: LanguageCode | None = None
    category: Id | None = Field(None, description="A category id.")
    status: StatusFilter = Field("published", description=STATUS_HELP)
    sort: str = Field("-updated", description="One of: " + ", ".join(ARTICLE_SORTS))
    cursor: Annotated[str, Field(max_length=512)] | None = None
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=100)


@_public_get(
    "/articles",
    response={200: ArticlePage, **ERROR_RESPONSES},
    summary="List knowledge-base articles",
)
def list_articles(request: HttpRequest, query: Query[ArticleQuery]) -> JsonResponse:
    """The articles you may read, newest change first; no token needed for
    the public ones. Pass `next_cursor` back as `cursor` for the next page."""
    user = _reader(request)
    articles = _scoped(user, query.status).select_related("category")
    if query.language:
        articles = articles.filter(language=query.language)
    if query.category:
        articles = articles.filter(category_id=query.category)
    page = paginate(
        articles,
        sort=query.sort,
        allowed=ARTICLE_SORTS,
        cursor=query.cursor,
        limit=query.limit,
    )
    return respond_page((_summary_out(a, user) for a in page.items), page.next_cursor)


class SearchQuery(Schema):
    q: Annotated[Text, Field(min_length=1, max_length=200)]
    language: LanguageCode | None = None
    category: Id | None = None
    status: StatusFilter = Field("published", description=STATUS_HELP)
    limit: int = Field(20, ge=1, le=50)


@_public_get(
    "/search",
    response={200: ArticleResults, **ERROR_RESPONSES},
    summary="Search the knowledge base",
)
def search_articles(request: HttpRequest, query: Query[SearchQuery]) -> JsonResponse:
    """Every word must match the start of a word in the title or text;
    diacritics and Polish and Czech endings do not matter. Best first: more
    words in the title, then the most recently updated."""
    user = _reader(request)
    category = None
    if query.category:
        category = Category.objects.filter(pk=query.category).first()
        if category is None:
            return JsonResponse({"items": []})
    status = "" if query.status == "any" else query.status
    found = selectors.search(
        user,
        query.q,
        language=query.language or "",
        category=category,
        limit=query.limit,
        drafts=query.status != ArticleStatus.PUBLISHED,
        status=status,
    )
    return JsonResponse(
        {"items": [_summary_out(a, user).model_dump(mode="json") for a in found]}
    )


class SuggestQuery(Schema):
    subject: Annotated[Text, Field(max_length=255)] = ""
    body: Annotated[Text, Field(max_length=2000)] = ""
    language: LanguageCode | None = Field(
        None, description="Preferred language; the request's language by default."
    )
    limit: int = Field(5, ge=1, le=10)


@_public_get(
    "/suggest",
    response={200: SuggestionList, **ERROR_RESPONSES},
    summary="Articles for a request being typed",
)
def suggest_articles(request: HttpRequest, query: Query[SuggestQuery]) -> JsonResponse:
    """What the portal's new-request form suggests as the person types: any
    word may match, articles matching the most words first. Link to `url`
    so that an article that solves the problem counts as a deflection."""
    user = _reader(request)
    text = f"{query.subject} {query.body}"[:1000]
    found = selectors.suggest(
        user, text, limit=query.limit, language=query.language or get_language() or ""
    )
    marker = urlencode({"from": "suggest", "q": " ".join(query.subject.split())[:200]})
    items = [
        SuggestionOut(
            id=a.pk,
            slug=a.slug,
            title=a.title,
            language=a.language,
            url=f"{reverse('kb:article', kwargs={'slug': a.slug})}?{marker}",
        ).model_dump(mode="json")
        for a in found
    ]
    return JsonResponse({"items": items})


@_public_get(
    "/categories",
    response={200: CategoryList, **ERROR_RESPONSES},
    summary="Categories with articles you may read",
)
def list_categories(request: HttpRequest) -> JsonResponse:
    categories = selectors.categories_with_counts(_reader(request))
    return JsonResponse(
        {"items": [CategoryOut.from_orm(c).model_dump(mode="json") for c in categories]}
    )


@_public_get(
    "/articles/{article_id}",
    response={200: ArticleAgentOut | ArticleOut, **ERROR_RESPONSES},
    summary="Read an article",
)
def read_article(request: HttpRequest, article_id: ArticleId) -> JsonResponse:
    """A hidden article answers 404, like a missing one. Editors also read
    drafts. The `ETag` goes back in `If-Match` when you change it."""
    user = _reader(request)
    article = _one(user, pk=article_id)
    return respond(_article_out(article, user), etag=_etag(article))


@_public_get(
    "/articles/slug/{slug}",
    response={200: ArticleAgentOut | ArticleOut, **ERROR_RESPONSES},
    summary="Read an article by its address",
)
def read_article_by_slug(
    request: HttpRequest,
    slug: Annotated[str, Path(pattern=r"^[-a-zA-Z0-9_]+$", max_length=200)],
) -> JsonResponse:
    """The slug is the last part of the article's page address
    (`/kb/a/<slug>/`)."""
    user = _reader(request)
    article = _one(user, slug=slug)
    return respond(_article_out(article, user), etag=_etag(article))


# --- writing (Right.MANAGE_KB) -----------------------------------------------------------


def _category(category_id: int | None) -> Category | None:
    if category_id is None:
        return None
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        raise InvalidArticle(_("Unknown category."))
    return category


def _organizations(ids: list[int]) -> list[Organization]:
    wanted = set(ids)
    found = list(Organization.objects.filter(pk__in=wanted, is_active=True))
    if len(found) != len(wanted):
        raise InvalidArticle(_("Unknown organisation."))
    return found


def _reload(article: Article) -> Article:
    return (
        Article.objects.select_related("category", "author")
        .prefetch_related("organizations")
        .get(pk=article.pk)
    )


@router.post(
    "/articles",
    response={201: ArticleAgentOut, **ERROR_RESPONSES},
    summary="Write an article",
)
def create_article(request: HttpRequest, payload: ArticleIn) -> JsonResponse:
    """A draft by default; `status: published` publishes at once."""
    editor = _editor(request)
    article = services.create_article(
        actor=editor,
        title=payload.title,
        body_markdown=payload.body_markdown,
        category=_category(payload.category_id),
        language=payload.language,
        visibility=payload.visibility,
        organizations=_organizations(payload.organization_ids),
        status=payload.status,
        slug=payload.slug or "",
    )
    article = _reload(article)
    return respond(ArticleAgentOut.from_orm(article), status=201, etag=_etag(article))


@router.patch(
    "/articles/{article_id}",
    response={200: ArticleAgentOut, **ERROR_RESPONSES},
    summary="Change an article",
)
def update_article(
    request: HttpRequest, article_id: ArticleId, payload: ArticlePatch
) -> JsonResponse:
    """Only the fields you send change. With `If-Match`, a change made by
    someone else in between answers 412 instead of being overwritten."""
    editor = _editor(request)
    article = _one(editor, pk=article_id)
    expected = _expected(request, article)
    changes = payload.model_dump(exclude_unset=True)
    for field in ("title", "body_markdown", "language", "visibility"):
        if field in changes and changes[field] is None:
            raise InvalidArticle(_("%(field)s cannot be empty.") % {"field": field})
    organizations = (
        _organizations(changes["organization_ids"] or [])
        if "organization_ids" in changes
        else list(article.organizations.all())
    )
    article = services.update_article(
        article,
        actor=editor,
        title=changes.get("title", article.title),
        body_markdown=changes.get("body_markdown", article.body_markdown),
        category=_category(changes["category_id"])
        if "category_id" in changes
        else article.category,
        language=changes.get("language", article.language),
        visibility=changes.get("visibility", article.visibility),
        organizations=organizations,
        slug=changes.get("slug") or "",
        expected_updated_at=expected,
    )
    article = _reload(article)
    return respond(ArticleAgentOut.from_orm(article), etag=_etag(article))


def _set_published(
    request: HttpRequest, article_id: int, *, published: bool
) -> JsonResponse:
    editor = _editor(request)
    article = _one(editor, pk=article_id)
    article = services.set_published(
        article,
        actor=editor,
        published=published,
        expected_updated_at=_expected(request, article),
    )
    article = _reload(article)
    return respond(ArticleAgentOut.from_orm(article), etag=_etag(article))


@router.post(
    "/articles/{article_id}/publish",
    response={200: ArticleAgentOut, **ERROR_RESPONSES},
    summary="Publish an article",
)
def publish_article(request: HttpRequest, article_id: ArticleId) -> JsonResponse:
    """Readers see it from now on (within its visibility). Publishing a
    published article changes nothing."""
    return _set_published(request, article_id, published=True)


@router.post(
    "/articles/{article_id}/unpublish",
    response={200: ArticleAgentOut, **ERROR_RESPONSES},
    summary="Take an article back to draft",
)
def unpublish_article(request: HttpRequest, article_id: ArticleId) -> JsonResponse:
    return _set_published(request, article_id, published=False)
