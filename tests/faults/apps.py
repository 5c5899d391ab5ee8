"""The app's processes as production runs them (README "Running in production"), against the private
PostgreSQL and Redis: granian (WSGI, HTTP), daphne (websockets), the task worker and, where the
project has one, the scheduler. Each runs in its own process group, so stopping it stops its children.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.run import granian_command

from .services import free_port, port_open, wait_for

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PY = sys.executable

# The worker and scheduler commands, one name each. `run_worker` / `run_scheduler` are the supervised
# commands of issue 17; until they exist the worker is django-tasks-db's own `db_worker` and there is
# no scheduler (worker_command() picks).
WORKER_COMMAND = "run_worker"
LEGACY_WORKER_COMMAND = "db_worker"
SCHEDULER_COMMAND = "run_scheduler"

START_UP_SECONDS = 120  # a busy 2-core box imports Django, Wagtail and the apps in every process
DATABASE = "cocreate_faults"


def management_commands() -> set[str]:
    from django.core.management import get_commands

    return set(get_commands())


def worker_command() -> str:
    return WORKER_COMMAND if WORKER_COMMAND in management_commands() else LEGACY_WORKER_COMMAND


def scheduler_command() -> str | None:
    return SCHEDULER_COMMAND if SCHEDULER_COMMAND in management_commands() else None


def app_env(*, database_url: str, redis_url: str, static_root: Path, media_root: Path) -> dict[str, str]:
    """The production settings (cocreate.settings.base, DEBUG off) pointed at the private services."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "ELASTICSEARCH_URL"}
        and not key.startswith("PYTEST")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="cocreate.settings.base",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DEBUG="0",
        SECRET_KEY="faults-only-secret-key-4d1c8e2a9b7f6e5d3c2b1a0f9e8d7c6b",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        STATIC_ROOT=str(static_root),
        MEDIA_ROOT=str(media_root),
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
    )
    return env


def with_application_name(database_url: str, name: str) -> str:
    """The database URL with psycopg's application_name, so pg_stat_activity tells the processes apart."""
    return f"{database_url.split('?', 1)[0]}?application_name={name}"


class AppProcess:
    def __init__(self, name: str, command: list[str], env: dict[str, str], log_dir: Path, port: int | None):
        self.name, self.command, self.env, self.port = name, command, env, port
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        log = self.log_path.open("a")
        log.write(f"\n--- start {self.starts + 1} at {time.strftime('%H:%M:%S')}: {' '.join(self.command)}\n")
        log.flush()
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.starts += 1

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def wait_ready(self) -> None:
        def ready():
            if not self.alive():
                raise RuntimeError(f"{self.name} exited with {self.returncode}; see {self.log_path}")
            return self.port is None or port_open(self.port)

        wait_for(ready, timeout=START_UP_SECONDS, what=f"{self.name} listening", interval=0.2)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (granian's workers, a worker's children) and reap the leader."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class AppStack:
    """granian + daphne + worker (+ scheduler) on free loopback ports."""

    def __init__(
        self, *, database_url: str, redis_url: str, log_dir: Path, static_root: Path, media_root: Path
    ):
        self.http_port = free_port()
        self.ws_port = free_port()
        self.log_dir = log_dir

        def env(name):
            return app_env(
                database_url=with_application_name(database_url, f"faults-{name}"),
                redis_url=redis_url,
                static_root=static_root,
                media_root=media_root,
            )

        self.manage_env = env("manage")
        self.worker_command = worker_command()
        self.scheduler_command = scheduler_command()
        self.http = AppProcess(
            "granian", granian_command(port=self.http_port, workers=2), env("web"), log_dir, self.http_port
        )
        self.ws = AppProcess(
            "daphne",
            [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(self.ws_port), "cocreate.asgi:application"],
            env("ws"),
            log_dir,
            self.ws_port,
        )
        self.worker = AppProcess(
            "worker", [PY, "manage.py", self.worker_command], env("worker"), log_dir, None
        )
        self.scheduler = (
            AppProcess(
                "scheduler", [PY, "manage.py", self.scheduler_command], env("scheduler"), log_dir, None
            )
            if self.scheduler_command
            else None
        )

    @property
    def background(self) -> list[AppProcess]:
        return [process for process in (self.worker, self.scheduler) if process is not None]

    @property
    def all(self) -> list[AppProcess]:
        return [self.http, self.ws, *self.background]

    def manage(self, *args: str, timeout: float = 600) -> None:
        result = subprocess.run(
            [PY, "manage.py", *args],
            cwd=ROOT,
            env=self.manage_env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"manage.py {' '.join(args)} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
            )

    def manage_in_background(self, *args: str, log_name: str) -> subprocess.Popen:
        log = (self.log_dir / f"{log_name}.log").open("w")
        return subprocess.Popen(
            [PY, "manage.py", *args],
            cwd=ROOT,
            env=self.manage_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def spawn(self) -> None:
        for process in self.all:
            process.start()

    def wait_ready(self) -> None:
        for process in self.all:
            process.wait_ready()

    def restart_dead_background(self) -> list[str]:
        """Start again any worker or scheduler that has exited; returns their names."""
        restarted = []
        for process in self.background:
            if not process.alive():
                process.start()
                restarted.append(process.name)
        return restarted

    def stop(self) -> None:
        for process in self.all:
            process.kill()
