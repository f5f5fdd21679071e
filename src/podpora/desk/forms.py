"""Forms of the desk: they parse input; the services decide."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from podpora.accounts.models import Team, Tier, User
from podpora.desk.models import CannedReply
from podpora.tickets.models import Category, LinkKind, Priority, Status


def agents() -> Any:
    return (
        User.objects.exclude(agent_role="")
        .filter(is_active=True)
        .order_by("full_name", "email")
    )


def active_teams() -> Any:
    return Team.objects.filter(is_active=True)


def active_categories() -> Any:
    return Category.objects.filter(is_active=True)


def _choices_from(field: forms.Field, options: Sequence[tuple[int, str]]) -> None:
    """Sets a model choice field's options from (pk, label) pairs already
    read, in the queryset's order: a form rendered from lists made once per
    page costs no query (and, on PostgreSQL, no server-side cursor) per
    select. What a bound form accepts is still checked against the queryset."""
    model_field = cast(forms.ModelChoiceField, field)
    head = [] if model_field.empty_label is None else [("", model_field.empty_label)]
    model_field.choices = head + list(options)


class Select(forms.Select):
    """Django's select with its options written in one template loop
    (``desk/widgets/select.html``): the ticket page shows nine selects and
    some 70 options, and an include per option was a fifth of its time."""

    template_name = "desk/widgets/select.html"


if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise


def team_choice(label: "StrOrPromise", **kwargs: Any) -> forms.ModelChoiceField:
    """An optional choice among the active teams."""
    return forms.ModelChoiceField(
        label=label,
        required=False,
        queryset=active_teams(),
        widget=Select,
        **kwargs,
    )


def category_choice() -> forms.ModelChoiceField:
    """An optional choice among the active categories."""
    return forms.ModelChoiceField(
        label=_("Category"),
        required=False,
        queryset=active_categories(),
        empty_label=_("None"),
        widget=Select,
    )


def page_time() -> forms.FloatField:
    """When a page was shown (seconds since 1970), carried by its forms."""
    return forms.FloatField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=1e11
    )


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Reply to the requester"),
        widget=forms.Textarea(attrs={"rows": 6, "accesskey": "r"}),
        max_length=100_000,
    )
    status = forms.ChoiceField(
        label=_("Then set the status to"),
        required=False,
        choices=[("", _("Keep as it is"))]
        + [(s, s.label) for s in Status if s not in (Status.NEW,)],
        widget=Select,
    )
    time_spent = forms.IntegerField(
        label=_("Time spent (minutes)"), required=False, min_value=0, max_value=1440
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
    # When the page was loaded: what others changed since then is shown on a conflict.
    loaded_at = page_time()


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Internal note"),
        help_text=_("Only agents see it. Mention a colleague with @name or @e-mail."),
        widget=forms.Textarea(attrs={"rows": 4, "accesskey": "n"}),
        max_length=100_000,
    )
    time_spent = forms.IntegerField(
        label=_("Time spent (minutes)"), required=False, min_value=0, max_value=1440
    )
    # When the page was loaded: a draft saved from an older page than the
    # agent's last note is the note already sent (``desk.drafts``).
    loaded_at = page_time()


class DraftForm(forms.Form):
    """What the reply or note box holds so far, saved as the agent types."""

    body = forms.CharField(required=False, strip=False, max_length=100_000)
    loaded_at = page_time()


class PropertiesForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices, widget=Select)
    priority = forms.TypedChoiceField(
        label=_("Priority"), coerce=int, choices=Priority.choices, widget=Select
    )
    team = team_choice(_("Team"), empty_label=_("No team"))
    assignee = AgentChoiceField(
        label=_("Assignee"),
        required=False,
        queryset=agents(),
        empty_label=_("Nobody"),
        widget=Select,
    )
    tier = forms.TypedChoiceField(
        label=_("Support tier"), coerce=int, choices=Tier.choices, widget=Select
    )
    category = category_choice()
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=1000,
        help_text=_("Separated by commas."),
    )
    cc = forms.CharField(
        label=_("CC"),
        required=False,
        max_length=2000,
        help_text=_("E-mail addresses separated by commas."),
    )
    remote_session_id = forms.CharField(
        label=_("Remote session ID"), required=False, max_length=64
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
    # When the page was loaded: what others changed since then is shown on a conflict.
    loaded_at = page_time()

    def __init__(
        self,
        *args: Any,
        agent_list: Sequence[Any],
        team_list: Sequence[tuple[int, str]] | None = None,
        category_list: Sequence[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("auto_id", "prop_%s")
        super().__init__(*args, **kwargs)
        # One list of agents per page, shared with the other forms.
        field = cast(forms.ModelChoiceField, self.fields["assignee"])
        field.queryset = agents()
        field.choices = [("", _("Nobody"))] + [
            (a.pk, a.display_name) for a in agent_list
        ]
        if team_list is not None:
            _choices_from(self.fields["team"], team_list)
        if category_list is not None:
            _choices_from(self.fields["category"], category_list)

    def clean_tags(self) -> list[str]:
        raw = self.cleaned_data.get("tags") or ""
        return [t.strip() for t in raw.split(",") if t.strip()]

    def clean_cc(self) -> list[str]:
        raw = self.cleaned_data.get("cc") or ""
        addresses = [a.strip() for a in raw.replace(";", ",").split(",") if a.strip()]
        validator = forms.EmailField()
        for address in addresses:
            validator.clean(address)
        return addresses


class EscalateForm(forms.Form):
    note = forms.CharField(
        label=_("Hand-over note"),
        help_text=_("What was tried and what the next line should know."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    team = team_choice(_("To team"), empty_label=_("The next tier's team"))

    def __init__(
        self,
        *args: Any,
        team_list: Sequence[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("auto_id", "esc_%s")
        super().__init__(*args, **kwargs)
        if team_list is not None:
            _choices_from(self.fields["team"], team_list)


class NumberForm(forms.Form):
    number = forms.IntegerField(label=_("Ticket number"), min_value=1)

    def clean_number(self) -> int:
        return int(self.cleaned_data["number"])


class LinkForm(NumberForm):
    kind = forms.ChoiceField(
        label=_("Link as"),
        choices=[
            (LinkKind.RELATED, _("Related")),
            ("parent", _("Parent of this ticket")),
            ("child", _("Child of this ticket")),
        ],
        widget=Select,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "link_%s")
        super().__init__(*args, **kwargs)


class SplitForm(forms.Form):
    message = forms.IntegerField(widget=forms.HiddenInput)
    subject = forms.CharField(label=_("Subject of the new ticket"), required=False)


class IntakeForm(forms.Form):
    requester = forms.IntegerField(required=False, widget=forms.HiddenInput)
    caller_name = forms.CharField(
        label=_("Caller's name"), required=False, max_length=200
    )
    caller_email = forms.EmailField(label=_("Caller's e-mail"), required=False)
    caller_phone = forms.CharField(
        label=_("Caller's phone"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    subject = forms.CharField(label=_("Subject"), max_length=255)
    notes = forms.CharField(
        label=_("Call notes"),
        help_text=_(
            "Your account of the call. The customer sees it under your name, "
            "marked as the support team's account, never as their own words."
        ),
        widget=forms.Textarea(attrs={"rows": 6, "aria-describedby": "notes-help"}),
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        coerce=int,
        choices=Priority.choices,
        initial=Priority.NORMAL,
    )
    team = team_choice(_("Team"), empty_label=_("No team"))
    category = category_choice()
    remote_session_id = forms.CharField(
        label=_("Remote session ID"),
        required=False,
        max_length=64,
        help_text=_("TeamViewer, AnyDesk or similar, if you connected."),
    )
    assign_to_me = forms.BooleanField(
        label=_("Assign to me"), required=False, initial=True
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("requester") and not data.get("caller_email"):
            raise forms.ValidationError(
                _("Choose a known caller, or give the new caller's e-mail address.")
            )
        return data


class CannedReplyForm(forms.ModelForm):
    shared = forms.BooleanField(label=_("Shared with every agent"), required=False)

    class Meta:
        model = CannedReply
        fields = ["title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}


class BulkForm(forms.Form):
    ACTIONS = [
        ("assign", _("Assign to")),
        ("status", _("Set status")),
        ("priority", _("Set priority")),
        ("close", _("Close")),
    ]
    tickets = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    assignee = forms.CharField(required=False)  # agent id or "none"
    status = forms.ChoiceField(required=False, choices=[("", ""), *Status.choices])
    priority = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", ""), *Priority.choices],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Ticket numbers are checked against the user's scope by the view.
        numbers = self.data.getlist("tickets") if hasattr(self.data, "getlist") else []
        cast(forms.ChoiceField, self.fields["tickets"]).choices = [
            (n, n) for n in numbers
        ]
