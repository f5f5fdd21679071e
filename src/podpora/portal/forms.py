from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from podpora.accounts.models import Language, MembershipRole, Organization
from podpora.portal import botcheck
from podpora.tickets.models import Category, Priority
from podpora.tickets.services import IncomingFile

MAX_FILES = 10


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each checked against the attachment limit
    here, so a too-large file is reported with the form, nothing else lost."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        files = [super(MultipleFileField, self).clean(f, initial) for f in files]
        files = [f for f in files if f]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(
                _("At most %(count)d files can be attached at once."),
                params={"count": MAX_FILES},
            )
        limit = settings.PODPORA_MAX_ATTACHMENT_BYTES
        too_big = [f.name for f in files if f.size is not None and f.size > limit]
        if too_big:
            raise forms.ValidationError(
                ngettext(
                    "%(names)s is larger than the limit of %(limit)s. "
                    "Please choose your files again without it.",
                    "%(names)s are larger than the limit of %(limit)s. "
                    "Please choose your files again without them.",
                    len(too_big),
                )
                % {"names": ", ".join(too_big), "limit": _megabytes(limit)}
            )
        return files


def _megabytes(size: int) -> str:
    return _("%(size)s MB") % {"size": f"{size / (1024 * 1024):g}"}


def incoming_files(files: list[UploadedFile]) -> list[IncomingFile]:
    return [
        IncomingFile(
            name=f.name or "attachment",
            content=f.read(),
            declared_type=f.content_type or "",
        )
        for f in files
    ]


def _checked_in_browser(field: forms.Field) -> None:
    """Let the page refuse a too-large file before it is uploaded
    (``portal.js``); the server checks again whatever the browser did."""
    limit = settings.PODPORA_MAX_ATTACHMENT_BYTES
    field.widget.attrs.update(
        {
            "data-max-bytes": str(limit),
            "data-too-large": _("Too large to attach (the limit is %(limit)s):")
            % {"limit": _megabytes(limit)},
        }
    )


def _attachment_help() -> str:
    return _("Up to %(count)d files, each at most %(limit)s.") % {
        "count": MAX_FILES,
        "limit": _megabytes(settings.PODPORA_MAX_ATTACHMENT_BYTES),
    }


class NewRequestForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=255)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=100_000,
        help_text=_("What happened, what you expected, and since when."),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("I don't know"),
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        coerce=int,
        choices=[],
        initial=Priority.NORMAL,
    )
    attachments = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args: Any, allow_priority: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(  # type: ignore[attr-defined]
            is_active=True, customer_selectable=True
        )
        if allow_priority:
            self.fields["priority"].choices = [  # type: ignore[attr-defined]
                (p.value, _priority_label(p)) for p in Priority
            ]
        else:
            del self.fields["priority"]
        self.fields["attachments"].help_text = _attachment_help()
        _checked_in_browser(self.fields["attachments"])


def _priority_label(priority: Priority) -> str:
    return str(
        {
            Priority.LOW: _("Low"),
            Priority.NORMAL: _("Normal"),
            Priority.HIGH: _("High"),
            Priority.URGENT: _("Urgent"),
        }[priority]
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=100_000,
        required=False,
    )
    attachments = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = _attachment_help()
        _checked_in_browser(self.fields["attachments"])
        # Text or a file is needed (see clean()): neither is "optional" alone.
        self.fields["body"].hide_optional = True  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            not self.errors
            and not (data.get("body") or "").strip()
            and not data.get("attachments")
        ):
            raise forms.ValidationError(_("Write a reply or attach a file."))
        return data


class PublicRequestForm(NewRequestForm):
    """For people without an account, with the bot checks of ``botcheck``."""

    field_order = ["full_name", "email", "subject", "description", "attachments"]

    full_name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(
        label=_("Your e-mail"),
        help_text=_("We send a link to follow your request to this address."),
    )
    # People never see this field (hidden by CSS and from screen readers);
    # scripts that fill in every field do.
    website = forms.CharField(required=False, label=_("Leave this empty"))
    # The id of this rendering (``botcheck``); what it stands for stays on
    # the server. The question, when asked, belongs to the rendering.
    rendered = forms.CharField(widget=forms.HiddenInput, max_length=64)
    answer = forms.CharField(label=_("Answer"), required=False, max_length=8)

    def __init__(
        self, *args: Any, require_challenge: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, allow_priority=False, **kwargs)
        del self.fields["category"]
        self.is_honeypot_filled = False
        self.require_challenge = require_challenge

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("website"):
            self.is_honeypot_filled = True
        rendering = botcheck.take(self.data.get("rendered", ""))
        if rendering is None or rendering.age > botcheck.MAX_SECONDS:
            raise forms.ValidationError(
                _(
                    "This form was open for too long. Nothing you typed is lost: "
                    "please check it and send it again."
                ),
                code="stale",
            )
        if rendering.age < botcheck.MIN_SECONDS:
            raise forms.ValidationError(
                _("That was very fast. Please check your request and send it again."),
                code="too_fast",
            )
        if self.require_challenge and not botcheck.solved(
            rendering, data.get("answer", "")
        ):
            self.add_error("answer", _("That is not the right answer."))
        return data


class RegistrationForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"))


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    full_name = forms.CharField(label=_("Name"), max_length=200, required=False)
    language = forms.ChoiceField(
        label=_("Language"), choices=Language.choices, required=False
    )
    organization = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organization.objects.filter(is_active=True),
        required=False,
        help_text=_(
            "Leave empty to place the person by their e-mail domain, if it is known."
        ),
    )
    role = forms.ChoiceField(
        label=_("Role in the organisation"),
        choices=MembershipRole.choices,
        initial=MembershipRole.MEMBER,
    )


class FreshLinkForm(forms.Form):
    number = forms.IntegerField(label=_("Ticket number"), min_value=1)
    email = forms.EmailField(label=_("Your e-mail"))
