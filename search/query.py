"""What a search asks and what it answers, shared by every backend.

Member text never reaches a search engine's query parser as it was typed: `parse_text` keeps only
word characters, grouped into terms, "quoted phrases" and -exclusions, and each backend builds its own
query syntax from those words (FTS5 MATCH strings, PostgreSQL tsquery, Elasticsearch query DSL).
Quotes, *, :, parentheses, NEAR, AND/OR therefore can never be a syntax error anywhere.
"""

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# Longer input is cut at a word boundary and the page says so; no idea title is near this long.
MAX_QUERY_CHARS = 200
# More words than this only slow the engines down without changing what ranks first.
MAX_TERMS = 12
PAGE_SIZE = 20
# Offset pagination over ranked results; deeper pages are refused (Elasticsearch caps at 10,000 too).
# 50 pages of 20 are the 1,000 results SEARCH_EXACT_COUNT_LIMIT counts exactly by default.
MAX_PAGE = 50

SORTS = ("relevance", "votes", "new")
# What search finds; a request asks for one kind at a time (the search page's tabs).
KINDS = ("ideas", "comments", "prototypes")
FACETS = ("status", "tag", "segment", "product", "campaign")

# Highlight markers the engines put around matches. Indexed text has them stripped (see
# `clean_text`), so every occurrence in engine output is one the engine added.
MARK_START = "\x02"
MARK_END = "\x03"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WORD = re.compile(r"\w+")
# A quoted phrase, an -excluded word, or a plain word (which may join sub-words: wi-fi, e.mail).
_CHUNK = re.compile(r'"([^"]*)"?|(-?)(\S+)')


@dataclass(frozen=True)
class ParsedText:
    """Member text reduced to words. Every string in here matches `\\w+`."""

    terms: tuple[tuple[str, ...], ...] = ()  # each term is one word or a phrase of several
    excluded: tuple[str, ...] = ()
    truncated: bool = False

    def __bool__(self):
        return bool(self.terms)

    @property
    def words(self) -> list[str]:
        return [word for term in self.terms for word in term]


def parse_text(text: str) -> ParsedText:
    text = _CONTROL.sub(" ", text or "")
    truncated = len(text) > MAX_QUERY_CHARS
    if truncated:
        cut = text[:MAX_QUERY_CHARS]
        if not text[MAX_QUERY_CHARS].isspace() and len(cut.split()) > 1:
            cut = cut.rsplit(None, 1)[0]  # drop the word the cut went through
        text = cut
    terms: list[tuple[str, ...]] = []
    excluded: list[str] = []
    for phrase, minus, word in _CHUNK.findall(text):
        words = tuple(w.lower() for w in _WORD.findall(phrase or word))
        if not words:
            continue
        if minus and len(words) == 1:
            excluded.append(words[0])
        elif words not in terms:
            terms.append(words)
    terms = terms[:MAX_TERMS]
    return ParsedText(terms=tuple(terms), excluded=tuple(excluded[:MAX_TERMS]), truncated=truncated)


@dataclass(frozen=True)
class Filters:
    status: str = ""
    tag: str = ""  # tag slug
    segment: str = ""  # segment slug
    product: str = ""  # product slug
    campaign: str = ""  # campaign page slug, or its id (the idea form's ?campaign=<id> links)

    def without(self, name: str) -> "Filters":
        return Filters(**{**self.__dict__, name: ""})

    def active(self) -> dict[str, str]:
        return {name: value for name, value in self.__dict__.items() if value}


@dataclass(frozen=True)
class SearchRequest:
    text: str = ""
    filters: Filters = field(default_factory=Filters)
    sort: str = "relevance"
    page: int = 1
    kind: str = "ideas"
    page_size: int = PAGE_SIZE

    @property
    def parsed(self) -> ParsedText:
        return parse_text(self.text)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


@dataclass
class Hit:
    idea_id: int | None  # the idea, or the idea a comment belongs to; None for prototypes
    score: float
    title_html: SafeString  # the title, escaped, matches in <mark> (empty for comments)
    snippet_html: SafeString  # a short extract of the text, escaped, matches in <mark>
    idea: object = None  # the Idea, filled in by search.selectors
    kind: str = "ideas"
    object_id: int | None = None  # the comment's or prototype's id (ideas: None, see idea_id)
    object: object = None  # the Comment or Prototype, filled in by search.selectors


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int


@dataclass
class SearchResults:
    hits: list[Hit]
    total: int
    facets: dict[str, list[FacetValue]]
    request: SearchRequest
    # False when more than `total` (= exact_count_limit()) matched and counting stopped there.
    total_exact: bool = True
    # False when the match was broader than exact_count_limit() and facets counted only its best-voted
    # results (database backend): each count is then a lower bound ("120+"). Filters still filter the
    # whole match.
    facets_exact: bool = True
    # True when nothing matched every word and the backend fell back to near spellings (trigrams).
    fuzzy: bool = False
    notices: list[str] = field(default_factory=list)
    # Matches per kind for the search page's tabs (filled by search.selectors.search_page), counted up
    # to exact_count_limit() + 1: a number above the limit means "more than the limit".
    kind_counts: dict[str, int] = field(default_factory=dict)

    @property
    def more(self) -> bool:
        """More results matched than `total` says ("1,000+")."""
        return not self.total_exact

    @property
    def pages(self) -> int:
        return min(MAX_PAGE, max(1, -(-self.total // self.request.page_size)))

    @property
    def has_next(self) -> bool:
        return self.request.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.request.page > 1


def exact_count_limit() -> int:
    """How many results a search counts exactly (SEARCH_EXACT_COUNT_LIMIT): its total, and its facets
    when the match is no broader. Beyond it totals read "1,000+" and facets are lower bounds."""
    return settings.SEARCH_EXACT_COUNT_LIMIT


def clean_text(text: str) -> str:
    """Indexed text: no control characters, so the highlight markers stay unambiguous."""
    return " ".join(_CONTROL.sub(" ", text or "").split())


def marked_html(text: str) -> SafeString:
    """Engine output with MARK_START/MARK_END around matches → escaped HTML with <mark> elements.

    The text is escaped first and the markers replaced after, so nothing a member wrote can become
    markup; an unbalanced marker (a snippet cut mid-match) is closed or dropped.
    """
    out: list[str] = []
    open_ = False
    for piece in re.split(f"([{MARK_START}{MARK_END}])", text or ""):
        if piece == MARK_START:
            if not open_:
                out.append("<mark>")
                open_ = True
        elif piece == MARK_END:
            if open_:
                out.append("</mark>")
                open_ = False
        else:
            out.append(escape(piece))
    if open_:
        out.append("</mark>")
    return mark_safe("".join(out))  # noqa: S308 - built from escaped text and our own <mark> tags


def truncation_notice() -> str:
    return _("Your search was longer than %(n)d characters; only the beginning was used.") % {
        "n": MAX_QUERY_CHARS
    }
