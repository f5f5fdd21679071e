"""Django system checks for the configuration read from the environment.

``podpora check`` runs them, and so does every command that starts a
process with Django's checks (the web server, the worker): a bad value stops
the start with a message naming the variable and what to do, instead of a
failure an hour later (a mail that cannot be sent, a Redis that is not one).
``settings.py`` itself never raises: what it cannot read it notes in
``PODPORA_CONFIG_ERRORS`` for :func:`unreadable_values` to report.
"""

from __future__ import annotations

import ipaddress
import os
import zoneinfo
from collections.abc import Iterable
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

TAG = "podpora"

DB_TASK_BACKEND = "django_tasks_db.DatabaseBackend"
REDIS_TASK_BACKEND = "django_tasks_redis.RedisTaskBackend"
REDIS_SCHEMES = {"redis", "rediss", "unix"}
STATUS_MAILS = {"resolved", "waiting_customer", "waiting_third_party", "closed"}
MIN_SECRET_KEY = 32


def _error(number: int, msg: str, hint: str) -> Error:
    return Error(msg, hint=hint, id=f"podpora.E{number:03d}")


@register(TAG)
def unreadable_values(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Values settings.py could not read (it used the default instead)."""
    return [
        _error(
            1,
            f"{name}: {problem}.",
            f"Correct {name} in the environment, or unset it for the default.",
        )
        for name, problem in getattr(settings, "PODPORA_CONFIG_ERRORS", ())
    ]


@register(TAG)
def secret_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        key = settings.SECRET_KEY
    except ImproperlyConfigured:
        key = ""
    from_environment = bool(os.environ.get("PODPORA_SECRET_KEY"))
    if not key:
        return [
            _error(
                2,
                "There is no secret key.",
                "Set PODPORA_SECRET_KEY to a long random value "
                "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
                f"or let Podpora keep one in {settings.SECRET_KEY_FILE} by making "
                "PODPORA_DATA_DIR writable.",
            )
        ]
    if from_environment and len(key) < MIN_SECRET_KEY:
        return [
            _error(
                3,
                f"PODPORA_SECRET_KEY is {len(key)} characters long; "
                f"at least {MIN_SECRET_KEY} are needed.",
                "Use a long random value: "
                "python -c 'import secrets; print(secrets.token_urlsafe(50))'.",
            )
        ]
    if not from_environment and not Path(settings.SECRET_KEY_FILE).is_file():
        return [
            Warning(
                "The secret key lives only as long as this process: "
                f"{settings.SECRET_KEY_FILE} could not be written.",
                hint="Sign-ins and links end when it restarts, and processes do "
                "not share it. Set PODPORA_SECRET_KEY, or make PODPORA_DATA_DIR "
                "writable.",
                id="podpora.W001",
            )
        ]
    return []


def _bad_hosts(hosts: Iterable[str]) -> list[str]:
    bad = []
    for host in hosts:
        value = host.strip()
        if not value or "/" in value or " " in value or value != host:
            bad.append(host)
    return bad


@register(TAG)
def hosts_and_urls(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    bad = _bad_hosts(settings.ALLOWED_HOSTS)
    if bad or not settings.ALLOWED_HOSTS:
        errors.append(
            _error(
                4,
                f"PODPORA_ALLOWED_HOSTS has entries that are not host names: {bad!r}.",
                "Give host names separated by commas, without scheme, path or "
                "spaces: podpora.example.com,127.0.0.1",
            )
        )
    base = urlsplit(settings.PODPORA_BASE_URL)
    if base.scheme not in {"http", "https"} or not base.hostname:
        errors.append(
            _error(
                5,
                f"PODPORA_BASE_URL {settings.PODPORA_BASE_URL!r} is not an "
                "http(s) address.",
                "Give the address people open, as links in mails use it: "
                "https://podpora.example.com",
            )
        )
    for origin in settings.CSRF_TRUSTED_ORIGINS:
        parts = urlsplit(origin)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            errors.append(
                _error(
                    6,
                    f"PODPORA_CSRF_TRUSTED_ORIGINS: {origin!r} is not an origin.",
                    "Give scheme and host, e.g. https://podpora.example.com",
                )
            )
    for proxy in settings.PODPORA_TRUSTED_PROXIES:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            errors.append(
                _error(
                    7,
                    f"PODPORA_TRUSTED_PROXIES: {proxy!r} is not an address or a CIDR.",
                    "Give the proxies' addresses or networks separated by commas, "
                    "e.g. 10.0.0.1,192.168.0.0/24",
                )
            )
    return errors


@register(TAG)
def services(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The database, Redis and the task backend."""
    errors: list[CheckMessage] = []
    database = settings.DATABASES["default"]
    if database.get("ENGINE") == "django.db.backends.postgresql" and not database.get(
        "NAME"
    ):
        errors.append(
            _error(
                9,
                "DATABASE_URL names no database.",
                "Add the database's name: postgres://user@host:5432/podpora",
            )
        )
    redis_url = settings.REDIS_URL
    if redis_url:
        parts = urlsplit(redis_url)
        if parts.scheme not in REDIS_SCHEMES or not (parts.netloc or parts.path):
            errors.append(
                _error(
                    10,
                    f"REDIS_URL {redis_url!r} is not a Redis address.",
                    "Use redis://host:6379/0 (rediss:// with TLS), or unset it "
                    "for the embedded default.",
                )
            )
        else:
            try:
                parts.port  # noqa: B018 (raises for a bad port)
            except ValueError:
                errors.append(
                    _error(11, f"REDIS_URL {redis_url!r} has a bad port.", "")
                )
    backend = settings.TASKS["default"]["BACKEND"]
    try:
        import_string(backend)
    except ImportError:
        errors.append(
            _error(
                12,
                f"PODPORA_TASK_BACKEND {backend!r} cannot be imported.",
                f"Use {DB_TASK_BACKEND} or {REDIS_TASK_BACKEND}, or unset it.",
            )
        )
    try:
        zoneinfo.ZoneInfo(settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        errors.append(
            _error(
                13,
                f"PODPORA_TIME_ZONE {settings.TIME_ZONE!r} is not a time zone.",
                "Use a name such as Europe/Warsaw or Europe/Prague.",
            )
        )
    return errors


@register(TAG)
def mail(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    mailer: dict[str, Any] = settings.MAILERS["default"]
    options: dict[str, Any] = mailer.get("OPTIONS", {})
    if options.get("use_tls") and options.get("use_ssl"):
        errors.append(
            _error(
                14,
                "PODPORA_SMTP_STARTTLS and PODPORA_SMTP_TLS are both on.",
                "Turn on one: STARTTLS for port 587, TLS for port 465.",
            )
        )
    port = options.get("port")
    if port is not None and not 0 < port < 65536:
        errors.append(
            _error(
                15, f"PODPORA_SMTP_PORT {port} is not a port.", "Use 25, 465 or 587."
            )
        )
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if "@" not in address:
        errors.append(
            _error(
                16,
                f"PODPORA_FROM_EMAIL {settings.DEFAULT_FROM_EMAIL!r} is not a mail "
                "address.",
                "Use an address, with a name if you like: "
                "Podpora <support@example.com>",
            )
        )
    domain = settings.PODPORA_MAIL_MESSAGE_ID_DOMAIN
    if not domain or any(c in domain for c in "@<> /"):
        errors.append(
            _error(
                17,
                f"PODPORA_MAIL_MESSAGE_ID_DOMAIN {domain!r} is not a domain.",
                "Use a domain of yours, e.g. podpora.example.com",
            )
        )
    unknown = sorted(set(settings.PODPORA_MAIL_STATUS_MAILS) - STATUS_MAILS)
    if unknown:
        errors.append(
            _error(
                18,
                f"PODPORA_MAIL_STATUS_MAILS names unknown statuses: {unknown!r}.",
                f"Choose from {', '.join(sorted(STATUS_MAILS))}.",
            )
        )
    return errors


# Settings that must be positive (a size, a count); a rate limit may be 0 (off).
POSITIVE = (
    "PODPORA_MAX_ATTACHMENT_BYTES",
    "PODPORA_MAIL_MAX_BYTES",
    "PODPORA_MAIL_AUTO_PER_HOUR",
    "PODPORA_MAIL_AUTO_PER_DAY",
    "PODPORA_SURVEY_LINK_DAYS",
)
NOT_NEGATIVE = (
    "PODPORA_API_RATE_LIMIT",
    "PODPORA_AUTO_CLOSE_DAYS",
    "PODPORA_DISK_WARN_BYTES",
    "PODPORA_CHAT_IP_MESSAGES_PER_MINUTE",
)


@register(TAG)
def numbers(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for name in POSITIVE:
        value = getattr(settings, name, 1)
        if value <= 0:
            errors.append(
                _error(19, f"{name} is {value}; it must be above 0.", f"Unset {name}.")
            )
    for name in NOT_NEGATIVE:
        value = getattr(settings, name, 0)
        if value < 0:
            errors.append(
                _error(
                    20,
                    f"{name} is {value}; it cannot be negative.",
                    f"Use 0 to turn it off, or unset {name}.",
                )
            )
    return errors


@register(TAG)
def data_directory(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The embedded default keeps its database, cache and files there."""
    data = Path(settings.DATA_DIR)
    folder = data if data.exists() else data.parent
    if folder.exists() and os.access(folder, os.W_OK | os.X_OK):
        return []
    return [
        _error(
            21,
            f"The data folder {data} cannot be written.",
            "Make it writable by the user Podpora runs as, or point "
            "PODPORA_DATA_DIR at a folder that is.",
        )
    ]
