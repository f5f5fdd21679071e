from django.core.management.base import BaseCommand

from podpora.core import demo


class Command(BaseCommand):
    help = (
        "Load believable demo data (Polish and Czech clients, a few hundred tickets)."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if there are tickets already.",
        )
        parser.add_argument("--tickets", type=int, default=300)

    def handle(self, *args, if_empty: bool, tickets: int, **options):  # type: ignore[no-untyped-def]
        if if_empty and demo.has_data():
            self.stdout.write("Demo data is already loaded.")
        else:
            created = demo.load(tickets=tickets)
            self.stdout.write(self.style.SUCCESS(f"Loaded {created} demo tickets."))
        self.stdout.write(f"Demo sign-ins (password: {demo.PASSWORD}):")
        width = max(len(email) for email, _ in demo.LOGINS)
        for email, what in demo.LOGINS:
            self.stdout.write(f"  {email:<{width}}  {what}")
