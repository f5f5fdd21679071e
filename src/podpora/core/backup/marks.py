"""The ticket-number mark: the highest ticket number known to be issued,
kept in the file store, outside the database.

Restoring an older database would bring back an older number counter, and
numbers already mailed to customers would be issued again. The mark survives a
restore (it is never taken from an archive) and tells ``restore`` how far
numbering had got. It is recorded every few minutes (``core.jobs``), at every
backup and after every restore; it only ever grows.
"""

import fcntl
import json
import os
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

from podpora.core.backup import BackupError

MARK_NAME = "ticket-numbers.json"
LOCK_NAME = ".ticket-numbers.lock"


def mark_path() -> Path:
    return Path(settings.MEDIA_ROOT) / MARK_NAME


def read_mark() -> int | None:
    """The recorded highest issued number, or ``None`` when there is no mark."""
    path = mark_path()
    try:
        data = json.loads(path.read_text())
        return int(data["last_issued"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BackupError(
            f"The ticket-number mark {path} cannot be read ({error}); "
            "pass --next-number."
        ) from error


def record_mark(last_issued: int) -> int:
    """Raise the mark to ``last_issued`` (never lower it); returns the mark."""
    path = mark_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Two writers (a backup and the periodic job) must not lower each other's
    # value between reading and writing it.
    with open(path.parent / LOCK_NAME, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            current = read_mark()
        except BackupError:
            current = None  # an unreadable mark is replaced by a good one
        value = max(last_issued, current or 0)
        if value != current:
            temporary = path.with_name(f".{MARK_NAME}.{os.getpid()}")
            temporary.write_text(
                json.dumps(
                    {
                        "last_issued": value,
                        "recorded_at": datetime.now(UTC).isoformat(),
                    }
                )
            )
            os.replace(temporary, path)
        return value
