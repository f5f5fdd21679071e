"""Sign-in and profile forms."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from podpora.accounts import time_zones
from podpora.accounts.models import User, normalize_email
from podpora.accounts.passwords import refuse_too_long
from podpora.audit import services as audit
from podpora.audit.models import Kind
from podpora.core import ratelimit

# A guesser gets 10 tries per address and 5 per account in a quarter of an
# hour; a person who mistypes a few times never notices.
IP_LIMIT = ratelimit.Limit("login-ip", attempts=10, window_seconds=15 * 60)
ACCOUNT_LIMIT = ratelimit.Limit("login-account", attempts=5, window_seconds=15 * 60)


class LoginForm(AuthenticationForm):
    """E-mail and password; the same error whether the account exists or not."""

    username = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    # A too-long password fails here, so clean() never hashes it.
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        validators=[refuse_too_long],
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The e-mail address or the password is not right."),
        "too_many": _("Too many sign-in attempts. Try again in %(minutes)s."),
    }

    def clean(self) -> dict[str, Any]:
        email = normalize_email(self.data.get("username", "") or "")
        ip = ratelimit.client_ip(self.request) if self.request else "unknown"
        wait = max(
            ratelimit.retry_after(IP_LIMIT, ip),
            ratelimit.retry_after(ACCOUNT_LIMIT, email) if email else 0,
        )
        if wait:
            minutes = max(1, (wait + 59) // 60)
            raise forms.ValidationError(
                self.error_messages["too_many"],
                code="too_many",
                params={
                    "minutes": ngettext("%d minute", "%d minutes", minutes) % minutes
                },
            )
        if "password" not in self.cleaned_data:
            # Refused by its field (over the length limit): a failed try that
            # is never hashed, and never clears the account's counter.
            ratelimit.hit(IP_LIMIT, ip)
            if email:
                ratelimit.hit(ACCOUNT_LIMIT, email)
            return self.cleaned_data
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            ratelimit.hit(IP_LIMIT, ip)
            if email:
                ratelimit.hit(ACCOUNT_LIMIT, email)
            audit.record(
                Kind.SIGN_IN_FAILED,
                request=self.request,
                actor=User.objects.filter(email=email).first() if email else None,
                actor_email=email,
            )
            raise
        ratelimit.reset(ACCOUNT_LIMIT, email)
        return cleaned


class NewPasswordForm(SetPasswordForm):
    """Choosing a password (reset, invitation, registration): a too-long one
    is refused by its field, before the validators or a hasher see it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("new_password1", "new_password2"):
            self.fields[name].validators.append(refuse_too_long)


class ProfileForm(forms.ModelForm):
    """A person's own settings; agents also say whether they take tickets now."""

    class Meta:
        model = User
        fields = ["full_name", "phone", "language", "time_zone", "availability"]
        help_texts = {
            "language": _("Leave on the browser's language to follow its setting."),
            "availability": _(
                "Teams that assign new tickets automatically give them only "
                "to available agents."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["time_zone"]
        assert isinstance(field, forms.ChoiceField)  # the model field has choices
        field.choices = time_zones.choices(self.instance.time_zone)
        if not self.instance.is_agent:
            del self.fields["availability"]
        else:
            # A form sent without it (an older page) keeps the current value.
            self.fields["availability"].required = False

    def clean_availability(self) -> str:
        return str(self.cleaned_data.get("availability") or self.instance.availability)

    def clean_language(self) -> str:
        language = self.cleaned_data.get("language") or ""
        if language and language not in dict(settings.LANGUAGES):
            raise forms.ValidationError(_("Choose a language from the list."))
        return language
