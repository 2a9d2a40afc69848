"""The ASGI application uvicorn serves: Django for HTTP, the live socket at /ws/v1."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ropeteam.config.settings")

from channels.routing import ProtocolTypeRouter, URLRouter
from django.core.asgi import get_asgi_application
from django.urls import path

django_http = get_asgi_application()  # sets Django up before the socket code is imported

from ropeteam.realtime.socket import live_socket  # noqa: E402

# URLRouter takes any ASGI application; django-stubs types path() for views only.
sockets = URLRouter([path("ws/v1", live_socket)])  # type: ignore[arg-type]
application = ProtocolTypeRouter({"http": django_http, "websocket": sockets})
