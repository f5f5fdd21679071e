"""The demo's audit entries, and its administrator signing in as the README says."""

import pytest
from django.urls import reverse

from podpora.accounts.models import AgentRole, User
from podpora.audit import demo
from podpora.audit.models import AuditEntry, Kind

pytestmark = pytest.mark.django_db


def test_the_demo_administrator_signs_in_without_being_held_for_two_factor(client):
    User.objects.create_user(
        demo.ADMIN, password="podpora-demo", agent_role=AgentRole.ADMIN
    )
    demo.load()
    demo.load()  # twice: no second copy
    response = client.post(
        reverse("accounts:login"),
        {"username": demo.ADMIN, "password": "podpora-demo"},
    )
    assert response.status_code == 302
    assert client.get(reverse("desk:queue", args=["mine"])).status_code == 200
    page = client.get(reverse("audit:log"))
    assert page.status_code == 200
    assert "sylwia@podpora.demo" in page.text
    assert AuditEntry.objects.filter(kind=Kind.SIGN_IN_FAILED).count() == 2
