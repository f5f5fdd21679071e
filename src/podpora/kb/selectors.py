"""Read queries of the knowledge base, shared by its pages, the portal, the
desk and reports.

``articles_visible_to`` is the knowledge base's one access scope: listing,
search, suggestions, the agent's reply search and votes all start from it.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.db.models.expressions import Combinable
from django.utils import timezone

from podpora.accounts.models import Membership, Organization, User
from podpora.accounts.permissions import Right, can
from podpora.kb.models import (
    Article,
    ArticleStatus,
    Category,
    SuggestionVisit,
    Visibility,
)
from podpora.kb.normalize import Term, matches, query_terms, stored_match

# A visit without a request sent from the same session within this time is
# a deflection: the person read the article and did not need to ask.
DEFLECTION_GRACE = timedelta(hours=1)
# How many best title matches the suggestions rank by their text.
SUGGESTION_WINDOW = 100


def _is_reader(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def articles_visible_to(
    user: User | None, *, drafts: bool = False
) -> QuerySet[Article]:
    """The articles ``user`` may read.

    - agents: every published article; with ``drafts`` and the right to
      manage the knowledge base, drafts too;
    - customers: published public articles and those limited to an
      organisation they belong to;
    - anyone else: published public articles.
    """
    articles = Article.objects.all()
    if _is_reader(user) and user.is_agent:  # type: ignore[union-attr]
        if drafts and can(user, Right.MANAGE_KB):
            return articles
        return articles.filter(status=ArticleStatus.PUBLISHED)
    articles = articles.filter(status=ArticleStatus.PUBLISHED)
    if not _is_reader(user):
        return articles.filter(visibility=Visibility.PUBLIC)
    own_organizations = Membership.objects.filter(user=user).values("organization_id")
    return articles.filter(
        Q(visibility=Visibility.PUBLIC)
        | Q(
            visibility=Visibility.ORGANIZATIONS,
            pk__in=Article.organizations.through.objects.filter(
                organization_id__in=own_organizations
            ).values("article_id"),
        )
    )


def get_visible_article(
    user: User | None, slug: str, *, drafts: bool = False
) -> Article:
    """The article by slug, or ``Article.DoesNotExist``: callers answer 404
    whether it is missing or hidden, so existence never leaks."""
    return (
        articles_visible_to(user, drafts=drafts)
        .select_related("category", "author")
        .get(slug=slug)
    )


def search(
    user: User | None,
    query: str,
    *,
    language: str = "",
    category: Category | None = None,
    limit: int = 50,
    drafts: bool = False,
    status: str = "",
) -> list[Article]:
    """Articles matching every word of ``query`` in any of its forms
    (``kb.normalize``),
    best first: more words in the title, then the most recently updated.
    Ranking is computed in SQL, so it holds however many articles match.

    A plain LIKE on the normalised column works the same on SQLite and
    PostgreSQL; a knowledge base has thousands of articles, not millions, so
    the scan stays in milliseconds (docs/kb.md).
    """
    terms = query_terms(query)
    if not terms:
        return []
    articles = articles_visible_to(user, drafts=drafts)
    for term in terms:
        articles = articles.filter(stored_match("search_text", term))
    if language:
        articles = articles.filter(language=language)
    if category is not None:
        articles = articles.filter(category=category)
    if status:
        articles = articles.filter(status=status)
    return list(
        articles.annotate(title_hits=_hits("search_title", terms))
        .select_related("category")
        .order_by("-title_hits", "-updated_at", "pk")[:limit]
    )


def suggest(
    user: User | None, text: str, *, limit: int = 5, language: str = ""
) -> list[Article]:
    """Up to ``limit`` articles for what someone is typing into a new request.

    Unlike :func:`search`, not every word has to match: people describe a
    problem in a sentence, so articles matching the most words win.
    """
    terms = query_terms(text, limit=12)
    if not terms:
        return []
    any_term = Q()
    for term in terms:
        any_term |= stored_match("search_text", term)
    same_language = (
        Case(When(language=language, then=Value(1)), default=Value(0))
        if language
        else Value(0)
    )
    # Title hits are cheap to rank in SQL (short column); the text hits of a
    # bounded window of the best title matches are counted in Python, which
    # keeps this fast enough to run on every pause in typing.
    candidates: list[Article] = list(
        articles_visible_to(user)
        .filter(any_term)
        .annotate(title_hits=_hits("search_title", terms), same_language=same_language)
        .only("pk", "title", "slug", "language", "search_text")
        .order_by("-title_hits", "-same_language", "-updated_at", "pk")[
            :SUGGESTION_WINDOW
        ]
    )

    def score(article: Article) -> tuple[int, int, int]:
        text_hits = sum(matches(article.search_text, term) for term in terms)
        title_hits: int = article.title_hits  # type: ignore[attr-defined]
        same: int = article.same_language  # type: ignore[attr-defined]
        return (text_hits + title_hits, same, title_hits)

    candidates.sort(key=score, reverse=True)  # stable: SQL order breaks ties
    return candidates[:limit]


def _hits(column: str, terms: list[Term]) -> Combinable:
    """How many of ``terms`` start a word in ``column``, computed in SQL so
    ranking holds however many articles match."""
    total: Combinable = Value(0)
    for term in terms:
        total = total + Case(
            When(stored_match(column, term), then=Value(1)),
            default=Value(0),
        )
    return total


def categories_with_counts(user: User | None) -> list[Category]:
    """Categories that hold at least one article the user may read, with
    ``visible_count`` set."""
    visible = articles_visible_to(user).values("pk")
    return list(
        Category.objects.annotate(
            visible_count=Count("articles", filter=Q(articles__in=visible))
        )
        .filter(visible_count__gt=0)
        .order_by("position", "name")
    )


@dataclass(frozen=True)
class DeflectionSummary:
    opened: int  # suggested articles opened from the new-request form
    solved: int  # … and marked "this solved my problem"
    deflected: int  # … solved, or no request followed from that session

    @property
    def rate(self) -> float | None:
        return self.deflected / self.opened if self.opened else None


def deflection_summary(
    start: datetime,
    end: datetime,
    *,
    organization: Organization | None = None,
    now: datetime | None = None,
) -> DeflectionSummary:
    """Deflection figures for suggestion visits opened in ``[start, end)``."""
    now = now or timezone.now()
    visits = SuggestionVisit.objects.filter(opened_at__gte=start, opened_at__lt=end)
    if organization is not None:
        visits = visits.filter(organization=organization)
    counts = visits.aggregate(
        opened=Count("pk"),
        solved=Count("pk", filter=Q(solved_at__isnull=False)),
        deflected=Count(
            "pk",
            filter=Q(solved_at__isnull=False)
            | Q(request_sent_at__isnull=True, opened_at__lt=now - DEFLECTION_GRACE),
        ),
    )
    return DeflectionSummary(**counts)
