import pytest

from podpora.portal.models import PortalSettings

pytestmark = pytest.mark.django_db


def test_an_administrator_switches_self_registration_on_in_the_admin(
    client_for, alicja, client
):
    admin = client_for(alicja)
    assert client.get("/portal/register/").status_code == 403
    changelist = admin.get("/admin/portal/portalsettings/")
    assert changelist.status_code == 302
    assert changelist["Location"] == "/admin/portal/portalsettings/1/change/"
    page = admin.get(changelist["Location"])
    assert page.status_code == 200
    response = admin.post(
        "/admin/portal/portalsettings/1/change/",
        {
            "self_registration": "on",
            "public_form": "on",
            "public_requests_per_hour": 10,
            "follow_link_days": 30,
        },
    )
    assert response.status_code == 302
    settings = PortalSettings.load()
    assert settings.self_registration
    assert settings.follow_link_days == 30
    assert client.get("/portal/register/").status_code == 200


def test_there_is_only_ever_one_settings_row(client_for, alicja):
    PortalSettings.load()
    PortalSettings(self_registration=True).save()
    assert PortalSettings.objects.count() == 1
    assert (
        client_for(alicja).get("/admin/portal/portalsettings/add/").status_code == 403
    )


def test_agents_who_are_not_administrators_cannot_change_portal_settings(
    client_for, tomasz
):
    response = client_for(tomasz).get("/admin/portal/portalsettings/1/change/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_an_administrator_invites_customers_in_bulk_from_the_admin(
    client_for, alicja, adam, bara, tomasz, django_capture_on_commit_callbacks
):
    from django.core import mail

    from podpora.accounts.services import get_or_create_customer

    newcomer, _ = get_or_create_customer("nowy@kowalski.pl", full_name="Nowy")
    admin = client_for(alicja)
    listing = admin.get("/admin/portal/customer/").content.decode()
    assert "nowy@kowalski.pl" in listing
    assert tomasz.email not in listing  # agents are not customers
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            "/admin/portal/customer/",
            {
                "action": "send_invitation",
                "_selected_action": [newcomer.pk, adam.pk],
            },
            follow=True,
        )
    assert "Invitations sent to 2 customers." in response.content.decode()
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {"nowy@kowalski.pl", adam.email}
    assert "/portal/welcome/" in by_address["nowy@kowalski.pl"].body
    # Adam already has a password: he is pointed to the sign-in page instead.
    assert "/portal/welcome/" not in by_address[adam.email].body
