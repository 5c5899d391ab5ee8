"""The worker (`manage.py run_worker`, operations.worker): tasks of a dead worker are taken up again,
transient failures are retried, and a running task is never lost to a database outage.

The subprocess tests start real workers on the test database and poll with generous deadlines (the
2-core test machines are busy): they assert what happened, never how fast.
"""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import OperationalError, connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from operations import worker as workers
from operations.models import WorkerHeartbeat
from operations.retry import retry_transient

from . import probe

ROOT = Path(__file__).resolve().parents[2]
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
DEADLINE = 180  # seconds for anything a worker process must do


def wait_until(condition, *, what: str, deadline: float = DEADLINE, every: float = 0.2):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if result := condition():
            return result
        time.sleep(every)
    raise AssertionError(f"not within {deadline} s: {what}")


def worker_env(**extra) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.tasks.worker_settings",
        "COCREATE_TEST_DATABASE_NAME": str(connection.settings_dict["NAME"]),
        "TASK_WORKER_HEARTBEAT_SECONDS": "1",
        "TASK_WORKER_LEASE_SECONDS": "5",
        "PYTHONUNBUFFERED": "1",
    }
    env.update(extra)
    return env


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


WORKER = ["run_worker", "--interval", "0.2", "--no-startup-delay", "--no-reload", "--queue-name", "*"]


def status(task_id) -> str:
    return DBTaskResult.objects.values_list("status", flat=True).get(pk=task_id)


@pytest.mark.django_db(transaction=True)
def test_a_task_whose_worker_was_killed_is_run_again(settings, tmp_path):
    """kill -9 of the worker mid-task: the task stays RUNNING until the lease of its dead worker runs
    out, then another worker takes it up and runs it to the end."""
    settings.TASKS = DATABASE_QUEUE
    go, done, log = tmp_path / "go", tmp_path / "done", tmp_path / "worker.log"
    result = probe.wait_for_file.enqueue(go=str(go), done=str(done))
    first = start(WORKER, worker_env(), log)
    second = None
    try:
        wait_until(
            lambda: status(result.id) == TaskResultStatus.RUNNING, what="the first worker takes the task"
        )
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
        go.touch()  # the task can finish now, but its worker is gone: it stays RUNNING
        assert status(result.id) == TaskResultStatus.RUNNING
        second = start(WORKER, worker_env(), log)
        wait_until(
            lambda: status(result.id) == TaskResultStatus.SUCCESSFUL,
            what=f"the second worker runs the task again (log: {log.read_text()[-2000:]})",
        )
        row = DBTaskResult.objects.get(pk=result.id)
        assert len(row.worker_ids) == 2 and row.worker_ids[0] != row.worker_ids[1]
        assert done.read_text() == "ran\n"  # the first run never got past waiting
        assert second.poll() is None
    finally:
        for process in (first, second):
            if process is not None:
                stop(process)


@pytest.mark.django_db
def test_orphans_are_queued_again_and_given_up_after_too_many_deaths(settings):
    settings.TASK_WORKER_LEASE_SECONDS = 60
    settings.TASK_MAX_ATTEMPTS = 3
    long_ago, now = timezone.now() - timedelta(minutes=5), timezone.now()
    WorkerHeartbeat.objects.create(worker_id="alive", hostname="h", pid=1, started_at=long_ago, beat_at=now)
    WorkerHeartbeat.objects.create(
        worker_id="dead", hostname="h", pid=2, started_at=long_ago, beat_at=long_ago
    )

    def running(*worker_ids, started_at=long_ago):
        return DBTaskResult.objects.create(
            status=TaskResultStatus.RUNNING,
            started_at=started_at,
            worker_ids=list(worker_ids),
            args_kwargs={"args": [], "kwargs": {"path": "/nonexistent"}},
            task_path="tests.tasks.probe.touch",
            backend_name="default",
            run_after=long_ago,
        )

    alive = running("alive")
    dead = running("dead")
    never_beat = running("plain-db-worker")
    just_started = running("unknown", started_at=now)
    died_thrice = running("dead", "dead", "dead")

    reclaimed = workers.reclaim_orphans()

    assert set(reclaimed) == {str(dead.pk), str(never_beat.pk), str(died_thrice.pk)}
    assert status(alive.pk) == status(just_started.pk) == TaskResultStatus.RUNNING
    assert status(dead.pk) == status(never_beat.pk) == TaskResultStatus.READY
    assert status(died_thrice.pk) == TaskResultStatus.FAILED
    assert DBTaskResult.objects.get(pk=died_thrice.pk).exception_class_path == "operations.worker.WorkerLost"
    assert workers.reclaim_orphans() == []  # nothing twice


@pytest.mark.django_db
def test_a_task_left_running_by_an_outage_goes_back_to_the_queue():
    row = DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now(),
        worker_ids=["me"],
        args_kwargs={"args": [], "kwargs": {}},
        task_path="tests.tasks.probe.touch",
        backend_name="default",
        run_after=timezone.now(),
    )
    assert workers.requeue(row.pk)
    assert status(row.pk) == TaskResultStatus.READY
    assert not workers.requeue(row.pk)  # only a RUNNING task


def test_transient_errors_are_retried_with_back_off_and_others_are_not():
    waits, calls = [], []

    @retry_transient(attempts=4, first_delay=1, max_delay=3, sleep=waits.append)
    def flaky(*, fail_times: int, error=OperationalError):
        calls.append(1)
        if len(calls) <= fail_times:
            raise error("server closed the connection unexpectedly")
        return "ok"

    assert flaky(fail_times=3) == "ok"
    assert waits == [1, 2, 3] and len(calls) == 4

    waits.clear(), calls.clear()
    with pytest.raises(OperationalError):
        flaky(fail_times=10)
    assert len(calls) == 4 and waits == [1, 2, 3]  # the last attempt's error goes up

    waits.clear(), calls.clear()
    with pytest.raises(ValueError):
        flaky(fail_times=1, error=ValueError)
    assert len(calls) == 1 and waits == []
