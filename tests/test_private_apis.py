"""Our code uses other libraries through their public API only (CONVENTIONS.md, "Speed without
cleverness"): no reading, writing, calling or overriding of another library's `_private` members, which
the next release may rename without a word.

The check reads the source (apps, project package, bench, tests): an attribute `x._name` is ours when `_name`
is defined somewhere in our code; anything else is someone else's private member. Django documents a
few underscore names as public API; those are listed with the page that does.
"""

import ast
import importlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = [
    "cocreate", "community", "products", "notifications", "ideas", "voting", "prototypes", "search",
    "moderation", "backlog", "cms", "operations", "bench", "tests",
]  # fmt: skip

# Underscore names that their library documents as public.
DOCUMENTED = {
    "_meta",  # Django: "Model _meta API" (ref/models/meta)
    "_default_manager",  # Django: "Default managers" (topics/db/managers), Model._default_manager
    "_base_manager",  # Django: "Base managers" (topics/db/managers)
    "_state",  # Django: "Model._state" (ref/models/instances, "Customizing model loading")
}


def our_sources() -> list[Path]:
    return [
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    ]


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _defined_names(tree: ast.AST) -> set[str]:
    """Private names this module defines: functions, classes, assignments, `self._x = …`, arguments."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.ImportFrom) and (node.level or node.module.split(".")[0] in PACKAGES):
            names.update(alias.asname or alias.name for alias in node.names)
    return {name for name in names if _private(name)}


def _imported_classes(tree: ast.AST) -> dict[str, str]:
    """Local name → dotted module for `import x` / `from x import y` of modules outside our packages."""
    imported = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                imported[alias.asname or alias.name.split(".")[0]] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                imported[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return {name: dotted for name, dotted in imported.items() if dotted.split(".")[0] not in PACKAGES}


def _resolve(dotted: str):
    """`django.forms.ModelMultipleChoiceField` → the object, or None."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            found = getattr(found, part, None)
        return found
    return None


def _third_party_bases(node: ast.ClassDef, imported: dict[str, str]) -> list[type]:
    bases = []
    for base in node.bases:
        dotted = ast.unparse(base)
        head, _, rest = dotted.partition(".")
        if head in imported:
            found = _resolve(imported[head] + (f".{rest}" if rest else ""))
            if isinstance(found, type):
                bases.append(found)
    return bases


def private_uses() -> list[str]:
    trees = {path: ast.parse(path.read_text(), str(path)) for path in our_sources()}
    ours = set().union(*(_defined_names(tree) for tree in trees.values()))
    found = []
    for path, tree in trees.items():
        where = path.relative_to(ROOT)
        imported = _imported_classes(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and _private(node.attr):
                if node.attr not in ours and node.attr not in DOCUMENTED:
                    found.append(f"{where}:{node.lineno} {ast.unparse(node)}")
                elif isinstance(node.value, ast.Call) and ast.unparse(node.value.func) == "super":
                    found.append(f"{where}:{node.lineno} {ast.unparse(node)} (a parent's private member)")
            elif (
                isinstance(node, ast.ImportFrom)
                and not node.level
                and node.module.split(".")[0] not in PACKAGES
            ):
                for alias in node.names:
                    if _private(alias.name):
                        found.append(f"{where}:{node.lineno} from {node.module} import {alias.name}")
            elif isinstance(node, ast.ClassDef):
                # Overriding a library class's private method relies on when and how it calls it.
                for base in _third_party_bases(node, imported):
                    for item in node.body:
                        if (
                            isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                            and _private(item.name)
                            and hasattr(base, item.name)
                        ):
                            found.append(f"{where}:{item.lineno} {node.name}.{item.name} overrides {base}")
    return found


def test_no_private_members_of_other_libraries():
    assert private_uses() == []


def test_the_check_sees_a_private_member(tmp_path):
    """The check itself: an elasticsearch.dsl Document's `_doc_type` is someone else's private member."""
    tree = ast.parse("from elasticsearch.dsl import Document\nmapping = Document._doc_type.mapping\n")
    assert "_doc_type" not in _defined_names(tree)
    attributes = [n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and _private(n.attr)]
    assert attributes == ["_doc_type"]
