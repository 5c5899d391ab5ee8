"""A private Redis server for the outage tests: started, stopped, paused and restarted at will, never the
shared one the rest of the suite (and other projects) use."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from cocreate import cache as cocreate_cache
from cocreate.breaker import all_breakers
from cocreate.settings.base import redis_settings


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, *, seconds: float = 30, every: float = 0.05, message: str = "condition"):
    """Poll `condition` until it is truthy (then return its value); fail after a generous deadline. No
    test asserts how long anything took: a busy 2-core CI box may be slow, never wrong."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(every)


class PrivateRedis:
    def __init__(self):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.folder = Path(tempfile.mkdtemp(prefix="cocreate-redis-"))
        self.pid = None

    def _cli(self, *args) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True, timeout=10
        )

    def answers(self) -> bool:
        return self._cli("ping").stdout.strip() == "PONG"

    def start(self) -> None:
        pidfile = self.folder / "redis.pid"
        pidfile.unlink(missing_ok=True)
        subprocess.run(
            [
                "redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--daemonize", "yes", "--dir", str(self.folder),
                "--pidfile", str(pidfile),
            ],
            check=True, timeout=10,
        )  # fmt: skip
        wait_until(self.answers, message="the private Redis to start")
        self.pid = int(
            wait_until(lambda: pidfile.exists() and pidfile.read_text().strip(), message="its pid")
        )

    def stop(self) -> None:
        if self.pid is not None:
            os.kill(self.pid, signal.SIGCONT)  # in case a test left it paused
        self._cli("shutdown", "nosave")
        wait_until(lambda: not self.answers(), message="the private Redis to stop")
        self.pid = None

    def pause(self) -> None:
        """A hung Redis: the kernel still accepts connections, nothing answers (SIGSTOP)."""
        os.kill(self.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.pid, signal.SIGCONT)


def _reset_breakers():
    for each in all_breakers():
        each.reset()
    cocreate_cache.forget_lost_writes()


@pytest.fixture
def private_redis():
    if not (shutil.which("redis-server") and shutil.which("redis-cli")):
        pytest.skip("needs redis-server and redis-cli on the PATH")
    server = PrivateRedis()
    server.start()
    _reset_breakers()
    yield server
    if server.pid is not None:
        server.stop()
    shutil.rmtree(server.folder, ignore_errors=True)
    _reset_breakers()


@pytest.fixture
def on_private_redis(settings, private_redis):
    """The cache and the channel layer on the private Redis, as production configures them, with a
    one-second breaker pause so that tests of the recovery do not wait five."""
    settings.REDIS_BREAKER_SECONDS = 1
    for name, value in redis_settings(private_redis.url, layer_prefix="outage-test").items():
        setattr(settings, name, value)
    yield private_redis
