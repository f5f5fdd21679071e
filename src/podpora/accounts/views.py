"""Sign-in, sign-out, password reset and the profile page, for agents and customers."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from podpora.accounts.forms import LoginForm, NewPasswordForm, ProfileForm
from podpora.accounts.middleware import remember_language
from podpora.accounts.models import normalize_email
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
        response = super().form_valid(form)
        # The session was cycled by login(): store the language in the new one.
        remember_language(self.request, form.get_user().language)
        return response


class LogoutView(auth_views.LogoutView):
    # Django's LogoutView accepts POST only, so a link or an image in a
    # message cannot sign anyone out.
    pass


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
