"""The configuration is checked when Podpora starts (Django's system checks):
a bad value stops ``podpora check`` with a message naming the variable and
what to do, instead of failing an hour later; reading the settings writes
nothing."""

import os
import subprocess
import sys

import pytest
from django.core import checks as django_checks

from podpora.core import checks
from tests.core.processes import REPO, environment


def _ids(messages) -> set[str]:
    return {m.id for m in messages}


def test_a_good_configuration_passes(settings):
    messages = [
        m
        for m in django_checks.run_checks(tags=[checks.TAG])
        if m.level >= django_checks.ERROR
    ]
    assert messages == []


@pytest.mark.parametrize(
    ("name", "value", "check", "error"),
    [
        ("PODPORA_BASE_URL", "podpora.example.com", checks.hosts_and_urls, "E005"),
        (
            "ALLOWED_HOSTS",
            ["https://podpora.example.com"],
            checks.hosts_and_urls,
            "E004",
        ),
        ("PODPORA_TRUSTED_PROXIES", ["10.0.0.300"], checks.hosts_and_urls, "E007"),
        ("REDIS_URL", "localhost:6379", checks.services, "E010"),
        ("TIME_ZONE", "Europe/Warszawa", checks.services, "E013"),
        ("DEFAULT_FROM_EMAIL", "Podpora", checks.mail, "E016"),
        ("PODPORA_MAIL_STATUS_MAILS", ["resolved", "solved"], checks.mail, "E018"),
        ("PODPORA_MAIL_MAX_BYTES", 0, checks.numbers, "E019"),
        ("PODPORA_API_RATE_LIMIT", -5, checks.numbers, "E020"),
    ],
)
def test_a_bad_value_is_an_error_that_names_it(settings, name, value, check, error):
    setattr(settings, name, value)
    messages = check()
    assert f"podpora.{error}" in _ids(messages)
    assert all(m.hint for m in messages)


def test_starttls_and_tls_together_are_an_error(settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "smtp", "port": 587, "use_tls": True, "use_ssl": True},
        }
    }
    assert "podpora.E014" in _ids(checks.mail())


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = environment(**env)
    full.pop("PODPORA_SECRET_KEY", None)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_podpora_check_stops_on_a_bad_value_and_says_what_to_do(tmp_path):
    done = _python(
        "import sys; from podpora.cli import main; sys.argv = ['podpora', 'check'];"
        " main()",
        PODPORA_DATA_DIR=str(tmp_path / "var"),
        PODPORA_SMTP_HOST="smtp.example.com",
        PODPORA_SMTP_PORT="dwadzieścia pięć",
        DATABASE_URL="mysql://podpora@db/podpora",
    )
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "PODPORA_SMTP_PORT: 'dwadzieścia pięć' is not a whole number" in output
    assert "DATABASE_URL: django.db.backends.mysql is not a database Podpora" in output


def test_importing_the_settings_writes_no_file(tmp_path):
    data = tmp_path / "var"
    done = _python(
        "import podpora.settings as s; print(repr(s.SECRET_KEY))",
        PODPORA_DATA_DIR=str(data),
        DJANGO_SETTINGS_MODULE="podpora.settings",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "''"
    assert not data.exists()


def test_the_key_file_is_made_once_at_start_up_and_shared(tmp_path):
    data = tmp_path / "var"
    code = (
        "import django; django.setup(); from django.conf import settings;"
        " print(settings.SECRET_KEY)"
    )
    env = {"PODPORA_DATA_DIR": str(data), "DJANGO_SETTINGS_MODULE": "podpora.settings"}
    first, second = _python(code, **env), _python(code, **env)
    assert first.returncode == 0, first.stderr
    key = (data / "secret_key").read_text().strip()
    assert len(key) >= checks.MIN_SECRET_KEY
    assert first.stdout.strip() == second.stdout.strip() == key
    assert os.stat(data / "secret_key").st_mode & 0o077 == 0
