"""Persistent database connections heal: after PostgreSQL drops them (a restart, a failover), the next
request and the next websocket connect succeed, because CONN_HEALTH_CHECKS checks a connection before
its first use in each request (cocreate/settings/base.py), and a healthy connection is checked without a
round trip (cocreate/postgres).

PostgreSQL is not stopped (other test runs share it): a second connection terminates this process's own
connections to the test database, as a restart would.
"""

from wsgiref.util import setup_testing_defaults

import psycopg
import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, transaction

from cocreate.asgi import application

from ..factories import make_idea

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ORIGIN = [(b"origin", b"http://testserver")]


@pytest.fixture(autouse=True)
def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("terminating server connections (pg_terminate_backend) is PostgreSQL's")


@pytest.fixture
def persistent_connections():
    """As production: connections kept between requests and checked before their first use. (The test
    settings close them after each request, CONN_MAX_AGE = 0.) Set on the shared settings dict, which
    every thread's connection reads when it connects."""
    saved = {key: connection.settings_dict[key] for key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS")}
    connection.close()
    connection.settings_dict.update(CONN_MAX_AGE=600, CONN_HEALTH_CHECKS=True)
    yield connection.settings_dict
    connection.close()
    connection.settings_dict.update(saved)


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def second_connection() -> psycopg.Connection:
    """A plain psycopg connection to the test database, beside Django's (the options psycopg.connect
    does not take are Django's own)."""
    params = connection.get_connection_params()
    for name in ("cursor_factory", "context", "prepare_threshold", "server_side_binding"):
        params.pop(name, None)
    return psycopg.connect(**params, autocommit=True)


def terminate_this_databases_other_connections() -> int:
    with second_connection() as killer:
        # With a timeout, pg_terminate_backend returns once each backend has exited, as after a restart:
        # the next request comes after the server closed its connections, not while it is closing them.
        return len(
            killer.execute(
                "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        )


def serve(path: str) -> int:
    """One GET through Django's WSGI handler, as a WSGI server calls it (the test client leaves out the
    request_started/request_finished connection handling that this test is about); its status code."""
    environ = {"PATH_INFO": path, "REQUEST_METHOD": "GET"}
    setup_testing_defaults(environ)
    statuses = []
    response = WSGIHandler()(environ, lambda status, headers, exc_info=None: statuses.append(status))
    try:
        b"".join(response)
    finally:
        response.close()  # request_finished, as the server would
    return int(statuses[0].split()[0])


def test_the_first_request_after_the_connections_died_succeeds(persistent_connections):
    idea = make_idea()
    assert serve(idea.get_absolute_url()) == 200
    before = backend_pid()  # the request's connection, kept open
    assert terminate_this_databases_other_connections() >= 1
    assert serve(idea.get_absolute_url()) == 200
    assert backend_pid() != before  # a new connection


def test_without_health_checks_it_would_fail(persistent_connections, caplog):
    """Why the setting is there: the same sequence without it fails (a 503, cocreate/outage.py: the
    stale connection's error reads as the database being unreachable)."""
    persistent_connections["CONN_HEALTH_CHECKS"] = False
    idea = make_idea()
    assert serve(idea.get_absolute_url()) == 200
    terminate_this_databases_other_connections()
    assert serve(idea.get_absolute_url()) == 503


def close_this_threads_connection() -> None:
    connection.close()  # the proxy: whichever thread runs this


@pytest.mark.asyncio
async def test_the_websocket_server_reconnects_too(persistent_connections):
    idea = await database_sync_to_async(make_idea)()

    async def connects() -> bool:
        socket = WebsocketCommunicator(application, f"/ws/ideas/{idea.pk}/", headers=ORIGIN)
        connected, _ = await socket.connect(timeout=10)
        await socket.disconnect()
        return connected

    assert await connects()  # the consumer's visibility check holds a persistent connection now
    assert await database_sync_to_async(terminate_this_databases_other_connections)() >= 1
    assert await connects()
    # The consumer's thread keeps its persistent connection: close it, or it outlives the test database.
    await database_sync_to_async(close_this_threads_connection)()


def last_statement_of(pid: int) -> str:
    """What the server last ran for the backend `pid`, as a second connection sees it."""
    with second_connection() as observer:
        return observer.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[0]


def test_a_healthy_idle_connection_is_checked_without_a_query(persistent_connections):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), 'before the check'")
        pid = cursor.fetchone()[0]
    assert connection.is_usable()
    # Django's own check would have sent SELECT 1.
    assert last_statement_of(pid) == "SELECT pg_backend_pid(), 'before the check'"


def test_a_terminated_connection_is_not_usable(persistent_connections):
    backend_pid()
    assert connection.is_usable()
    assert terminate_this_databases_other_connections() >= 1
    assert not connection.is_usable()


def test_an_open_transaction_is_checked_by_the_server(persistent_connections):
    """Outside the idle state the socket says too little: SELECT 1 decides, as in Django's backend."""
    with transaction.atomic():
        pid = backend_pid()
        assert connection.is_usable()
        assert last_statement_of(pid) == "SELECT 1"
