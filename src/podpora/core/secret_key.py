"""The embedded default's secret key, kept in the data folder.

``settings.py`` only reads ``PODPORA_SECRET_KEY`` or the key file; when
neither exists, :func:`ensure` (called once as the core app starts) makes
the file: a random key, written under a temporary name and linked into place,
so two processes starting together end up with the same key. On a read-only
folder the process keeps a key of its own and ``podpora.W001`` says so.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

log = logging.getLogger(__name__)


def _configured() -> bool:
    try:
        return bool(settings.SECRET_KEY)
    except ImproperlyConfigured:  # Django refuses an empty key
        return False


def ensure() -> None:
    """Give the process a secret key, making the key file if there is none."""
    if _configured():
        return
    path = Path(settings.SECRET_KEY_FILE)
    try:
        key = _create(path)
    except OSError as error:
        log.warning("no secret key file (%s): this process keeps its own key", error)
        key = secrets.token_urlsafe(50)
    settings.SECRET_KEY = key


def _create(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(50))
    try:
        os.link(temporary, path)  # fails if another process was first
    except FileExistsError:
        pass
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    return path.read_text().strip()
