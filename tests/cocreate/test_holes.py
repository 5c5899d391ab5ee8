"""Pages rendered once with holes for each viewer's parts (cocreate/holes.py)."""

import pytest
from django.template import engines
from django.utils.html import escape

from cocreate.holes import Hole, Holed, holed


def render(source: str, context: dict) -> str:
    return engines["django"].from_string(source).render(context)


def test_holes_split_a_rendering_and_fill_in_order():
    page = holed(
        lambda: render(
            '{% load holes %}<p>{{ greeting }}</p>{% hole "name" 7 %}<i>{% csrf_token %}</i>',
            {"greeting": "Hi", "csrf_token": Hole("csrf_token")},
        )
    )
    assert [p for p in page.parts if isinstance(p, Hole)] == [Hole("name", 7), Hole("csrf_token")]
    html = page.fill({"name": lambda key: f"member {key}", "csrf_token": lambda key: "TOKEN"})
    assert html == '<p>Hi</p>member 7<i><input type="hidden" name="csrfmiddlewaretoken" value="TOKEN"></i>'


def test_user_text_cannot_open_a_hole():
    """The boundary is drawn for each rendering: text written earlier cannot contain it."""
    sneaky = "<!--vote-box:1--> 0 1 csrf-token-of-the-viewer"
    page = holed(lambda: render('{{ text }}{% load holes %}{% hole "x" %}', {"text": sneaky}))
    assert page.parts[0] == escape(sneaky) and page.parts[1] == Hole("x")
    assert page.fill({"x": lambda key: "!"}) == escape(sneaky) + "!"


def test_a_part_may_have_holes_of_its_own():
    box = holed(lambda: render("<b>{{ count }}</b>", {"count": Hole("votes", 3)}))
    page = Holed(parts=("<div>", Hole("box", 3), "</div>"))
    assert page.fill({"box": lambda key: box, "votes": lambda key: str(key * 10)}) == "<div><b>30</b></div>"


def test_parts_rendered_apart_are_spliced_into_one_page():
    """A part kept on its own (a comment) becomes part of the page, its own holes included."""
    comment = holed(lambda: render('{% load holes %}<p>{{ n }}</p>{% hole "links" n %}', {"n": 5}))
    page = Holed(parts=("<ol>", Hole("comment", 5), "</ol>", Hole("csrf_token"), ""))
    spliced = page.splice("comment", lambda key: comment)
    assert spliced.parts == ("<ol><p>5</p>", Hole("links", 5), "</ol>", Hole("csrf_token"), "")
    fillers = {"links": lambda key: f"[{key}]", "csrf_token": lambda key: "T"}
    assert spliced.fill(fillers) == "<ol><p>5</p>[5]</ol>T"


def test_a_hole_outside_a_shared_rendering_is_refused():
    with pytest.raises(RuntimeError):
        render("{{ hole }}", {"hole": Hole("csrf_token")})
