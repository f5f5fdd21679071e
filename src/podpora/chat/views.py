"""HTTP side of chat: the widget's small JSON API (cross-origin), the agents'
console and the widget settings page. Live traffic goes over WebSockets."""

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import override
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from podpora.accounts.models import Availability, Team, User
from podpora.accounts.permissions import Right, can
from podpora.chat import selectors, services
from podpora.chat.consumers import own_origins
from podpora.chat.forms import (
    ConvertForm,
    OfflineForm,
    StartForm,
    TransferForm,
    WidgetForm,
)
from podpora.chat.models import (
    ChatAttachment,
    ChatSession,
    ChatWidget,
    Sender,
)
from podpora.core import ratelimit
from podpora.core.csp import widget_host
from podpora.tickets.selectors import visible_to

STARTS_PER_HOUR_PER_IP = 20
OFFLINE_PER_HOUR_PER_IP = 10


def _ip(request: HttpRequest) -> str | None:
    address = ratelimit.client_ip(request)
    return None if address == "unknown" else address


# --- the widget's API (called from other websites) -----------------------------------------


def _widget_api(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Cross-origin access for the widget's own origins only.

    These endpoints don't use the visitor's cookies for identity (the chat
    token is the identity), so they are CSRF-exempt; the Origin check keeps
    other sites from using them on a signed-in person's behalf.
    """

    @csrf_exempt
    @wraps(view)
    def wrapper(
        request: HttpRequest, public_key: str, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        widget = (
            ChatWidget.objects.filter(public_key=public_key, is_active=True)
            .select_related("team", "business_hours")
            .first()
        )
        if widget is None:
            raise Http404
        origin = request.headers.get("Origin", "").rstrip("/").lower()
        same_site = (
            not origin
            or origin in own_origins()
            or origin == f"{request.scheme}://{request.get_host()}".lower()
        )
        if not same_site and origin not in widget.origins():
            return HttpResponseForbidden("origin not allowed")
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
        else:
            response = view(request, widget, *args, same_site=same_site, **kwargs)
        if origin and not same_site:
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response["Access-Control-Allow-Headers"] = "Content-Type"
            response["Access-Control-Max-Age"] = "600"
            response["Vary"] = "Origin"
        return response

    return wrapper


def _greeting(widget: ChatWidget, language: str) -> str:
    if widget.greeting:
        return widget.greeting
    with override(language):
        return _("Hello! How can we help you?")


@require_http_methods(["GET", "OPTIONS"])
@_widget_api
def widget_config(
    request: HttpRequest, widget: ChatWidget, *, same_site: bool
) -> JsonResponse:
    language = widget.language
    with override(language):
        texts = {
            "title": _("Chat with us"),
            "name": _("Your name"),
            "email": _("Your e-mail"),
            "start": _("Start chat"),
            "send": _("Send"),
            "placeholder": _("Write a message…"),
            "typing": _("typing…"),
            "offline": _(
                "Nobody is available right now. Leave us a message and we will reply by e-mail."
            ),
            "closed": _(
                "We are outside our business hours. Leave us a message and we will reply by e-mail."
            ),
            "leave": _("Send message"),
            "left": _("Thank you. Your request number is %(number)s."),
            "end": _("End chat"),
            "ended": _(
                "The chat has ended. A transcript is on its way to your e-mail."
            ),
            "waiting": _("Waiting for an agent…"),
            "attach": _("Attach a file"),
            "error": _("Something went wrong. Please try again."),
        }
        state = services.opening(widget)
        if state.reopens_at is not None:
            texts["reopens"] = _reopens_text(widget, state.reopens_at)
    user = _signed_in(request, same_site)
    return JsonResponse(
        {
            "open": state.is_open,
            # Why not: "hours" (outside business hours), "busy" (nobody
            # available) or "off"; the widget words its notice after it.
            "closed": state.closed or "",
            "greeting": _greeting(widget, language),
            "color": widget.color,
            "text_color": widget.text_color,
            "language": language,
            "texts": texts,
            "signed_in": bool(user),
            "name": getattr(user, "full_name", "") if user else "",
        }
    )


def _reopens_text(widget: ChatWidget, reopens_at: datetime) -> str:
    """ "We are back on 2 March 2026, 8:00 (Europe/Warsaw)." in the active language."""
    zone = widget.business_hours.time_zone if widget.business_hours else "UTC"
    local = timezone.localtime(reopens_at, ZoneInfo(zone))
    return _("We are back on %(when)s (%(zone)s).") % {
        "when": date_format(local, "DATETIME_FORMAT"),
        "zone": zone,
    }


def _error(code: str, message: str, status: int, **extra: Any) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, **extra}, status=status)


def _checked_form(
    request: HttpRequest,
    form_class: type[forms.Form],
    *,
    bucket: str,
    limit: int,
    too_many: str,
) -> forms.Form | JsonResponse:
    """The widget's POST endpoints: a per-address hourly limit, then the form."""
    if ratelimit.exceeded(
        bucket, ratelimit.client_ip(request), limit=limit, window_seconds=3600
    ):
        return _error("rate_limited", too_many, 429)
    form = form_class(request.POST)
    if not form.is_valid():
        return _error("invalid", _("Please check the form."), 400, errors=form.errors)
    return form


def _signed_in(request: HttpRequest, same_site: bool) -> User | None:
    """The person signed in to Podpora, only when the widget runs on our own site."""
    user = request.user
    return (
        user if same_site and isinstance(user, User) and user.is_authenticated else None
    )


@require_http_methods(["POST", "OPTIONS"])
@_widget_api
def widget_start(
    request: HttpRequest, widget: ChatWidget, *, same_site: bool
) -> JsonResponse:
    form = _checked_form(
        request,
        StartForm,
        bucket="chat-start",
        limit=STARTS_PER_HOUR_PER_IP,
        too_many=_("Too many chats; try again later."),
    )
    if isinstance(form, JsonResponse):
        return form
    data = form.cleaned_data
    try:
        session = services.start_session(
            widget,
            name=data["name"],
            email=data["email"],
            user=_signed_in(request, same_site),
            page_url=data["page_url"],
            remote_addr=_ip(request),
            language=data["language"],
        )
    except services.ChatError as error:
        return _error(error.code, error.message, 400)
    return JsonResponse(
        {
            "token": str(session.token),
            "session": session.pk,
            "socket": f"/ws/chat/visitor/{session.token}/",
            "upload": reverse("chat:upload", args=[widget.public_key, session.token]),
            "end": reverse("chat:visitor_end", args=[widget.public_key, session.token]),
        }
    )


@require_http_methods(["POST", "OPTIONS"])
@_widget_api
def widget_offline(
    request: HttpRequest, widget: ChatWidget, *, same_site: bool
) -> JsonResponse:
    form = _checked_form(
        request,
        OfflineForm,
        bucket="chat-offline",
        limit=OFFLINE_PER_HOUR_PER_IP,
        too_many=_("Too many messages; try again later."),
    )
    if isinstance(form, JsonResponse):
        return form
    data = form.cleaned_data
    try:
        ticket = services.leave_message(
            widget,
            name=data["name"],
            email=data["email"],
            body=data["message"],
            user=_signed_in(request, same_site),
        )
    except services.ChatError as error:
        return _error(error.code, error.message, 400)
    return JsonResponse({"number": ticket.number})


def _visitor_session(widget: ChatWidget, token: str) -> ChatSession:
    session = (
        ChatSession.objects.filter(widget=widget, token=token)
        .select_related("visitor")
        .first()
    )
    if session is None:
        raise Http404
    return session


@require_http_methods(["POST", "OPTIONS"])
@_widget_api
def widget_upload(
    request: HttpRequest, widget: ChatWidget, token: str, *, same_site: bool
) -> JsonResponse:
    session = _visitor_session(widget, token)
    if ratelimit.exceeded("chat-upload", str(session.pk), limit=10, window_seconds=600):
        return JsonResponse(
            {"code": "rate_limited", "message": _("Too many files; try again later.")},
            status=429,
        )
    upload = request.FILES.get("file")
    if upload is None:
        return JsonResponse(
            {"code": "invalid", "message": _("Choose a file.")}, status=400
        )
    try:
        services.add_attachment(
            session,
            sender=Sender.VISITOR,
            author=None,
            name=upload.name or "file",
            content=upload.read(),
            declared_type=upload.content_type or "",
        )
    except services.attachment_files.StorageFull as error:
        return JsonResponse({"code": error.code, "message": error.message}, status=507)
    except (services.ChatError, services.attachment_files.AttachmentRejected) as error:
        return JsonResponse({"code": error.code, "message": error.message}, status=400)
    return JsonResponse({"ok": True})


@require_http_methods(["POST", "OPTIONS"])
@_widget_api
def widget_end(
    request: HttpRequest, widget: ChatWidget, token: str, *, same_site: bool
) -> JsonResponse:
    services.end(_visitor_session(widget, token), by=None)
    return JsonResponse({"ok": True})


@require_http_methods(["GET"])
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    """A chat file, for the visitor (by their chat token) or an agent."""
    item = get_object_or_404(ChatAttachment.objects.select_related("session"), pk=pk)
    token = request.GET.get("token", "")
    allowed = (
        str(item.session.token) == token
        or selectors.visible_attachments(request.user)  # type: ignore[arg-type]
        .filter(pk=item.pk)
        .exists()
    )
    if not allowed:
        raise Http404
    response = FileResponse(
        item.file.open("rb"),
        as_attachment=True,
        filename=item.original_name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- the agents' console -------------------------------------------------------------


def _agent_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can(request.user, Right.WORK_TICKETS):  # type: ignore[arg-type]
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@_agent_required
def console(request: HttpRequest) -> HttpResponse:
    agent: User = request.user  # type: ignore[assignment]
    return render(
        request,
        "chat/console.html",
        {
            **services.sessions_for_console(agent),
            "teams": Team.objects.filter(is_active=True),
            "agents": User.objects.filter(is_active=True)
            .exclude(agent_role="")
            .order_by("full_name"),
            "availability": agent.availability,
        },
    )


@_agent_required
def console_waiting(request: HttpRequest) -> HttpResponse:
    agent: User = request.user  # type: ignore[assignment]
    return render(
        request, "chat/partials/waiting.html", services.sessions_for_console(agent)
    )


def _visible_session(request: HttpRequest, pk: int) -> ChatSession:
    """A chat in the agent's scope; another team's chat is not found."""
    return get_object_or_404(
        selectors.visible_chats(request.user).select_related(  # type: ignore[arg-type]
            "visitor", "agent", "ticket"
        ),
        pk=pk,
    )


def _session_for_agent(request: HttpRequest, pk: int) -> ChatSession:
    """A chat in scope that is waiting or the agent's own (supervisors: any)."""
    session = _visible_session(request, pk)
    agent: User = request.user  # type: ignore[assignment]
    if session.agent_id not in (None, agent.pk) and not can(
        agent, Right.SEE_ALL_TICKETS
    ):
        raise Http404
    return session


@_agent_required
def session_panel(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_for_agent(request, pk)
    agent: User = request.user  # type: ignore[assignment]
    past = (
        visible_to(agent).filter(requester=session.visitor).order_by("-created_at")[:10]
    )
    return render(
        request,
        "chat/partials/session.html",
        {
            "session": session,
            "lines": session.messages.select_related("author", "attachment").order_by(
                "pk"
            ),
            "past_tickets": past,
            "teams": Team.objects.filter(is_active=True),
            "agents": User.objects.filter(is_active=True)
            .exclude(agent_role="")
            .order_by("full_name"),
        },
    )


def _done(request: HttpRequest, session: ChatSession, text: str = "") -> HttpResponse:
    if text:
        messages.success(request, text)
    if request.htmx:  # type: ignore[attr-defined]
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("chat:console") + f"?open={session.pk}"
        return response
    return redirect(reverse("chat:console") + f"?open={session.pk}")


def _failed(
    request: HttpRequest, session: ChatSession, error: services.ChatError
) -> HttpResponse:
    messages.error(request, error.message)
    return _done(request, session)


@require_POST
@_agent_required
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    session = _visible_session(request, pk)
    try:
        services.accept(session, request.user)  # type: ignore[arg-type]
    except services.ChatError as error:
        return _failed(request, session, error)
    return _done(request, session)


@require_POST
@_agent_required
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_for_agent(request, pk)
    form = TransferForm(request.POST)
    form.is_valid()
    to_agent = User.objects.filter(pk=form.cleaned_data.get("agent") or 0).first()
    to_team = Team.objects.filter(pk=form.cleaned_data.get("team") or 0).first()
    try:
        services.transfer(session, by=request.user, to_agent=to_agent, to_team=to_team)  # type: ignore[arg-type]
    except services.ChatError as error:
        return _failed(request, session, error)
    return _done(request, session, _("The chat was handed over."))


@require_POST
@_agent_required
def end_chat(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_for_agent(request, pk)
    services.end(session, by=request.user)  # type: ignore[arg-type]
    return _done(request, session, _("The chat has ended."))


@require_POST
@_agent_required
def convert(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_for_agent(request, pk)
    form = ConvertForm(request.POST)
    form.is_valid()
    number = form.cleaned_data.get("ticket_number")
    try:
        if number:
            ticket = visible_to(request.user).filter(number=number).first()  # type: ignore[arg-type]
            if ticket is None:
                raise services.ChatError(_("No such ticket."), code="not_found")
            ticket = services.attach_to_ticket(session, ticket, agent=request.user)  # type: ignore[arg-type]
        else:
            ticket = services.convert_to_ticket(
                session,
                agent=request.user,  # type: ignore[arg-type]
                subject=form.cleaned_data.get("subject") or "",
            )
    except services.ChatError as error:
        return _failed(request, session, error)
    return _done(
        request,
        session,
        _("The chat is on ticket %(ref)s.") % {"ref": ticket.reference},
    )


@require_POST
@_agent_required
def availability(request: HttpRequest) -> HttpResponse:
    value = request.POST.get("availability", "")
    if value not in Availability.values:
        return HttpResponse(status=400)
    services.set_availability(request.user, value)  # type: ignore[arg-type]
    return redirect(request.POST.get("next") or reverse("chat:console"))


# --- widget settings (admins) ------------------------------------------------------------


def _settings_required(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can(request.user, Right.MANAGE_SETTINGS):  # type: ignore[arg-type]
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@_settings_required
def widgets(request: HttpRequest) -> HttpResponse:
    return render(
        request, "chat/widgets.html", {"widgets": ChatWidget.objects.order_by("name")}
    )


@_settings_required
def widget_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    widget = get_object_or_404(ChatWidget, pk=pk) if pk else None
    form = WidgetForm(request.POST or None, instance=widget)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, _("Saved."))
        return redirect("chat:widget_edit", pk=saved.pk)
    return render(
        request,
        "chat/widget_edit.html",
        {
            "form": form,
            "widget": widget,
            "snippet": _snippet(request, widget) if widget else "",
        },
    )


def _snippet(request: HttpRequest, widget: ChatWidget) -> str:
    from django.conf import settings
    from django.templatetags.static import static

    base = settings.PODPORA_BASE_URL
    return (
        f'<script src="{base}{static("chat/widget.js")}" '
        f'data-podpora-widget="{widget.public_key}" data-podpora-server="{base}" async></script>'
    )


@widget_host
def demo_page(request: HttpRequest, public_key: str) -> HttpResponse:
    """A page with the widget on it, for trying a widget out (agents only)."""
    if not (request.user.is_authenticated and getattr(request.user, "is_agent", False)):
        raise Http404
    widget = get_object_or_404(ChatWidget, public_key=public_key)
    return render(
        request,
        "chat/demo_page.html",
        {"widget": widget, "snippet": _snippet(request, widget)},
    )
