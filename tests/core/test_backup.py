"""``podpora backup`` and ``podpora restore``, drilled on throwaway installs:
each has its own database (a SQLite file, or a PostgreSQL database created
for the test on the engine the suite runs on) and its own data directory."""

import json
import os
import shutil
import stat
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

from podpora.core.backup.marks import read_mark, record_mark
from podpora.core.jobs import record_ticket_numbers
from tests.core.processes import REPO, environment

POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


class Install:
    """A Podpora install of its own, driven through the ``podpora`` command."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.media = data / "media"
        db = settings.DATABASES["default"]
        self._pg = {
            "PGHOST": db["HOST"] or "127.0.0.1",
            "PGPORT": str(db["PORT"] or 5432),
            "PGUSER": db["USER"],
            "PGPASSWORD": db["PASSWORD"] or "",
        }
        if POSTGRES:
            self.db_name = f"podpora_backup_{uuid.uuid4().hex[:12]}"
            subprocess.run(
                ["createdb", self.db_name], env={**os.environ, **self._pg}, check=True
            )
            auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
            url = f"postgres://{auth}@{self._pg['PGHOST']}:{self._pg['PGPORT']}/{self.db_name}"
        else:
            url = f"sqlite:///{data / 'podpora.sqlite3'}"
        self.env = environment(DATABASE_URL=url, PODPORA_DATA_DIR=str(data))
        for name in (
            "PODPORA_MEDIA_ROOT",
            "PODPORA_SECRET_KEY",
            "PODPORA_TEST_DB_NAME",
        ):
            self.env.pop(name, None)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def podpora(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        result = self.run("-m", "podpora.cli", *args)
        if ok:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def drill(self, *actions: str) -> list:
        result = self.run("-m", "tests.core.backup_drill", *actions)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout.strip().splitlines()[-1])

    def drop(self) -> None:
        if POSTGRES:
            subprocess.run(
                ["dropdb", "--force", "--if-exists", self.db_name],
                env={**os.environ, **self._pg},
                check=True,
            )


@pytest.fixture
def installs(tmp_path):
    made: list[Install] = []

    def _install(name: str) -> Install:
        made.append(Install(tmp_path / name))
        return made[-1]

    yield _install
    for install in made:
        install.drop()


def test_restore_drill_brings_back_the_data_and_files_and_never_reissues_a_number(
    installs, tmp_path
):
    office = installs("office")
    office.podpora("migrate", "--verbosity", "0")
    office.podpora("demo", "--tickets", "8")
    [before, backed_up] = office.drill("open", "3", "before", "state")
    archive = tmp_path / "office.zip"
    office.podpora("backup", str(archive))

    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    manifest = json.loads(zipfile.ZipFile(archive).read("manifest.json"))
    assert manifest["engine"] == ("postgresql" if POSTGRES else "sqlite")
    assert manifest["counts"]["tickets"] == len(backed_up["tickets"])
    assert manifest["counts"]["attachments"] == len(backed_up["files"])
    assert manifest["ticket_numbers"]["last_issued"] == max(before)
    assert "tickets" in manifest["migrations"]

    # After the backup: an attachment file is lost, and new tickets are opened
    # (their numbers went out to the requesters by mail).
    (office.media / next(iter(backed_up["files"]))).unlink()
    [mailed, current] = office.drill("open", "3", "after", "state")

    refused = office.podpora("restore", str(archive), ok=False)
    assert refused.returncode != 0
    assert "not empty" in refused.stderr
    assert "--force" in refused.stderr
    assert office.drill("state") == [current]

    office.podpora("restore", str(archive), "--force")
    [restored, [fresh], page] = office.drill(
        "state", "open", "1", "fresh", "page", str(min(before))
    )
    # The data is the backup's, files included (the lost one is back; the
    # newer tickets' files are gone with their tickets).
    assert restored == backed_up
    stored = {
        p.relative_to(office.media).as_posix()
        for p in (office.media / "attachments").rglob("*")
        if p.is_file()
    }
    assert not stored & (set(current["files"]) - set(backed_up["files"]))
    # No number a customer already has is issued again.
    assert fresh > max(mailed)
    assert page == {"status": 200, "shows_subject": True}


def test_restore_of_an_older_backup_on_a_new_machine_migrates_and_takes_the_mark(
    installs, tmp_path
):
    old = installs("old")
    old.podpora("migrate", "--verbosity", "0")
    # An older Podpora: one app's migration is not applied yet.
    old.podpora("migrate", "macros", "zero", "--verbosity", "0")
    [before, backed_up] = old.drill("open", "2", "before", "state")
    archive = tmp_path / "old.zip"
    old.podpora("backup", str(archive))
    # Numbers issued after the backup, recorded by the periodic job.
    [mailed, mark] = old.drill("open", "2", "after", "mark")
    assert mark == max(mailed)

    new = installs("new")  # an empty database, nothing on disk
    refused = new.podpora("restore", str(archive), ok=False)
    assert "--next-number" in refused.stderr
    assert f"the backup's last is {max(before)}" in refused.stderr
    assert not (new.media / "attachments").exists()

    # The file store (with its mark) came over from the old machine.
    shutil.copytree(old.media, new.media)
    too_low = new.podpora(
        "restore", str(archive), "--next-number", str(max(mailed)), ok=False
    )
    assert f"must be above {max(mailed)}" in too_low.stderr
    restored = new.podpora("restore", str(archive), "--force")
    assert "The next ticket number is" in restored.stdout
    assert "Applying migrations" in restored.stdout
    new.podpora("migrate", "--check")
    [state, [fresh]] = new.drill("state", "open", "1", "fresh")
    assert state == backed_up
    assert fresh > max(mailed)
    # The generated secret key came with the backup, still private.
    key = new.data / "secret_key"
    assert key.read_text() == (old.data / "secret_key").read_text()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def _rewritten(archive: Path, target: Path, change) -> Path:  # type: ignore[no-untyped-def]
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(target, "w") as out:
        for member in source.infolist():
            out.writestr(member, change(member.filename, source.read(member)))
    return target


def test_restore_refuses_a_damaged_or_foreign_archive_and_changes_nothing(
    installs, tmp_path
):
    office = installs("office")
    office.podpora("migrate", "--verbosity", "0")
    office.drill("open", "2", "before")
    archive = tmp_path / "office.zip"
    office.podpora("backup", str(archive))
    again = office.podpora("backup", str(archive), ok=False)
    assert "exists already" in again.stderr
    [current] = office.drill("open", "1", "after", "state")[1:]

    data = archive.read_bytes()
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(data[: len(data) // 2])
    foreign = tmp_path / "photos.zip"
    with zipfile.ZipFile(foreign, "w") as photos:
        photos.writestr("holiday.jpg", b"\xff\xd8 not ours")
    text = tmp_path / "notes.zip"
    text.write_text("not an archive at all")
    dump = "database.pgdump" if POSTGRES else "database.sqlite3"

    def _damage(name: str, content: bytes) -> bytes:
        if name != dump:
            return content
        middle = len(content) // 2
        return (
            content[:middle] + bytes([content[middle] ^ 0xFF]) + content[middle + 1 :]
        )

    damaged = _rewritten(archive, tmp_path / "damaged.zip", _damage)
    other_engine = _rewritten(
        archive,
        tmp_path / "other-engine.zip",
        lambda name, content: (
            content.replace(b'"engine": "postgresql"', b'"engine": "sqlite"').replace(
                b'"engine": "sqlite"', b'"engine": "postgresql"'
            )
            if name == "manifest.json" and not POSTGRES
            else (
                content.replace(b'"engine": "postgresql"', b'"engine": "sqlite"')
                if name == "manifest.json"
                else content
            )
        ),
    )
    for bad, message in [
        (truncated, "not a Podpora backup"),
        (foreign, "not a Podpora backup (no manifest)"),
        (text, "not a Podpora backup"),
        (damaged, "is damaged"),
        (other_engine, "same database engine"),
        (tmp_path / "missing.zip", "does not exist"),
    ]:
        result = office.podpora("restore", str(bad), "--force", ok=False)
        assert result.returncode == 1, bad
        assert message in result.stderr, (bad, result.stderr)
        assert "Traceback" not in result.stderr
    assert office.drill("state") == [current]


@pytest.mark.django_db
def test_the_periodic_job_records_the_highest_issued_number_and_never_lowers_it(
    anna, open_ticket_for
):
    ticket = open_ticket_for(anna)
    record_ticket_numbers.call()
    assert read_mark() == ticket.number
    assert record_mark(ticket.number - 5) == ticket.number
    assert read_mark() == ticket.number
