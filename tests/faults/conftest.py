"""The fault suite's stack: private PostgreSQL and Redis, seeded, with the app's production processes
in front of them and websocket listeners on one idea. Built once for the module, torn down even when a
scenario fails (and by atexit, should pytest itself be killed between)."""

import atexit
import hashlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from . import report

LOG_DIR = report.OUT / "faults-logs"
CACHE_DIR = report.OUT / "faults-cache"
# A small community: enough ideas for votes that rarely meet, little enough to seed in seconds.
SEED = ["--members=60", "--ideas=300", "--votes=2500", "--comments=200", "--no-progress"]


@pytest.fixture(autouse=True)
def _clear_cache():
    """Overrides tests/conftest.py's: this suite never touches the shared Redis (nor the test database)."""
    yield


progress = report.progress


def pytest_configure(config):
    report.configure(config)


def pytest_sessionfinish(session):
    if report.RESULTS.scenarios:
        report.RESULTS.write()


def pytest_terminal_summary(terminalreporter):
    if report.RESULTS.scenarios:
        terminalreporter.write_sep("=", "fault suite (issue 17)")
        terminalreporter.write_line(report.RESULTS.table())
        terminalreporter.write_line(f"written to {report.JSON_PATH.relative_to(report.ROOT)}")


@dataclass
class Stack:
    redis: object  # services.PrivateRedis
    postgres: object  # services.PrivatePostgres
    apps: object  # apps.AppStack
    site: object  # load.Site
    listeners: object  # load.Listeners
    fixtures: dict

    def db(self):
        from .apps import DATABASE

        return self.postgres.connect(DATABASE)


