"""Counted words agree with their numbers in every language: "1 idea", "2 ideas", never "1 ideas".

Templates count with `{% blocktranslate count %}`, Python with `ngettext`. These tests read the sources
for a number written before a plural noun outside those, and check the messages people meet most."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from cocreate import when

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted(
    path
    for path in ROOT.glob("*/templates/**/*.html")
    if ".venv" not in path.parts and "node_modules" not in path.parts
)
NOUNS = (
    "ideas|votes|links|comments|members|supporters|images|seats|ratings|pins|replies|people|days|hours|minutes"
    "|results|prototypes|followers|testers|variants|answers|items|customers|flags|notifications|updates|entries"
    "|deliveries|screenshots|posts|seconds|files"
)
# A template variable followed by a plural noun ("{{ n }} seats").
COUNTED = re.compile(r"\{\{\s*[\w.|:\"']+\s*\}\}\s+(?:" + NOUNS + r")\b")
# A Python message with a number placeholder before a plural noun, passed to gettext instead of ngettext.
GETTEXT_COUNTED = re.compile(r"\b_\(\s*\"[^\"]*%\(\w+\)d\s+(?:" + NOUNS + r")\b")


def blocks_without_count(source: str):
    for block in re.finditer(
        r"\{%\s*blocktranslate\b([^%]*)%\}(.*?)\{%\s*endblocktranslate\s*%\}", source, re.S
    ):
        if " count " not in f" {block.group(1)} ":
            yield block.group(2)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_count_with_plural_forms(template):
    source = template.read_text()
    wrong = [text for text in blocks_without_count(source) if COUNTED.search(text)]
    # Outside any blocktranslate: an untranslated number and noun.
    outside = re.sub(r"\{%\s*blocktranslate\b.*?\{%\s*endblocktranslate\s*%\}", "", source, flags=re.S)
    wrong += COUNTED.findall(outside)
    assert wrong == []


def test_python_messages_count_with_ngettext():
    sources = [
        path
        for path in ROOT.glob("*/**/*.py")
        if not {".venv", "tests", "migrations", "bench", "node_modules"} & set(path.parts)
    ]
    wrong = [
        f"{path.relative_to(ROOT)}: {m.group(0)}"
        for path in sources
        for m in GETTEXT_COUNTED.finditer(path.read_text())
    ]
    assert wrong == []


@pytest.mark.parametrize(("n", "expected"), [(1, "1 comment"), (2, "2 comments"), (0, "0 comments")])
def test_a_count_in_a_template_agrees_with_its_noun(n, expected):
    template = Template(
        "{% load i18n %}{% blocktranslate count n=n %}{{ n }} comment{% plural %}"
        "{{ n }} comments{% endblocktranslate %}"
    )
    assert template.render(Context({"n": n})) == expected


def test_the_link_limit_speaks_of_one_link():
    from django.utils.translation import ngettext

    message = ngettext(
        "New members can include at most %(n)d link in a post.",
        "New members can include at most %(n)d links in a post.",
        1,
    ) % {"n": 1}
    assert message == "New members can include at most 1 link in a post."


def test_relative_times_say_ago_and_keep_the_largest_unit():
    now = timezone.now()

    def relative(moment, now):  # Django joins a number and its unit with a no-break space
        return when.relative(moment, now).replace("\xa0", " ")

    assert relative(now - timedelta(seconds=20), now) == "just now"
    assert relative(now - timedelta(minutes=1), now) == "1 minute ago"
    assert relative(now - timedelta(hours=23, minutes=39), now) == "23 hours ago"
    assert relative(now - timedelta(days=2, hours=5), now) == "2 days ago"
    assert relative(now + timedelta(hours=3, minutes=1), now) == "in 3 hours"


def test_the_ago_filter_gives_the_exact_time_on_hover():
    # Five past the hour: English drops ":00" on the hour ("1 a.m."), so the minutes must be other than 0.
    moment = (timezone.now() - timedelta(days=2, hours=1)).replace(minute=5)
    html = Template("{% load when %}{{ moment|ago }}").render(Context({"moment": moment}))
    assert html.startswith(f'<time datetime="{moment.isoformat()}" title="') and html.endswith(
        ">2\xa0days\xa0ago</time>"
    )
    exact = re.search(r'title="([^"]+)"', html).group(1)
    assert str(timezone.localtime(moment).year) in exact and ":05" in exact  # a date with its time of day


@pytest.mark.parametrize(
    ("language", "past", "one_past", "future"),
    [
        ("en", "2 days ago", "1 hour ago", "in 3 hours"),
        ("de", "vor 2 Tagen", "vor 1 Stunde", "in 3 Stunden"),
        ("fr", "il y a 2 jours", "il y a 1 heure", "dans 3 heures"),
        ("es", "hace 2 días", "hace 1 hora", "dentro de 3 horas"),
        ("fi", "2 päivää sitten", "1 tunti sitten", "3 tunnin kuluttua"),
    ],
)
def test_relative_times_read_naturally_in_every_language(language, past, one_past, future):
    """Whole phrases per unit: the number, the unit and "ago" in each language's order and case."""
    now = timezone.now()
    with translation.override(language):
        said = [
            when.relative(moment, now).replace("\xa0", " ")
            for moment in (
                now - timedelta(days=2, hours=5),
                now - timedelta(minutes=61),
                now + timedelta(hours=3),
            )
        ]
    assert said == [past, one_past, future]
