"""django-helpdesk 2.6, the peer the benchmarks compare with, in its own venv.

Used by ``mail_ingest.py`` and ``compare.py``. The peer never imports anything
of Podpora's: it runs in a virtual environment of its own (created with pip on
first use, under ``var/bench/helpdesk-venv``), in a small Django project
written to a folder by :func:`write_project`, started as subprocesses.

Its mail goes to Django's local-memory e-mail backend: django-helpdesk sends
notifications on every new ticket and follow-up, and with Django's default
SMTP backend and no SMTP server on the machine it stops at the first one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HELPDESK_VERSION = "2.6.1"
DEFAULT_VENV = ROOT / "var" / "bench" / "helpdesk-venv"
# What the peer's venv gets besides django-helpdesk: the PostgreSQL driver and
# a WSGI server for the page benchmarks.
EXTRAS = ["psycopg[binary]==3.3.9", "gunicorn==27.0.1"]

SETTINGS = """
import os
BASE_DIR = os.path.dirname(os.path.abspath(__file__))
SECRET_KEY = "bench-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
    "django.contrib.humanize", "django.contrib.sites", "rest_framework", "helpdesk",
]
SITE_ID = 1
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "hdurls"
WSGI_APPLICATION = "hdwsgi.application"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.template.context_processors.i18n",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
import dj_url
DATABASES = {"default": dj_url.parse(os.environ["DATABASE_URL"])}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "Europe/Warsaw"
LANGUAGE_CODE = "pl"
MEDIA_ROOT = os.environ["HD_MEDIA"]
STATIC_URL = "/static/"
LOGIN_URL = "/helpdesk/login/"
# Without this the peer sends its notifications over SMTP to localhost and,
# with no SMTP server there, its mail import stops after the first ticket.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = "support@podpora.test"
HELPDESK_TEAMS_MODE_ENABLED = False
LOGGING = {"version": 1, "disable_existing_loggers": True}
"""

URLS = """
from django.urls import include, path
urlpatterns = [path("helpdesk/", include("helpdesk.urls", namespace="helpdesk"))]
"""

WSGI = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdsettings")
from django.core.wsgi import get_wsgi_application
application = get_wsgi_application()
"""

# A tiny DATABASE_URL parser, so the helpdesk venv needs nothing of ours.
DJURL = """
from urllib.parse import urlparse
def parse(url):
    if url.startswith("sqlite:///"):
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": url[len("sqlite:///"):],
                "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                            "timeout": 30}}
    u = urlparse(url)
    return {"ENGINE": "django.db.backends.postgresql", "NAME": u.path.lstrip("/"),
            "USER": u.username or "", "PASSWORD": u.password or "", "HOST": u.hostname or "",
            "PORT": str(u.port or 5432), "CONN_MAX_AGE": 600}
"""


def ensure_helpdesk(venv: Path = DEFAULT_VENV) -> Path:
    """The peer venv's python, installing django-helpdesk there if missing."""
    python = venv / "bin" / "python"
    if python.exists():
        check = subprocess.run(
            [
                str(python),
                "-c",
                "import helpdesk, gunicorn, importlib.metadata as m;"
                "print(m.version('django-helpdesk'))",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if check.stdout.strip() == HELPDESK_VERSION:
            return python
    print(
        f"installing django-helpdesk {HELPDESK_VERSION} into {venv} …", file=sys.stderr
    )
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            f"django-helpdesk=={HELPDESK_VERSION}",
            *EXTRAS,
        ],
        check=True,
    )
    return python


def write_project(folder: Path, scripts: dict[str, str] | None = None) -> Path:
    """The peer's Django project (settings, URLs, WSGI) plus ``scripts``."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "hdsettings.py": SETTINGS,
        "hdurls.py": URLS,
        "hdwsgi.py": WSGI,
        "dj_url.py": DJURL,
        **(scripts or {}),
    }
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def environment(project: Path, database_url: str, media: Path) -> dict[str, str]:
    """The peer's process environment: nothing of Podpora's settings."""
    return {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PODPORA_", "DJANGO_", "PYTHONPATH"))
        },
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "hdsettings",
        "HD_MEDIA": str(media),
        "PYTHONPATH": str(project),
    }
