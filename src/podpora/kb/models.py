"""Knowledge base: categories, articles, "was this helpful?" votes and the
suggestion visits that measure deflection.

Models describe data; every write goes through ``kb.services``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ArticleLanguage(models.TextChoices):
    EN = "en", "English"
    PL = "pl", "Polski"
    CS = "cs", "Čeština"


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public: everyone, also without signing in")
    ORGANIZATIONS = "organizations", _("Only the chosen organisations (and agents)")
    INTERNAL = "internal", _("Internal: agents only")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Category(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=140, unique=True)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent category"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("knowledge base category")
        verbose_name_plural = _("knowledge base categories")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    body_markdown = models.TextField(_("text (Markdown)"), blank=True)
    # Rendered from the Markdown and sanitised on every save (kb.services).
    body_html = models.TextField(editable=False, blank=True)
    category = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("category"),
    )
    language = models.CharField(
        _("language"),
        max_length=5,
        choices=ArticleLanguage.choices,
        default=ArticleLanguage.EN,
    )
    visibility = models.CharField(
        _("visibility"),
        max_length=16,
        choices=Visibility.choices,
        default=Visibility.INTERNAL,
    )
    organizations = models.ManyToManyField(
        "accounts.Organization",
        blank=True,
        related_name="kb_articles",
        verbose_name=_("organisations"),
        help_text=_("Who may read the article when it is limited to organisations."),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ArticleStatus.choices,
        default=ArticleStatus.DRAFT,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="kb_articles",
        verbose_name=_("author"),
    )
    # The reply an agent turned into this article, if any.
    source_message = models.ForeignKey(
        "tickets.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Folded words of title and text, each once (kb.normalize.search_text).
    search_text = models.TextField(editable=False, blank=True)
    search_title = models.TextField(editable=False, blank=True)
    helpful_yes = models.PositiveIntegerField(_("helpful"), default=0)
    helpful_no = models.PositiveIntegerField(_("not helpful"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["title"]
        indexes = [
            models.Index(fields=["status", "visibility"], name="kb_article_scope"),
            models.Index(fields=["category", "status"], name="kb_article_category"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED


class ArticleVote(models.Model):
    """One "was this helpful?" answer per person (or per browser session for
    visitors who are not signed in); a second answer replaces the first."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    session_key = models.CharField(max_length=64, blank=True)
    helpful = models.BooleanField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user"],
                condition=Q(user__isnull=False),
                name="kb_vote_one_per_user",
            ),
            models.UniqueConstraint(
                fields=["article", "session_key"],
                condition=Q(user__isnull=True),
                name="kb_vote_one_per_session",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article_id}: {'yes' if self.helpful else 'no'}"


class SuggestionVisit(models.Model):
    """Someone opened an article suggested while they typed a new request.

    A visit counts as a deflection when the person said the article solved
    their problem (``solved_at``), or when no request followed from the same
    session (``request_sent_at`` stays empty; the portal calls
    ``kb.services.note_request_sent`` when a request is submitted).
    """

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="suggestion_visits"
    )
    session_key = models.CharField(max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    query = models.CharField(max_length=200, blank=True)
    opened_at = models.DateTimeField(default=timezone.now, db_index=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    request_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["article", "session_key"], name="kb_visit_one_per_session"
            )
        ]

    def __str__(self) -> str:
        return f"{self.article_id} @ {self.opened_at:%Y-%m-%d}"
