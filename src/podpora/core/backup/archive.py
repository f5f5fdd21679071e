"""Writing and restoring a backup archive: one zip file.

``manifest.json`` says what it is; the database dump, ``secret_key`` (when
the install keeps a generated key in its data directory) and ``files/…`` (the
file store) follow. Zip keeps a CRC of every member, so a damaged archive is
found while it is unpacked into a staging folder, before anything changes.
"""

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db.migrations.loader import MigrationLoader

import podpora
from podpora.core.backup import BackupError, database, marks
from podpora.tickets import numbering

FORMAT = "podpora-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SECRET_KEY = "secret_key"  # noqa: S105 -- the member's name, not a key
FILES = "files/"
# Numbers a restore leaves unused above the highest one known to be issued:
# room for numbers issued after the mark was last recorded (every 5 minutes).
NUMBER_GAP = 1000
_CHUNK = 1024 * 1024
# Already compressed: deflating them again costs time and saves nothing.
_STORED_SUFFIXES = {
    ".pgdump", ".gz", ".zip", ".7z", ".xz", ".bz2", ".jpg", ".jpeg", ".png",
    ".gif", ".webp", ".mp4", ".mp3", ".docx", ".xlsx", ".pptx", ".odt", ".ods",
}  # fmt: skip


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _key_file() -> Path:
    return Path(settings.DATA_DIR) / "secret_key"


def _generated_key() -> str | None:
    """The secret key, when it is the one generated into the data directory
    (not one given in ``PODPORA_SECRET_KEY``)."""
    try:
        key = _key_file().read_text().strip()
    except OSError:
        return None
    return key if key == settings.SECRET_KEY else None


def _media_files() -> Iterator[tuple[Path, str]]:
    """(path, name inside the file store) of every file, marks left out."""
    root = _media_root()
    for folder, subfolders, names in os.walk(root):
        subfolders.sort()
        for name in sorted(names):
            path = Path(folder) / name
            relative = path.relative_to(root).as_posix()
            if relative in {marks.MARK_NAME, marks.LOCK_NAME} or path.is_symlink():
                continue
            yield path, relative


def default_archive_path() -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return Path(settings.DATA_DIR) / "backups" / f"podpora-{stamp}.zip"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _compression(name: str) -> int:
    suffix = PurePosixPath(name).suffix.lower()
    return zipfile.ZIP_STORED if suffix in _STORED_SUFFIXES else zipfile.ZIP_DEFLATED


def create_backup(target: Path) -> dict[str, Any]:
    """Write an archive of the whole install to ``target`` (mode 0600: it holds
    the secret key and every customer's data); returns its manifest."""
    if target.exists():
        raise BackupError(f"{target} exists already; choose another name.")
    if target.resolve().is_relative_to(_media_root().resolve()):
        raise BackupError(
            f"{target} is inside the file store, which the backup copies; "
            "write it elsewhere."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=target.parent) as staging:
        dump = Path(staging) / database.dump_name()
        facts = database.dump(dump)
        key = _generated_key()
        # The mark covers numbers issued up to now, even if this archive is
        # later lost and an older one restored.
        marks.record_mark(facts["last_issued"])
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as out:
                archive = zipfile.ZipFile(out, "w", strict_timestamps=False)
                file_count = file_bytes = 0
                for path, name in _media_files():
                    try:
                        archive.write(path, FILES + name, _compression(name))
                    except FileNotFoundError:
                        continue  # deleted while the backup ran (a draft sent)
                    file_count += 1
                    file_bytes += archive.getinfo(FILES + name).file_size
                archive.write(dump, dump.name, _compression(dump.name))
                if key is not None:
                    archive.writestr(SECRET_KEY, key)
                manifest = {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "podpora_version": podpora.__version__,
                    "created_at": datetime.now(UTC).isoformat(),
                    "engine": database.engine(),
                    "database": {
                        "name": dump.name,
                        "bytes": dump.stat().st_size,
                        "sha256": _sha256(dump),
                    },
                    "migrations": facts["migrations"],
                    "counts": {
                        **facts["counts"],
                        "files": file_count,
                        "file_bytes": file_bytes,
                    },
                    "ticket_numbers": {"last_issued": facts["last_issued"]},
                    "secret_key": "included" if key is not None else "not included",
                }
                archive.writestr(MANIFEST, json.dumps(manifest, indent=2))
                archive.close()  # writes the zip's directory
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return manifest


