"""The only code that writes knowledge-base data.

Raises ``kb.errors.KbError`` subclasses for bad input; views show them as
form errors or a 4xx.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt

from podpora.accounts.models import Membership, Organization, User
from podpora.accounts.permissions import Right, can
from podpora.core import ratelimit
from podpora.kb.errors import Conflict, InvalidArticle, NotAllowed, TooManyRequests
from podpora.kb.models import (
    Article,
    ArticleLanguage,
    ArticleStatus,
    ArticleVote,
    Category,
    SuggestionVisit,
    Visibility,
)
from podpora.kb.normalize import fold, search_text
from podpora.tickets import html
from podpora.tickets.models import Message, MessageKind
from podpora.tickets.selectors import visible_to

MAX_TITLE = 200
MAX_BODY = 200_000
VOTES_PER_HOUR = 30
# A request sent within this time after opening a suggestion means the
# article did not answer it.
REQUEST_AFTER_VISIT = timedelta(days=1)

# Raw HTML in Markdown is off: articles are written by agents, but a pasted
# snippet must not smuggle a script in; the output is sanitised regardless.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
    ["table", "strikethrough"]
)


def render_markdown(text: str) -> str:
    """Markdown → sanitised HTML, safe to show to anyone."""
    return html.sanitize(_markdown.render(text or ""))


def _allow(key: str, limit: int, window: timedelta) -> bool:
    return not ratelimit.exceeded(
        "kb", key, limit=limit, window_seconds=int(window.total_seconds())
    )


def _require_editor(actor: User) -> None:
    if not can(actor, Right.MANAGE_KB):
        raise NotAllowed(_("You are not allowed to edit the knowledge base."))


def _check_unchanged(article: Article, expected_updated_at: datetime | None) -> None:
    """Refuse to overwrite a change made since the caller read the article
    (``article`` is the row just locked)."""
    if expected_updated_at is not None and article.updated_at != expected_updated_at:
        raise Conflict(_("The article was changed since you read it."))


def _unique_slug(wanted: str, title: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(fold(wanted or title))[:200] or "article"
    slug, n = base, 1
    taken = Article.objects.exclude(pk=exclude_pk) if exclude_pk else Article.objects
    while taken.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _clean(
    title: str,
    body_markdown: str,
    language: str,
    visibility: str,
    organizations: Iterable[Organization],
) -> tuple[str, str, list[Organization]]:
    title = " ".join((title or "").split())
    if not title:
        raise InvalidArticle(_("A title is required."))
    if len(title) > MAX_TITLE:
        raise InvalidArticle(_("The title is too long."))
    if len(body_markdown or "") > MAX_BODY:
        raise InvalidArticle(_("The text is too long."))
    if language not in ArticleLanguage.values:
        raise InvalidArticle(_("Unknown language."))
    if visibility not in Visibility.values:
        raise InvalidArticle(_("Unknown visibility."))
    orgs = list(organizations)
    if visibility == Visibility.ORGANIZATIONS and not orgs:
        raise InvalidArticle(
            _("Choose at least one organisation that may read the article.")
        )
    return title, (body_markdown or "").strip(), orgs


def fill_derived(article: Article) -> None:
    """Rendered HTML and search columns from the title and Markdown."""
    article.body_html = render_markdown(article.body_markdown)
    article.search_title = search_text(article.title)
    article.search_text = search_text(article.title, html.to_text(article.body_html))


@transaction.atomic
def create_article(
    *,
    actor: User,
    title: str,
    body_markdown: str = "",
    category: Category | None = None,
    language: str = ArticleLanguage.EN,
    visibility: str = Visibility.INTERNAL,
    organizations: Iterable[Organization] = (),
    status: str = ArticleStatus.DRAFT,
    slug: str = "",
    source_message: Message | None = None,
) -> Article:
    _require_editor(actor)
    title, body_markdown, orgs = _clean(
        title, body_markdown, language, visibility, organizations
    )
    now = timezone.now()
    article = Article(
        title=title,
        slug=_unique_slug(slug, title),
        body_markdown=body_markdown,
        category=category,
        language=language,
        visibility=visibility,
        status=ArticleStatus.DRAFT,
        author=actor,
        source_message=source_message,
        created_at=now,
        updated_at=now,
    )
    if status == ArticleStatus.PUBLISHED:
        article.status = ArticleStatus.PUBLISHED
        article.published_at = now
    fill_derived(article)
    article.save()
    article.organizations.set(orgs if visibility == Visibility.ORGANIZATIONS else [])
    return article


@transaction.atomic
def update_article(
    article: Article,
    *,
    actor: User,
    title: str,
    body_markdown: str,
    category: Category | None,
    language: str,
    visibility: str,
    organizations: Iterable[Organization] = (),
    slug: str = "",
    expected_updated_at: datetime | None = None,
) -> Article:
    """``expected_updated_at``: the ``updated_at`` the caller read; a later
    change by someone else raises ``Conflict`` instead of being overwritten."""
    _require_editor(actor)
    title, body_markdown, orgs = _clean(
        title, body_markdown, language, visibility, organizations
    )
    article = Article.objects.select_for_update().get(pk=article.pk)
    _check_unchanged(article, expected_updated_at)
    article.title = title
    article.body_markdown = body_markdown
    article.category = category
    article.language = language
    article.visibility = visibility
    if slug and slug != article.slug:
        article.slug = _unique_slug(slug, title, exclude_pk=article.pk)
    article.updated_at = timezone.now()
    fill_derived(article)
    article.save()
    article.organizations.set(orgs if visibility == Visibility.ORGANIZATIONS else [])
    return article


@transaction.atomic
def set_published(
    article: Article,
    *,
    actor: User,
    published: bool,
    expected_updated_at: datetime | None = None,
) -> Article:
    _require_editor(actor)
    article = Article.objects.select_for_update().get(pk=article.pk)
    _check_unchanged(article, expected_updated_at)
    now = timezone.now()
    if published and article.status != ArticleStatus.PUBLISHED:
        article.status = ArticleStatus.PUBLISHED
        article.published_at = now
    elif not published and article.status != ArticleStatus.DRAFT:
        article.status = ArticleStatus.DRAFT
    else:
        return article
    article.updated_at = now
    article.save(update_fields=["status", "published_at", "updated_at"])
    return article


@transaction.atomic
def draft_from_message(message_id: int, *, actor: User) -> Article:
    """Turn an agent's reply (or note) into an internal draft article.

    The message is looked up inside the agent's ticket scope, so a message id
    from a ticket they cannot see is "not found", like a wrong id.
    """
    _require_editor(actor)
    message = (
        Message.objects.filter(
            pk=message_id,
            ticket__in=visible_to(actor).values("pk"),
            kind__in=(MessageKind.REPLY, MessageKind.NOTE),
        )
        .select_related("ticket__requester")
        .first()
    )
    if message is None:
        raise InvalidArticle(_("That reply was not found."), code="not_found")
    body = (message.body_text or html.to_text(message.body_html)).strip()
    if not body:
        raise InvalidArticle(_("That reply has no text to turn into an article."))
    requester_language = message.ticket.requester.language
    language = (
        requester_language
        if requester_language in ArticleLanguage.values
        else (actor.language or ArticleLanguage.EN)
    )
    if language not in ArticleLanguage.values:
        language = ArticleLanguage.EN
    return create_article(
        actor=actor,
        title=message.ticket.subject,
        body_markdown=body,
        language=language,
        visibility=Visibility.INTERNAL,
        status=ArticleStatus.DRAFT,
        source_message=message,
    )


# --- readers ------------------------------------------------------------------


def vote(
    article: Article,
    *,
    helpful: bool,
    user: User | None,
    session_key: str,
    client: str,
) -> Article:
    """Record "was this helpful?"; a second vote by the same person changes
    the first instead of counting twice. ``client`` (an IP address) bounds
    how many votes one machine may cast per hour."""
    signed_in = user is not None and user.is_authenticated
    if not signed_in and not session_key:
        raise InvalidArticle(_("Your browser must accept cookies to vote."))
    if not _allow(f"vote:{client}", VOTES_PER_HOUR, timedelta(hours=1)):
        raise TooManyRequests(_("Too many votes. Please try again later."))
    who: dict[str, Any] = (
        {"user": user} if signed_in else {"user": None, "session_key": session_key}
    )
    with transaction.atomic():
        try:
            ArticleVote.objects.update_or_create(
                article=article, **who, defaults={"helpful": helpful}
            )
        except IntegrityError:  # the same person's parallel click won the race
            ArticleVote.objects.filter(article=article, **who).update(helpful=helpful)
        counts = ArticleVote.objects.filter(article=article).aggregate(
            yes=Count("pk", filter=Q(helpful=True)),
            no=Count("pk", filter=Q(helpful=False)),
        )
        Article.objects.filter(pk=article.pk).update(
            helpful_yes=counts["yes"], helpful_no=counts["no"]
        )
    article.helpful_yes, article.helpful_no = counts["yes"], counts["no"]
    return article


def _organization_of(user: User | None) -> Organization | None:
    if user is None or not user.is_authenticated or user.is_agent:
        return None
    membership = (
        Membership.objects.filter(user=user).select_related("organization").first()
    )
    return membership.organization if membership else None


def record_suggestion_visit(
    article: Article,
    *,
    session_key: str,
    user: User | None,
    query: str = "",
    at: datetime | None = None,
) -> SuggestionVisit:
    """Someone opened ``article`` from the suggestions of the new-request form
    (``at``: when, for data recorded afterwards; now by default). Opening it
    again in the same session is the same visit."""
    visit, _created = SuggestionVisit.objects.get_or_create(
        article=article,
        session_key=session_key,
        defaults={
            "user": user if user is not None and user.is_authenticated else None,
            "organization": _organization_of(user),
            "query": query[:200],
            "opened_at": at or timezone.now(),
        },
    )
    return visit


def mark_solved(
    article: Article,
    *,
    session_key: str,
    user: User | None,
    at: datetime | None = None,
) -> SuggestionVisit:
    """The person said the suggested article solved their problem."""
    visit = record_suggestion_visit(article, session_key=session_key, user=user, at=at)
    if visit.solved_at is None:
        visit.solved_at = at or timezone.now()
        visit.save(update_fields=["solved_at"])
    return visit


def note_request_sent(session_key: str, *, at: datetime | None = None) -> int:
    """The portal calls this when a request is submitted: suggestions opened
    in this session shortly before did not deflect it."""
    if not session_key:
        return 0
    at = at or timezone.now()
    return SuggestionVisit.objects.filter(
        session_key=session_key,
        solved_at__isnull=True,
        request_sent_at__isnull=True,
        opened_at__gte=at - REQUEST_AFTER_VISIT,
    ).update(request_sent_at=at)


def note_request_sent_by(user: User, *, at: datetime | None = None) -> int:
    """Like :func:`note_request_sent` for a signed-in requester, whatever
    session or tab they read the suggestions in."""
    at = at or timezone.now()
    return SuggestionVisit.objects.filter(
        user=user,
        solved_at__isnull=True,
        request_sent_at__isnull=True,
        opened_at__gte=at - REQUEST_AFTER_VISIT,
    ).update(request_sent_at=at)
