"""Managing canned replies: personal ones for anyone, shared ones for supervisors."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from podpora.accounts.models import User
from podpora.accounts.permissions import Right, can
from podpora.desk.canned import PLACEHOLDERS
from podpora.desk.forms import CannedReplyForm
from podpora.desk.models import CannedReply
from podpora.desk.views.access import agent_required


def _can_share(user: User) -> bool:
    return can(user, Right.MANAGE_AUTOMATION)


def _editable(user: User, pk: int) -> CannedReply:
    reply = CannedReply.objects.usable_by(user).filter(pk=pk).first()
    if reply is None:
        raise Http404
    if reply.is_shared and not _can_share(user):
        raise Http404
    return reply


@require_GET
@agent_required
def canned_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    replies = list(CannedReply.objects.usable_by(user).select_related("owner"))
    return render(
        request,
        "desk/canned_list.html",
        {"replies": replies, "can_share": _can_share(user)},
    )


@require_http_methods(["GET", "POST"])
@agent_required
def canned_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    instance = _editable(user, pk) if pk else None
    form = CannedReplyForm(
        request.POST or None,
        instance=instance,
        initial={"shared": bool(instance and instance.is_shared)},
    )
    if not _can_share(user):
        del form.fields["shared"]
    if request.method == "POST" and form.is_valid():
        reply = form.save(commit=False)
        shared = form.cleaned_data.get("shared", False)
        reply.owner = None if shared else user
        reply.created_by = reply.created_by or user
        reply.updated_at = timezone.now()
        reply.save()
        messages.success(request, _("The canned reply was saved."))
        return redirect("desk:canned_list")
    return render(
        request,
        "desk/canned_form.html",
        {"form": form, "reply": instance, "placeholders": PLACEHOLDERS},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@agent_required
def canned_delete(request: HttpRequest, pk: int) -> HttpResponse:
    reply = _editable(request.user, pk)  # type: ignore[arg-type]
    reply.delete()
    messages.success(request, _("The canned reply was deleted."))
    return redirect("desk:canned_list")
