"""Knowledge-base pages: the public reading room, htmx partials for the portal
and the desk, and the editing pages for agents."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from podpora.accounts.models import User
from podpora.accounts.permissions import Right, can
from podpora.core import ratelimit
from podpora.kb import selectors, services
from podpora.kb.errors import KbError, TooManyRequests
from podpora.kb.forms import ArticleForm
from podpora.kb.models import Article, ArticleLanguage, ArticleStatus, Category

SUGGESTION_FIELDS = ("q", "subject", "body", "body_text", "text", "description")


def _viewer(request: HttpRequest) -> User | None:
    user = request.user
    return user if user.is_authenticated else None  # type: ignore[return-value]


def _session_key(request: HttpRequest) -> str:
    # Visitors who are not signed in get a session only when they act, so
    # reading the knowledge base sets no cookie.
    if not request.session.session_key:
        request.session.save()
    return request.session.session_key or ""


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _require_editor(request: HttpRequest) -> User:
    user = _viewer(request)
    if user is None or not can(user, Right.MANAGE_KB):
        raise PermissionDenied
    return user


def _require_agent(request: HttpRequest) -> User:
    user = _viewer(request)
    if user is None or not user.is_agent:
        raise PermissionDenied
    return user


# --- reading --------------------------------------------------------------------


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    query = request.GET.get("q", "").strip()[:200]
    language = request.GET.get("lang", "")
    if language not in ArticleLanguage.values:
        language = ""
    context: dict[str, Any] = {
        "query": query,
        "language": language,
        "languages": ArticleLanguage.choices,
        "categories": selectors.categories_with_counts(viewer),
    }
    if query:
        context["results"] = selectors.search(viewer, query, language=language)
    else:
        recent = selectors.articles_visible_to(viewer).select_related("category")
        if language:
            recent = recent.filter(language=language)
        context["recent"] = recent.order_by("-updated_at")[:10]
    if _is_htmx(request):
        return render(request, "kb/partials/search_results.html", context)
    return render(request, "kb/index.html", context)


@require_GET
def category(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = _viewer(request)
    current = get_object_or_404(Category, slug=slug)
    articles = (
        selectors.articles_visible_to(viewer)
        .filter(category=current)
        .select_related("category")
        .order_by("title")
    )
    children = [
        c for c in selectors.categories_with_counts(viewer) if c.parent_id == current.pk
    ]
    if not articles and not children:
        raise Http404  # an empty category tells nothing but that it exists
    return render(
        request,
        "kb/category.html",
        {"category": current, "articles": articles, "children": children},
    )


@require_GET
def article(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = _viewer(request)
    try:
        shown = selectors.get_visible_article(viewer, slug, drafts=True)
    except Article.DoesNotExist as missing:
        raise Http404 from missing
    from_suggestion = request.GET.get("from") == "suggest" and shown.is_published
    if from_suggestion:
        services.record_suggestion_visit(
            shown,
            session_key=_session_key(request),
            user=viewer,
            query=request.GET.get("q", ""),
        )
    return render(
        request,
        "kb/article.html",
        {
            "article": shown,
            "from_suggestion": from_suggestion,
            "can_edit": can(viewer, Right.MANAGE_KB),
        },
    )


@require_POST
def vote(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = _viewer(request)
    try:
        voted = selectors.get_visible_article(viewer, slug)
    except Article.DoesNotExist as missing:
        raise Http404 from missing
    helpful = request.POST.get("helpful")
    if helpful not in ("yes", "no"):
        return HttpResponse(_("Choose yes or no."), status=400)
    error = ""
    status = 200
    try:
        services.vote(
            voted,
            helpful=helpful == "yes",
            user=viewer,
            session_key=_session_key(request),
            client=ratelimit.client_ip(request),
        )
    except TooManyRequests as limited:
        error, status = limited.message, 429
    except KbError as bad:
        error, status = bad.message, 400
    context = {"article": voted, "voted": not error, "vote_error": error}
    if _is_htmx(request):
        return render(request, "kb/partials/vote.html", context, status=status)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Thank you for your feedback."))
    return redirect("kb:article", slug=voted.slug)


@require_POST
def solved(request: HttpRequest, slug: str) -> HttpResponse:
    """ "This solved my problem": counted as a deflected request."""
    viewer = _viewer(request)
    try:
        helped = selectors.get_visible_article(viewer, slug)
    except Article.DoesNotExist as missing:
        raise Http404 from missing
    services.mark_solved(helped, session_key=_session_key(request), user=viewer)
    if _is_htmx(request):
        return render(request, "kb/partials/solved.html", {"article": helped})
    messages.success(request, _("Glad it helped. No request was sent."))
    return redirect("kb:article", slug=helped.slug)


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """htmx: up to five articles for what is being typed into a new request."""
    text = " ".join(request.GET.get(name, "") for name in SUGGESTION_FIELDS)[:1000]
    found = selectors.suggest(
        _viewer(request), text, language=getattr(request, "LANGUAGE_CODE", "")
    )
    query = " ".join(request.GET.get("subject", request.GET.get("q", "")).split())
    return render(
        request,
        "kb/partials/suggestions.html",
        {"suggestions": found, "query": query[:200]},
    )


# --- agents ---------------------------------------------------------------------------


@require_GET
@login_required
def agent_search(request: HttpRequest) -> HttpResponse:
    """htmx: articles to insert into a reply (link or text)."""
    agent = _require_agent(request)
    query = request.GET.get("q", "").strip()[:200]
    found = selectors.search(agent, query, limit=8) if query else []
    # Links go to customers by mail, so they use the public address, not the
    # one the agent happens to reach the desk through.
    base = settings.PODPORA_BASE_URL
    return render(
        request,
        "kb/partials/reply_search_results.html",
        {
            "query": query,
            "results": found,
            "base_url": base,
            "target": request.GET.get("target", "id_body")[:64],
        },
    )


@require_POST
@login_required
def draft_from_message(request: HttpRequest) -> HttpResponse:
    editor = _require_editor(request)
    try:
        message_id = int(request.POST.get("message", ""))
    except ValueError:
        return HttpResponse(_("Choose a reply."), status=400)
    try:
        draft = services.draft_from_message(message_id, actor=editor)
    except KbError as bad:
        return HttpResponse(bad.message, status=404 if bad.code == "not_found" else 400)
    target = reverse("kb:article_edit", kwargs={"pk": draft.pk})
    messages.success(request, _("A draft article was made from the reply."))
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


@require_GET
@login_required
def manage(request: HttpRequest) -> HttpResponse:
    editor = _require_editor(request)
    query = request.GET.get("q", "").strip()[:200]
    status = request.GET.get("status", "")
    if query:
        articles: Any = selectors.search(editor, query, drafts=True, limit=200)
        if status in ArticleStatus.values:
            articles = [a for a in articles if a.status == status]
    else:
        articles = (
            selectors.articles_visible_to(editor, drafts=True)
            .select_related("category", "author")
            .order_by("-updated_at")
        )
        if status in ArticleStatus.values:
            articles = articles.filter(status=status)
        articles = articles[:200]
    return render(
        request,
        "kb/manage/list.html",
        {
            "articles": articles,
            "query": query,
            "status": status,
            "statuses": ArticleStatus.choices,
        },
    )


def _save_article(request: HttpRequest, editor: User, existing: Article | None):
    form = ArticleForm(request.POST)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    fields = {
        "title": data["title"],
        "body_markdown": data["body_markdown"],
        "category": data["category"],
        "language": data["language"],
        "visibility": data["visibility"],
        "organizations": data["organizations"],
        "slug": data["slug"],
    }
    publish = request.POST.get("action") == "publish"
    try:
        if existing is None:
            saved = services.create_article(
                actor=editor,
                status=ArticleStatus.PUBLISHED if publish else ArticleStatus.DRAFT,
                **fields,
            )
        else:
            saved = services.update_article(existing, actor=editor, **fields)
            if publish:
                saved = services.set_published(saved, actor=editor, published=True)
    except KbError as bad:
        form.add_error(None, bad.message)
        return form, None
    return form, saved


@login_required
def article_create(request: HttpRequest) -> HttpResponse:
    editor = _require_editor(request)
    if request.method == "POST":
        form, saved = _save_article(request, editor, None)
        if saved is not None:
            messages.success(request, _("The article was saved."))
            return redirect("kb:article_edit", pk=saved.pk)
    else:
        form = ArticleForm(initial={"language": editor.language or "en"})
    return render(request, "kb/manage/edit.html", {"form": form, "article": None})


@login_required
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    editor = _require_editor(request)
    existing = get_object_or_404(Article, pk=pk)
    if request.method == "POST":
        form, saved = _save_article(request, editor, existing)
        if saved is not None:
            messages.success(request, _("The article was saved."))
            return redirect("kb:article_edit", pk=saved.pk)
    else:
        form = ArticleForm(
            initial={
                "title": existing.title,
                "slug": existing.slug,
                "body_markdown": existing.body_markdown,
                "category": existing.category,
                "language": existing.language,
                "visibility": existing.visibility,
                "organizations": existing.organizations.all(),
            }
        )
    return render(request, "kb/manage/edit.html", {"form": form, "article": existing})


@require_POST
@login_required
def article_publish(request: HttpRequest, pk: int) -> HttpResponse:
    editor = _require_editor(request)
    existing = get_object_or_404(Article, pk=pk)
    publish = request.POST.get("publish") != "0"
    services.set_published(existing, actor=editor, published=publish)
    messages.success(
        request,
        _("The article was published.")
        if publish
        else _("The article was unpublished and is a draft again."),
    )
    return redirect("kb:article_edit", pk=existing.pk)


@require_POST
@login_required
def preview(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    return render(
        request,
        "kb/partials/preview.html",
        {"html": services.render_markdown(request.POST.get("body_markdown", ""))},
    )
