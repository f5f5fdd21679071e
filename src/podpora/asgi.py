"""HTTP and WebSockets on one ASGI server (uvicorn).

WebSockets carry live chat and desk updates; with ``REDIS_URL`` set the
channel layer is Redis so several web processes share them, otherwise the
in-memory layer relays group messages to its sibling processes, which the
lifespan starts (``podpora.chat.relay``).
"""

import os

from podpora.core.web_threads import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "podpora.settings")

django_application = get_asgi_application()  # loads the apps before the imports below

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from podpora.chat.routing import lifespan, websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        # Origins are checked per endpoint (a widget may run on a customer's site).
        "websocket": AuthMiddlewareStack(URLRouter(websocket_urlpatterns())),
        "lifespan": lifespan,
    }
)
