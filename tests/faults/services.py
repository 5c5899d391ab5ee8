"""Private Redis and PostgreSQL instances for the fault suite, which it may stop and start at will.

The machine's shared PostgreSQL (5432) and Redis (6379) are never touched: other work and CI's own test
run use them. Each instance here listens on a free loopback port, keeps its files in a temporary
directory, and is stopped (and its directory removed) in teardown, even after a failure.
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

REDIS_SERVER = shutil.which("redis-server")
REDIS_CLI = shutil.which("redis-cli")
START_TIMEOUT = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_bin() -> Path | None:
    """The newest PostgreSQL server binaries under /usr/lib/postgresql (Debian's layout)."""
    versions = sorted(
        (path for path in Path("/usr/lib/postgresql").glob("*/bin") if (path / "initdb").exists()),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    )
    return versions[-1] if versions else None


def missing_tools() -> list[str]:
    """What the suite needs from the machine and does not find (empty: all there)."""
    missing = []
    if not REDIS_SERVER or not REDIS_CLI:
        missing.append("redis-server/redis-cli")
    if postgres_bin() is None:
        missing.append("PostgreSQL server binaries under /usr/lib/postgresql/<version>/bin")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            missing.append("the postgres system user (initdb refuses to run as root)")
        if not shutil.which("runuser"):
            missing.append("runuser")
    return missing


def wait_for(condition, *, timeout: float, what: str, interval: float = 0.05):
    """Poll `condition` until it returns something truthy; raise after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout} s")
        time.sleep(interval)


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


class PrivateRedis:
    """redis-server on a free port, without persistence: a restart starts empty, as after a crash."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = (self.workdir / "redis.log").open("a")
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(self.ping, timeout=START_TIMEOUT, what=f"private Redis on port {self.port} answering PING")

    def ping(self) -> bool:
        result = subprocess.run(
            [REDIS_CLI, "-p", str(self.port), "ping"], capture_output=True, text=True, timeout=5
        )
        return result.stdout.strip() == "PONG"

    def stop(self) -> None:
        """`shutdown nosave`, then wait until the process has gone and the port is closed."""
        if self.process is None or self.process.poll() is not None:
            return
        subprocess.run(
            [REDIS_CLI, "-p", str(self.port), "shutdown", "nosave"], capture_output=True, timeout=10
        )
        try:
            self.process.wait(timeout=START_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        wait_for(lambda: not port_open(self.port), timeout=10, what="Redis port closed")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class PrivatePostgres:
    """A throw-away PostgreSQL cluster (initdb, trust auth) on a free port, run as the postgres user."""

    def __init__(self, workdir: Path):
        self.bin = postgres_bin()
        self.port = free_port()
        # Owned by postgres: the server refuses a data directory it does not own.
        self.root = Path(tempfile.mkdtemp(prefix="cocreate-faults-pg-"))
        self.data = self.root / "data"
        # The server's log lives beside its data (the postgres user may not reach the checkout) and is
        # copied to `workdir` when the cluster is destroyed.
        self.log = self.root / "postgres.log"
        self.log_copy = workdir / "postgres.log"
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self.user = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name

    def url(self, database: str, application_name: str = "") -> str:
        suffix = f"?application_name={application_name}" if application_name else ""
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{database}{suffix}"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
            )
        return result

    def tool(self, *args: str, timeout: float = 300) -> None:
        """A client program of this PostgreSQL version (pg_dump, pg_restore), run as this user."""
        result = subprocess.run(
            [str(self.bin / args[0]), *args[1:]], capture_output=True, text=True, timeout=timeout
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
            )

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", self.user, "--no-sync")

    def start(self) -> None:
        # fsync off: a throw-away cluster that is only ever stopped cleanly (a fast shutdown still writes
        # everything); it keeps migrate and seeding quick on a busy 2-core box.
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        options += " -c fsync=off -c full_page_writes=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "-t", "60", "start"
        )
        wait_for(self.accepting, timeout=START_TIMEOUT, what=f"private PostgreSQL on port {self.port}")

    def stop(self, mode: str = "fast") -> None:
        if self.running():
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")
        wait_for(lambda: not port_open(self.port), timeout=10, what="PostgreSQL port closed")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def accepting(self) -> bool:
        try:
            with psycopg.connect(self.url("postgres"), connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def connect(self, database: str) -> psycopg.Connection:
        return psycopg.connect(self.url(database, "faults-checker"), connect_timeout=5, autocommit=True)

    def destroy(self) -> None:
        try:
            if self.running():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=60)
        finally:
            if self.log.exists():
                shutil.copyfile(self.log, self.log_copy)
            shutil.rmtree(self.root, ignore_errors=True)


def skip_reason() -> str:
    """Why the suite cannot run here ("" when it can): only in CI's PostgreSQL + Redis pass, with the
    server binaries it starts its private instances from."""
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return "fault suite: runs in the PostgreSQL + Redis pass only (DATABASE_URL is not PostgreSQL)"
    if not os.environ.get("REDIS_URL"):
        return "fault suite: runs in the PostgreSQL + Redis pass only (REDIS_URL is unset)"
    missing = missing_tools()
    return f"fault suite: missing {', '.join(missing)}" if missing else ""
