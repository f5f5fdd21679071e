import re

import pytest
from django.core import mail
from django.urls import reverse

from podpora.accounts.middleware import SESSION_LANGUAGE_KEY
from podpora.accounts.models import MembershipRole, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

REGISTER = "/portal/register/"
NEW_PASSWORD = "zielony-kot-na-dachu-42"


@pytest.fixture
def open_registration(portal_settings):
    portal_settings.self_registration = True
    portal_settings.save()
    return portal_settings


def _link(message) -> str:
    return re.search(r"http://\S+?(/portal/\S+/)", message.body).group(1)


def _register(client, capture, email="ewa@kowalski.pl", name="Ewa Lis"):
    with capture(execute=True):
        return client.post(REGISTER, {"full_name": name, "email": email})


def test_registration_switched_off_says_so_clearly(client):
    response = client.get(REGISTER)
    assert response.status_code == 403
    assert "Registration is closed" in response.content.decode()
    assert (
        client.post(REGISTER, {"full_name": "X", "email": "x@example.org"}).status_code
        == 403
    )
    assert not mail.outbox


def test_a_person_registers_confirms_by_mail_and_is_signed_in(
    client, open_registration, org_a, django_capture_on_commit_callbacks
):
    response = _register(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert "ewa@kowalski.pl" in client.get(response["Location"]).content.decode()
    assert not User.objects.filter(
        email="ewa@kowalski.pl"
    ).exists()  # nothing until confirmed
    (message,) = mail.outbox
    link = _link(message)
    form = client.get(link)
    assert form.status_code == 200
    assert "Choose a password" in form.content.decode()
    done = client.post(
        link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    user = User.objects.get(email="ewa@kowalski.pl")
    assert user.full_name == "Ewa Lis"
    assert user.check_password(NEW_PASSWORD)
    assert user.memberships.get().organization == org_a
    assert client.get("/portal/").context["user"] == user
    # The link works once.
    assert (
        client.post(link, {"new_password1": "x", "new_password2": "x"}).status_code
        == 302
    )
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_weak_password_is_refused_with_the_reason(
    client, open_registration, django_capture_on_commit_callbacks
):
    _register(client, django_capture_on_commit_callbacks)
    link = _link(mail.outbox[0])
    response = client.post(
        link, {"new_password1": "12345678", "new_password2": "12345678"}
    )
    assert response.status_code == 400
    assert "too common" in response.content.decode()
    assert not User.objects.filter(email="ewa@kowalski.pl").exists()


def test_registering_a_known_address_reveals_nothing_on_the_page(
    client, open_registration, adam, django_capture_on_commit_callbacks
):
    known = _register(client, django_capture_on_commit_callbacks, email=adam.email)
    unknown = _register(
        client, django_capture_on_commit_callbacks, email="nowa@example.org"
    )
    assert known.status_code == unknown.status_code == 302
    existing_mail = next(m for m in mail.outbox if m.to == [adam.email])
    assert (
        existing_mail.subject == "Masz już konto"
    )  # "you already have an account", in his language
    adam.refresh_from_db()
    assert adam.check_password(PASSWORD)


def test_a_customer_known_only_from_mail_can_register_to_choose_a_password(
    client, open_registration, django_capture_on_commit_callbacks
):
    from podpora.accounts.services import get_or_create_customer

    user, _ = get_or_create_customer("z-maila@example.org")
    _register(client, django_capture_on_commit_callbacks, email=user.email)
    link = _link(mail.outbox[0])
    client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_tampered_registration_link_is_refused(client, open_registration):
    response = client.get(reverse("portal:register_confirm", args=["abc:def"]))
    assert response.status_code == 410
    assert "This link no longer works" in response.content.decode()


def test_registration_attempts_are_rate_limited(client, open_registration):
    codes = [
        client.post(
            REGISTER, {"full_name": "X", "email": f"x{i}@example.org"}
        ).status_code
        for i in range(7)
    ]
    assert codes[-1] == 429


# --- invitations ------------------------------------------------------------------


def test_an_agent_invites_a_customer_who_sets_a_password_in_their_language(
    client_for, client, tomasz, org_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(tomasz).post(
            "/portal/invite/",
            {
                "email": "marta@kowalski.pl",
                "full_name": "Marta Zając",
                "language": "pl",
                "organization": org_a.pk,
                "role": MembershipRole.MEMBER,
            },
        )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["marta@kowalski.pl"]
    assert message.subject == "Zapraszamy do naszego centrum pomocy"  # her language
    link = _link(message)
    client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    marta = User.objects.get(email="marta@kowalski.pl")
    assert marta.check_password(NEW_PASSWORD)
    assert client.session[SESSION_LANGUAGE_KEY] == "pl"
    assert client.get(link).status_code == 410  # used once


def test_only_a_supervisor_or_administrator_may_invite_an_organisation_manager(
    client_for, tomasz, alicja, org_a, django_capture_on_commit_callbacks
):
    data = {
        "email": "szef@kowalski.pl",
        "organization": org_a.pk,
        "role": MembershipRole.MANAGER,
    }
    refused = client_for(tomasz).post("/portal/invite/", data)
    assert refused.status_code == 400
    assert "Only supervisors and administrators" in refused.content.decode()
    assert not User.objects.filter(email="szef@kowalski.pl").exists()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(alicja).post("/portal/invite/", data)
    assert (
        User.objects.get(email="szef@kowalski.pl").memberships.get().role
        == MembershipRole.MANAGER
    )


def test_customers_cannot_reach_the_invitation_page(client_for, anna):
    assert client_for(anna).get("/portal/invite/").status_code == 404


def test_inviting_an_agents_address_is_refused(client_for, tomasz, petra):
    response = client_for(tomasz).post(
        "/portal/invite/", {"email": petra.email, "role": "member"}
    )
    assert response.status_code == 400
    assert "belongs to an agent" in response.content.decode()


def test_a_signed_in_customer_is_not_offered_registration(
    client_for, adam, open_registration
):
    response = client_for(adam).get(REGISTER)
    assert response.status_code == 302
    assert response["Location"] == "/portal/"


def test_an_agent_cannot_move_an_existing_customer_into_another_organisation(
    client_for, tomasz, alicja, bara, org_a, django_capture_on_commit_callbacks
):
    data = {"email": bara.email, "organization": org_a.pk, "role": "member"}
    refused = client_for(tomasz).post("/portal/invite/", data)
    assert refused.status_code == 400
    assert (
        "only supervisors and administrators can add them" in refused.content.decode()
    )
    assert not bara.memberships.filter(organization=org_a).exists()
    assert not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        allowed = client_for(alicja).post("/portal/invite/", data)
    assert allowed.status_code == 302
    assert bara.memberships.filter(organization=org_a).exists()


def test_an_invitation_link_says_it_works_for_seven_days(
    client_for, tomasz, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(tomasz).post(
            "/portal/invite/",
            {"email": "nowa@example.org", "language": "en", "role": "member"},
        )
    (message,) = mail.outbox
    assert "the link works for 7 days" in message.body


def test_registrations_naming_one_address_mail_it_three_times_without_the_typed_name(
    client, open_registration, adam, django_capture_on_commit_callbacks
):
    for i in range(10):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                REGISTER,
                {"full_name": "Call +48 700 000 000 now", "email": "ewa@example.org"},
                REMOTE_ADDR=f"10.2.0.{i}",
            )
        assert response["Location"] == "/portal/register/sent/"
    assert len(mail.outbox) == 3
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            REGISTER,
            {"full_name": "Call +48 700 000 000 now", "email": adam.email},
            REMOTE_ADDR="10.2.1.1",
        )
    assert mail.outbox[-1].to == [adam.email]
    assert "Adam Nowak" in mail.outbox[-1].body  # his own name, not the typed one
    for message in mail.outbox:
        assert "700 000" not in message.subject + message.body
