"""Markdown to HTML that is safe to show: CommonMark rendering, then an allow-list sanitiser.

@mentions: `@username` (the login handle: display names have spaces) becomes a link to the member's
profile when it names a member who may be mentioned (community.selectors.mentionable_members);
otherwise it stays plain text. The link is made on the parsed tokens (a pass over each paragraph's
inline text, outside links and code), never by searching the HTML, and every handle of a text (or of
a batch of texts: `render_posts`) is looked up in one query.

The HTML is rendered when a post is written and stored (`body_html`): a member suspended or hidden
later keeps their links in older posts until those are edited (their profile page then says why it
shows nothing), and the idea pages' shared copies (ideas/fragments.py, page_cache.py) keep what they
rendered for their few minutes. A handle that did not exist when written stays text even if someone
takes the name later.
"""

import re
from dataclasses import dataclass, field

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from community.selectors import mentionable_members

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "img",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}
ALLOWED_CLASSES = {"a": {"mention"}}  # only the mention pass writes a class: raw HTML is off
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

# A handle as Django's username validator allows it (letters, digits, . + - _), without "@" (that would
# be an address) and not ending in punctuation ("@alice." ends a sentence). Not after a word character,
# "@" or "/" (an address, "@@x", a path).
MENTION = re.compile(r"(?<![\w@/])@(\w(?:[\w.+-]*\w)?)")


@dataclass(frozen=True)
class RenderedPost:
    html: str
    # lowercased handle → member id, for every member the post links to
    mentioned: dict[str, int] = field(default_factory=dict)

    @property
    def mentioned_ids(self) -> set[int]:
        return set(self.mentioned.values())


def render_markdown(text: str) -> str:
    """Render member-written Markdown; the result may be marked safe in templates."""
    return render_post(text).html


def render_post(text: str) -> RenderedPost:
    """Render a post's Markdown with its @mentions linked (one query for its handles)."""
    return render_posts([text])[0]


def render_posts(texts) -> list[RenderedPost]:
    """Render several posts, looking up all their @handles in one query."""
    parsed = [_markdown.parse(text or "") for text in texts]
    handles = set()
    for tokens in parsed:
        handles |= {handle.lower() for handle in _handles(tokens)}
    members = mentionable_members(handles)
    return [_render(tokens, members) for tokens in parsed]


def mention_handles(text: str) -> set[str]:
    """The lowercased @handles a text writes outside links and code (whether or not they exist)."""
    return {handle.lower() for handle in _handles(_markdown.parse(text or ""))}


def _texts_outside_links(tokens):
    """Each inline token's children list and the index of every text child that is not inside a link
    (code spans and code blocks are other token types, so they are never visited)."""
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        depth = 0
        for index, child in enumerate(token.children):
            if child.type == "link_open":
                depth += 1
            elif child.type == "link_close":
                depth -= 1
            elif child.type == "text" and depth == 0:
                yield token, index


def _handles(tokens):
    for inline, index in _texts_outside_links(tokens):
        yield from MENTION.findall(inline.children[index].content)


def _linked(text: str, members) -> list[Token] | None:
    """`text` as text and link tokens, or None when it mentions nobody who exists."""
    pieces, start = [], 0
    for match in MENTION.finditer(text):
        member = members.get(match.group(1).lower())
        if member is None:
            continue
        if match.start() > start:
            pieces.append(Token("text", "", 0, content=text[start : match.start()]))
        link = Token("link_open", "a", 1, attrs={"href": member.get_absolute_url(), "class": "mention"})
        pieces += [link, Token("text", "", 0, content=match.group(0)), Token("link_close", "a", -1)]
        start = match.end()
    if not pieces:
        return None
    if start < len(text):
        pieces.append(Token("text", "", 0, content=text[start:]))
    return pieces


def _render(tokens, members) -> RenderedPost:
    mentioned = {}
    # Replace from the last child backwards so the earlier indexes stay valid.
    for inline, index in reversed(list(_texts_outside_links(tokens))):
        text = inline.children[index].content
        pieces = _linked(text, members)
        if pieces is None:
            continue
        inline.children[index : index + 1] = pieces
        for handle in MENTION.findall(text):
            if handle.lower() in members:
                mentioned[handle.lower()] = members[handle.lower()].pk
    html = _markdown.renderer.render(tokens, _markdown.options, {})
    return RenderedPost(html=_sanitise(html), mentioned=mentioned)


def _sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow ugc noopener noreferrer",
    )
