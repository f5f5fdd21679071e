from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from podpora.accounts import ldap


class Command(BaseCommand):
    help = (
        "Bring people from LDAP/Active Directory into Podpora (name, role from "
        "groups) and deactivate those no longer there (docs/sign-in.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="report, change nothing"
        )

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        if not getattr(settings, "AUTH_LDAP_SERVER_URI", ""):
            raise CommandError("LDAP is not configured (PODPORA_LDAP_URL).")
        report = ldap.sync(dry_run=dry_run)
        for line in report.lines:
            self.stdout.write(line)
        self.stdout.write(
            f"{'Would add' if dry_run else 'Added'} {report.created}, "
            f"{'would change' if dry_run else 'changed'} {report.updated}, "
            f"{'would deactivate' if dry_run else 'deactivated'} {report.deactivated}."
        )
