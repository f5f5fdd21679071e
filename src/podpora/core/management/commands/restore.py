from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from podpora.core.backup import BackupError
from podpora.core.backup.archive import NUMBER_GAP, restore_backup


class Command(BaseCommand):
    help = (
        "Put a backup back: database, file store and secret key; migrate if the "
        "backup is older. Stop Podpora's processes first."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a database that holds people or tickets, and the files.",
        )
        parser.add_argument(
            "--next-number",
            type=int,
            metavar="N",
            help="The next ticket number; above every number ever issued. Needed "
            "when nothing here records how far numbering had got.",
        )
        parser.add_argument(
            "--number-gap",
            type=int,
            default=NUMBER_GAP,
            metavar="N",
            help="Numbers left unused above the highest one known to be issued "
            f"(default {NUMBER_GAP}).",
        )

    def handle(  # type: ignore[no-untyped-def]
        self,
        *args,
        archive: Path,
        force: bool,
        next_number: int | None,
        number_gap: int,
        **options,
    ):
        if number_gap < 0:
            raise CommandError("--number-gap cannot be negative.")
        try:
            manifest = restore_backup(
                archive.absolute(),
                force=force,
                next_number=next_number,
                number_gap=number_gap,
                say=self.stdout.write,
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup of {manifest['created_at']} "
                f"({manifest['counts']['tickets']} tickets). "
                f"The next ticket number is {manifest['next_number']}."
            )
        )
