"""Writes to Redis that wait for no answer: PUBLISH for live updates, SADD for vote windows.

Redis's answer to such a write (how many listeners a PUBLISH reached, whether a SADD added a member)
is something nobody here needs; waiting for it put the request to sleep and woke it again, which cost
a vote more CPU under load than the command itself (bench/RESULTS.md). With replies off (CLIENT REPLY
OFF) a write is one send.
"""

import os
import threading

import redis

from .cache import redis_backend

# How these connections name themselves to Redis (CLIENT LIST).
CLIENT_NAME = "cocreate-noreply"


class NoReplyConnection:
    """A connection to Redis that has asked for no replies, for writes whose answer nobody reads.

    Errors go unreported too, so it carries only commands that cannot fail on a sound key (PUBLISH,
    SADD, EXPIRE). A connection Redis has closed shows as readable (nothing else ever is) and is opened
    again before the next write; what was sent into a dying connection is lost, which its callers
    accept. One lock per connection: daphne runs sync code on several threads.
    """

    def __init__(self, url: str):
        self.pool = redis.ConnectionPool.from_url(url, client_name=CLIENT_NAME)
        self.lock = threading.Lock()
        self._open()

    def _open(self) -> None:
        # (In a process forked after this, the socket would be the parent's: a new connection then.)
        self.pid = os.getpid()
        self.connection = self.pool.make_connection()
        self.connection.register_connect_callback(self._replies_off)

    def _replies_off(self, connection) -> None:
        connection.send_command("CLIENT", "REPLY", "OFF", check_health=False)

    def send(self, commands: list[tuple]) -> None:
        packed = self.connection.pack_commands(commands)
        with self.lock:
            if self.pid != os.getpid():
                self._open()
            elif self.connection._sock is not None and self._closed_by_redis():
                self.connection.disconnect()
            self.connection.send_packed_command(packed, check_health=False)

    def _closed_by_redis(self) -> bool:
        """Whether Redis has closed the connection (a restart, a client timeout): with replies off,
        nothing else ever makes it readable."""
        try:
            return self.connection.can_read()
        except (redis.ConnectionError, OSError):
            return True


_to_cache: dict[str, NoReplyConnection] = {}


def cache_connection() -> NoReplyConnection | None:
    """This process's no-reply connection to the server the default cache writes to, when the cache
    is Redis; None otherwise."""
    backend = redis_backend()
    if backend is None:
        return None
    url = backend._servers[0]  # the server Django's Redis cache writes to
    connection = _to_cache.get(url)
    if connection is None:
        connection = _to_cache[url] = NoReplyConnection(url)
    return connection
