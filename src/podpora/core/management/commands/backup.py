from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from podpora.core.backup import BackupError
from podpora.core.backup.archive import create_backup, default_archive_path


class Command(BaseCommand):
    help = (
        "Write one archive of the database, the file store and the secret key "
        "(safe while Podpora runs). The archive holds secrets: keep it private."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "archive",
            nargs="?",
            type=Path,
            help="Where to write it (default: backups/podpora-<time>.zip in the "
            "data directory). An existing file is never overwritten.",
        )

    def handle(self, *args, archive: Path | None, **options):  # type: ignore[no-untyped-def]
        target = (archive or default_archive_path()).absolute()
        try:
            manifest = create_backup(target)
        except BackupError as error:
            raise CommandError(str(error)) from error
        counts = manifest["counts"]
        self.stdout.write(
            f"{counts['tickets']} tickets, {counts['messages']} messages, "
            f"{counts['users']} people, {counts['files']} files "
            f"({counts['file_bytes']} bytes); last ticket number "
            f"{manifest['ticket_numbers']['last_issued']}."
        )
        self.stdout.write(
            self.style.SUCCESS(f"Backup written to {target} (readable only by you).")
        )
