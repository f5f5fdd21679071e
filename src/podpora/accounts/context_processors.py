from django.http import HttpRequest

from podpora.accounts.permissions import RIGHTS, Right


def rights(request: HttpRequest) -> dict[str, dict[str, bool]]:
    """``{{ rights.view_reports }}`` and friends for templates (menus only:
    every view checks the right again itself). Worked out once per request
    and person: a page's view and its template both ask."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        return {"rights": {}}
    key = (user.pk, getattr(user, "agent_role", ""))
    cached = getattr(request, "_podpora_rights", None)
    if cached is None or cached[0] != key:
        granted = RIGHTS.get(key[1], frozenset())
        cached = (key, {right.value: right in granted for right in Right})
        request._podpora_rights = cached  # type: ignore[attr-defined]
    return {"rights": cached[1]}