# --- restore -------------------------------------------------------------------------


def _safe_name(name: str) -> str | None:
    """A member's path inside the file store, or ``None`` if it could escape it."""
    path = PurePosixPath(name)
    if (
        path.is_absolute()
        or "\\" in name
        or any(part in {"", ".", ".."} for part in name.split("/"))
    ):
        return None
    return path.as_posix()


def read_manifest(archive: zipfile.ZipFile, source: Path) -> dict[str, Any]:
    foreign = BackupError(f"{source} is not a Podpora backup (no manifest).")
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError:
        raise foreign from None
    except (ValueError, zipfile.BadZipFile, OSError) as error:
        raise BackupError(f"{source} is damaged: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise foreign
    if manifest.get("format_version") == FORMAT_VERSION and not (
        isinstance(manifest.get("database"), dict)
        and {"name", "sha256"} <= manifest["database"].keys()
        and all(
            isinstance(manifest.get(part), dict)
            for part in ("migrations", "counts", "ticket_numbers")
        )
    ):
        raise BackupError(f"{source} is damaged: its manifest is incomplete.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{source} has backup format {manifest.get('format_version')}; this "
            f"Podpora reads format {FORMAT_VERSION}. Use a newer Podpora."
        )
    return manifest


@dataclass
class Staged:
    """An archive unpacked and checked, before anything is changed."""

    manifest: dict[str, Any]
    dump: Path
    files: dict[str, Path]
    secret_key: str | None


def _unpack(source: Path, staging: Path) -> Staged:
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        raise BackupError(f"{source} is not a Podpora backup ({error}).") from error
    with archive:
        manifest = read_manifest(archive, source)
        dump_name = manifest.get("database", {}).get("name")
        files: dict[str, Path] = {}
        secret_key = None
        dump = staging / "database" / str(dump_name)
        try:
            for member in archive.infolist():
                if member.is_dir() or member.filename == MANIFEST:
                    continue
                if member.filename == SECRET_KEY:
                    secret_key = archive.read(member).decode().strip()
                    continue
                if member.filename == dump_name:
                    target = dump
                elif member.filename.startswith(FILES) and (
                    name := _safe_name(member.filename.removeprefix(FILES))
                ):
                    target = files[name] = staging / "files" / name
                else:
                    raise BackupError(
                        f"{source} holds an unexpected entry {member.filename!r}."
                    )
                target.parent.mkdir(parents=True, exist_ok=True)
                # Reading to the end checks the member's CRC.
                with archive.open(member) as entry, target.open("wb") as out:
                    shutil.copyfileobj(entry, out, _CHUNK)
        except (
            zipfile.BadZipFile,
            zlib.error,
            OSError,
            EOFError,
            UnicodeDecodeError,
        ) as error:
            raise BackupError(f"{source} is damaged: {error}") from error
    if not dump.exists() or _sha256(dump) != manifest["database"].get("sha256"):
        raise BackupError(f"{source} is damaged: its database does not match.")
    if len(files) != manifest.get("counts", {}).get("files"):
        raise BackupError(f"{source} is damaged: files are missing.")
    return Staged(manifest, dump, files, secret_key)


def _migrations(manifest: dict[str, Any]) -> tuple[set[Any], set[Any]]:
    """(migrations the backup has that this Podpora does not know, migrations
    this Podpora has that the backup lacks), for installed apps only."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    installed = {config.label for config in apps.get_app_configs()}
    applied = {
        (app, name)
        for app, names in manifest.get("migrations", {}).items()
        if app in installed
        for name in names
    }
    return applied - known, known - applied


def _plan_numbers(
    manifest: dict[str, Any], next_number: int | None, gap: int
) -> tuple[int, list[str]]:
    """The next ticket number after the restore, from what is known before it."""
    live = database.live_last_issued()
    try:
        mark = marks.read_mark()
    except BackupError:
        if next_number is None:
            raise
        mark = None  # the number given replaces it
    archived = int(manifest.get("ticket_numbers", {}).get("last_issued", 0))
    known = max(
        n for n in (live, mark, archived, numbering.FIRST_NUMBER - 1) if n is not None
    )
    notes = [
        f"Highest ticket number known: {known} (database {live or '-'}, "
        f"mark {mark or '-'}, backup {archived})."
    ]
    if next_number is not None:
        if next_number <= known:
            raise BackupError(
                f"--next-number must be above {known}, the highest ticket number "
                "known to have been issued."
            )
        return next_number, notes
    if live is None and mark is None:
        raise BackupError(
            "Nothing here records which ticket numbers were issued after this "
            f"backup (no tickets in the database, no mark at {marks.mark_path()}). "
            "Numbers already mailed to customers must not be issued again: pass "
            "--next-number N, N above the highest number ever issued (the "
            f"backup's last is {archived}; if this backup is the latest state, "
            f"for example when moving to a new server, {archived + 1})."
        )
    return known + 1 + gap, notes


def _put_files(files: dict[str, Path]) -> None:
    """Make the file store hold exactly the archive's files (marks stay)."""
    root = _media_root()
    root.mkdir(parents=True, exist_ok=True)
    for name, staged in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(staged, target)
    for path, name in list(_media_files()):
        if name not in files:
            path.unlink()
    for folder, _subfolders, _names in sorted(os.walk(root), reverse=True):
        if Path(folder) != root and not os.listdir(folder):
            os.rmdir(folder)


def _put_secret_key(key: str | None, say: Callable[[str], None]) -> None:
    if key is None:
        return
    if _generated_key() is None:  # PODPORA_SECRET_KEY is set and wins
        if key != settings.SECRET_KEY:
            say(
                "The backup's secret key was not installed: PODPORA_SECRET_KEY is "
                "set. Sessions and links signed before the backup need the "
                "backup's key (the archive's secret_key entry)."
            )
        return
    path = _key_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".secret_key.{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(key)
    os.replace(temporary, path)


def restore_backup(
    source: Path,
    *,
    force: bool = False,
    next_number: int | None = None,
    number_gap: int = NUMBER_GAP,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Put the archive at ``source`` back: database, file store, secret key;
    migrate if it is older; move ticket numbering past every number issued.
    Everything is checked before anything is changed."""
    if not source.is_file():
        raise BackupError(f"{source} does not exist.")
    data_dir = Path(settings.DATA_DIR)
    data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=data_dir) as staging:
        staged = _unpack(source, Path(staging))
        manifest = staged.manifest
        if manifest.get("engine") != database.engine():
            raise BackupError(
                f"{source} is a backup of a {manifest.get('engine')} database; this "
                f"install uses {database.engine()}. Restore it into an install "
                "with the same database engine."
            )
        unknown, missing = _migrations(manifest)
        if unknown:
            app, name = sorted(unknown)[0]
            raise BackupError(
                f"{source} was made by a newer Podpora (migration {app}.{name} is "
                "unknown here); upgrade Podpora first."
            )
        if database.has_data() and not force:
            raise BackupError(
                "The database is not empty; pass --force to replace it (and the "
                "file store) with the backup."
            )
        planned, notes = _plan_numbers(manifest, next_number, number_gap)
        for note in notes:
            say(note)

        # Nothing has changed so far.
        say(f"Restoring the {manifest['engine']} database …")
        database.load(staged.dump)
        if missing:
            say("Applying migrations: the backup is older than this Podpora …")
            call_command("migrate", interactive=False, verbosity=0)
        planned = max(planned, numbering.last_issued_number() + 1)
        numbering.set_next_number(planned)
        say(f"Restoring {len(staged.files)} files …")
        _put_files(staged.files)
        marks.record_mark(planned - 1)
        _put_secret_key(staged.secret_key, say)
    manifest["next_number"] = planned
    return manifest
