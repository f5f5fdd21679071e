"""django-allauth fitted to Podpora: no self sign-up through allauth (people
come from invitations, the portal and mail), and the two-factor policy
applied when a sign-in completes."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest

from podpora.accounts import two_factor
from podpora.accounts.forms import ACCOUNT_LIMIT
from podpora.accounts.passwords import MAX_PASSWORD_BYTES
from podpora.audit import services as audit
from podpora.audit.models import Kind
from podpora.core import ratelimit


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def login(self, request: HttpRequest, user: AbstractBaseUser) -> None:
        super().login(request, user)
        two_factor.after_sign_in(request, user)
        methods = [
            str(r.get("type") or r.get("method"))
            for r in get_authentication_records(request, user)
        ]
        audit.record(
            Kind.SIGN_IN,
            request=request,
            actor=user,
            details={
                "second_factor": next((m for m in methods if m != "password"), "")
            },
        )

    def reauthenticate(self, user: AbstractBaseUser, password: str) -> bool:
        """The password asked again before a two-factor change, counted by the
        same per-account limit as the sign-in form."""
        email = str(getattr(user, "email", ""))
        if (
            ratelimit.retry_after(ACCOUNT_LIMIT, email)
            or len(password.encode("utf-8", "surrogatepass")) > MAX_PASSWORD_BYTES
        ):
            return False
        if user.is_active and user.check_password(password):
            return True
        ratelimit.hit(ACCOUNT_LIMIT, email)
        return False

    def add_message(
        self,
        request: HttpRequest,
        level: int,
        message_template: str | None = None,
        message_context: dict[str, Any] | None = None,
        extra_tags: str = "",
        message: str | None = None,
    ) -> None:
        # Signing in leads to the page asked for; no "signed in as" banner.
        if message_template == "account/messages/logged_in.txt":
            return
        super().add_message(
            request,
            level,
            message_template=message_template,
            message_context=message_context,
            extra_tags=extra_tags,
            message=message,
        )
