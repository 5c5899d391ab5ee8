"""Every app of ours has its place in the layers of docs/architecture.md, which `lint-imports` (make lint)
checks: an app missing from the contract would be free to import anything."""

import ast
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


# Where importing one of our modules inside a function is the documented way (docs/architecture.md).
FUNCTION_IMPORTS_ALLOWED = {("search/__init__.py", "backend")}


def test_no_module_of_ours_is_imported_inside_a_function_to_dodge_a_cycle():
    """A cycle is broken by a module-level import in one direction (or an extension point), never by
    an import inside a function; `AppConfig.ready()` is Django's place for registration imports."""
    ours = set(importlinter_config()["root_packages"])
    found = []
    for package in sorted(ours):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            where = str(path.relative_to(ROOT))
            for function in ast.walk(ast.parse(path.read_text())):
                if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                if function.name == "ready" or (where, function.name) in FUNCTION_IMPORTS_ALLOWED:
                    continue
                for node in ast.walk(function):
                    if isinstance(node, ast.ImportFrom):
                        module = node.module or ""
                        if node.level or module.split(".")[0] in ours:
                            found.append(f"{where}:{node.lineno} from {'.' * node.level}{module}")
                    elif isinstance(node, ast.Import):
                        found += [
                            f"{where}:{node.lineno} import {a.name}"
                            for a in node.names
                            if a.name.split(".")[0] in ours
                        ]
    assert found == []
