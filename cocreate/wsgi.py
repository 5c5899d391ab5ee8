"""WSGI entry point: production HTTP (gunicorn), far faster than ASGI for plain requests."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cocreate.settings.base")

application = get_wsgi_application()
