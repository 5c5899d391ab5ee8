"""`pip install .` gives a working site: every app, its templates and static files are in the wheel.

The wheel is built from a copy of the checkout and installed, without dependencies, into a fresh
virtual environment; the dependencies come from this environment's site-packages through a `.pth`
line (a directory added that way has its own `.pth` files ignored, so an editable install of the
project in this environment stays out). Then Django runs from a directory outside any checkout.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parent.parent
NOT_SHIPPED = shutil.ignore_patterns(
    ".git",
    ".venv",
    "var",
    "staticfiles",
    "media",
    "build",
    "*.egg-info",
    "__pycache__",
    ".ruff_cache",
    "tests",
    "bench",
    "docs",
    "node_modules",
)
# Where the installed copy finds things, printed as JSON by the fresh environment's Python.
WHERE = """
import json, django
django.setup()
import ideas
from django.contrib.staticfiles import finders
from django.template.loader import get_template
print(json.dumps({
    "ideas": ideas.__file__,
    "site_template": get_template("base.html").origin.name,
    "app_template": get_template("cms/home_page.html").origin.name,
    "static": finders.find("js/cocreate.js"),
}))
"""


@pytest.fixture
def workdir():
    path = Path(tempfile.mkdtemp(prefix="cocreate-packaging-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def run(*command, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, **kwargs)  # noqa: S603
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done


def test_the_installed_wheel_passes_check_with_its_own_templates_and_static_files(workdir):
    source = workdir / "source"
    shutil.copytree(CHECKOUT, source, ignore=NOT_SHIPPED)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "-q"]
    run(*pip, "wheel", "--no-deps", "-w", str(workdir / "dist"), str(source))
    (wheel,) = (workdir / "dist").glob("cocreate-*.whl")

    venv = workdir / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", str(venv))
    python = venv / "bin" / "python"
    run(*pip, "--python", str(python), "install", "--no-deps", "--no-index", str(wheel))
    site_packages = Path(
        run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
    )
    (site_packages / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    shutil.rmtree(source)  # nothing left to import from but the installed copy

    elsewhere = workdir / "elsewhere"
    elsewhere.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        DEBUG="1", COCREATE_VAR_DIR=str(workdir / "var"), DJANGO_SETTINGS_MODULE="cocreate.settings.base"
    )
    run(str(python), "-m", "django", "check", cwd=elsewhere, env=env)

    found = json.loads(run(str(python), "-c", WHERE, cwd=elsewhere, env=env).stdout)
    for what, path in found.items():
        assert path and Path(path).is_relative_to(site_packages), (what, path)
