"""The customer portal: thin views that parse, check access, call a service
and render. Access to tickets always goes through ``visible_to`` (404 when
outside it), or through a signed follow link for people without an account."""

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from podpora.accounts.errors import AccountError
from podpora.accounts.middleware import remember_language
from podpora.accounts.models import User
from podpora.accounts.permissions import Right, can
from podpora.portal import botcheck, ratelimit, selectors, services, tokens
from podpora.portal.forms import (
    FreshLinkForm,
    InvitationForm,
    NewRequestForm,
    PublicRequestForm,
    RegistrationForm,
    ReplyForm,
    incoming_files,
)
from podpora.portal.models import PortalSettings
from podpora.tickets import links
from podpora.tickets.errors import TicketError
from podpora.tickets.models import Attachment, Status, Ticket
from podpora.tickets.selectors import get_visible_ticket

PAGE_SIZE = 25
HOUR = 3600
PUBLIC_CHALLENGE_AFTER = 3  # submissions per hour from one address before a sum
RENEW_PER_HOUR = 5
REGISTER_PER_HOUR = 5


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _visible_ticket(request: HttpRequest, number: int) -> Ticket:
    try:
        return get_visible_ticket(_user(request), number)
    except Ticket.DoesNotExist as missing:
        raise Http404 from missing


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/too_many.html", status=429)


# --- my tickets -------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(
            request,
            "portal/landing.html",
            {"settings": PortalSettings.load()},
        )
    user = _user(request)
    scopes = selectors.scopes_for(user)
    scope = request.GET.get("scope", "")
    scope = selectors.Scope(scope) if scope in scopes else scopes[0]
    status = request.GET.get("status", "")
    if status not in selectors.StatusFilter:
        status = ""
    query = request.GET.get("q", "")[:200]
    tickets = selectors.tickets_for(user, scope=scope, status=status, query=query)
    page = selectors.CappedPaginator(tickets, PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "portal/home.html",
        {
            "page": page,
            "scope": scope,
            "scopes": scopes,
            "status": status,
            "query": query,
            "status_filters": _status_filter_choices(),
            "filtered": bool(status or query),
        },
    )


def _status_filter_choices() -> list[tuple[str, str]]:
    return [
        ("", pgettext("tickets", "All")),
        ("active", _("Not yet resolved")),
        ("new", pgettext("ticket status", "New")),
        ("open", pgettext("ticket status", "Open")),
        ("waiting_customer", pgettext("ticket status", "Waiting on customer")),
        ("resolved", pgettext("ticket status", "Resolved")),
        ("closed", pgettext("ticket status", "Closed")),
    ]


