"""The production servers, started for real on free loopback ports: README's granian command (and, in
tests/deploy, nginx in front of it). Each runs in its own process group, stopped by its id."""

import contextlib
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# A busy 2-core CI box imports Django, Wagtail and the apps in every worker: allow for it.
START_UP_SECONDS = 120

# granian's options that take no value.
FLAGS = {"--respawn-failed-workers"}


def documented_granian_command() -> list[str]:
    """The granian command of README's production block: one shell line, with its continuations."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Running in production", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"^granian .*?(?<!\\)$", section, re.MULTILINE | re.DOTALL)
    assert match, "README's production section has no granian command"
    return shlex.split(match.group(0).replace("\\\n", " "), comments=True)


def with_port(command: list[str], port: int) -> list[str]:
    """The command with its --port set to `port` (spelled --port N or --port=N)."""
    words = " ".join(command)
    assert re.search(r"--port[ =]\d+", words), f"no --port in {words}"
    return shlex.split(re.sub(r"--port[ =]\d+", f"--port={port}", words))


def options(command: list[str]) -> set[str]:
    """Options and their values, each spelled `--name=value`, whatever the spelling in `command`."""
    spelled, words = set(), iter(command[1:])
    for word in words:
        if word.startswith("--") and "=" not in word and word not in FLAGS:
            word = f"{word}={next(words)}"
        spelled.add(word)
    return spelled


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    """The test database (pytest-django's), as DATABASE_URL spells it, for the server's own process."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own loopback server
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_until_serving(server: subprocess.Popen, url: str, name: str = "granian") -> tuple[int, str]:
    deadline = time.monotonic() + START_UP_SECONDS
    while True:
        assert server.poll() is None, f"{name} exited with {server.returncode}"
        try:
            return get(url)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.25)


@contextlib.contextmanager
def documented_granian(port: int, **env: str):
    """README's granian command on 127.0.0.1:`port`, serving the test database; yields the process."""
    command = with_port(documented_granian_command(), port)
    assert command[0] == "granian"
    server = subprocess.Popen(  # noqa: S603 - README's own command
        [str(BIN / "granian"), *command[1:]],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cocreate.settings.test",
            "DATABASE_URL": database_url(),
            "PYTHONPATH": str(ROOT),
            **env,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: stopping it stops its workers
    )
    try:
        yield server
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
