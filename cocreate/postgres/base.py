"""Django's PostgreSQL backend, with a connection health check that asks the socket before the server.

ENGINE "cocreate.postgres" (cocreate/settings/base.py). Everything is Django's own backend except
`is_usable`, which CONN_HEALTH_CHECKS calls before a persistent connection's first use in each request.

Django's check sends `SELECT 1` and waits for the answer: a round trip to learn, on nearly every request,
that nothing happened. Here the check first asks the connection's socket, without waiting, whether the
server has sent anything. An idle connection hears nothing from a healthy server. When PostgreSQL
restarts, fails over or terminates the backend, it writes its last message (FATAL) and closes the
socket, which then reads as ready. So:
  - nothing to read on an idle connection: usable, with no round trip;
  - something to read, an open transaction, or a state Django did not leave: Django's own `SELECT 1`
    decides (a dead connection fails it and is replaced, as before);
  - closed or broken (psycopg's own flags): not usable.
A server that vanished without closing the socket (a host gone from the network) is found by the
request's first query instead of by `SELECT 1`, which would wait for the same timeout.
Only public calls: psycopg's `Connection.closed`, `.broken`, `.info.transaction_status` and `.fileno()`.
"""

import select

from django.db.backends.postgresql.base import DatabaseWrapper as PostgresDatabaseWrapper
from psycopg.pq import TransactionStatus


class DatabaseWrapper(PostgresDatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        if connection.info.transaction_status == TransactionStatus.IDLE and not _has_input(connection):
            return True
        return super().is_usable()


def _has_input(connection) -> bool:
    """Whether the server has written anything to this connection (or closed it): a poll that does not
    wait. A socket that cannot be polled counts as having input, so that `SELECT 1` decides."""
    if not hasattr(select, "poll"):  # Windows
        return True
    try:
        poller = select.poll()
        poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
        return bool(poller.poll(0))
    except (OSError, ValueError):
        return True
