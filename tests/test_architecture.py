"""Every app of ours has its place in the layers of docs/architecture.md, which `lint-imports` (make lint)
checks: an app missing from the contract would be free to import anything."""

import tomllib
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent


def importlinter_config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def our_apps() -> set[str]:
    return {config.name for config in apps.get_app_configs() if (ROOT / config.name).is_dir()}


def test_every_app_of_ours_is_in_a_layer():
    layers = next(c for c in importlinter_config()["contracts"] if c["type"] == "layers")["layers"]
    in_layers = [name.strip() for layer in layers for name in layer.split("|")]
    assert len(in_layers) == len(set(in_layers)), "an app is in two layers"
    assert set(in_layers) == our_apps()


def test_import_linter_reads_every_app_and_the_project_package():
    assert set(importlinter_config()["root_packages"]) == our_apps() | {"cocreate"}
