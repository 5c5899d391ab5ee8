"""GET /health/: each dependency's state, for load balancers and operators.

    {"status": "ok" | "degraded" | "down", "checks": {"database": {"state": "ok"}, "cache": {...}, ...}}

200 while the database answers (Redis unreachable is "degraded": the site serves from PostgreSQL), 503
when it does not, so a load balancer takes a web process out only when it cannot serve at all. Cheap:
one `SELECT 1`, one Redis PING (none while its breaker is open), one indexed query on the task table,
and whatever checks the apps register. No secrets: no addresses, no error texts (those are in the log).
Staff see the same report in the Django admin (`admin_page`, linked from the admin index).

The project package imports no app (docs/architecture.md), so an app adds its own check from its
`AppConfig.ready()` with `register_check` (the search app: its backend).
"""

import logging
import threading
import time
from collections.abc import Callable

import redis
from django.conf import settings
from django.contrib import admin
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .breaker import CLOSED, all_breakers, breaker
from .cache import BreakerConnectionPool, shared_redis

logger = logging.getLogger(__name__)

OK, DEGRADED, DOWN = "ok", "degraded", "down"

_registered: dict[str, Callable[[], dict]] = {}


def register_check(name: str, check: Callable[[], dict]) -> None:
    """Add a check: a function answering {"state": "ok" | "degraded" | "down", ...} (no secrets). Only
    the database decides between 200 and 503; the others can only degrade."""
    _registered[name] = check


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("Health: the database did not answer: %r", error)
        return {"state": DOWN}
    return {"state": OK, "vendor": connection.vendor}


def _ping(client, breaker_name: str | None) -> dict:
    report = {}
    try:
        started = time.perf_counter()
        client.ping()
        report = {"state": OK, "ms": round((time.perf_counter() - started) * 1000, 2)}
    except redis.RedisError as error:
        logger.warning("Health: Redis did not answer: %r", error)
        report = {"state": DOWN}
    if breaker_name is not None:
        report["breaker"] = breaker(breaker_name).state
    return report


def check_cache() -> dict:
    client = shared_redis()
    if client is None:
        return {"state": OK, "backend": "local"}
    report = _ping(client, None)
    report["backend"] = "redis"
    # Each Redis server's breaker in this process (named by address, so not shown by name here).
    states = {b.state for b in all_breakers() if b.name.startswith("Redis at ")}
    report["breaker"] = "open" if states - {CLOSED} else CLOSED
    return report


_layer_clients: dict[str, redis.Redis] = {}
_layer_clients_lock = threading.Lock()


def _channel_layer_client(address: str) -> redis.Redis:
    """A small client of our own for the channel layer's Redis (the layer's own clients live on event
    loops), with the same timeouts and breakers as the cache's."""
    client = _layer_clients.get(address)
    if client is None:
        with _layer_clients_lock:
            client = _layer_clients.get(address)
            if client is None:
                pool = BreakerConnectionPool.from_url(
                    address,
                    socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT,
                    socket_timeout=settings.REDIS_TIMEOUT,
                    max_connections=2,
                )
                client = _layer_clients[address] = redis.Redis(connection_pool=pool)
    return client


def check_channel_layer() -> dict:
    layer = settings.CHANNEL_LAYERS.get("default", {})
    backend = layer.get("BACKEND", "")
    if not backend.startswith("channels_redis."):
        return {"state": OK, "backend": backend.rsplit(".", 1)[-1]}
    hosts = layer.get("CONFIG", {}).get("hosts") or ["redis://localhost:6379"]
    address = hosts[0].get("address") if isinstance(hosts[0], dict) else hosts[0]
    if not isinstance(address, str):
        return {"state": OK, "backend": "redis", "checked": False}
    # The live updates' own breaker (ideas/broadcasts.py), by the name it uses there.
    report = _ping(_channel_layer_client(address), "Channel layer")
    report["backend"] = "redis"
    if report["state"] == OK and report["breaker"] != CLOSED:
        report["state"] = DEGRADED  # Redis answers again; sends resume with the next live update
    return report


def check_task_queue() -> dict:
    """The database task queue: how long the oldest task that is due has waited. Long waits mean no
    worker is running (or it cannot keep up)."""
    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    if backend != "django_tasks_db.DatabaseBackend":
        return {"state": OK, "backend": backend.rsplit(".", 1)[-1]}
    # Here, not at the top: this module is imported while URLs load, and a model module should only be
    # imported once the app registry is ready; django_tasks_db is a dependency, not one of our apps.
    from django.db.models import Min
    from django_tasks_db.models import DBTaskResult, get_date_max

    try:
        ready = DBTaskResult.objects.ready()
        oldest = [
            ready.exclude(run_after=get_date_max()).aggregate(at=Min("run_after"))["at"],
            ready.filter(run_after=get_date_max()).aggregate(at=Min("enqueued_at"))["at"],
        ]
    except DatabaseError:
        return {"state": DOWN}
    due_since = min((at for at in oldest if at is not None), default=None)
    age = 0.0 if due_since is None else max(0.0, (timezone.now() - due_since).total_seconds())
    state = OK if age <= settings.HEALTH_TASK_WAIT_SECONDS else DEGRADED
    return {"state": state, "backend": "database", "oldest_ready_seconds": round(age, 1)}


def report() -> dict:
    """Every check's answer and the overall status; a check that raises counts as down."""
    results = {"database": check_database()}
    if results["database"]["state"] == DOWN:
        return {"status": DOWN, "checks": results}  # the rest is not worth asking (tasks live there too)
    checks = {
        "cache": check_cache,
        "channel_layer": check_channel_layer,
        "task_queue": check_task_queue,
        **_registered,
    }
    for name, check in checks.items():
        try:
            results[name] = check()
        except Exception:
            logger.exception("Health check %s failed", name)
            results[name] = {"state": DOWN}
    status = OK if all(result["state"] == OK for result in results.values()) else DEGRADED
    return {"status": status, "checks": results}


@never_cache
@require_GET
def health(request):
    found = report()
    return JsonResponse(found, status=503 if found["status"] == DOWN else 200)


def admin_page(request):
    """The same report for staff, in the Django admin (wrapped in admin_view by cocreate.urls)."""
    found = report()
    context = {
        **admin.site.each_context(request),
        "title": "Health",
        "status": found["status"],
        "checks": sorted(found["checks"].items()),
        "breakers": all_breakers(),
    }
    return TemplateResponse(request, "admin/health.html", context, status=200)
