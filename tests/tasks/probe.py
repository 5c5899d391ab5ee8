"""Tasks for the worker tests, run by real `run_worker` processes (tests/tasks/test_worker.py)."""

import time
from pathlib import Path

from django_tasks import task

WAIT_LIMIT = 300  # seconds: a probe never outlives a forgotten test by much


@task()
def wait_for_file(*, go: str, done: str) -> str:
    """Block until the file `go` exists (the test's way to hold a task RUNNING), then write `done`.
    Safe to run twice: it writes the same file again (and counts the runs in it)."""
    deadline = time.monotonic() + WAIT_LIMIT
    while not Path(go).exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{go} never appeared")
        time.sleep(0.1)
    runs = Path(done).read_text().count("\n") if Path(done).exists() else 0
    Path(done).write_text("ran\n" * (runs + 1))
    return "done"


@task()
def touch(*, path: str) -> None:
    Path(path).write_text("ran\n")
