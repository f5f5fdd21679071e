"""The web process: HTTP and WebSockets on one ASGI server (uvicorn).

HTTP goes to Django's WSGI application on a pool of threads
(``podpora.core.web``); WebSockets (live chat and desk updates) go to
Channels. With ``REDIS_URL`` set the channel layer is Redis so several web
processes share it, otherwise the in-memory layer relays group messages to
its sibling processes, which the lifespan starts (``podpora.chat.relay``).
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "podpora.settings")
django.setup(set_prefix=False)  # the apps, before the imports below

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from podpora.chat.routing import lifespan, websocket_urlpatterns  # noqa: E402
from podpora.core.web import http_application  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": http_application(),
        # Origins are checked per endpoint (a widget may run on a customer's site).
        "websocket": AuthMiddlewareStack(URLRouter(websocket_urlpatterns())),
        "lifespan": lifespan,
    }
)
