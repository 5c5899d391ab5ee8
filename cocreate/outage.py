"""What a visitor sees when the database is down: a clear 503, never a bare 500.

PostgreSQL is the truth (/work/shared/CONVENTIONS.md, "When things fail"): without it no page can be
answered correctly, so the answer is "unavailable, try again shortly" with `Retry-After`, and a load
balancer or a script can tell an outage from a bug.

Django turns any exception that escapes a view or a middleware into its `handler500` view (a public,
documented hook), and calls it while that exception is being handled (under ASGI too: asgiref re-raises
it in the thread that runs the handler). `server_error` looks at it: a database error becomes the 503
below, anything else Django's own 500 (templates/500.html). Neither touches the database: both pages are
rendered without a request context (no member, no unread badge), in templates/error_base.html.
"""

import sqlite3
import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import defaults

from cocreate.http import wants_json

# Seconds a client should wait before trying again (a PostgreSQL restart takes a few).
RETRY_AFTER_SECONDS = 10

# Errors that mean "the database cannot be reached", not "this query is wrong": a refused or dropped
# connection, a server shutting down, a failover in progress.
OUTAGE_ERRORS = (OperationalError, InterfaceError)


def database_unreachable(error: BaseException | None) -> bool:
    """Whether an exception (or one it was raised from) says the database cannot be reached."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OUTAGE_ERRORS):
            return not _sqlite_query_error(error)
        if isinstance(error, DatabaseError):
            return False  # an integrity or programming error: a bug, not an outage
        error = error.__cause__ or error.__context__
    return False


def _sqlite_query_error(error: BaseException) -> bool:
    """SQLite reports a bad query (no such table or column, a syntax error) as an OperationalError too,
    with its generic code: a bug or a missing migration, which "try again shortly" would not fix. Its
    outages have codes of their own (SQLITE_BUSY: locked, SQLITE_CANTOPEN, SQLITE_IOERR, SQLITE_FULL)."""
    cause = error.__cause__
    return isinstance(cause, sqlite3.Error) and getattr(cause, "sqlite_errorname", "") == "SQLITE_ERROR"


def server_error(request, template_name="500.html"):
    """settings' handler500: a 503 for an unreachable database, Django's 500 for everything else."""
    if not database_unreachable(sys.exc_info()[1]):
        return defaults.server_error(request, template_name)
    # Honest about a form sent meanwhile: its transaction most likely rolled back, but the database may
    # have failed after the commit, so "may not have been saved", never "nothing was lost".
    message = _("Cocreate is unavailable for a moment. Please try again in a few seconds.")
    sent = request.method not in ("GET", "HEAD", "OPTIONS")
    if sent:
        message += " " + _("What you just sent may not have been saved.")
    if wants_json(request):
        response = JsonResponse({"error": message, "retry_after": RETRY_AFTER_SECONDS}, status=503)
    else:
        # No request context (its processors query the database); the language is the request's all the
        # same, as LocaleMiddleware activated it.
        context = {"message": message, "sent": sent, "LANGUAGE_CODE": get_language()}
        response = HttpResponse(render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
