"""The desk's selects (``desk.forms.Select``) write the options Django's own
select writes: the same values, labels, selection and attributes, on the
ticket page an agent uses."""

import re

import pytest
from django import forms
from django.urls import reverse

from podpora.accounts.models import Tier
from podpora.desk.forms import PropertiesForm, Select, agents
from podpora.tickets.models import Priority, Status

pytestmark = pytest.mark.django_db

OPTION = re.compile(r"<option([^>]*)>([^<]*)</option>")


def _options(html: str) -> list[tuple[str, str]]:
    return [(attrs.strip(), label) for attrs, label in OPTION.findall(html)]


def test_each_select_of_the_details_panel_offers_what_djangos_would(
    printer_ticket, tomasz, service_desk
):
    form = PropertiesForm(
        initial={
            "status": Status.OPEN,
            "priority": Priority.HIGH,
            "team": service_desk.pk,
            "assignee": tomasz.pk,
            "tier": Tier.FIRST,
        },
        agent_list=list(agents()),
    )
    selects = [n for n, f in form.fields.items() if isinstance(f.widget, Select)]
    assert selects == ["status", "priority", "team", "assignee", "tier", "category"]
    for name in selects:
        ours = str(form[name])
        django = forms.Select(attrs=form.fields[name].widget.attrs)
        django.choices = form.fields[name].widget.choices
        theirs = form[name].as_widget(widget=django)
        assert _options(ours) == _options(theirs), name
        assert ours.split(">", 1)[0] == theirs.split(">", 1)[0], name
    assert f'<option value="{tomasz.pk}" selected>{tomasz.display_name}</option>' in (
        str(form["assignee"])
    )


def test_the_ticket_page_shows_the_tickets_status_selected(
    tomasz_client, printer_ticket
):
    page = tomasz_client.get(reverse("desk:ticket", args=[printer_ticket.number]))
    status = re.search(
        r'<select name="status" id="prop_status">(.*?)</select>', page.text, re.S
    )
    assert status, "no status select in the details panel"
    assert f'<option value="{printer_ticket.status}" selected>' in status.group(1)
