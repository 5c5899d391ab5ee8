"""The search page's reads: ask the backend, then load what it named in one query per kind."""

from dataclasses import replace

from django.db.models import Prefetch
from django.utils.html import escape
from django.utils.safestring import mark_safe

import search
from ideas.models import Comment, Idea, Visibility
from prototypes.models import Prototype

from .query import KINDS, SearchRequest, SearchResults


def search_page(*, user, request: SearchRequest) -> SearchResults:
    """Results with each hit's idea, comment or prototype loaded, and `kind_counts` for the tabs.

    Everything is re-read through the models' own visibility rules (`visible_to(user)`; comments
    must be public): whatever an index says, a hit the member may not see is dropped here.
    """
    backend = search.backend()
    results = backend.query(request, user=user)
    if request.kind == "comments":
        results.hits = _comment_hits(results.hits, user)
    elif request.kind == "prototypes":
        results.hits = _prototype_hits(results.hits, user)
    else:
        results.hits = _idea_hits(results.hits, user)
    # Counted up to the limit + 1, as `backend.count` does: the page shows more than the limit as "+".
    own = results.total + (0 if results.total_exact else 1)
    results.kind_counts = {
        kind: own if kind == request.kind else backend.count(replace(request, kind=kind), user=user)
        for kind in KINDS
    }
    return results


# What a hit's row shows (search/search.html): the idea's title, link, votes, status and date, its author's
# public name, its segment's and product's names. Loading only these makes the 20 rows ~0.5 ms cheaper at
# 100k ideas (bench/RESULTS.md, 2026-12-06); a field the row starts to show must be added here, or each
# hit loads it with a query of its own (tests/search/test_views.py counts them).
IDEA_HIT_FIELDS = (
    "id", "title", "status", "visibility", "created_at", "upvote_count", "downvote_count",
    "author__id", "author__username", "author__display_name", "author__deleted_at",
    "segment__id", "segment__name", "product__id", "product__name",
)  # fmt: skip


def _idea_hits(hits, user):
    # Tags go to a plain list (`to_attr`): prefetching into taggit's manager builds a tags query per
    # idea before Django fills its cache (~0.6 ms each, 12 ms of a 20-hit page at 100k ideas).
    ideas = (
        Idea.objects.visible_to(user)
        .select_related("author", "segment", "product")
        .prefetch_related(Prefetch("tags", to_attr="search_tags"))
    )
    by_id = ideas.only(*IDEA_HIT_FIELDS).in_bulk([hit.idea_id for hit in hits])
    shown = []
    for hit in hits:
        if (idea := by_id.get(hit.idea_id)) is None:
            continue
        hit.idea = idea
        if not hit.title_html:
            hit.title_html = mark_safe(escape(idea.title))  # noqa: S308 - escaped
        shown.append(hit)
    return shown


def _comment_hits(hits, user):
    comments = Comment.objects.filter(
        visibility=Visibility.PUBLIC, idea__in=Idea.objects.visible_to(user).values("pk")
    ).select_related("author", "idea")
    by_id = comments.defer("body", "body_html", "idea__body", "idea__body_html").in_bulk(
        [hit.object_id for hit in hits]
    )
    shown = []
    for hit in hits:
        if (comment := by_id.get(hit.object_id)) is None:
            continue
        hit.object, hit.idea = comment, comment.idea
        hit.title_html = mark_safe(escape(comment.idea.title))  # noqa: S308 - escaped
        shown.append(hit)
    return shown


def _prototype_hits(hits, user):
    by_id = (
        Prototype.objects.visible_to(user).select_related("product").in_bulk([hit.object_id for hit in hits])
    )
    shown = []
    for hit in hits:
        if (prototype := by_id.get(hit.object_id)) is None:
            continue
        hit.object = prototype
        if not hit.title_html:
            hit.title_html = mark_safe(escape(prototype.title))  # noqa: S308 - escaped
        shown.append(hit)
    return shown


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
