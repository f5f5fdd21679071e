from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from podpora.search.forms import SearchForm
from podpora.search.services import Results, search


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    """One page for agents (all filters) and customers (their own scope)."""
    user = request.user
    form = SearchForm(request.GET or None, user=user)  # type: ignore[arg-type]
    results: Results | None = None
    if form.is_bound and form.is_valid() and form.cleaned_data["q"].strip():
        results = search(
            user,  # type: ignore[arg-type]
            form.cleaned_data["q"],
            page=form.cleaned_data.get("page") or 1,
            filters=form.filters(),
        )
    params = request.GET.copy()
    params.pop("page", None)
    template = (
        "search/partials/results.html" if request.htmx else "search/search.html"  # type: ignore[attr-defined]
    )
    return render(
        request,
        template,
        {
            "form": form,
            "results": results,
            "query_string": params.urlencode(),
            # Agents keep the desk's navigation, customers the portal's.
            "layout": "desk/layout.html" if user.is_agent else "portal/layout.html",  # type: ignore[union-attr]
        },
        status=400 if form.is_bound and form.errors else 200,
    )
