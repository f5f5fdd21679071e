"""Sign-in, sign-out, password reset and the profile page, for agents and customers."""

from typing import Any

from allauth.account.utils import perform_login
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from podpora.accounts import services, two_factor
from podpora.accounts.forms import LoginForm, NewPasswordForm, ProfileForm
from podpora.accounts.middleware import remember_language
from podpora.accounts.models import User, normalize_email
from podpora.audit import selectors as audit_selectors
from podpora.audit import services as audit
from podpora.audit.models import Kind
from podpora.core import ratelimit

# Reset mails one address may receive in an hour; more requests get the same
# "check your e-mail" page and send nothing.
RESET_MAILS_PER_HOUR = 3
HOUR = 3600


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        user = form.get_user()
        # Kept through login(), which cycles the session key but not its data.
        remember_language(self.request, user.language)
        # allauth's login flow asks for the second factor of a person who has
        # one before it signs them in (docs/sign-in.md).
        return perform_login(
            self.request,
            user,
            email_verification="none",
            redirect_url=self.get_success_url(),
        )


class LogoutView(auth_views.LogoutView):
    # Django's LogoutView accepts POST only, so a link or an image in a
    # message cannot sign anyone out.
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            audit.record(Kind.SIGN_OUT, request=request)
        return super().post(request, *args, **kwargs)


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    html_email_template_name = "accounts/email/password_reset.html"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        # Counted for known and unknown addresses alike, and answered alike.
        email = normalize_email(form.cleaned_data["email"])
        if ratelimit.exceeded(
            "password-reset",
            email,
            limit=RESET_MAILS_PER_HOUR,
            window_seconds=HOUR,
        ):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        remember_language(request, user.language)
        # Answer in the new language at once, and on the pages that follow;
        # the old choice, put there by UserLanguageMiddleware, must not win.
        request.COOKIES.pop(settings.LANGUAGE_COOKIE_NAME, None)
        translation.activate(
            user.language
            or translation.get_language_from_request(request, check_path=False)
        )
        messages.success(request, _("Your profile was saved."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@login_required
@require_http_methods(["GET"])
def security(request: HttpRequest) -> HttpResponse:
    """Two-factor methods, recent sign-ins and the sessions open now."""
    user = request.user
    assert isinstance(user, User)  # login_required
    return render(
        request,
        "accounts/security.html",
        {
            "authenticators": Authenticator.objects.filter(user=user).order_by(
                "created_at"
            ),
            "two_factor_required": two_factor.is_required(user),
            "sessions": UserSession.objects.purge_and_list(user),
            "sign_ins": audit_selectors.sign_ins_of(user)[:20],
        },
    )


@login_required
@require_http_methods(["POST"])
def end_session(request: HttpRequest, session_id: int) -> HttpResponse:
    session = get_object_or_404(UserSession, pk=session_id, user=request.user)
    current = session.is_current()
    services.end_session(request, session)
    if current:
        # The request still holds this session: flush it too, or saving it
        # at the end of the response would bring it back.
        auth_logout(request)
        return redirect("accounts:login")
    messages.success(request, _("The session was ended."))
    return redirect("accounts:security")
