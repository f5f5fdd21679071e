"""The page where anyone signed in makes and revokes their API tokens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from podpora.api import services
from podpora.api.forms import TokenForm
from podpora.tickets.errors import TicketError

_NEW_SECRET = "api_new_token_secret"  # noqa: S105 (a session key name)


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    # Shown once: the secret rides in the session across the redirect (so a
    # reload neither shows it again nor makes another token), then is dropped.
    new_secret = request.session.pop(_NEW_SECRET, None)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _token, secret = services.create_token(
                request.user,  # type: ignore[arg-type]
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
            )
        except TicketError as error:
            form.add_error(None, error.message)
        else:
            request.session[_NEW_SECRET] = secret
            return redirect("api_tokens")
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "new_secret": new_secret,
            "tokens": services.tokens_of(request.user),  # type: ignore[arg-type]
        },
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    if services.revoke_token(request.user, pk):  # type: ignore[arg-type]
        messages.success(request, _("The token was revoked."))
    return redirect("api_tokens")
