"""The search backend's line in /health/ (registered with cocreate.health from search.apps)."""

from django.conf import settings

from . import backend


def check() -> dict:
    """The database backend is the database (checked on its own line); Elasticsearch is pinged."""
    if settings.SEARCH_BACKEND != "elasticsearch":
        return {"state": "ok", "backend": "database"}
    client = backend().client
    try:
        answered = client.options(request_timeout=1).ping()
    except Exception:  # the client's transport errors differ between versions; any is "down"
        answered = False
    return {"state": "ok" if answered else "degraded", "backend": "elasticsearch"}
