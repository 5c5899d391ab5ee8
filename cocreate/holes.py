"""Pages rendered once for many viewers, with holes where each viewer's own parts go.

The busiest pages members read (the idea list, an idea with its discussion) are the same for every
member except a few small parts: the header's name, unread count and log-out form, the state of each
vote box, the Edit link on one's own comments and the Flag link on the others', the CSRF token of each
form. Rendering the whole page costs many times what the rest of the request does, so such a page is
rendered once as nobody in particular, with a *hole* in place of each of those parts, and kept briefly
in the cache (ideas/page_cache.py); every request then only fills the holes with the viewer's parts.

This is the project's one mechanism for that, and it never searches the HTML:

- A `Hole` is a value in the template context, or `{% hole "name" key %}` (`{% load holes %}`). Rendered
  inside `render_holed`, it records itself and writes a boundary made of a random token drawn for that
  rendering (no text written by a user can contain it), so the output splits into plain HTML and the
  holes in order. Rendered anywhere else it refuses, so a hole never reaches a page by mistake.
- A template puts a hole where a viewer's part goes only in a shared rendering (`{% if shared %}`);
  rendered directly, for one viewer, it renders that part itself. `{% csrf_token %}` takes a hole for
  its token as it takes a token.
- `Holed.fill` joins the HTML with each hole's part for this viewer: a string, or another `Holed`
  (a part rendered once per variant, such as a vote box voted or not, with holes of its own).

Only pages whose shared rendering holds nothing about the viewer may use this: views render directly
for staff (permission-dependent links) and for requests with messages waiting.
"""

import secrets
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_rendering: ContextVar["_Collector | None"] = ContextVar("holes_rendering", default=None)


@dataclass(frozen=True)
class Hole:
    """A part of a shared page that each viewer fills in: `name` says what goes there, `key` for what
    (an idea's vote box: name "vote_box", key the idea's id)."""

    name: str
    key: object = None

    def __html__(self) -> str:
        collector = _rendering.get()
        if collector is None:
            raise RuntimeError(f"The hole {self} was rendered outside render_holed().")
        return collector.mark(self)

    def __str__(self) -> str:
        return self.__html__()


class _Collector:
    def __init__(self):
        self.boundary = secrets.token_hex(16)
        self.holes: list[Hole] = []

    def mark(self, hole: Hole) -> str:
        self.holes.append(hole)
        return f"{self.boundary}{len(self.holes) - 1}{self.boundary}"


@dataclass(frozen=True)
class Holed:
    """A rendering split at its holes: HTML, hole, HTML, …, hole, HTML."""

    parts: tuple

    def holes(self, name: str) -> list[Hole]:
        return [part for part in self.parts if isinstance(part, Hole) and part.name == name]

    def fill(self, fillers: Mapping[str, Callable[[object], "str | Holed"]]) -> SafeString:
        """The page for one viewer: `fillers[hole.name](hole.key)` in each hole. A `Holed` part is filled
        with the same fillers; a plain string must be safe HTML (a template's output, a token)."""
        html = []
        for part in self.parts:
            if part.__class__ is str:
                html.append(part)
                continue
            filled = fillers[part.name](part.key)
            html.append(filled.fill(fillers) if isinstance(filled, Holed) else filled)
        return mark_safe("".join(html))  # noqa: S308 - joined from templates' autoescaped output

    def splice(self, name: str, parts: Callable[[object], "Holed"]) -> "Holed":
        """This rendering with each hole named `name` replaced by `parts(hole.key)`, a rendering of its own
        (its HTML and holes), so that parts kept apart (one per comment, say) become one shared page."""
        spliced: list = []
        html: list[str] = []  # adjacent HTML, joined into one piece: less to walk per request
        for part in self.parts:
            inner = parts(part.key).parts if isinstance(part, Hole) and part.name == name else (part,)
            for piece in inner:
                if piece.__class__ is str:
                    html.append(piece)
                else:
                    spliced += ["".join(html), piece]
                    html = []
        spliced.append("".join(html))
        return Holed(parts=tuple(spliced))


def holed(render: Callable[[], str]) -> Holed:
    """Run a rendering (`render()` returns its HTML) in which holes may be rendered, and split it."""
    collector = _Collector()
    token = _rendering.set(collector)
    try:
        html = render()
    finally:
        _rendering.reset(token)
    pieces = html.split(collector.boundary)
    # Each hole wrote boundary, index, boundary: the odd pieces are the indexes, in order.
    parts = tuple(collector.holes[int(piece)] if odd else piece for odd, piece in _alternate(pieces))
    return Holed(parts=parts)


def render_holed(template_name: str, context: dict, request=None) -> Holed:
    """`template_name` rendered with `context` (where holes may stand for values), split at its holes."""
    return holed(lambda: render_to_string(template_name, context, request))


def _alternate(pieces):
    return ((index % 2 == 1, piece) for index, piece in enumerate(pieces))


@register.simple_tag
def hole(name: str, key=None) -> Hole:
    """`{% hole "vote_box" idea.pk %}`: where a viewer's part goes in a shared rendering."""
    return Hole(name, key)
