"""Django's {# #} comments end at the end of their line: one that goes on to the next is printed on the
page as text (an idea page showed "{# A comment itself. In the members' shared page …" above every
comment). Longer comments use {% comment %}."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MULTILINE = re.compile(r"\{#(?:(?!#\}).)*\n")


def test_no_template_comment_spans_lines():
    found = [
        f"{path.relative_to(ROOT)}:{source[: m.start()].count(chr(10)) + 1}"
        for path in sorted(ROOT.glob("*/templates/**/*.html"))
        if ".venv" not in path.parts
        for source in [path.read_text()]
        for m in MULTILINE.finditer(source)
    ]
    assert found == []


def test_the_idea_page_shows_no_template_comment(client, db):
    from ideas.services import comment_post

    from .factories import MemberFactory, make_idea

    idea = make_idea(title="Offline maps")
    comment_post(author=MemberFactory(), idea=idea, body="Yes please")
    page = client.get(idea.get_absolute_url()).content.decode()
    assert "Yes please" in page and "{#" not in page and "#}" not in page
