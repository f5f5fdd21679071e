"""For people without an account: the public request form and the signed
follow links (``portal.links``) that replace signing in."""

from typing import cast

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from podpora.accounts.errors import AccountError
from podpora.accounts.models import normalize_email
from podpora.core import ratelimit
from podpora.kb import services as kb_services
from podpora.portal import botcheck, links, selectors, services
from podpora.portal.forms import (
    FreshLinkForm,
    PublicRequestForm,
    ReplyForm,
    incoming_files,
)
from podpora.portal.models import PortalSettings
from podpora.portal.views._common import (
    CONFIRM_MAILS_PER_HOUR,
    HOUR,
    PUBLIC_CHALLENGE_AFTER,
    RENEW_PER_HOUR,
    apply_customer_status,
    current_user,
    too_many,
)
from podpora.tickets.errors import TicketError
from podpora.tickets.models import Attachment

# --- the public form --------------------------------------------------------------


def _needs_challenge(request: HttpRequest) -> bool:
    return (
        ratelimit.count("public-new", ratelimit.client_ip(request))
        >= PUBLIC_CHALLENGE_AFTER
    )


def _render_public_form(
    request: HttpRequest, form: PublicRequestForm, *, status: int = 200
) -> HttpResponse:
    """Render with a fresh bot-check id, keeping everything typed."""
    rendered = botcheck.issue(with_question=_needs_challenge(request))
    if form.is_bound:
        data = cast(QueryDict, form.data).copy()
        data["rendered"] = rendered
        data["answer"] = ""
        form.data = data
    else:
        form.initial["rendered"] = rendered
    return render(
        request,
        "portal/public_new.html",
        {"form": form, "question": botcheck.question_of(rendered)},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def public_new(request: HttpRequest) -> HttpResponse:
    portal_settings = PortalSettings.load()
    if not portal_settings.public_form:
        return render(request, "portal/public_closed.html", status=404)
    if request.user.is_authenticated and not current_user(request).is_agent:
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
        return too_many(request)
    form = PublicRequestForm(
        request.POST, request.FILES, require_challenge=require_challenge
    )
    if form.is_valid():
        data = form.cleaned_data
        # The same answer in every case below: a script learns nothing to
        # adapt to, and nobody learns whether an address is known.
        request.session["portal_public_sent"] = {"email": data["email"]}
        if form.is_honeypot_filled:
            return redirect("portal:public_sent")
        if ratelimit.exceeded(
            "public-confirm",
            normalize_email(data["email"]),
            limit=CONFIRM_MAILS_PER_HOUR,
            window_seconds=HOUR,
        ):
            # One address gets a few confirmation mails an hour, however
            # many addresses the senders use.
            return redirect("portal:public_sent")
        services.hold_public_request(
            full_name=data["full_name"],
            email=data["email"],
            subject=data["subject"],
            description=data["description"],
            files=incoming_files(data["attachments"]),
            language=get_language() or "",
        )
        if request.session.session_key:
            # Suggestions opened in this visit did not answer the request.
            kb_services.note_request_sent(request.session.session_key)
        return redirect("portal:public_sent")
    return _render_public_form(request, form, status=400)


def public_sent(request: HttpRequest) -> HttpResponse:
    sent = request.session.get("portal_public_sent")
    if not sent:
        return redirect("portal:public_new")
    return render(request, "portal/public_sent.html", {"sent": sent})


@require_http_methods(["GET", "POST"])
def public_confirm(request: HttpRequest, key: str) -> HttpResponse:
    """The link in the confirmation mail. Opening it shows a button (mail
    scanners open links); pressing it opens the ticket and its page."""
    held = services.held_request(key)
    if held is None:
        return _private(
            render(request, "portal/public_confirm_invalid.html", status=410)
        )
    if request.method == "POST":
        try:
            ticket = services.confirm_public_request(held)
        except (TicketError, AccountError) as error:
            messages.error(request, error.message)
            return redirect("portal:public_new")
        messages.success(
            request,
            _("Thank you: your request %(reference)s was received.")
            % {"reference": ticket.reference},
        )
        return redirect(links.follow_path(ticket, ticket.requester))
    return _private(
        render(
            request,
            "portal/public_confirm.html",
            {"held": held},
        )
    )


# --- following a ticket through a signed link ------------------------------------


def _followed(token: str) -> links.Followed:
    return links.resolve(token, max_age=services.follow_max_age())


def _private(response: HttpResponse) -> HttpResponse:
    # The link is the key: never leak it to another site in a Referer header
    # ("same-origin", not "no-referrer", which would make the browser send
    # "Origin: null" with the reply form and fail the CSRF check), nor keep
    # the page in a shared cache.
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


def _invalid_link(
    request: HttpRequest, token: str, followed: links.Followed
) -> HttpResponse:
    form = FreshLinkForm(initial={"number": links.number_in(token)})
    return _private(
        render(
            request,
            "portal/follow_invalid.html",
            {"form": form, "refusal": followed.refusal},
            status=410,
        )
    )


@require_http_methods(["GET", "POST"])
def follow(request: HttpRequest, token: str) -> HttpResponse:
    followed = _followed(token)
    if followed.link is None:
        return _invalid_link(request, token, followed)
    ticket, recipient = followed.ticket, followed.recipient
    form = ReplyForm()
    status = 200
    if request.method == "POST":
        form = ReplyForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.reply(
                    ticket,
                    recipient,
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
    followed = _followed(token)
    if followed.link is None:
        return _invalid_link(request, token, followed)
    return apply_customer_status(
        request,
        followed.ticket,
        followed.recipient,
        reverse("portal:follow", args=[token]),
    )


def follow_attachment(request: HttpRequest, token: str, pk: int) -> FileResponse:
    followed = _followed(token)
    if followed.link is None:
        raise Http404
    attachment = Attachment.objects.filter(
        pk=pk,
        ticket=followed.ticket,
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
                return too_many(request)
            services.send_fresh_follow_link(
                number, form.cleaned_data["email"], language=get_language() or ""
            )
            return render(request, "portal/follow_renew_sent.html")
        return render(request, "portal/follow_renew.html", {"form": form}, status=400)
    number = request.GET.get("number", "")
    form = FreshLinkForm(initial={"number": number if number.isdigit() else ""})
    return render(request, "portal/follow_renew.html", {"form": form})
