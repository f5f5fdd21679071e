import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection


class Command(BaseCommand):
    help = (
        "Serve the web interface, the API and the WebSockets (uvicorn: "
        "Django's WSGI application on a pool of threads, Channels for WebSockets)."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--host", default=os.environ.get("PODPORA_HOST", "127.0.0.1")
        )
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("PODPORA_PORT", "8000"))
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("PODPORA_WEB_WORKERS", "1")),
            help="Web processes (PostgreSQL only; each runs PODPORA_WEB_THREADS threads).",
        )

    def handle(self, *args, host: str, port: int, workers: int, **options):  # type: ignore[no-untyped-def]
        import uvicorn
        from django.conf import settings

        if workers > 1 and connection.vendor == "sqlite":
            # One writer at a time per file: a second process's writers would
            # wait in SQLite's busy handler instead of taking turns within one
            # process. More threads (PODPORA_WEB_THREADS) serve more readers.
            raise CommandError(
                "SQLite is served by one web process: drop --workers (or "
                "PODPORA_WEB_WORKERS), raise PODPORA_WEB_THREADS for more "
                "concurrent requests, or use PostgreSQL (DATABASE_URL) for "
                "several web processes."
            )

        # WhiteNoise serves from the app folders (USE_FINDERS) but expects STATIC_ROOT.
        settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)

        uvicorn.run(
            "podpora.asgi:application",
            host=host,
            port=port,
            workers=workers,
            log_level="info" if options["verbosity"] > 1 else "warning",
            # The scheme (X-Forwarded-Proto) and client address of a request
            # are believed from the same proxies as podpora.core.ratelimit's.
            proxy_headers=True,
            forwarded_allow_ips=list(settings.PODPORA_TRUSTED_PROXIES),
            lifespan="on",  # podpora.chat.routing.lifespan
        )
