"""ASGI entry point: websockets under /ws/ (and HTTP too, for the one-process development server)."""

import os
import sys
from pathlib import Path

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cocreate.settings.base")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from cocreate.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

if Path(sys.argv[0]).name == "daphne":
    # The websocket server (deploy/systemd/cocreate-ws.service, bench, the fault suite), not a test or
    # a management command that imports this module: see cocreate/gc_freeze.py.
    from cocreate.gc_freeze import tune_for_long_lived_connections  # noqa: E402

    tune_for_long_lived_connections()
