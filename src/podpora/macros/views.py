"""Managing macros, and applying one from the ticket page or the bulk panel.

Personal macros for every agent; shared ones kept by supervisors and
administrators, as the shared canned replies are.
"""

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from podpora.accounts.models import User
from podpora.desk import queues
from podpora.desk.canned import PLACEHOLDERS
from podpora.desk.views.access import agent_required
from podpora.macros import selectors, services
from podpora.macros.forms import MacroForm
from podpora.macros.models import Macro
from podpora.tickets.errors import Conflict, TicketError
from podpora.tickets.selectors import visible_to


def _editable(user: User, pk: int) -> Macro:
    macro = selectors.editable_by(user).filter(pk=pk).first()
    if macro is None:
        raise Http404
    return macro


@require_GET
@agent_required
def macro_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    macros = list(selectors.usable_by(user).select_related("team"))
    return render(
        request,
        "macros/macro_list.html",
        {"macros": macros, "can_share": selectors.can_share(user)},
    )


@require_http_methods(["GET", "POST"])
@agent_required
def macro_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    instance = _editable(user, pk) if pk else None
    form = MacroForm(request.POST or None, instance=instance, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_macro(
                user,
                form.save(commit=False),
                shared=bool(form.cleaned_data.get("shared")),
            )
        except TicketError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The macro was saved."))
            return redirect("desk:macros:list")
    return render(
        request,
        "macros/macro_form.html",
        {"form": form, "macro": instance, "placeholders": PLACEHOLDERS},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@agent_required
def macro_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    services.delete_macro(user, _editable(user, pk))
    messages.success(request, _("The macro was deleted."))
    return redirect("desk:macros:list")


@require_POST
@agent_required
def apply(request: HttpRequest, number: int) -> HttpResponse:
    """One click on the ticket page: the chosen macro, applied as a whole."""
    user: User = request.user  # type: ignore[assignment]
    ticket = visible_to(user).filter(number=number).first()
    if ticket is None:
        raise Http404
    macro = _chosen(request, user)
    if macro is None:
        messages.error(request, _("Choose a macro."))
        return redirect("desk:ticket", number=number)
    version = request.POST.get("version", "")
    try:
        services.apply_macro(
            macro,
            ticket,
            actor=user,
            expected_version=int(version) if version.isdigit() else None,
        )
    except Conflict:
        messages.error(
            request,
            _(
                "Someone changed this ticket since you opened it; nothing was "
                "applied. Check the changes, then apply the macro again."
            ),
        )
        return redirect("desk:ticket", number=number)
    except TicketError as error:
        messages.error(request, error.message)
        return redirect("desk:ticket", number=number)
    queues.forget_counts(user)
    messages.success(request, _("Macro “%(title)s” applied.") % {"title": macro.title})
    if not visible_to(user).filter(pk=ticket.pk).exists():
        # The macro moved the ticket to a team the agent does not see.
        return redirect("desk:home")
    return redirect("desk:ticket", number=number)


def apply_to_selected(request: HttpRequest, back: str) -> HttpResponse:
    """The bulk panel's macro: each selected ticket the user sees, one by
    one; a ticket that fails is reported and the others still go through."""
    user: User = request.user  # type: ignore[assignment]
    macro = _chosen(request, user)
    numbers = [int(n) for n in request.POST.getlist("tickets") if n.isdigit()]
    if macro is None or not numbers:
        messages.error(request, _("Choose at least one ticket and a macro."))
        return redirect(back)
    tickets = list(visible_to(user).filter(number__in=numbers).order_by("number"))
    done, failed = 0, []
    for ticket in tickets:
        try:
            with transaction.atomic():
                services.apply_macro(macro, ticket, actor=user, via="desk:bulk")
            done += 1
        except TicketError as error:
            failed.append(f"{ticket.reference}: {error.message}")
    seen = {t.number for t in tickets}
    failed += [f"#{n}: {_('not found')}" for n in sorted(set(numbers) - seen)]
    queues.forget_counts(user)
    if done:
        messages.success(
            request,
            ngettext(
                "Macro “%(title)s” applied to %(n)d ticket.",
                "Macro “%(title)s” applied to %(n)d tickets.",
                done,
            )
            % {"title": macro.title, "n": done},
        )
    for line in failed:
        messages.error(request, line)
    return redirect(back)


def _chosen(request: HttpRequest, user: User) -> Macro | None:
    raw = request.POST.get("macro", "")
    if not raw.isdigit():
        return None
    return selectors.usable_by(user).select_related("team").filter(pk=int(raw)).first()
