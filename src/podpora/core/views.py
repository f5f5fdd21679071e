from django.contrib.staticfiles import finders
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import cache_control

from podpora.core import health


def _first_url(*names: str) -> str | None:
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


def home(request: HttpRequest) -> HttpResponse:
    """Send each person to their room: agents to the desk, customers to the portal."""
    user = request.user
    if not user.is_authenticated:
        target = _first_url("portal:home", "accounts:login")
    elif user.is_agent:  # type: ignore[union-attr]
        target = _first_url("desk:home")
    else:
        target = _first_url("portal:home")
    if target:
        return redirect(target)
    return render(request, "core/home.html")


def healthz(request: HttpRequest) -> JsonResponse:
    status, body = health.report()
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


@cache_control(public=True, max_age=7 * 24 * 3600)
def favicon(request: HttpRequest) -> FileResponse:
    """``/favicon.ico``, which browsers ask for whatever the page links."""
    path = finders.find("core/favicon.ico")
    if not isinstance(path, str):
        raise Http404
    # FileResponse closes the file once sent.
    return FileResponse(open(path, "rb"), content_type="image/x-icon")
