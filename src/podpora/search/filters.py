"""The one ticket filter language: desk queues, saved views, the search page
and the API all read filters here.

A filter is written as a query string, e.g.
``status=new&status=open&assignee=me&tag=vpn&updated_from=7d``:

- ``status``, ``priority``, ``channel``: any of the values given (repeat the
  name for more than one);
- ``team``: a team's id, ``mine`` (one of the viewer's teams, or none) or
  ``none``; ``assignee``: an agent's id, ``me`` or ``none``;
- ``organization``, ``category``: an id; ``tag``: every tag given;
- ``created_from``, ``created_to``, ``updated_from``, ``updated_to``: a day
  (``2026-01-31``; a ``_to`` day is taken in whole), a moment in ISO 8601
  (``2026-01-31T14:00:00+01:00``; without an offset, UTC) or a number of days
  ago (``7d``, counted when the filter is applied);
- ``breached``: ``1`` for tickets that missed an SLA target, ``0`` for the rest;
- ``q``: words in the subject, or the ticket's number.

:func:`parse` turns a query string (or ``QueryDict``) into
:class:`TicketFilters`, or raises :class:`InvalidFilters` with a translated
message per field; :meth:`TicketFilters.query_string` writes it back in one
canonical order (what a saved view stores); :func:`apply_filters` narrows a
queryset that starts from ``tickets.selectors.visible_to``.

Filters on agent-only fields (team, assignee, category, tags, breached) apply
to agents only: a customer cannot probe how tickets are routed by filtering
on them.
"""

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _

from podpora.accounts.models import Organization, Team, User
from podpora.automation.models import TicketSla
from podpora.tickets.models import Category, Channel, Priority, Status, Ticket

AGENT_ONLY = ("team", "assignee", "category", "tag", "breached")
_MAX_ID = 2**62


@dataclass(frozen=True)
class DaysAgo:
    """A bound ``days`` days before the moment the filter is applied."""

    days: int

    def __str__(self) -> str:
        return f"{self.days}d"


Bound = dt.datetime | dt.date | DaysAgo


@dataclass
class TicketFilters:
    status: Sequence[str] = field(default_factory=list)
    priority: Sequence[int] = field(default_factory=list)
    channel: Sequence[str] = field(default_factory=list)
    team: int | str | None = None  # an id, "mine" or "none"
    assignee: str | None = None  # an id, "me" or "none"
    organization: int | None = None
    category: int | None = None
    tag: Sequence[str] = field(default_factory=list)
    created_from: Bound | None = None
    created_to: Bound | None = None
    updated_from: Bound | None = None
    updated_to: Bound | None = None
    breached: bool | None = None
    q: str = ""

    def is_empty(self) -> bool:
        return not self.query_string()

    def query_string(self) -> str:
        """The filters as a query string, each name once in a fixed order and
        repeated values sorted: two equal filters write the same string."""
        pairs: list[tuple[str, str]] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or value == "" or value == []:
                continue
            if isinstance(value, list | tuple):
                items = sorted({_written(v) for v in value})
            else:
                items = [_written(value)]
            pairs += [(f.name, item) for item in items]
        query = QueryDict(mutable=True)
        for name, item in pairs:
            query.appendlist(name, item)
        return query.urlencode()

    def combined(self, other: "TicketFilters") -> "TicketFilters":
        """These filters narrowed by ``other``, as one filter (what "Save
        view" keeps of a queue's filter and its page's): lists are
        intersected where both give one; any other value is ``other``'s
        where it gives one. Where the two contradict each other (no common
        status, another assignee), ``other``'s is kept: the view holds what
        the agent chose, while the page, which applies both, shows nothing."""
        values: dict[str, Any] = {}
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if isinstance(mine, list | tuple) and mine and theirs:
                both = [v for v in mine if v in theirs]
                values[f.name] = both or list(theirs)
            else:
                given = theirs not in (None, "", [], ())
                values[f.name] = theirs if given else mine
        return TicketFilters(**values)


