"""deploy/systemd: the units of the web, websocket, worker and scheduler processes (and the backup timer)."""

import configparser
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import get_commands

from ..live_servers import ROOT, documented_granian_command, options

UNITS = ROOT / "deploy" / "systemd"
PROCESSES = ["cocreate-web", "cocreate-ws", "cocreate-worker", "cocreate-scheduler"]
# Where the units expect the installation (docs/production.md).
APP, VENV_BIN, ENV_FILE = "/opt/cocreate", "/opt/cocreate/.venv/bin/", "/etc/cocreate/cocreate.env"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read(UNITS / name)
    return parser


def exec_start(name: str) -> list[str]:
    return shlex.split(unit(f"{name}.service")["Service"]["ExecStart"])


@pytest.mark.parametrize("name", PROCESSES)
def test_every_process_restarts_always_from_the_environment_file(name):
    service = unit(f"{name}.service")["Service"]
    assert service["Restart"] == "always"
    assert service["EnvironmentFile"] == ENV_FILE
    assert service["User"] == "cocreate"
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert unit(f"{name}.service")["Install"]["WantedBy"] == "cocreate.target"
    assert f"{name}.service" in unit("cocreate.target")["Unit"]["Wants"].split()


def test_the_web_unit_runs_granian_as_the_readme_says():
    command = exec_start("cocreate-web")
    assert command[0] == f"{VENV_BIN}granian"
    assert options(command) == options(documented_granian_command())


def test_the_websocket_unit_runs_daphne_on_the_port_nginx_proxies_to():
    command = exec_start("cocreate-ws")
    assert command[0] == f"{VENV_BIN}daphne"
    assert command[-1] == "cocreate.asgi:application"
    assert "8002" in command
    assert "COCREATE_WS_UPSTREAM=127.0.0.1:8002" in (ROOT / "deploy" / "nginx" / "cocreate.conf").read_text()


@pytest.mark.parametrize(
    ("name", "command"), [("cocreate-worker", "run_worker"), ("cocreate-scheduler", "run_scheduler")]
)
def test_the_worker_and_scheduler_units_run_their_commands(name, command):
    assert exec_start(name)[:3] == [f"{VENV_BIN}python", "manage.py", command]
    if command not in get_commands():
        pytest.skip(
            f"manage.py {command} comes with the durable-tasks work (issue 17, item 2), not merged here"
        )


def rendered(tmp_path: Path) -> Path:
    """The units with their paths pointing at this checkout, its venv and a copy of the example env file:
    systemd-analyze verify checks that every ExecStart binary exists."""
    env_file = tmp_path / "cocreate.env"
    shutil.copy(UNITS / "cocreate.env.example", env_file)
    target = tmp_path / "units"
    target.mkdir()
    for path in UNITS.iterdir():
        if path.suffix in {".service", ".target", ".timer"}:
            text = path.read_text().replace(VENV_BIN, f"{Path(sys.executable).parent}/")
            text = text.replace(ENV_FILE, str(env_file)).replace(APP, str(ROOT))
            (target / path.name).write_text(text)
    return target


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed (systemd)"
)
def test_systemd_analyze_verifies_every_unit(tmp_path):
    units = rendered(tmp_path)
    files = sorted(str(path) for path in units.iterdir())
    assert len(files) == 7
    finished = subprocess.run(  # noqa: S603 - systemd's own checker on our files
        ["systemd-analyze", "verify", "--man=no", *files],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=units,
    )
    # Unknown keys, bad values and missing binaries are warnings on stderr (some with exit status 0).
    assert finished.returncode == 0, finished.stderr
    assert finished.stderr.strip() == "", finished.stderr
