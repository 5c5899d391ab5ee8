"""Text shown to people is translated when it is shown, in the language of the request: nothing calls
gettext at import time, where the language is whatever was active when the module loaded."""

import ast
from pathlib import Path

from django.utils import translation
from django.utils.functional import Promise

ROOT = Path(__file__).resolve().parent.parent
EAGER = {"gettext", "ngettext", "pgettext", "npgettext"}


def import_time_gettext_calls(path: Path) -> list[int]:
    """Lines where a module or class body (not a function) calls gettext and friends."""
    tree = ast.parse(path.read_text())
    names = {
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
        for alias in node.names
        if alias.name in EAGER
    }
    lines = []

    def visit(node):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            return  # runs per call, in the request's language
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
            lines.append(node.lineno)
        for child in ast.iter_child_nodes(node):
            visit(child)

    for node in tree.body:
        visit(node)
    return lines


def project_modules():
    skip = {".venv", "tests", "migrations", "node_modules", "bench"}
    return [p for p in ROOT.rglob("*.py") if not skip & set(p.relative_to(ROOT).parts)]


def test_no_module_translates_at_import_time():
    found = {
        str(p.relative_to(ROOT)): lines for p in project_modules() if (lines := import_time_gettext_calls(p))
    }
    assert found == {}, "use gettext_lazy for text built at import time"


def test_module_level_messages_follow_the_active_language():
    from community.access import UNVERIFIED_MESSAGE
    from moderation import views

    messages = [UNVERIFIED_MESSAGE]
    messages += [success for _form, _call, success in views.ITEM_ACTIONS.values()]
    messages += [success for _call, success in views.VOTE_ACTIONS.values()]
    for message in messages:
        assert isinstance(message, Promise)  # resolved when shown, not when imported
    with translation.override("en"):
        assert str(UNVERIFIED_MESSAGE).startswith("Please confirm your email address")