def _written(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


class InvalidFilters(ValueError):
    """``errors``: each wrong field's translated messages."""

    def __init__(self, errors: Mapping[str, Sequence[str]]) -> None:
        self.errors = {
            name: [str(m) for m in messages] for name, messages in errors.items()
        }
        super().__init__(
            "; ".join(f"{name}: {' '.join(m)}" for name, m in self.errors.items())
        )


_DAYS_AGO = re.compile(r"(\d{1,5})d")


class WhenField(forms.Field):
    """A day, a moment or a number of days ago (see the module's text)."""

    default_error_messages = {
        "invalid": _(
            "Enter a day (2026-01-31), a date and time (2026-01-31T14:00) "
            "or a number of days ago (7d)."
        ),
        "range": _("The date is out of range."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"placeholder": "2026-01-31 / 7d"})
        )
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Bound | None:  # type: ignore[override]
        text = str(value or "").strip()
        if not text:
            return None
        if len(text) > 40:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if match := _DAYS_AGO.fullmatch(text):
            return DaysAgo(int(match[1]))
        try:
            if len(text) == 10:
                day = dt.date.fromisoformat(text)
                if not 1900 <= day.year <= 9998:
                    raise ValidationError(self.error_messages["range"], code="range")
                return day
            moment = dt.datetime.fromisoformat(text)
        except ValueError as bad:
            raise ValidationError(
                self.error_messages["invalid"], code="invalid"
            ) from bad
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        try:
            moment = moment.astimezone(dt.UTC)
        except (OverflowError, ValueError) as bad:
            raise ValidationError(self.error_messages["range"], code="range") from bad
        if not 1900 <= moment.year <= 9998:
            raise ValidationError(self.error_messages["range"], code="range")
        return moment


