"""A security key registered and used in a real browser: Chromium's virtual
authenticator (DevTools' WebAuthn domain) plays the key."""

import pytest

from podpora.audit.models import AuditEntry, Kind
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def security_key(page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp


def _sign_in(page, base, email):
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def test_agent_adds_a_security_key_and_signs_in_with_it(
    page, live_server, security_key, settings, tomasz
):
    # http://localhost is a secure context to the browser, not to the checks.
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
    base = live_server.url
    _sign_in(page, base, tomasz.email)
    page.wait_for_url("**/desk/**")

    page.goto(base + "/accounts/profile/security/")
    page.click("text=Manage two-factor sign-in")
    page.click("a[href='/accounts/2fa/webauthn/add/']")
    page.wait_for_url("**/reauthenticate/**")
    # Asked for the password again before a sign-in method changes.
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.fill("input[name=name]", "Yubikey on the keyring")
    page.click("#mfa_webauthn_add")
    # The browser signs the challenge with the key and posts it; the page
    # then leaves the add form.
    page.wait_for_url(lambda url: not url.endswith("/webauthn/add/"))
    assert AuditEntry.objects.filter(
        kind=Kind.TWO_FACTOR_ADDED, actor=tomasz, target="webauthn"
    ).exists()

    page.goto(base + "/accounts/profile/security/")
    page.click("form[action='/accounts/logout/'] button")
    _sign_in(page, base, tomasz.email)
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.click("#mfa_webauthn_authenticate")
    page.wait_for_url("**/desk/**")
    sign_in = AuditEntry.objects.filter(kind=Kind.SIGN_IN, actor=tomasz).first()
    assert sign_in.details["second_factor"] == "webauthn"
