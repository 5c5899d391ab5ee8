"""Read-side helpers for idea pages, each with a fixed number of queries."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, prefetch_related_objects

from community.permissions import may_see_hidden_content

from .models import Comment, Follow, Idea, IdeaImage, StatusChange, campaign_model
from .votes import votes

SORTS = {
    # sort name: the stored field the keyset cursor walks, newest/highest first
    "hot": "hot_score",
    "top": "top_score",
    "new": "created_at",
    "discussed": "comment_count",
    "trending": "trending_score",
}


class BadCursor(ValueError):
    pass


@dataclass
class IdeaPage:
    ideas: list[Idea]
    next_cursor: str | None
    my_votes: dict[int, int]


def encode_cursor(sort: str, idea: Idea) -> str:
    value = getattr(idea, SORTS[sort])
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([value, idea.pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(sort: str, cursor: str) -> tuple[object, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
        if not isinstance(pk, int) or isinstance(pk, bool):
            raise BadCursor("bad id")
        if sort == "new":
            value = datetime.fromisoformat(value)
        elif sort in {"discussed", "trending"} and not isinstance(value, int):
            raise BadCursor("bad count")
        elif not isinstance(value, int | float) or isinstance(value, bool):
            raise BadCursor("bad score")
        return value, pk
    except (binascii.Error, ValueError, TypeError) as error:
        raise BadCursor(str(error)) from error


def my_votes(user, idea_ids) -> dict[int, int]:
    return votes().my_votes(user, idea_ids)


def vote_state(user, idea_ids) -> dict[int, tuple[int, int]]:
    """Each idea's current net votes and the member's own vote on it (0 for none), in one query
    (voting.idea_votes.IdeaVotes.vote_state: plain SQL, as it is asked on every member's list page)."""
    return votes().vote_state(user, idea_ids)


def idea_list_page(
    *,
    user,
    sort: str = "hot",
    status: str = "",
    tag: str = "",
    segment: str = "",
    cursor: str = "",
    campaign: int | None = None,
    size: int | None = None,
) -> IdeaPage:
    """One page of listed ideas, sorted by a stored score, walked by a keyset cursor.

    The cursor holds the last row's (score, id): the next page starts right below it on the index,
    so page 1000 costs what page 1 does. Queries: ideas (with author, segment, product), tags, and
    the viewer's votes on those ideas when logged in.
    """
    size = size or settings.IDEAS_PAGE_SIZE
    field = SORTS[sort]
    ideas = Idea.objects.listed().select_related("author", "segment", "product").defer("body", "body_html")
    if status:
        ideas = ideas.filter(status=status)
    if tag:
        ideas = ideas.filter(tags__slug=tag)
    if segment:
        ideas = ideas.filter(segment__slug=segment)
    if campaign:
        ideas = ideas.filter(campaign_id=campaign)
    if cursor:
        value, pk = decode_cursor(sort, cursor)
        # `field <= value` bounds the index range; the OR only sorts out ties within it.
        ideas = ideas.filter(Q(**{f"{field}__lte": value}) & (Q(**{f"{field}__lt": value}) | Q(pk__lt=pk)))
    # Campaign dates decide whether an idea takes votes (the vote button): fetched for all rows at once,
    # and only the two columns it needs (no query at all when no row has a campaign).
    campaigns = Prefetch("campaign", queryset=campaign_model().objects.only("id", "starts_at", "ends_at"))
    rows = list(
        ideas.order_by(f"-{field}", "-pk").prefetch_related(Prefetch("tags", to_attr="tag_list"), campaigns)[
            : size + 1
        ]
    )
    next_cursor = encode_cursor(sort, rows[size - 1]) if len(rows) > size else None
    rows = rows[:size]
    return IdeaPage(ideas=rows, next_cursor=next_cursor, my_votes=my_votes(user, [i.pk for i in rows]))


def trending_ideas(*, limit: int = 6) -> list[Idea]:
    """The ideas with the most up-votes this week (the list's "trending" sort, on its index)."""
    return list(Idea.objects.listed().select_related("author").order_by("-trending_score", "-pk")[:limit])


def comment_tree(*, idea: Idea, user) -> tuple[list[Comment], list[tuple[Comment, list]]]:
    """The idea's pinned comments, and its visible comments as a tree of (comment, replies), in one query."""
    everything = list(Comment.objects.filter(idea=idea).select_related("author"))
    children: dict[int | None, list[Comment]] = {}
    for comment in everything:
        children.setdefault(comment.parent_id, []).append(comment)
    may_see = _comment_visibility(user)

    def build(parent_id):
        # A comment the viewer may not see stays in the thread as a tombstone ("hidden by a moderator",
        # no text) while replies under it are visible, so the conversation still reads.
        tree = []
        for comment in children.get(parent_id, []):
            replies = build(comment.pk)
            if may_see(comment):
                tree.append((comment, replies))
            elif replies:
                comment.tombstone = True
                tree.append((comment, replies))
        return tree

    tree = build(None)
    pinned = sorted((c for c in everything if c.pinned_at and may_see(c)), key=lambda c: c.pinned_at)
    return pinned, tree


def walk(tree) -> list[Comment]:
    """Every comment of a comment_tree, parents before their replies."""
    return [c for comment, replies in tree for c in (comment, *walk(replies))]


def _comment_visibility(user):
    """The rule of CommentQuerySet.visible_to, for comments already in memory."""
    if may_see_hidden_content(user):
        return lambda comment: True
    user_id = user.pk if user.is_authenticated else None
    return lambda comment: comment.visibility == "public" or comment.author_id == user_id


def idea_for_page(*, user, pk: int) -> Idea:
    """The idea with what its page needs: the viewer's vote and follow, and whether it has images or a
    timeline (fetched only then), so a page costs the same few queries however busy the idea is."""
    ideas = (
        Idea.objects.visible_to(user)
        # Not merged_into (the view only redirects) nor campaign (a wagtail page: ~40 columns to
        # compile for the few ideas that have one); prefetching it costs a query only when set.
        .select_related("author", "segment", "product")
        .prefetch_related(Prefetch("tags", to_attr="tag_list"), "campaign")
        .annotate(
            has_images=Exists(IdeaImage.objects.filter(idea=OuterRef("pk"))),
            has_timeline=Exists(StatusChange.objects.filter(idea=OuterRef("pk"))),
        )
    )
    if user.is_authenticated:
        ideas = ideas.annotate(
            my_vote=votes().my_vote_expression(user),
            following=Exists(Follow.objects.filter(idea=OuterRef("pk"), member=user)),
        )
    return ideas.get(pk=pk)


def idea_timeline(idea: Idea) -> list[StatusChange]:
    if not idea.has_timeline:
        return []
    return list(idea.status_changes.select_related("changed_by"))


def idea_rows(ideas, *, user) -> IdeaPage:
    """What ideas/_idea_row.html shows for ideas chosen elsewhere (home page, profiles), as one page.

    Loads in batches what the row reads beyond the idea's own columns, as `idea_list_page` does: the
    segment, the tags (`tag_list`), the campaign's dates (the vote button) and the viewer's own votes.
    """
    ideas = list(ideas)
    campaigns = Prefetch("campaign", queryset=campaign_model().objects.only("id", "starts_at", "ends_at"))
    prefetch_related_objects(ideas, "author", "segment", Prefetch("tags", to_attr="tag_list"), campaigns)
    return IdeaPage(ideas=ideas, next_cursor=None, my_votes=my_votes(user, [i.pk for i in ideas]))