@pytest.fixture(scope="module")
def stack():
    from . import apps as app_processes
    from .checks import counter_mismatches, stale_ideas
    from .load import Listeners, Site
    from .services import PrivatePostgres, PrivateRedis

    shutil.rmtree(LOG_DIR, ignore_errors=True)
    LOG_DIR.mkdir(parents=True)
    scratch = Path(tempfile.mkdtemp(prefix="cocreate-faults-"))
    redis = PrivateRedis(LOG_DIR)
    postgres = PrivatePostgres(LOG_DIR)
    torn_down = []
    parts: dict = {}

    def teardown():
        if torn_down:
            return
        torn_down.append(True)
        progress("teardown: stopping listeners, app processes, Redis and PostgreSQL")
        for name, stop in [
            (
                "static",
                lambda: (
                    os.killpg(parts["static"].pid, signal.SIGKILL) if parts["static"].poll() is None else None
                ),
            ),
            ("listeners", lambda: parts["listeners"].stop()),
            ("apps", lambda: parts["apps"].stop()),
            ("redis", redis.kill),
            ("postgres", postgres.destroy),
        ]:
            if name in parts or name in ("redis", "postgres"):
                try:
                    stop()
                except Exception as error:  # noqa: BLE001 - the next part must still be stopped
                    progress(f"teardown of {name} failed: {error!r}")
        shutil.rmtree(scratch, ignore_errors=True)

    def interrupted(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    atexit.register(teardown)
    # SIGTERM (a CI timeout) unwinds like Ctrl-C, so the finally below and atexit stop everything.
    previous_handler = signal.signal(signal.SIGTERM, interrupted)
    started = time.monotonic()
    try:
        progress(
            f"private PostgreSQL ({postgres.bin.parent.name}) on port {postgres.port}, Redis on {redis.port}"
        )
        postgres.init()
        postgres.start()
        with postgres.connect("postgres") as connection:
            connection.execute(f"CREATE DATABASE {app_processes.DATABASE}")
        redis.start()
        apps = parts["apps"] = app_processes.AppStack(
            database_url=postgres.url(app_processes.DATABASE),
            redis_url=redis.url,
            log_dir=LOG_DIR,
            static_root=report.OUT / "faults-static",
            media_root=scratch / "media",
        )
        report.RESULTS.run.update(
            worker_command=apps.worker_command,
            scheduler_command=apps.scheduler_command,
            postgres=postgres.bin.parent.name,
        )
        static = parts["static"] = apps.manage_in_background(
            "collectstatic", "--noinput", "-v", "0", log_name="collectstatic"
        )
        seed_data(apps, postgres, scratch)
        if static.wait(timeout=600) != 0:
            raise RuntimeError(f"collectstatic failed; see {LOG_DIR / 'collectstatic.log'}")
        scheduler = f", {apps.scheduler_command}" if apps.scheduler_command else ", no scheduler"
        progress(
            f"starting granian :{apps.http_port}, daphne :{apps.ws_port}, {apps.worker_command}{scheduler}; "
            "members log in meanwhile"
        )
        apps.spawn()
        fixtures_path = scratch / "fixtures.json"
        _prepare(apps, fixtures_path)
        fixtures = json.loads(fixtures_path.read_text())
        apps.wait_ready()
        with postgres.connect(app_processes.DATABASE) as connection:
            # The checks' own baseline: on the seeded data every score follows its counters already,
            # so whatever a scenario finds stale went stale in it.
            ideas = [row[0] for row in connection.execute("SELECT id FROM ideas_idea")]
            stale, mismatches = stale_ideas(connection, ideas), counter_mismatches(connection)
        if stale or mismatches:
            raise RuntimeError(
                f"seeded data inconsistent: {len(stale)} stale, {len(mismatches)} counters off"
            )
        site = Site(http_port=apps.http_port, ws_port=apps.ws_port, fixtures=fixtures)
        listeners = parts["listeners"] = Listeners(
            ws_port=apps.ws_port, http_port=apps.http_port, idea=fixtures["watched_idea"]
        ).start()
        report.RESULTS.run["setup_seconds"] = round(time.monotonic() - started, 1)
        progress("stack ready")
        yield Stack(redis, postgres, apps, site, listeners, fixtures)
    finally:
        teardown()
        atexit.unregister(teardown)
        signal.signal(signal.SIGTERM, previous_handler)


def seed_key() -> str:
    """What the seeded database depends on: every migration, the seeding and indexing code, the seed
    options and the installed packages (their migrations)."""
    from importlib.metadata import distributions

    digest = hashlib.sha256(" ".join(SEED).encode())
    root = report.ROOT
    files = [
        *sorted(root.glob("*/migrations/*.py")),
        root / "voting/management/commands/seed_demo.py",
        root / "community/demo.py",
        *sorted((root / "search").rglob("*.py")),
    ]
    for path in files:
        digest.update(str(path.relative_to(root)).encode() + path.read_bytes())
    packages = sorted(f"{dist.metadata['Name']}=={dist.version}" for dist in distributions())
    digest.update("\n".join(packages).encode())
    return digest.hexdigest()[:16]


def seed_data(apps, postgres, scratch: Path) -> None:
    """migrate + seed_demo + search_index --rebuild, or a restore of the dump an earlier run made of
    exactly that (bench/out/faults-cache/, keyed by seed_key()): seeding is most of the set-up time."""
    from .apps import DATABASE

    dump = CACHE_DIR / f"seed-{seed_key()}.dump"
    if dump.exists():
        progress(f"restoring the seeded database from {dump.relative_to(report.ROOT)}")
        postgres.tool("pg_restore", "--no-owner", "-d", postgres.url(DATABASE), str(dump))
        report.RESULTS.run["seed"] = "restored from cache"
        return
    progress("migrate")
    apps.manage("migrate", "--noinput", "-v", "0")
    progress(f"seed_demo {' '.join(SEED)}")
    apps.manage("seed_demo", *SEED)
    apps.manage("search_index", "--rebuild", "--no-progress")
    report.RESULTS.run["seed"] = "migrate + seed_demo"
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    for stale in CACHE_DIR.glob("seed-*.dump"):
        stale.unlink()
    partial = scratch / "seed.dump"
    postgres.tool("pg_dump", "-Fc", "-f", str(partial), postgres.url(DATABASE))
    shutil.copyfile(partial, dump)


def _prepare(apps, out: Path) -> None:
    from .apps import PY, ROOT

    result = subprocess.run(
        [PY, "-m", "tests.faults.prepare", str(out)],
        cwd=ROOT,
        env=apps.manage_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"tests.faults.prepare failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