class _ManyTexts(forms.TextInput):
    """A text box whose name may also come several times in a query."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if hasattr(data, "getlist"):
            return data.getlist(name)
        return data.get(name)

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return super().format_value(value)


class TagsField(forms.Field):
    """Tags, given as repeated values or separated by commas."""

    widget = _ManyTexts
    default_error_messages = {"too_long": _("A tag has at most 64 characters.")}

    def to_python(self, value: Any) -> list[str]:
        raw = value if isinstance(value, list | tuple) else [value or ""]
        tags = [
            " ".join(tag.split()).lower()
            for item in raw
            for tag in str(item).split(",")
            if tag.strip()
        ]
        if any(len(tag) > 64 for tag in tags):
            raise ValidationError(self.error_messages["too_long"], code="too_long")
        return sorted(set(tags))


def _id_or(*words: str) -> RegexValidator:
    return RegexValidator(rf"^({'|'.join(words)}|[1-9][0-9]{{0,17}})$")


class FilterForm(forms.Form):
    """The filter language's fields, for parsing and for the filter panels.

    Checking values needs no query: an unknown team or agent simply matches
    nothing. The panels fill in the selects' options (:meth:`show_choices`).
    """

    status = forms.MultipleChoiceField(
        label=_("Status"), required=False, choices=Status.choices
    )
    priority = forms.TypedMultipleChoiceField(
        label=_("Priority"), required=False, coerce=int, choices=Priority.choices
    )
    channel = forms.MultipleChoiceField(
        label=_("Channel"), required=False, choices=Channel.choices
    )
    team = forms.CharField(
        label=_("Team"),
        required=False,
        widget=forms.Select,
        validators=[_id_or("mine", "none")],
        error_messages={"invalid": _("Choose a team, “mine” or “none”.")},
    )
    assignee = forms.CharField(
        label=_("Assignee"),
        required=False,
        widget=forms.Select,
        validators=[_id_or("me", "none")],
        error_messages={"invalid": _("Choose an agent, “me” or “none”.")},
    )
    organization = forms.IntegerField(
        label=_("Organisation"),
        required=False,
        min_value=1,
        max_value=_MAX_ID,
        widget=forms.Select,
    )
    category = forms.IntegerField(
        label=_("Category"),
        required=False,
        min_value=1,
        max_value=_MAX_ID,
        widget=forms.Select,
    )
    tag = TagsField(label=_("Tags"), required=False)
    created_from = WhenField(label=_("Created from"))
    created_to = WhenField(label=_("Created to"))
    updated_from = WhenField(label=_("Updated from"))
    updated_to = WhenField(label=_("Updated to"))
    breached = forms.TypedChoiceField(
        label=_("SLA breached"),
        required=False,
        choices=[("", _("Any")), ("1", _("Yes")), ("0", _("No"))],
        coerce=lambda v: v == "1",
        empty_value=None,
    )
    q = forms.CharField(label=_("Words in the subject"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Cleaning must not fail on text a database cannot store.
        for name in ("q", "team", "assignee"):
            self.fields[name].validators.append(_storable)

    def show_all_choices(self) -> "FilterForm":
        """The select boxes with every active team, agent, organisation and
        category: the options are the same for every agent (desk queues and
        the search page)."""
        return self.show_choices(
            teams=Team.objects.filter(is_active=True)
            .order_by("tier", "name")
            .values_list("pk", "name"),
            agents=[
                (u.pk, u.display_name)
                for u in User.objects.exclude(agent_role="")
                .filter(is_active=True)
                .order_by("full_name", "email")
                .only("pk", "full_name", "email")
            ],
            organizations=Organization.objects.filter(is_active=True)
            .order_by("name")
            .values_list("pk", "name"),
            categories=Category.objects.filter(is_active=True)
            .order_by("name")
            .values_list("pk", "name"),
        )

    def show_choices(
        self,
        *,
        teams: Iterable[tuple[int, str]],
        agents: Iterable[tuple[int, str]],
        organizations: Iterable[tuple[int, str]],
        categories: Iterable[tuple[int, str]],
    ) -> "FilterForm":
        """The select boxes' options (pairs of id and name)."""

        def options(
            head: list[tuple[str, Any]], pairs: Iterable[tuple[int, str]]
        ) -> list[tuple[str, Any]]:
            return head + [(str(pk), name) for pk, name in pairs]

        anything = [("", _("Any"))]
        choices = {
            "team": options(
                [*anything, ("mine", _("My teams or none")), ("none", _("No team"))],
                teams,
            ),
            "assignee": options(
                [("", _("Anyone")), ("me", _("Me")), ("none", _("Nobody"))], agents
            ),
            "organization": options(list(anything), organizations),
            "category": options(list(anything), categories),
        }
        for name, shown in choices.items():
            self.fields[name].widget.choices = shown  # type: ignore[attr-defined]
        return self

    def filters(self) -> TicketFilters:
        """The cleaned filters (call after ``is_valid``)."""
        data = self.cleaned_data
        team = data.get("team") or None
        return TicketFilters(
            status=sorted(set(data.get("status") or [])),
            priority=sorted(set(data.get("priority") or [])),
            channel=sorted(set(data.get("channel") or [])),
            team=int(team) if team and team.isdigit() else team,
            assignee=data.get("assignee") or None,
            organization=data.get("organization"),
            category=data.get("category"),
            tag=list(data.get("tag") or []),
            created_from=data.get("created_from"),
            created_to=data.get("created_to"),
            updated_from=data.get("updated_from"),
            updated_to=data.get("updated_to"),
            breached=data.get("breached"),
            q=(data.get("q") or "").strip(),
        )


def _storable(value: str) -> None:
    if "\x00" in value:
        raise ValidationError(_("The text holds a character that is not allowed."))


NAMES = tuple(FilterForm.base_fields)


