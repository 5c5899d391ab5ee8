"""The one interface every search backend offers. Views, tasks and commands use only this."""

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _
from taggit.models import Tag

from community import permissions
from community.models import Segment
from ideas.models import Idea, campaign_model
from products.models import Product

from ..query import SearchRequest, SearchResults


@dataclass
class IndexCheck:
    """What `search_index --check` found: idea ids whose documents are missing, stale or orphaned."""

    total: int = 0
    missing: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    orphaned: list[int] = field(default_factory=list)  # documents whose idea no longer exists

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.orphaned)


class SearchBackend:
    name = ""

    def index_ideas(self, idea_ids) -> int:
        """(Re)index these ideas from the database; ids that no longer exist are removed."""
        raise NotImplementedError

    def remove_ideas(self, idea_ids) -> None:
        raise NotImplementedError

    def query(self, request: SearchRequest, *, user) -> SearchResults:
        """Ranked, filtered, faceted, highlighted results for what `user` may see."""
        raise NotImplementedError

    def count(self, request: SearchRequest, *, user) -> int:
        """How many results of `request.kind` match, for the search page's tabs: counted up to
        exact_count_limit() + 1; a number above the limit means "more than the limit"."""
        raise NotImplementedError

    def similar_titles(self, title: str, *, user, limit: int = 5) -> list[int]:
        """Ids of listed ideas whose text shares words with a title being typed (duplicate finder)."""
        raise NotImplementedError

    def more_like_this(self, idea: Idea, *, user, limit: int = 5) -> list[int]:
        """Ids of listed ideas like `idea`, best first, never `idea` itself."""
        raise NotImplementedError

    def rebuild(self, *, progress=None) -> int:
        """Index every idea afresh; searches keep answering from the old index until the switch."""
        raise NotImplementedError

    def check(self, *, progress=None) -> IndexCheck:
        raise NotImplementedError


def unknown_filter_notices(request: SearchRequest, *, campaigns=None) -> list[str]:
    """A clear message for each filter value that names nothing (a stale bookmark, a typo).
    `campaigns`: the campaign ids already resolved for this search, if any."""
    filters = request.filters
    notices = []
    if filters.status and filters.status not in Idea.Status.values:
        notices.append(_("There is no status called “%(value)s”.") % {"value": filters.status})
    if filters.tag and not _tag_exists(filters.tag):
        notices.append(_("No idea is tagged “%(value)s”.") % {"value": filters.tag})
    if filters.segment and not Segment.objects.filter(slug=filters.segment).exists():
        notices.append(_("There is no segment called “%(value)s”.") % {"value": filters.segment})
    if filters.product and not Product.objects.filter(slug=filters.product).exists():
        notices.append(_("There is no product called “%(value)s”.") % {"value": filters.product})
    if filters.campaign and not (campaign_ids(filters.campaign) if campaigns is None else campaigns):
        notices.append(_("There is no campaign called “%(value)s”.") % {"value": filters.campaign})
    return notices


# Longer digit strings are not page ids (and would overflow the database's integer).
_MAX_ID_DIGITS = 18


def campaign_pages():
    """The campaigns search may name: live CMS pages without a view restriction. A draft campaign's
    title is unpublished editorial text, so it is neither a facet value nor a filter."""
    return campaign_model().objects.live().public()


def campaign_ids(value: str) -> list[int]:
    """The campaign pages a `campaign=` value names: its slug, or its id (links from the idea form)."""
    value = (value or "").strip()
    if not value:
        return []
    pages = campaign_pages()
    if value.isascii() and value.isdigit():
        if len(value) > _MAX_ID_DIGITS:
            return []
        pages = pages.filter(pk=int(value))
    else:
        pages = pages.filter(slug=value)
    return list(pages.values_list("pk", flat=True))


def campaign_labels(ids) -> dict[int, tuple[str, str]]:
    """{page id: (slug, title)} for the campaigns among `ids` that search may name."""
    ids = [int(pk) for pk in ids if pk is not None]
    if not ids:
        return {}
    rows = campaign_pages().filter(pk__in=ids).values_list("pk", "slug", "title")
    return {pk: (slug, title) for pk, slug, title in rows}


def _tag_exists(slug: str) -> bool:
    return Tag.objects.filter(slug=slug).exists()


def segment_facet_q(user) -> Q:
    """Private segments are internal customer data: only staff see them as facets."""
    if permissions.may_see_private_segments(user):
        return Q()
    return Q(is_public=True)
