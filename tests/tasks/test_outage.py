"""A worker and a scheduler outlive a PostgreSQL outage (a private cluster of this test, stopped and
started for real): both processes are still alive afterwards, and the worker runs a task queued after
the database came back. Runs in the PostgreSQL pass of the suite, as root, where Debian's PostgreSQL
15 binaries are installed."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection

from .test_worker import ROOT, WORKER, start, stop, wait_until

BIN = Path("/usr/lib/postgresql/15/bin")
PORT = 5441
URL = f"postgres://postgres@127.0.0.1:{PORT}/cocreate_outage"
OUTAGE_SECONDS = 6


def as_postgres(*command, timeout=120):
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *command], check=True, timeout=timeout, capture_output=True
    )


@pytest.fixture
def private_cluster():
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (DATABASE_URL)")
    if os.geteuid() != 0 or not (BIN / "pg_ctl").exists() or not shutil.which("runuser"):
        pytest.skip("needs root and Debian's PostgreSQL 15 binaries to run a private cluster")
    data = Path(tempfile.mkdtemp(prefix="pgdurable-", dir="/tmp"))
    shutil.chown(data, "postgres")
    as_postgres(str(BIN / "initdb"), "-D", str(data / "db"), "-A", "trust")
    ctl = [str(BIN / "pg_ctl"), "-D", str(data / "db"), "-l", str(data / "log"), "-w"]

    def up():
        as_postgres(*ctl, "-o", f"-p {PORT} -k /tmp -c listen_addresses=127.0.0.1", "start")

    def down():
        as_postgres(*ctl, "stop", "-m", "fast")

    up()
    try:
        as_postgres("psql", "-h", "127.0.0.1", "-p", str(PORT), "-c", "CREATE DATABASE cocreate_outage")
        yield up, down
    finally:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *ctl, "stop", "-m", "immediate"],
            timeout=120,
            capture_output=True,
        )
        shutil.rmtree(data, ignore_errors=True)


def manage(env, *command, timeout=600):
    return subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=timeout,
        capture_output=True,
    )


def enqueue_touch(env, path):
    code = f"from tests.tasks.probe import touch; touch.enqueue(path={str(path)!r})"
    manage(env, "shell", "-c", code, timeout=120)


def test_worker_and_scheduler_survive_a_database_outage(private_cluster, tmp_path):
    up, down = private_cluster
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.tasks.worker_settings",
        "DATABASE_URL": URL,
        "TASK_WORKER_HEARTBEAT_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("COCREATE_TEST_DATABASE_NAME", None)
    manage(env, "migrate", "--noinput")
    log = tmp_path / "processes.log"
    worker = start(WORKER, env, log)
    scheduler = start(["run_scheduler", "--interval", "0.5"], env, log)
    try:
        before = tmp_path / "before"
        enqueue_touch(env, before)
        wait_until(before.exists, what="the worker runs a task before the outage")

        down()
        time.sleep(OUTAGE_SECONDS)  # the outage itself, not a measurement
        assert worker.poll() is None and scheduler.poll() is None
        up()

        after = tmp_path / "after"
        wait_until(lambda: _try_enqueue(env, after), what="the database takes a task again")
        wait_until(
            after.exists, what=f"the worker runs a task queued after the outage ({log.read_text()[-3000:]})"
        )
        assert worker.poll() is None and scheduler.poll() is None
        assert "database error" in log.read_text()  # it did see the outage
    finally:
        stop(worker)
        stop(scheduler)


def _try_enqueue(env, path) -> bool:
    try:
        enqueue_touch(env, path)
    except subprocess.CalledProcessError:
        return False
    return True
