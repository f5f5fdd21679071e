from django import template
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _

register = template.Library()

DASH = "–"


@register.filter
def hours(value: float | None) -> str:
    """Hours as "3.5 h" in the active language; a dash when there is no figure."""
    if value is None:
        return DASH
    return _("%(hours)s h") % {"hours": floatformat(value, 1)}


@register.filter
def pct(value: float | None) -> str:
    if value is None:
        return DASH
    return f"{floatformat(value, 1)} %"


@register.filter
def share(part: int, whole: int) -> int:
    """``part`` as a whole percentage of ``whole`` (for bar lengths)."""
    return round(100 * part / whole) if whole else 0
