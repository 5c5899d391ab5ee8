"""The search page's reads: ask the backend, then load the ideas it named in one query."""

from django.utils.html import escape
from django.utils.safestring import mark_safe

import search
from ideas.models import Idea

from .query import SearchRequest, SearchResults


def search_page(*, user, request: SearchRequest) -> SearchResults:
    """Results with `hit.idea` loaded (author, segment, product, tags) in two queries.

    Ideas are re-read through `visible_to(user)`: whatever an index says, a hit the member may not
    see is dropped here.
    """
    results = search.backend().query(request, user=user)
    ideas = (
        Idea.objects.visible_to(user).select_related("author", "segment", "product").prefetch_related("tags")
    )
    by_id = ideas.defer("body", "body_html").in_bulk([hit.idea_id for hit in results.hits])
    hits = []
    for hit in results.hits:
        if (idea := by_id.get(hit.idea_id)) is None:
            continue
        hit.idea = idea
        if not hit.title_html:
            hit.title_html = mark_safe(escape(idea.title))  # noqa: S308 - escaped
        hits.append(hit)
    results.hits = hits
    return results


def similar_ideas(*, user, title: str, limit: int = 5) -> list[Idea]:
    """Listed ideas like a title being typed, best first (the idea form's duplicate hint)."""
    ids = search.backend().similar_titles(title, user=user, limit=limit)
    by_id = (
        (Idea.objects.visible_to(user) & Idea.objects.listed())
        .only("id", "title", "upvote_count", "downvote_count")
        .in_bulk(ids)
    )
    return [by_id[pk] for pk in ids if pk in by_id]


def more_like_this(*, user, idea: Idea, limit: int = 5) -> list[Idea]:
    ids = search.backend().more_like_this(idea, user=user, limit=limit)
    by_id = (Idea.objects.visible_to(user) & Idea.objects.listed()).select_related("author").in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]