def as_query(data: str | Mapping[str, Any] | None) -> QueryDict | MultiValueDict:
    """A query string or mapping as a ``QueryDict``-like of lists."""
    if data is None:
        return QueryDict()
    if isinstance(data, str):
        return QueryDict(data)
    if isinstance(data, MultiValueDict):
        return data
    return MultiValueDict(
        {
            name: [str(v) for v in value]
            if isinstance(value, list | tuple)
            else [str(value)]
            for name, value in data.items()
            if value is not None
        }
    )


def parse(data: str | Mapping[str, Any] | None) -> TicketFilters:
    """The filters in ``data`` (names that are not filters are left alone);
    :class:`InvalidFilters` when a value is wrong."""
    form = FilterForm(as_query(data))
    if not form.is_valid():
        raise InvalidFilters(
            {name: [str(e) for e in errors] for name, errors in form.errors.items()}
        )
    return form.filters()


def _moment(bound: Bound, *, end: bool, now: dt.datetime) -> dt.datetime:
    if isinstance(bound, DaysAgo):
        return now - dt.timedelta(days=bound.days)
    if isinstance(bound, dt.datetime):
        return bound
    day = bound + dt.timedelta(days=1) if end else bound
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def breached_q(now: dt.datetime) -> Q:
    """Tickets that missed an SLA target: one recorded as breached, or one
    due before ``now`` that the sweep has not come to yet."""
    missed = TicketSla.objects.filter(
        Q(first_response_breached=True)
        | Q(next_response_breached=True)
        | Q(resolution_breached=True)
        | Q(next_breach_at__lte=now)
    )
    return Q(pk__in=missed.values("ticket_id"))


def apply_filters(
    tickets: QuerySet[Ticket],
    user: User,
    filters: TicketFilters,
    *,
    now: dt.datetime | None = None,
) -> QuerySet[Ticket]:
    """``tickets`` narrowed by ``filters`` for ``user`` ("me", "mine")."""
    now = now or timezone.now()
    if filters.status:
        tickets = tickets.filter(status__in=filters.status)
    if filters.priority:
        tickets = tickets.filter(priority__in=filters.priority)
    if filters.channel:
        tickets = tickets.filter(channel__in=filters.channel)
    if filters.organization:
        tickets = tickets.filter(organization_id=filters.organization)
    for name, lookup, end in (
        ("created_from", "created_at__gte", False),
        ("created_to", "created_at__lt", True),
        ("updated_from", "updated_at__gte", False),
        ("updated_to", "updated_at__lt", True),
    ):
        bound = getattr(filters, name)
        if bound is not None:
            tickets = tickets.filter(**{lookup: _moment(bound, end=end, now=now)})
    if filters.q:
        words = Q(subject__icontains=filters.q)
        if filters.q.lstrip("#").isdigit() and len(filters.q) < 19:
            words |= Q(number=int(filters.q.lstrip("#")))
        tickets = tickets.filter(words)
    if not user.is_agent:
        return tickets
    if filters.team == "mine":
        mine = Team.objects.filter(is_active=True, agents=user).values("pk")
        tickets = tickets.filter(Q(team__in=mine) | Q(team__isnull=True))
    elif filters.team == "none":
        tickets = tickets.filter(team__isnull=True)
    elif filters.team:
        tickets = tickets.filter(team_id=int(filters.team))
    if filters.assignee == "me":
        tickets = tickets.filter(assignee=user)
    elif filters.assignee == "none":
        tickets = tickets.filter(assignee__isnull=True)
    elif filters.assignee and str(filters.assignee).isdigit():
        tickets = tickets.filter(assignee_id=int(filters.assignee))
    if filters.category:
        tickets = tickets.filter(category_id=filters.category)
    for name in filters.tag:
        tagged = Ticket.tags.through.objects.filter(tag__name=name.strip().lower())
        tickets = tickets.filter(pk__in=tagged.values("ticket_id"))
    if filters.breached is not None:
        missed = breached_q(now)
        tickets = tickets.filter(missed if filters.breached else ~missed)
    return tickets
