"""Running work in many threads at once, for the tests of row locks on PostgreSQL."""

import threading

import pytest
from django.db import connection, connections


@pytest.fixture(autouse=True)
def _needs_postgres():
    """Import into a test module to skip it, with the reason, unless it runs on PostgreSQL."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrency test runs on PostgreSQL (DATABASE_URL); SQLite serialises every write")


def run_at_once(workers):
    """Start every callable in its own thread behind one barrier; fail with any error they raised."""
    barrier = threading.Barrier(len(workers))
    errors = []

    def wrap(work):
        try:
            barrier.wait()
            work()
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrap, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
