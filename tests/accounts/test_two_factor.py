"""Two-factor sign-in with an authenticator app (TOTP) and recovery codes,
and the administrators' obligation to set it up (docs/sign-in.md)."""

import time

import pyotp
import pytest
from django.urls import reverse

from podpora.audit.models import AuditEntry, Kind
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


@pytest.fixture(autouse=True)
def _one_step_of_clock_drift(settings):
    # A code is accepted once; the sign-in after set-up uses the next 30-second
    # step's code, which the tolerance for a phone's clock drift lets in.
    settings.MFA_TOTP_TOLERANCE = 1


def _login(client, email, password=PASSWORD):
    return client.post(LOGIN, {"username": email, "password": password})


@pytest.fixture
def set_up_totp(client, django_capture_on_commit_callbacks):
    """Set up an authenticator app as a person would; returns the secret.
    (allauth reports the new method once its transaction commits.)"""

    def _set_up(user) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            return _set_up_totp(client, user)

    return _set_up


def _set_up_totp(client, user) -> str:
    activate = reverse("mfa_activate_totp")
    response = client.get(activate)
    # Changing sign-in methods asks for the password again first.
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(response["Location"], {"password": PASSWORD}, follow=True)
    assert response.request["PATH_INFO"] == activate
    secret = response.context["form"].secret
    assert secret in response.text  # shown for typing into the app by hand
    response = client.post(activate, {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    return secret


def _next_code(secret: str) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30)


def test_an_administrator_without_two_factor_is_sent_to_set_it_up(client, alicja):
    assert _login(client, alicja.email).status_code == 302
    response = client.get(reverse("desk:queue", args=["mine"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_index")
    page = client.get(reverse("mfa_index"))
    assert "Your role requires two-factor sign-in" in page.text
    # The API of a token is not a session and is not held back; neither is
    # signing out.
    assert client.post(reverse("accounts:logout")).status_code == 302


def test_an_administrator_who_sets_up_an_app_goes_on_to_the_desk(
    client, alicja, set_up_totp
):
    _login(client, alicja.email)
    set_up_totp(alicja)
    response = client.get(reverse("desk:queue", args=["mine"]))
    assert response.status_code == 200
    entry = AuditEntry.objects.get(kind=Kind.TWO_FACTOR_ADDED, target="totp")
    assert entry.actor == alicja
    assert entry.target == "totp"


def test_two_factor_is_optional_for_agents_and_customers(client, tomasz, adam):
    _login(client, tomasz.email)
    assert client.get(reverse("desk:queue", args=["mine"])).status_code == 200
    client.post(reverse("accounts:logout"))
    _login(client, adam.email)
    assert client.get(reverse("portal:home")).status_code == 200


def test_an_admin_setting_can_require_it_of_agents(client, settings, tomasz):
    settings.PODPORA_MFA_REQUIRED_FOR = ["admin", "agent"]
    _login(client, tomasz.email)
    response = client.get(reverse("desk:queue", args=["mine"]))
    assert response["Location"] == reverse("mfa_index")


def test_an_exempt_demo_administrator_is_not_held_back(client, alicja):
    alicja.two_factor_exempt = True
    alicja.save()
    _login(client, alicja.email)
    assert client.get(reverse("desk:queue", args=["mine"])).status_code == 200


def test_sign_in_with_an_authenticator_code(client, tomasz, set_up_totp):
    _login(client, tomasz.email)
    secret = set_up_totp(tomasz)
    client.post(reverse("accounts:logout"))

    response = _login(client, tomasz.email)
    # The password alone does not sign in any more.
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": _next_code(secret)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(tomasz.pk)

    sign_in = AuditEntry.objects.filter(kind=Kind.SIGN_IN).first()
    assert sign_in.actor == tomasz
    assert sign_in.details["second_factor"] == "totp"
    assert AuditEntry.objects.filter(kind=Kind.TWO_FACTOR_FAILED, actor=tomasz).exists()


def test_a_recovery_code_signs_in_once(client, anna, set_up_totp):
    _login(client, anna.email)
    set_up_totp(anna)
    codes_page = client.get(reverse("mfa_view_recovery_codes"))
    codes = codes_page.context["unused_codes"]
    assert len(codes) == 10
    assert codes[0] in codes_page.text
    client.post(reverse("accounts:logout"))

    _login(client, anna.email)
    client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert client.session["_auth_user_id"] == str(anna.pk)
    client.post(reverse("accounts:logout"))

    _login(client, anna.email)
    again = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert again.status_code == 200
    assert "_auth_user_id" not in client.session


def test_an_unknown_role_in_the_setting_stops_the_boot_checks(settings):
    from podpora.accounts.checks import check_sign_in_settings

    settings.PODPORA_MFA_REQUIRED_FOR = ["admin", "admins"]
    (error,) = check_sign_in_settings()
    assert error.id == "podpora.accounts.E001"
    assert "admins" in error.msg
    settings.PODPORA_MFA_REQUIRED_FOR = ["admin", "customer"]
    assert check_sign_in_settings() == []
