"""The client directory: client organisations, their people, domains, notes
and open tickets, for supervisors and administrators (``manage_clients``).
Writes go through ``accounts.services``, the same functions the API uses."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from podpora.accounts import services
from podpora.accounts.errors import AccountError
from podpora.accounts.models import (
    MembershipRole,
    Organization,
    User,
    normalize_email,
)
from podpora.clients import selectors
from podpora.clients.forms import ClientForm, PersonForm
from podpora.desk.views.access import agent_required

PAGE_SIZE = 50


def _directory_user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not selectors.may_use_directory(user):
        raise Http404
    return user


def _client(user: User, pk: int) -> Organization:
    found = selectors.client(user, pk)
    if found is None:
        raise Http404
    return found


@require_GET
@agent_required
def client_list(request: HttpRequest) -> HttpResponse:
    user = _directory_user(request)
    query = request.GET.get("q", "")[:200]
    page = Paginator(selectors.directory(user, query), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "clients/list.html", {"page": page, "query": query})


@require_GET
@agent_required
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _directory_user(request)
    client = _client(user, pk)
    return render(
        request,
        "clients/detail.html",
        {
            "client": client,
            "people": selectors.people(client),
            "month": selectors.this_month(client),
            "tickets": selectors.open_tickets(user, client),
            "person_form": PersonForm(),
        },
    )


@require_http_methods(["GET", "POST"])
@agent_required
def client_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """A new client (no ``pk``) or an existing one's name, domains, notes and
    whether it is active."""
    user = _directory_user(request)
    client = _client(user, pk) if pk else None
    if request.method == "POST":
        form = ClientForm(request.POST)
    else:
        form = ClientForm.for_client(client) if client else ClientForm()
    if client is None:
        del form.fields["is_active"]  # a new client starts active
    if request.method == "POST" and form.is_valid():
        fields = {
            "name": form.cleaned_data["name"],
            "domains": form.domain_list(),
            "notes": form.cleaned_data["notes"],
        }
        try:
            if client is None:
                client = services.create_organization(user, **fields)
                done = _("Client %(name)s added.") % {"name": client.name}
            else:
                services.update_organization(
                    user, client, is_active=form.cleaned_data["is_active"], **fields
                )
                done = _("Saved.")
        except AccountError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, done)
            return redirect("clients:detail", client.pk)
    return render(
        request,
        "clients/form.html",
        {"form": form, "client": client},
        status=400 if form.errors else 200,
    )


@require_POST
@agent_required
def person_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = _directory_user(request)
    client = _client(user, pk)
    form = PersonForm(request.POST)
    role = (
        MembershipRole.MANAGER if request.POST.get("manager") else MembershipRole.MEMBER
    )
    if form.is_valid():
        email = form.cleaned_data["email"]
        existing = User.objects.filter(email=normalize_email(email)).first()
        try:
            if existing is None:
                services.create_customer(
                    user,
                    email=email,
                    full_name=form.cleaned_data["full_name"],
                    organization=client,
                    role=role,
                )
            else:
                services.set_membership(user, existing, client, role=role)
        except AccountError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("%(email)s added.") % {"email": email})
    else:
        messages.error(
            request, " ".join(str(e) for errors in form.errors.values() for e in errors)
        )
    return redirect("clients:detail", client.pk)


PERSON_ACTIONS = {"manager", "member", "deactivate", "activate", "remove"}


@require_POST
@agent_required
def person_change(request: HttpRequest, pk: int, person_pk: int) -> HttpResponse:
    user = _directory_user(request)
    client = _client(user, pk)
    membership = selectors.people(client).filter(user_id=person_pk).first()
    action = request.POST.get("action", "")
    if membership is None or action not in PERSON_ACTIONS:
        raise Http404
    person = membership.user
    try:
        if action in {"manager", "member"}:
            role = (
                MembershipRole.MANAGER if action == "manager" else MembershipRole.MEMBER
            )
            services.set_membership(user, person, client, role=role)
        elif action in {"deactivate", "activate"}:
            services.update_customer(user, person, is_active=action == "activate")
        else:
            services.remove_membership(user, person, client)
    except AccountError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Saved."))
    return redirect("clients:detail", client.pk)