# --- a new request ----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def new_request(request: HttpRequest) -> HttpResponse:
    allow_priority = PortalSettings.load().customers_choose_priority
    if request.method == "POST":
        form = NewRequestForm(
            request.POST, request.FILES, allow_priority=allow_priority
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = services.submit_request(
                    _user(request),
                    subject=data["subject"],
                    description=data["description"],
                    category=data.get("category"),
                    priority=data.get("priority"),
                    files=incoming_files(data["attachments"]),
                )
            except (TicketError, AccountError) as error:
                form.add_error(None, error.message)
            else:
                return redirect("portal:created", number=ticket.number)
        return render(request, "portal/new.html", {"form": form}, status=400)
    initial = {}
    follow_up = request.GET.get("follow_up", "")
    if follow_up.isdigit():
        previous = selectors.visible_to(_user(request)).filter(number=int(follow_up))
        for ticket in previous.only("number", "subject"):
            initial["subject"] = _("Follow-up to %(ref)s: %(subject)s") % {
                "ref": ticket.reference,
                "subject": ticket.subject,
            }
    form = NewRequestForm(initial=initial, allow_priority=allow_priority)
    return render(request, "portal/new.html", {"form": form})


@login_required
def created(request: HttpRequest, number: int) -> HttpResponse:
    ticket = _visible_ticket(request, number)
    return render(request, "portal/created.html", {"ticket": ticket})


# --- one ticket -------------------------------------------------------------------


def _ticket_page(
    request: HttpRequest,
    ticket: Ticket,
    *,
    form: ReplyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "portal/ticket.html",
        {
            "ticket": ticket,
            "thread": selectors.public_thread(user, ticket),
            "form": form or ReplyForm(),
            # Agents read the portal's view; they answer from the desk.
            "can_act": not user.is_agent,
        },
        status=status,
    )


@login_required
def ticket_detail(request: HttpRequest, number: int) -> HttpResponse:
    return _ticket_page(request, _visible_ticket(request, number))


@login_required
@require_POST
def reply(request: HttpRequest, number: int) -> HttpResponse:
    ticket = _visible_ticket(request, number)
    if _user(request).is_agent:
        raise Http404
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.reply(
                ticket,
                _user(request),
                body=form.cleaned_data["body"],
                files=incoming_files(form.cleaned_data["attachments"]),
            )
        except (TicketError, AccountError) as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your reply was added."))
            return redirect("portal:ticket", number=ticket.number)
    return _ticket_page(request, ticket, form=form, status=400)


@login_required
@require_POST
def set_status(request: HttpRequest, number: int) -> HttpResponse:
    ticket = _visible_ticket(request, number)
    if _user(request).is_agent:
        raise Http404
    return _apply_status(
        request, ticket, _user(request), reverse("portal:ticket", args=[number])
    )


def _apply_status(
    request: HttpRequest, ticket: Ticket, customer: User, back: str
) -> HttpResponse:
    wanted = request.POST.get("status", "")
    try:
        services.ticket_services.customer_set_status(
            ticket, customer=customer, status=wanted
        )
    except (TicketError, AccountError) as error:
        messages.error(request, error.message)
    else:
        if wanted == Status.RESOLVED:
            messages.success(request, _("Marked as resolved. Thank you!"))
        else:
            messages.success(request, _("Reopened: we will look at it again."))
    return redirect(back)


# --- the public form --------------------------------------------------------------


def _needs_challenge(request: HttpRequest) -> bool:
    return (
        ratelimit.count("public-new", ratelimit.client_ip(request))
        >= PUBLIC_CHALLENGE_AFTER
    )


def _render_public_form(
    request: HttpRequest, form: PublicRequestForm, *, status: int = 200
) -> HttpResponse:
    """Render with fresh bot-check values, keeping everything typed."""
    challenge = botcheck.new_challenge() if _needs_challenge(request) else ""
    if form.is_bound:
        data = cast(QueryDict, form.data).copy()
        data["rendered"] = botcheck.stamp()
        data["challenge"] = challenge
        data["answer"] = ""
        form.data = data
    else:
        form.initial.update({"rendered": botcheck.stamp(), "challenge": challenge})
    return render(
        request,
        "portal/public_new.html",
        {"form": form, "question": botcheck.question_of(challenge)},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def public_new(request: HttpRequest) -> HttpResponse:
    portal_settings = PortalSettings.load()
    if not portal_settings.public_form:
        return render(request, "portal/public_closed.html", status=404)
    if request.user.is_authenticated and not _user(request).is_agent:
        # Signed in, their requests belong in their own list.
        return redirect("portal:new")
    if request.method != "POST":
        return _render_public_form(request, PublicRequestForm())
    require_challenge = _needs_challenge(request)
    if ratelimit.exceeded(
        "public-new",
        ratelimit.client_ip(request),
        limit=portal_settings.public_requests_per_hour,
        window_seconds=HOUR,
    ):
        return _too_many(request)
    form = PublicRequestForm(
        request.POST, request.FILES, require_challenge=require_challenge
    )
    if form.is_valid():
        if form.is_honeypot_filled:
            # Answer as if it worked: a script learns nothing to adapt to.
            request.session["portal_public_sent"] = {"email": "", "number": 0}
            return redirect("portal:public_sent")
        data = form.cleaned_data
        try:
            ticket = services.submit_public_request(
                full_name=data["full_name"],
                email=data["email"],
                subject=data["subject"],
                description=data["description"],
                files=incoming_files(data["attachments"]),
                language=get_language() or "",
            )
        except (TicketError, AccountError) as error:
            form.add_error(None, error.message)
        else:
            request.session["portal_public_sent"] = {
                "email": ticket.requester.email,
                "number": ticket.number,
            }
            return redirect("portal:public_sent")
    return _render_public_form(request, form, status=400)


def public_sent(request: HttpRequest) -> HttpResponse:
    sent = request.session.get("portal_public_sent")
    if not sent:
        return redirect("portal:public_new")
    return render(request, "portal/public_sent.html", {"sent": sent})


# --- following a ticket through a signed link ------------------------------------


def _followed(token: str) -> Ticket | None:
    return links.ticket_from_token(token, max_age=services.follow_max_age())


def _private(response: HttpResponse) -> HttpResponse:
    # The link is the key: never leak it to another site in a Referer header
    # ("same-origin", not "no-referrer", which would make the browser send
    # "Origin: null" with the reply form and fail the CSRF check), nor keep
    # the page in a shared cache.
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


def _invalid_link(request: HttpRequest, token: str) -> HttpResponse:
    number = token.split(":", 1)[0]
    form = FreshLinkForm(initial={"number": number if number.isdigit() else ""})
    return _private(
        render(request, "portal/follow_invalid.html", {"form": form}, status=410)
    )


@require_http_methods(["GET", "POST"])
def follow(request: HttpRequest, token: str) -> HttpResponse:
    ticket = _followed(token)
    if ticket is None:
        return _invalid_link(request, token)
    form = ReplyForm()
    status = 200
    if request.method == "POST":
        form = ReplyForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.reply(
                    ticket,
                    ticket.requester,
                    body=form.cleaned_data["body"],
                    files=incoming_files(form.cleaned_data["attachments"]),
                )
            except (TicketError, AccountError) as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Your reply was added."))
                return redirect("portal:follow", token=token)
        status = 400
    return _private(
        render(
            request,
            "portal/follow.html",
            {
                "ticket": ticket,
                "thread": selectors.public_thread_for_requester(ticket),
                "form": form,
                "token": token,
                "can_act": True,
            },
            status=status,
        )
    )


@require_POST
def follow_status(request: HttpRequest, token: str) -> HttpResponse:
    ticket = _followed(token)
    if ticket is None:
        return _invalid_link(request, token)
    return _apply_status(
        request, ticket, ticket.requester, reverse("portal:follow", args=[token])
    )


def follow_attachment(request: HttpRequest, token: str, pk: int) -> FileResponse:
    ticket = _followed(token)
    if ticket is None:
        raise Http404
    attachment = Attachment.objects.filter(
        pk=pk,
        ticket=ticket,
        message__kind__in=selectors.PUBLIC_MESSAGE_KINDS,
    ).first()
    if attachment is None:
        raise Http404
    return _serve(request, attachment)


def _serve(request: HttpRequest, attachment: Attachment) -> FileResponse:
    # The same safe headers as tickets' own download view.
    inline = attachment.is_image and request.GET.get("inline") == "1"
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    content_type = attachment.content_type if "/" in attachment.content_type else ""
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=attachment.original_name,
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_http_methods(["GET", "POST"])
def follow_renew(request: HttpRequest) -> HttpResponse:
    """Mail a fresh link to the requester. The answer is the same whether or
    not the address and number match, so it tells nobody anything."""
    if request.method == "POST":
        form = FreshLinkForm(request.POST)
        if form.is_valid():
            ip = ratelimit.client_ip(request)
            number = form.cleaned_data["number"]
            if ratelimit.exceeded(
                "renew-ip", ip, limit=RENEW_PER_HOUR, window_seconds=HOUR
            ) or ratelimit.exceeded(
                "renew-ticket", str(number), limit=RENEW_PER_HOUR, window_seconds=HOUR
            ):
                return _too_many(request)
            services.send_fresh_follow_link(
                number, form.cleaned_data["email"], language=get_language() or ""
            )
            return render(request, "portal/follow_renew_sent.html")
        return render(request, "portal/follow_renew.html", {"form": form}, status=400)
    number = request.GET.get("number", "")
    form = FreshLinkForm(initial={"number": number if number.isdigit() else ""})
    return render(request, "portal/follow_renew.html", {"form": form})


# --- accounts: registration and invitations --------------------------------------


def _sign_in(request: HttpRequest, user: User) -> None:
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    remember_language(request, user.language)
    if user.language:
        # The rest of this request (the welcome message) speaks it too.
        translation.activate(user.language)


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal:home")
    if not PortalSettings.load().self_registration:
        return render(request, "portal/register_closed.html", status=403)
    if request.method == "POST":
        form = RegistrationForm(request.POST)
        if form.is_valid():
            if ratelimit.exceeded(
                "register",
                ratelimit.client_ip(request),
                limit=REGISTER_PER_HOUR,
                window_seconds=HOUR,
            ):
                return _too_many(request)
            services.start_registration(
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                language=get_language() or "",
            )
            request.session["portal_register_email"] = form.cleaned_data["email"]
            return redirect("portal:register_sent")
        return render(request, "portal/register.html", {"form": form}, status=400)
    return render(request, "portal/register.html", {"form": RegistrationForm()})


def register_sent(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/register_sent.html",
        {"email": request.session.get("portal_register_email", "")},
    )


@require_http_methods(["GET", "POST"])
def register_confirm(request: HttpRequest, token: str) -> HttpResponse:
    if not PortalSettings.load().self_registration:
        return render(request, "portal/register_closed.html", status=403)
    registration = tokens.registration_from_token(token)
    if registration is None:
        return render(request, "portal/link_invalid.html", status=410)
    existing = User.objects.filter(email=registration.email).first()
    if existing is not None and existing.has_usable_password():
        messages.info(
            request, _("This address already has an account: please sign in.")
        )
        return redirect("accounts:login")
    # The password validators compare against the person's name and address;
    # the account does not exist yet, so they get an unsaved stand-in.
    stand_in = User(email=registration.email, full_name=registration.full_name)
    form = SetPasswordForm(stand_in, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.complete_registration(
                registration, form.cleaned_data["new_password1"]
            )
        except (TicketError, AccountError) as error:
            messages.error(request, error.message)
            return redirect("accounts:login")
        _sign_in(request, user)
        messages.success(request, _("Welcome! Your account is ready."))
        return redirect("portal:home")
    return render(
        request,
        "portal/set_password.html",
        {"form": form, "email": registration.email, "welcome": True},
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
def set_password(request: HttpRequest, token: str) -> HttpResponse:
    user = tokens.user_from_account_token(token)
    if user is None:
        return render(request, "portal/link_invalid.html", status=410)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.set_password(user, form.cleaned_data["new_password1"])
        _sign_in(request, user)
        messages.success(request, _("Your password is set. Welcome!"))
        return redirect("portal:home")
    return render(
        request,
        "portal/set_password.html",
        {"form": form, "email": user.email},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not can(user, Right.WORK_TICKETS):
        raise Http404
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data: dict[str, Any] = form.cleaned_data
        try:
            invited = services.invite(
                invited_by=user,
                email=data["email"],
                full_name=data["full_name"],
                language=data["language"],
                organization=data["organization"],
                role=data["role"],
            )
        except (TicketError, AccountError) as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s.") % {"email": invited.email},
            )
            return redirect("portal:invite")
    return render(
        request,
        "portal/invite.html",
        {"form": form, "may_make_managers": can(user, Right.MANAGE_PEOPLE)},
        status=400 if form.is_bound and form.errors else 200,
    )
