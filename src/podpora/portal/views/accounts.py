"""Getting an account: self-registration (when switched on) and invitations."""

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from podpora.accounts.errors import AccountError
from podpora.accounts.forms import NewPasswordForm
from podpora.accounts.middleware import remember_language
from podpora.accounts.models import User, normalize_email
from podpora.accounts.permissions import Right, can
from podpora.core import ratelimit
from podpora.portal import services, tokens
from podpora.portal.forms import (
    InvitationForm,
    RegistrationForm,
)
from podpora.portal.models import PortalSettings
from podpora.portal.views._common import (
    HOUR,
    REGISTER_MAILS_PER_ADDRESS,
    REGISTER_PER_HOUR,
    current_user,
    too_many,
)
from podpora.tickets.errors import TicketError

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
                return too_many(request)
            request.session["portal_register_email"] = form.cleaned_data["email"]
            if ratelimit.exceeded(
                "register-recipient",
                normalize_email(form.cleaned_data["email"]),
                limit=REGISTER_MAILS_PER_ADDRESS,
                window_seconds=HOUR,
            ):
                # The same page, no mail: one address gets a few an hour.
                return redirect("portal:register_sent")
            services.start_registration(
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                language=get_language() or "",
            )
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
    form = NewPasswordForm(stand_in, request.POST or None)
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
    form = NewPasswordForm(user, request.POST or None)
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
    user = current_user(request)
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
        {"form": form, "may_make_managers": can(user, Right.MANAGE_CLIENTS)},
        status=400 if form.is_bound and form.errors else 200,
    )
