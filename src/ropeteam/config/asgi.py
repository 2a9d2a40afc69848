"""The ASGI application uvicorn serves: Django for HTTP (websockets come with conversations)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ropeteam.config.settings")

from channels.routing import ProtocolTypeRouter
from django.core.asgi import get_asgi_application

application = ProtocolTypeRouter({"http": get_asgi_application()})
