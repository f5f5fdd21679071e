import os

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the web interface and the API (ASGI, uvicorn)."

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
        )

    def handle(self, *args, host: str, port: int, workers: int, **options):  # type: ignore[no-untyped-def]
        import uvicorn
        from django.conf import settings

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
