"""Text shown to people is translated when it is shown, in the language of the request: nothing calls
gettext at import time, where the language is whatever was active when the module loaded."""

import ast
import gettext
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
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


# --- The catalogues: complete for every language the site offers, and up to date with the source -----

LOCALE = ROOT / "cocreate" / "locale"
DOMAINS = ("django", "djangojs")
# What `make messages` leaves out (keep the two in step).
IGNORED = [".venv/*", "node_modules/*", "bench/*", "tests/*", "staticfiles/*", "var/*", "cocreate/locale"]
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifrx]|%%|\{\w*\}")


@dataclass
class Entry:
    msgid: str
    plural: str | None = None
    context: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file (the header left out): enough of the format for these checks."""
    entries, current, key = [], None, None

    def finish():
        if current is not None and current.msgid != "":
            entries.append(current)

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("#~"):
            continue  # obsolete entries: gettext ignores them
        if not line.strip() or line.startswith("#") and current is not None and current.msgstr:
            finish()
            current, key = None, None
            if not line.strip():
                continue
        if line.startswith("#,"):
            current = current or Entry(msgid="")
            current.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            current = current or Entry(msgid="")
            continue
        match = re.fullmatch(r"(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])? (\".*\")", line)
        current = current or Entry(msgid="")
        if match:
            keyword, index, text = match.groups()
            text = ast.literal_eval(text)
            key = {"msgctxt": "context", "msgid": "msgid", "msgid_plural": "plural"}.get(keyword)
            if key is None:
                key = int(index or 0)
                current.msgstr[key] = text
            else:
                setattr(current, key, text)
        elif line.startswith('"') and key is not None:
            text = ast.literal_eval(line)
            if isinstance(key, int):
                current.msgstr[key] += text
            else:
                setattr(current, key, getattr(current, key) + text)
        else:
            raise AssertionError(f"{path}: cannot read {line!r}")
    return entries


def offered_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def test_the_site_offers_languages_beyond_english():
    assert {"de"} <= set(offered_languages())  # the checks below must have something to check


@pytest.mark.parametrize("language", offered_languages())
@pytest.mark.parametrize("domain", DOMAINS)
def test_every_string_is_translated_and_none_is_fuzzy(language, domain):
    entries = read_po(LOCALE / language / "LC_MESSAGES" / f"{domain}.po")
    assert entries
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    untranslated = [e.msgid for e in entries if not e.msgstr or not all(e.msgstr.values())]
    assert fuzzy == []
    assert untranslated == []


@pytest.mark.parametrize("language", offered_languages())
@pytest.mark.parametrize("domain", DOMAINS)
def test_translations_keep_the_placeholders(language, domain):
    """A lost or renamed %(name)s fails when the string is shown (KeyError) or shows the wrong value."""
    wrong = []
    for entry in read_po(LOCALE / language / "LC_MESSAGES" / f"{domain}.po"):
        sources = [entry.msgid] if entry.plural is None else [entry.msgid, entry.plural]
        wanted = {tuple(sorted(PLACEHOLDER.findall(source))) for source in sources}
        for text in entry.msgstr.values():
            found = tuple(sorted(PLACEHOLDER.findall(text)))
            # A singular form may leave the number out ("Und %(counter)s weitere" / "one more").
            if found not in wanted and not (entry.plural and set(found) < set(max(wanted, key=len))):
                wrong.append((entry.msgid, text))
    assert wrong == []


@pytest.mark.parametrize("language", offered_languages())
@pytest.mark.parametrize("domain", DOMAINS)
def test_the_compiled_catalogues_match_their_sources(language, domain):
    """The .mo files Django reads say what the .po files say (run `make messages` after editing)."""
    folder = LOCALE / language / "LC_MESSAGES"
    with (folder / f"{domain}.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    stale = []
    for entry in read_po(folder / f"{domain}.po"):
        if entry.plural is None:
            shown = (
                catalogue.pgettext(entry.context, entry.msgid)
                if entry.context
                else catalogue.gettext(entry.msgid)
            )
            if shown != entry.msgstr[0]:
                stale.append(entry.msgid)
        else:
            shown = (
                catalogue.npgettext(entry.context, entry.msgid, entry.plural, 2)
                if entry.context
                else catalogue.ngettext(entry.msgid, entry.plural, 2)
            )
            if shown not in entry.msgstr.values():
                stale.append(entry.msgid)
    assert stale == []


@pytest.fixture(scope="module")
def source_messages(tmp_path_factory):
    """Every message the source marks, per domain, extracted now by makemessages into a folder of its
    own (the project's catalogues are left out of the walk, so nothing is written there)."""
    out = tmp_path_factory.mktemp("locale")
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        with override_settings(LOCALE_PATHS=[out]):
            for domain in DOMAINS:
                call_command(
                    "makemessages",
                    all=True,
                    keep_pot=True,
                    domain=domain,
                    ignore_patterns=IGNORED,
                    verbosity=0,
                )
    finally:
        os.chdir(cwd)
    found = {}
    for domain in DOMAINS:
        pot = out / f"{domain}.pot"
        found[domain] = {(e.context, e.msgid, e.plural) for e in read_po(pot)} if pot.exists() else set()
    return found


@pytest.mark.parametrize("language", offered_languages())
@pytest.mark.parametrize("domain", DOMAINS)
def test_the_catalogues_are_up_to_date_with_the_source(source_messages, language, domain):
    """A string added or changed in the code without `make messages` is shown in English."""
    assert source_messages["django"], "makemessages found nothing: the check would pass vacuously"
    catalogue = {
        (e.context, e.msgid, e.plural) for e in read_po(LOCALE / language / "LC_MESSAGES" / f"{domain}.po")
    }
    assert sorted(source_messages[domain] - catalogue, key=str) == []  # missing from the catalogue
    assert sorted(catalogue - source_messages[domain], key=str) == []  # no longer in the source


# --- One voice per language ---------------------------------------------------------------------------
# German says "Sie", French "vous", Spanish "tú", Finnish the singular "sinä" (docs/translations.md).
# allauth's own German catalogue says "du" and its Spanish one "usted": community/account_wording.py
# keeps those messages in our catalogues, which Django reads first, translated in the site's voice.
OTHER_VOICE = {
    "de": re.compile(r"\b(du|dich|dir|dein|deine[mnrs]?|hast|kannst|bist|musst|möchtest)\b", re.I),
    "fr": re.compile(r"\b(tu|toi|ton|ta|tes)\b|\bt'"),
    "es": re.compile(r"\b(usted|ustedes)\b|\b(haga|escriba|utilice|introduzca|inténtelo)\b", re.I),
    "fi": re.compile(r"\b(te|teidän|teille|teitä|teillä)\b", re.I),
}


@pytest.mark.parametrize("language", sorted(OTHER_VOICE))
@pytest.mark.parametrize("domain", DOMAINS)
def test_each_language_addresses_the_member_one_way(language, domain):
    other = [
        text
        for entry in read_po(LOCALE / language / "LC_MESSAGES" / f"{domain}.po")
        for text in entry.msgstr.values()
        if OTHER_VOICE[language].search(text)
    ]
    assert other == []


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "Sie haben sich abgemeldet."),
        ("es", "Has cerrado la sesión."),
        ("fr", "Vous vous êtes déconnecté."),
        ("fi", "Kirjauduit ulos."),
    ],
)
def test_allauths_messages_speak_in_the_sites_voice(language, expected):
    with translation.override(language):
        assert translation.gettext("You have signed out.") == expected
