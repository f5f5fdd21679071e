from django.http import HttpRequest

from podpora.accounts.permissions import Right, can


def rights(request: HttpRequest) -> dict[str, dict[str, bool]]:
    """``{{ rights.view_reports }}`` and friends for templates (menus only:
    every view checks the right again itself)."""
    user = getattr(request, "user", None)
    if (
        user is None
        or not user.is_authenticated
        or not getattr(user, "is_agent", False)
    ):
        return {"rights": {}}
    return {"rights": {right.value: can(user, right) for right in Right}}  # type: ignore[arg-type]
