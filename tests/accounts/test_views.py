import re
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from podpora.accounts.middleware import SESSION_LANGUAGE_KEY
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def _login(client, email, password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": email, "password": password}, **extra)


def test_agent_signs_in_with_email_and_lands_on_the_desk(client, tomasz):
    response = _login(client, "Tomasz@Podpora.test")
    assert response.status_code == 302
    assert client.get(response["Location"], follow=True).request["PATH_INFO"] == (
        reverse("desk:queue", args=["mine"])
    )


def test_unknown_user_and_wrong_password_get_the_same_error(client, tomasz):
    wrong = _login(client, "tomasz@podpora.test", "nope").text
    unknown = _login(client, "nobody@podpora.test", "nope").text
    message = "The e-mail address or the password is not right."
    assert message in wrong
    assert message in unknown


def test_too_many_failures_for_one_account_lock_it_for_a_while(client, tomasz):
    for _ in range(5):
        _login(client, tomasz.email, "wrong", REMOTE_ADDR="10.0.0.1")
    # Even the right password from another address is refused now.
    response = _login(client, tomasz.email, REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 200
    assert re.search(
        r"Too many sign-in attempts\. Try again in 15 minutes\.", response.text
    )
    assert "_auth_user_id" not in client.session


def test_too_many_failures_from_one_address_are_slowed(client, tomasz, adam):
    for i in range(10):
        _login(client, f"guess{i}@podpora.test", "x", REMOTE_ADDR="10.0.0.9")
    response = _login(client, adam.email, REMOTE_ADDR="10.0.0.9")
    assert "Too many sign-in attempts" in response.text
    assert _login(client, adam.email, REMOTE_ADDR="10.0.0.10").status_code == 302


def test_a_success_clears_the_account_counter(client, tomasz):
    for _ in range(4):
        _login(client, tomasz.email, "wrong", REMOTE_ADDR="10.0.0.3")
    assert _login(client, tomasz.email, REMOTE_ADDR="10.0.0.3").status_code == 302
    client.logout()
    for _ in range(4):
        _login(client, tomasz.email, "wrong", REMOTE_ADDR="10.0.0.4")
    assert _login(client, tomasz.email, REMOTE_ADDR="10.0.0.4").status_code == 302


def test_inactive_account_gets_the_same_error(client, tomasz):
    tomasz.is_active = False
    tomasz.save()
    assert "not right" in _login(client, tomasz.email).text


def test_sign_in_remembers_the_users_language(client, anna):
    _login(client, anna.email)
    assert client.session[SESSION_LANGUAGE_KEY] == "pl"
    response = client.get(reverse("accounts:profile"))
    assert response.headers["Content-Language"] == "pl"
    assert "Twój profil" in response.text


def test_logout_needs_post(client, tomasz):
    client.force_login(tomasz)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_reset_mail_is_sent_in_text_and_html_and_works(client, adam):
    response = client.post(reverse("accounts:password_reset"), {"email": adam.email})
    assert response["Location"] == reverse("accounts:password_reset_done")
    [message] = mail.outbox
    assert message.to == [adam.email]
    assert message.subject == "Choose a new password for Podpora"
    assert "Hello Adam Nowak," in message.body
    html, mime = message.alternatives[0]
    assert mime == "text/html"
    assert "<a href=" in html
    link = re.search(r"https?://[^/]+(/\S+)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert "New password" in form_page.text
    response = client.post(
        form_page.request["PATH_INFO"],
        {"new_password1": "nowe-hasło-2026!", "new_password2": "nowe-hasło-2026!"},
    )
    assert response["Location"] == reverse("accounts:password_reset_complete")
    assert _login(client, adam.email, "nowe-hasło-2026!").status_code == 302


def test_password_reset_for_unknown_address_says_the_same_and_sends_nothing(client):
    response = client.post(
        reverse("accounts:password_reset"), {"email": "ghost@nowhere.test"}
    )
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_password_reset_mail_is_translated(client, adam):
    client.post(
        reverse("accounts:password_reset"),
        {"email": adam.email},
        HTTP_ACCEPT_LANGUAGE="pl",
    )
    assert mail.outbox[0].subject == "Ustaw nowe hasło do Podpory"


def test_profile_change_of_language_takes_effect_at_once(client, tomasz):
    client.force_login(tomasz)
    response = client.post(
        reverse("accounts:profile"),
        {
            "full_name": "Tomasz W.",
            "phone": "+48 600 000 000",
            "language": "cs",
            "time_zone": "Europe/Prague",
        },
        follow=True,
    )
    tomasz.refresh_from_db()
    assert (tomasz.full_name, tomasz.language, tomasz.time_zone) == (
        "Tomasz W.",
        "cs",
        "Europe/Prague",
    )
    assert response.headers["Content-Language"] == "cs"
    assert (
        client.get(reverse("desk:queue", args=["open"])).headers["Content-Language"]
        == "cs"
    )


def test_profile_browser_language_follows_accept_language(client, anna):
    client.force_login(anna)
    client.post(
        reverse("accounts:profile"),
        {"full_name": anna.full_name, "language": "", "time_zone": "Europe/Warsaw"},
    )
    response = client.get(reverse("accounts:profile"), HTTP_ACCEPT_LANGUAGE="cs")
    assert response.headers["Content-Language"] == "cs"


def test_profile_rejects_unknown_time_zone(client, tomasz):
    client.force_login(tomasz)
    response = client.post(
        reverse("accounts:profile"),
        {"full_name": "T", "language": "", "time_zone": "Mars/Olympus"},
    )
    assert response.status_code == 200
    tomasz.refresh_from_db()
    assert tomasz.time_zone != "Mars/Olympus"


def test_an_agent_says_on_the_profile_whether_they_take_tickets(client, tomasz):
    client.force_login(tomasz)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert 'name="availability"' in page
    assert "give them only to available agents" in page
    client.post(
        reverse("accounts:profile"),
        {
            "full_name": tomasz.full_name,
            "language": "",
            "time_zone": "Europe/Warsaw",
            "availability": "away",
        },
    )
    tomasz.refresh_from_db()
    assert tomasz.availability == "away"


def test_a_customer_has_no_availability_to_set(client, adam):
    client.force_login(adam)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert 'name="availability"' not in page


def test_two_people_behind_a_trusted_proxy_have_separate_sign_in_limits(
    client, tomasz, adam, settings
):
    settings.PODPORA_TRUSTED_PROXIES = ["10.9.0.0/16"]
    proxy = {"REMOTE_ADDR": "10.9.0.1"}
    for i in range(10):
        _login(
            client,
            f"guess{i}@podpora.test",
            "x",
            HTTP_X_FORWARDED_FOR="203.0.113.5",
            **proxy,
        )
    blocked = _login(client, adam.email, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    assert "Too many sign-in attempts" in blocked.text
    other = _login(client, adam.email, HTTP_X_FORWARDED_FOR="203.0.113.6", **proxy)
    assert other.status_code == 302


def test_a_forwarded_address_from_an_untrusted_peer_is_ignored(
    client, tomasz, adam, settings
):
    settings.PODPORA_TRUSTED_PROXIES = ["10.9.0.0/16"]
    # A guesser making up a fresh X-Forwarded-For per try is still one address.
    for i in range(10):
        _login(
            client,
            f"guess{i}@podpora.test",
            "x",
            REMOTE_ADDR="198.51.100.9",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        )
    response = _login(
        client,
        adam.email,
        REMOTE_ADDR="198.51.100.9",
        HTTP_X_FORWARDED_FOR="203.0.113.200",
    )
    assert "Too many sign-in attempts" in response.text


def test_password_reset_mails_one_address_at_most_three_times_an_hour(client, adam):
    for _attempt in range(50):
        response = client.post(
            reverse("accounts:password_reset"), {"email": adam.email}
        )
        assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 3


def test_password_reset_answers_the_same_for_unknown_addresses_over_the_limit(
    client,
):
    for _attempt in range(5):
        response = client.post(
            reverse("accounts:password_reset"), {"email": "ghost@nowhere.test"}
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


class _MadeAgo(PasswordResetTokenGenerator):
    def __init__(self, minutes: int) -> None:
        super().__init__()
        self.minutes = minutes

    def _now(self) -> datetime:
        return datetime.now() - timedelta(minutes=self.minutes)


def _reset_page(client, user, minutes_ago: int):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = _MadeAgo(minutes_ago).make_token(user)
    return client.get(
        reverse("accounts:password_reset_confirm", args=[uid, token]), follow=True
    )


def test_a_password_reset_link_works_for_an_hour_only(client, adam):
    assert "New password" in _reset_page(client, adam, minutes_ago=55).text
    assert "New password" not in _reset_page(client, adam, minutes_ago=65).text


class CountingHasher(MD5PasswordHasher):
    hashed: list[int] = []

    def encode(self, password: str, salt: str) -> str:
        CountingHasher.hashed.append(len(password))
        return super().encode(password, salt)


def test_a_password_over_4096_bytes_is_refused_before_hashing(client, adam, settings):
    settings.PASSWORD_HASHERS = ["tests.accounts.test_views.CountingHasher"]
    CountingHasher.hashed.clear()
    huge = "ż" * 2049  # 4,098 bytes in UTF-8, 2,049 characters
    response = _login(client, adam.email, huge)
    assert response.status_code == 200
    assert "at most 4096 bytes" in response.text
    assert CountingHasher.hashed == []
    _login(client, adam.email, "ż" * 2048)  # 4,096 bytes: checked as usual
    assert CountingHasher.hashed == [2048]


def test_a_new_password_over_4096_bytes_is_refused(client, adam):
    client.post(reverse("accounts:password_reset"), {"email": adam.email})
    link = re.search(r"https?://[^/]+(/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    huge = "a1b2c3d4" * 513
    response = client.post(
        form_page.request["PATH_INFO"],
        {"new_password1": huge, "new_password2": huge},
    )
    assert response.status_code == 200
    assert "at most 4096 bytes" in response.text
    adam.refresh_from_db()
    assert not adam.check_password(huge)


def test_a_too_long_password_does_not_clear_an_accounts_lock(client, tomasz):
    for _ in range(4):
        _login(client, tomasz.email, "wrong", REMOTE_ADDR="10.0.0.1")
    _login(client, tomasz.email, "x" * 5000, REMOTE_ADDR="10.0.0.3")
    # Five failures in all: even the right password is refused now.
    response = _login(client, tomasz.email, REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 200
    assert "Too many sign-in attempts" in response.text
