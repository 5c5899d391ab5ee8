"""WSGI entry point: production HTTP (granian, see README "Running in production").

Plain requests are far faster over WSGI than over ASGI (Django's sync middleware hops threads on every
ASGI request); websockets go to daphne (cocreate/asgi.py).
"""

import os

from django.core.wsgi import get_wsgi_application

from cocreate.gc_freeze import FreezeAfterWarmUp, freeze_loaded

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cocreate.settings.base")

# Imported in each worker process after the server forked it, so this freezes the worker's own copy.
django_application = get_wsgi_application()
freeze_loaded()
application = FreezeAfterWarmUp(django_application)
