"""``QuickSelect`` writes exactly what Django's ``Select`` templates write."""

import pytest
from django import forms

from podpora.desk.forms import PropertiesForm
from podpora.desk.widgets import QuickSelect

pytestmark = pytest.mark.django_db

CASES = [
    (
        [("", "Any"), ("a", "A <b>"), (1, "One & two")],
        "a",
        {"id": "id_x", "required": True, "disabled": False, "data-q": '"q"'},
    ),
    ([("Group <1>", [("g1", "G1"), ("g2", "G2")]), ("b", "B")], "g2", None),
    ([("1", "x"), ("2", "y")], None, {"class": "c", "autofocus": True}),
    ([], None, None),
]


@pytest.mark.parametrize(("choices", "value", "attrs"), CASES)
def test_quick_select_matches_djangos_select(choices, value, attrs):
    expected = forms.Select(choices=choices).render("x", value, attrs)
    assert QuickSelect(choices=choices).render("x", value, attrs) == expected


def test_the_ticket_forms_render_as_with_djangos_select(
    tomasz, sylwia, service_desk, printer_ticket
):
    """Every select of the forms, bound and unbound, with the ticket's values."""
    agent_list = [tomasz, sylwia]
    for form in (
        PropertiesForm(
            initial={"status": "open", "team": service_desk.pk, "assignee": tomasz.pk},
            agent_list=agent_list,
        ),
        PropertiesForm({"status": "bogus", "priority": "3"}, agent_list=agent_list),
    ):
        selects = [f for f in form if isinstance(f.field.widget, QuickSelect)]
        assert len(selects) >= 5
        for field in selects:
            quick = str(field)
            field.field.widget.__class__ = forms.Select
            assert quick == str(field), field.name
