"""``{% load desk_parts %}``: parts of desk pages that are the same for every
agent with the same inputs, rendered once per process.

``{% shared_part "desk/partials/topbar.html" %}`` renders the partial with
``rights`` and ``is_staff`` only; ``{% shared_part "..." agents=agent_list %}``
adds named inputs. The result is kept in this process, keyed by everything
the partial can depend on: its name, the language, the URL configuration
and script prefix, the rights, the staff flag and the values of the inputs
(lists become tuples; inputs must be hashable). The partial sees nothing
else, so nothing from one agent's page can show on another's. A changed
setting empties the store (tests change URLs and languages); translations
and URLs otherwise change only with a restart.

The top bar, the footer and the bulk-edit panel hold only links, translated
words and the list of agents; rendering them on every page cost about
a millisecond, a third of a small page.
"""

from typing import Any

from django import template
from django.core.signals import setting_changed
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

_MAX_PARTS = 256
_parts: dict[tuple, SafeString] = {}


def _forget(**kwargs: Any) -> None:
    _parts.clear()


setting_changed.connect(_forget, dispatch_uid="desk_parts_forget")


def _frozen(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    if isinstance(value, Promise):
        return str(value)
    return value


@register.simple_tag(takes_context=True)
def shared_part(
    context: template.Context, template_name: str, **inputs: Any
) -> SafeString:
    user = context.get("user")
    return shared_html(
        template_name,
        rights=context.get("rights") or {},
        is_staff=bool(getattr(user, "is_staff", False)),
        **inputs,
    )


def shared_html(
    template_name: str, *, rights: dict[str, bool], is_staff: bool, **inputs: Any
) -> SafeString:
    """The tag, for markup written in Python (``desk.views.queues``)."""
    frozen = {name: _frozen(value) for name, value in inputs.items()}
    key = (
        template_name,
        get_language(),
        get_urlconf(),
        get_script_prefix(),
        frozenset(name for name, granted in rights.items() if granted),
        is_staff,
        tuple(sorted(frozen.items())),
    )
    html = _parts.get(key)
    if html is None:
        if len(_parts) >= _MAX_PARTS:
            _parts.clear()
        html = mark_safe(  # rendered by the template engine, which escaped it
            render_to_string(
                template_name,
                {"rights": dict(rights), "is_staff": is_staff, **frozen},
            )
        )
        _parts[key] = html
    return html
