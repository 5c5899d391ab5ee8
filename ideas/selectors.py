"""Read-side helpers for idea pages, each with a fixed number of queries."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, Lower, NullIf
from taggit.models import Tag

from community.permissions import may_see_hidden_content
from community.selectors import mentionable
from products.models import Product

from .models import Comment, Follow, Idea, IdeaImage, StatusChange, Visibility, campaign_model
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


def vote_counts(user, idea_ids) -> dict[int, tuple[int, int, int]]:
    """Each idea's current up-votes and down-votes and the member's own vote (0 for none), in one query
    (for readers of a shared copy of a list, such as the API's)."""
    return votes().vote_counts(user, idea_ids)


@dataclass(frozen=True)
class IdeaViewerState:
    """What a member's idea page shows of their own: read fresh on every request."""

    votes: int  # the idea's current net votes
    my_vote: int  # the member's vote (0 for none)
    following: bool
    # The member has a comment on the idea that is not public (they read the moderator's reason) ...
    has_hidden_comment: bool
    # ... or one newer than a copy of the page that saw comments up to (latest id, latest change).
    has_newer_comment: bool


def idea_viewer_state(user, idea_id: int, *, latest_id: int, latest_updated_at) -> IdeaViewerState | None:
    """The member's vote, follow and comments on an idea, in one query (None: no such idea).

    Asked on every member's idea page (ideas/fragments.py) next to a shared copy of the page, so it is
    plain SQL like `vote_state`. `latest_id` and `latest_updated_at` are what that copy saw of the
    idea's comments: a comment of the member's posted or edited since means the copy lacks it.
    """
    quote = connection.ops.quote_name
    idea, follow, comment = (quote(m._meta.db_table) for m in (Idea, Follow, Comment))
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    # Table names come from the models; every value is a parameter.
    sql = (
        "SELECT i.upvote_count - i.downvote_count, "  # noqa: S608
        f"{votes().my_vote_sql('i')}, "
        f"EXISTS (SELECT 1 FROM {follow} f WHERE f.idea_id = i.id AND f.member_id = %s), "
        f"EXISTS (SELECT 1 FROM {comment} c WHERE c.idea_id = i.id AND c.author_id = %s "
        "AND c.visibility <> %s), "
        f"EXISTS (SELECT 1 FROM {comment} c WHERE c.idea_id = i.id AND c.author_id = %s "
        "AND (c.id > %s OR c.updated_at > %s)) "
        f"FROM {idea} i WHERE i.id = %s"
    )
    params = [
        user.pk,
        user.pk,
        user.pk,
        Visibility.PUBLIC,
        user.pk,
        latest_id,
        connection.ops.adapt_datetimefield_value(latest_updated_at or epoch),
        idea_id,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    net_votes, my_vote, following, hidden, newer = row
    return IdeaViewerState(
        votes=net_votes,
        my_vote=my_vote,
        following=bool(following),
        has_hidden_comment=bool(hidden),
        has_newer_comment=bool(newer),
    )


def idea_list_page(
    *,
    user,
    sort: str = "hot",
    status: str = "",
    tag: str = "",
    segment: str = "",
    product: str = "",
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
    ideas = (
        _listed(status=status, tag=tag, segment=segment, product=product, campaign=campaign)
        .select_related("author", "segment", "product", "workflow_status")
        .defer("body", "body_html")
    )
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


def _listed(*, status: str = "", tag: str = "", segment: str = "", product: str = "", campaign=None):
    """The listed ideas that pass a list's filters (the one copy of what each filter means)."""
    ideas = Idea.objects.listed()
    if status:
        ideas = ideas.filter(status=status)
    if tag:
        ideas = ideas.filter(tags__slug=tag)
    if segment:
        ideas = ideas.filter(segment__slug=segment)
    if product:
        ideas = ideas.filter(product__slug=product)
    if campaign:
        ideas = ideas.filter(campaign_id=campaign)
    return ideas


def idea_list_count(
    *, status: str = "", tag: str = "", segment: str = "", product: str = "", campaign: int | None = None
) -> int:
    """How many ideas `idea_list_page` walks through with these filters, all pages together (one query)."""
    return _listed(status=status, tag=tag, segment=segment, product=product, campaign=campaign).count()


def trending_ideas(*, limit: int = 6) -> list[Idea]:
    """The ideas with the most up-votes this week (the list's "trending" sort, on its index)."""
    return list(Idea.objects.listed().select_related("author").order_by("-trending_score", "-pk")[:limit])


def recently_shipped_ideas(*, limit: int = 4) -> list[Idea]:
    """Public ideas marked shipped, the latest first (by the status change that shipped them), with
    their authors and products. One query."""
    shipped_at = (
        StatusChange.objects.filter(idea=OuterRef("pk"), to_status=Idea.Status.SHIPPED)
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    return list(
        Idea.objects.listed()
        .filter(status=Idea.Status.SHIPPED)
        .annotate(shipped_at=Subquery(shipped_at))
        .select_related("author", "product")
        .order_by(F("shipped_at").desc(nulls_last=True), "-pk")[:limit]
    )


@dataclass
class Discussion:
    """One page of an idea's discussion, as a viewer sees it (see `comment_page`)."""

    pinned: list[Comment]
    threads: list[tuple[Comment, list]]  # (top-level comment, its replies as the same pairs)
    after: int | None  # the cursor this page starts after (None: the first page)
    next_after: int | None  # the cursor of the next page, when there is one
    latest_id: int  # the newest comment of the idea when read (any visibility; 0 for none)
    latest_updated_at: datetime | None  # the latest change to any of its comments when read

    @property
    def comments(self) -> list[Comment]:
        """Every comment shown on this page, pinned copies first, parents before their replies."""
        return [*self.pinned, *walk(self.threads)]


# What the discussion shows of a comment and its author (ideas/_comment.html, _comment_article.html,
# Member.public_name and get_absolute_url); anything else would cost a query per comment when read.
COMMENT_COLUMNS = (
    "id",
    "idea_id",
    "author_id",
    "parent_id",
    "body_html",
    "visibility",
    "is_official",
    "pinned_at",
    "created_at",
    "updated_at",
)
AUTHOR_COLUMNS = ("id", "username", "display_name", "deleted_at", "is_active")


def comment_page(*, idea: Idea, user, after: int | None = None, size: int | None = None) -> Discussion:
    """A page of the idea's discussion, in one query: whole threads, oldest first.

    Pages go over top-level comments; a thread (a comment and every reply under it, however deep) is
    never split, so a reply always shows under its parent. A page takes threads while they fit in
    `size` comments (settings.COMMENTS_PAGE_SIZE), and at least one thread, so one very long thread
    makes a page of its own. `after` is the id of the last top-level comment of the page before; the
    pinned comments show on the first page only.
    """
    size = size or settings.COMMENTS_PAGE_SIZE
    # Not the comments' Markdown (the page shows body_html) nor the authors' other ~25 columns.
    everything = list(
        Comment.objects.filter(idea=idea)
        .select_related("author")
        .only(*COMMENT_COLUMNS, *(f"author__{name}" for name in AUTHOR_COLUMNS))
        .order_by("pk")
    )
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

    threads, shown, next_after = [], 0, None
    for thread in build(None):
        if after is not None and thread[0].pk <= after:
            continue
        length = len(walk([thread]))
        if threads and shown + length > size:
            next_after = threads[-1][0].pk
            break
        threads.append(thread)
        shown += length
    pinned = []
    if after is None:
        pinned = sorted((c for c in everything if c.pinned_at and may_see(c)), key=lambda c: c.pinned_at)
    return Discussion(
        pinned=pinned,
        threads=threads,
        after=after,
        next_after=next_after,
        latest_id=max((c.pk for c in everything), default=0),
        latest_updated_at=max((c.updated_at for c in everything), default=None),
    )


def walk(tree) -> list[Comment]:
    """Every comment of a tree of (comment, replies), parents before their replies."""
    return [c for comment, replies in tree for c in (comment, *walk(replies))]


def _comment_visibility(user):
    """The rule of CommentQuerySet.visible_to, for comments already in memory."""
    if may_see_hidden_content(user):
        return lambda comment: True
    user_id = user.pk if user.is_authenticated else None
    return lambda comment: comment.visibility == "public" or comment.author_id == user_id


def idea_for_page(*, user, pk: int, state_of=None) -> Idea:
    """The idea with what its page needs: the viewer's vote and follow, and whether it has images, a
    timeline or prototypes (fetched only then), so a page costs the same few queries however busy the
    idea is.

    `state_of`: a member whose own state on the idea is read in the same query, as `idea.viewer_state`
    (an `IdeaViewerState`), while the page itself is read for `user`. A member who renders the copy of
    the idea page that members share (ideas/fragments.py) so pays no query of their own."""
    ideas = (
        Idea.objects.visible_to(user)
        # Not merged_into (the view only redirects) nor campaign (a wagtail page: ~40 columns to
        # compile for the few ideas that have one); prefetching it costs a query only when set.
        .select_related("author", "segment", "product", "workflow_status")
        .prefetch_related(Prefetch("tags", to_attr="tag_list"), "campaign")
        .annotate(
            has_images=Exists(IdeaImage.objects.filter(idea=OuterRef("pk"))),
            has_timeline=Exists(StatusChange.objects.filter(idea=OuterRef("pk"))),
            # Prototypes link to ideas from above (prototypes.Prototype.linked_ideas): the page asks
            # which the viewer may see only when there is a link at all (most ideas have none).
            has_prototypes=Exists(Idea.prototypes.through.objects.filter(idea_id=OuterRef("pk"))),
        )
    )
    if user.is_authenticated:
        ideas = ideas.annotate(
            my_vote=votes().my_vote_expression(user),
            following=Exists(Follow.objects.filter(idea=OuterRef("pk"), member=user)),
        )
    if state_of is None:
        return ideas.get(pk=pk)
    # Named apart from my_vote and following, which the page shows: the shared copy must not show them.
    mine = Comment.objects.filter(idea=OuterRef("pk"), author=state_of)
    idea = ideas.annotate(
        state_vote=votes().my_vote_expression(state_of),
        state_follows=Exists(Follow.objects.filter(idea=OuterRef("pk"), member=state_of)),
        state_hidden_comment=Exists(mine.exclude(visibility=Visibility.PUBLIC)),
    ).get(pk=pk)
    idea.viewer_state = IdeaViewerState(
        votes=idea.upvote_count - idea.downvote_count,
        my_vote=idea.state_vote,
        following=idea.state_follows,
        has_hidden_comment=idea.state_hidden_comment,
        # The page's comments are read after this query, so they include every comment of the member's
        # that this query could have seen.
        has_newer_comment=False,
    )
    return idea


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
    prefetch_related_objects(
        ideas, "author", "segment", "workflow_status", Prefetch("tags", to_attr="tag_list"), campaigns
    )
    return IdeaPage(ideas=ideas, next_cursor=None, my_votes=my_votes(user, [i.pk for i in ideas]))


def list_topics(*, tag: str = "", product: str = "") -> list:
    """The tag and product an idea list is filtered by, as rows (for their follow buttons); one query
    each, none without filters."""
    topics = []
    if tag:
        topics += list(Tag.objects.filter(slug=tag)[:1])
    if product:
        topics += list(Product.objects.filter(slug=product)[:1])
    return topics


MENTION_SUGGESTIONS = 8


def mention_suggestions(*, viewer, query: str, idea: Idea | None) -> list[dict]:
    """Whom the @mention picker offers for `query` (the start of a username or of a word of a display
    name): members taking part in `idea`'s thread (its author and public commenters) first, then everyone
    else, each by display name; never the viewer. One query."""
    query = query.strip().lstrip("@")
    members = mentionable().exclude(pk=viewer.pk)
    if query:
        members = members.filter(
            Q(username__istartswith=query)
            | Q(display_name__istartswith=query)
            | Q(display_name__icontains=f" {query}")
        )
    in_thread = Value(0)
    if idea is not None:
        commented = Comment.objects.filter(idea=idea, visibility=Visibility.PUBLIC, author=OuterRef("pk"))
        in_thread = Case(When(Q(pk=idea.author_id) | Exists(commented), then=Value(1)), default=Value(0))
    rows = (
        members.annotate(in_thread=in_thread, name=Coalesce(NullIf("display_name", Value("")), "username"))
        .order_by("-in_thread", Lower("name"), "pk")
        .values_list("username", "name")[:MENTION_SUGGESTIONS]
    )
    return [{"handle": handle, "name": name} for handle, name in rows]
