"""``{% load macros %}{% macro_picker ticket %}``: the ticket page's macro
picker, with the signed-in agent's macros, so the page's view needs no
change to show it."""

from typing import Any

from django import template

from podpora.macros import selectors

register = template.Library()


@register.inclusion_tag("macros/partials/picker.html", takes_context=True)
def macro_picker(context: template.Context, ticket: Any) -> dict[str, Any]:
    user = context["user"]
    return {
        "ticket": ticket,
        "macros": selectors.choices_for(user),
        "csrf_token": context.get("csrf_token"),
    }
