"""Read-side of triage, backlogs and segments, each with a fixed number of queries (pinned by tests)."""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db.models import Avg, Count, Exists, OuterRef, Prefetch, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from community import permissions
from community.models import Member, Segment, SegmentMembership
from ideas.models import Idea, StatusChange
from products.models import Product
from prototypes.models import Prototype, Rating
from voting.models import Vote

from .demand import Demand, Market, SegmentDemand, money
from .expert_confidence import expert_confidence
from .models import BacklogItem, PriorityWeights, TriageAction, customer_value
from .risk import idea_equity_at_risk, item_equity_at_risk
from .scoring import item_score

TRIAGE_SORTS = {
    "new": ["-created_at", "-pk"],
    "supported": ["-upvote_count", "-created_at", "-pk"],
    "at_risk": ["-equity_at_risk", "-upvote_count", "-created_at", "-pk"],
}
BACKLOG_ORDERS = ["score", "equity", "supporters", "at_risk"]
OPEN_STATUSES = [BacklogItem.Status.CANDIDATE, BacklogItem.Status.PLANNED, BacklogItem.Status.IN_PROGRESS]


def untriaged_ideas():
    """Public ideas, new or under review, in no backlog item yet (declined and merged ones are done)."""
    return (
        Idea.objects.listed()
        .filter(status__in=[Idea.Status.NEW, Idea.Status.UNDER_REVIEW])
        .exclude(Exists(BacklogItem.ideas.through.objects.filter(idea_id=OuterRef("pk"))))
    )


@dataclass
class TriageQueue:
    ideas: list[Idea]
    demand: dict[int, Demand]
    page: int
    has_next: bool


def triage_queue(
    *, sort: str = "new", page: int = 1, size: int = 50, market: Market, owner=None
) -> TriageQueue:
    """One page of the queue (only the ideas `owner` owns, when given) with each idea's demand.
    Queries: ideas, tags, demand."""
    offset = (page - 1) * size
    ideas = untriaged_ideas()
    if owner is not None:
        ideas = ideas.filter(owner=owner)
    rows = list(
        ideas.select_related("author", "segment", "product", "workflow_status")
        .prefetch_related("tags")
        .defer("body", "body_html")
        .annotate(equity_at_risk=idea_equity_at_risk())
        .order_by(*TRIAGE_SORTS[sort])[offset : offset + size + 1]
    )
    ideas = rows[:size]
    return TriageQueue(ideas=ideas, demand=market.idea_demand(ideas), page=page, has_next=len(rows) > size)


@dataclass
class RankedItem:
    rank: int
    item: BacklogItem
    demand: Demand
    score: Decimal | None  # None: effort not estimated yet


def backlog_items():
    return BacklogItem.objects.select_related("product").annotate(
        idea_count=Count("ideas", distinct=True),
        retired_supporters=Sum("ideas__retired_upvotes"),
        equity_at_risk=item_equity_at_risk(),
    )


def backlog_ranking(
    *,
    market: Market,
    weights: PriorityWeights,
    product: Product | None = None,
    status: str = "",
    order="score",
    owner=None,
) -> list[RankedItem]:
    """Backlog items (only those `owner` owns, when given) with their demand and score, best first.
    Queries: items, demand."""
    items = backlog_items()
    if owner is not None:
        items = items.filter(owner=owner)
    if product is not None:
        items = items.filter(product=product)
    items = items.filter(status=status) if status else items.filter(status__in=OPEN_STATUSES)
    items = list(items)
    demand = market.item_demand(items)
    experts = expert_confidence([item.pk for item in items])  # backlog.expert_confidence
    scored = [
        (item, demand[item.pk], item_score(item, demand[item.pk], weights, confidence=experts.get(item.pk)))
        for item in items
    ]
    # Items without an effort estimate have no score: by score they rank after every estimated item,
    # among themselves by customer equity.
    keys = {
        "score": lambda row: (row[2] is not None, row[2] or 0, row[1].customer_equity),
        "equity": lambda row: (row[1].customer_equity, row[2] is not None, row[2] or 0),
        "supporters": lambda row: (row[1].supporters, row[1].customer_equity),
        "at_risk": lambda row: (row[0].equity_at_risk, row[1].customer_equity),
    }
    scored.sort(key=lambda row: (*keys[order](row), -row[0].pk), reverse=True)
    return [
        RankedItem(rank=n, item=item, demand=d, score=score)
        for n, (item, d, score) in enumerate(scored, start=1)
    ]


def member_value_segments(viewer):
    """The segments whose members' values the viewer may see (a queryset)."""
    # The queryset form of community.permissions.may_see_segment_values.
    if not permissions.may_see_member_values(viewer):
        return Segment.objects.none()
    if permissions.may_see_all_member_values(viewer):
        return Segment.objects.all()
    return Segment.objects.filter(managers=viewer)


@dataclass
class Supporter:
    member: Member
    segment: Segment | None
    clv: Decimal
    imported: bool


SUPPORTERS_PER_PAGE = 50


@dataclass
class ItemPage:
    item: BacklogItem
    demand: Demand
    ideas: list[tuple[Idea, Demand]]
    supporters: list[Supporter]  # one page of them, highest CLV first
    hidden_supporters: int
    supporter_count: int
    supporter_page: int
    supporter_pages: int
    prototypes: list[Prototype]
    actions: list[TriageAction]


def backlog_item_page(
    *, item: BacklogItem, viewer, market: Market, supporter_page: int = 1, per_page: int = SUPPORTERS_PER_PAGE
) -> ItemPage:
    """An item's ideas, supporters (one page of `per_page`) and prototypes. Supporters' names and CLVs are
    listed only for the segments whose member values the viewer may see; the others appear only in the
    per-segment counts.
    """
    ideas = list(
        item.ideas.select_related("author", "segment")
        .defer("body", "body_html")
        .annotate(equity_at_risk=idea_equity_at_risk())
        .order_by("-pk")
    )
    idea_demand = market.idea_demand(ideas)
    demand = market.item_demand([item])[item.pk]
    visible_segments = list(member_value_segments(viewer).values_list("pk", flat=True))
    voters = (
        Vote.objects.counted()
        .filter(value=Vote.Value.UP, idea__backlog_items=item)
        .annotate(primary_segment=market.primary_segment())
        .filter(primary_segment__in=visible_segments)
        .order_by("member_id", "pk")
        .select_related("member__customer_record")
    )
    supporters, seen = [], set()
    for vote in voters:
        if vote.member_id in seen:
            continue
        seen.add(vote.member_id)
        value = market.by_pk[vote.primary_segment]
        record = getattr(vote.member, "customer_record", None)
        supporters.append(
            Supporter(
                member=vote.member,
                segment=value.segment,
                clv=record.value if record else value.clv,
                imported=record is not None,
            )
        )
    supporters.sort(key=lambda s: (-s.clv, s.member.public_name))
    pages = max(1, -(-len(supporters) // per_page))
    supporter_page = min(max(1, supporter_page), pages)
    start = (supporter_page - 1) * per_page
    counted = sum(s.supporters for s in demand.by_segment if s.segment.pk in visible_segments)
    return ItemPage(
        item=item,
        demand=demand,
        ideas=[(idea, idea_demand[idea.pk]) for idea in ideas],
        supporters=supporters[start : start + per_page],
        hidden_supporters=demand.supporters - counted,
        supporter_count=len(supporters),
        supporter_page=supporter_page,
        supporter_pages=pages,
        prototypes=list(Prototype.objects.filter(linked_ideas__backlog_items=item).distinct()),
        actions=list(item.triage_actions.select_related("idea", "actor")[:50]),
    )


@dataclass
class SegmentDashboard:
    segment: Segment
    value: object
    top_needs: list[tuple[Idea, SegmentDemand]]
    planned: list[BacklogItem]
    shipped: list[BacklogItem]
    untriaged: list[Idea]
    prototype_ratings: list[dict]
    week: dict = field(default_factory=dict)


def segment_dashboard(*, segment: Segment, market: Market, limit: int = 10) -> SegmentDashboard:
    """A customer manager's view of a segment: top needs, planned and shipped work, untriaged ideas,
    prototype ratings and what changed this week — all counted by members whose primary segment it is.
    """
    value = market.by_pk[segment.pk]
    support = market.supporters_in_segment(segment)
    supported_ideas = support.values("idea_id")
    rows = list(
        support.filter(idea__visibility="public")
        .exclude(idea__status=Idea.Status.MERGED)
        .values("idea_id")
        .annotate(
            supporters=Count("pk"),
            imported=Count("member__customer_record"),
            imported_clv=Sum(customer_value("member__customer_record__")),
        )
        .order_by("-supporters", "-idea_id")[:limit]
    )
    ideas = (
        Idea.objects.select_related("product")
        .defer("body", "body_html")
        .in_bulk([r["idea_id"] for r in rows])
    )
    top_needs = [
        (
            ideas[r["idea_id"]],
            SegmentDemand(
                value=value,
                supporters=r["supporters"],
                equity=money(Decimal(r["imported_clv"] or 0) + (r["supporters"] - r["imported"]) * value.clv),
            ),
        )
        for r in rows
    ]
    for_segment = Q(ideas__segment=segment) | Q(ideas__in=supported_ideas)
    items = list(
        BacklogItem.objects.filter(for_segment)
        .filter(
            status__in=[
                BacklogItem.Status.PLANNED,
                BacklogItem.Status.IN_PROGRESS,
                BacklogItem.Status.SHIPPED,
            ]
        )
        .select_related("product")
        .distinct()
        .order_by("-updated_at", "-pk")[:50]
    )
    untriaged = list(
        untriaged_ideas()
        .filter(Q(segment=segment) | Q(pk__in=supported_ideas))
        .defer("body", "body_html")
        .order_by("-created_at", "-pk")[:limit]
    )
    ratings = list(
        Rating.objects.annotate(primary_segment=market.primary_segment())
        .filter(primary_segment=segment.pk)
        .values("version__variant__prototype_id", "version__variant__prototype__title")
        .annotate(ratings=Count("pk"), average=Avg("score"), would_use=Count("pk", filter=Q(would_use=True)))
        .order_by("-ratings", "version__variant__prototype_id")[:limit]
    )
    since = timezone.now() - timedelta(days=7)
    week = {
        "since": since,
        "new_ideas": Idea.objects.listed()
        .filter(created_at__gte=since)
        .filter(
            Q(segment=segment)
            | Exists(SegmentMembership.objects.filter(member_id=OuterRef("author_id"), segment=segment))
        )
        .count(),
        "new_support": support.filter(created_at__gte=since).count(),
        "status_changes": list(
            StatusChange.objects.filter(created_at__gte=since, idea_id__in=supported_ideas)
            .select_related("idea")
            .order_by("-created_at", "-pk")[:limit]
        ),
        "triage": list(
            TriageAction.objects.filter(created_at__gte=since)
            .filter(Q(idea__segment=segment) | Q(idea_id__in=supported_ideas))
            .select_related("idea", "backlog_item")
            .order_by("-created_at", "-pk")[:limit]
        ),
    }
    return SegmentDashboard(
        segment=segment,
        value=value,
        top_needs=top_needs,
        planned=[i for i in items if i.status != BacklogItem.Status.SHIPPED],
        shipped=[i for i in items if i.status == BacklogItem.Status.SHIPPED],
        untriaged=untriaged,
        prototype_ratings=ratings,
        week=week,
    )


@dataclass
class MemberValue:
    member: Member
    clv: Decimal
    imported: bool
    external_id: str
    primary: bool  # this is the member's primary (highest-CLV) segment
    ideas: int
    votes: int


def segment_member_values(*, segment: Segment, market: Market, limit: int = 500) -> list[MemberValue]:
    """The segment's members with their CLV and activity (staff only: check
    `permissions.may_see_segment_values`)."""
    value = market.by_pk[segment.pk]
    members = (
        Member.objects.filter(segment_memberships__segment=segment, deleted_at__isnull=True)
        .select_related("customer_record")
        .annotate(
            primary_segment=market.primary_segment("pk"),
            idea_total=Count("ideas", distinct=True),
            vote_total=Count("votes", distinct=True),
        )
        .order_by("pk")[:limit]
    )
    rows = []
    for member in members:
        record = getattr(member, "customer_record", None)
        rows.append(
            MemberValue(
                member=member,
                clv=record.value if record else value.clv,
                imported=record is not None,
                external_id=record.external_id if record else "",
                primary=member.primary_segment == segment.pk,
                ideas=member.idea_total,
                votes=member.vote_total,
            )
        )
    rows.sort(key=lambda r: (-r.clv, r.member.pk))
    return rows


# The public roadmap (cms.RoadmapPage) -------------------------------------------------------------

# Roadmap columns in their order, each with the backlog item status and the idea status it shows.
ROADMAP_COLUMNS = {
    "planned": (BacklogItem.Status.PLANNED, Idea.Status.PLANNED),
    "in_progress": (BacklogItem.Status.IN_PROGRESS, Idea.Status.IN_PROGRESS),
    "shipped": (BacklogItem.Status.SHIPPED, Idea.Status.SHIPPED),
}
# The roadmap shows at most this many backlog items and as many ideas of their own, best supported first.
ROADMAP_LIMIT = 300
_PUBLIC_IDEA_FIELDS = (
    "id",
    "title",
    "status",
    "product_id",
    "upvote_count",
    "retired_upvotes",
    "created_at",
    "workflow_status_id",
)


@dataclass
class RoadmapCard:
    """One card of the public roadmap: a public backlog item with its public ideas, or an idea of its own.

    Only public data: the item's public title and summary, never its title, description, estimates,
    demand or triage log; only listed (public, not merged) ideas.
    """

    key: str  # "item-12" or "idea-34": stable per card, for anchors and feed entries
    column: str  # a ROADMAP_COLUMNS key
    title: str
    summary: str
    product: Product | None
    ideas: list[Idea]
    supporters: int  # distinct members up-voting its ideas, plus the ideas' votes of deleted accounts
    moved_at: object  # when it moved into its column (datetime)
    idea: Idea | None = None  # the card's own idea, for idea cards

    @property
    def column_label(self) -> str:
        return roadmap_column_label(self.column)


def roadmap_column_label(column: str) -> str:
    return BacklogItem.Status(ROADMAP_COLUMNS[column][0]).label


def roadmap_items(*, columns, products=None) -> list[RoadmapCard]:
    """The public roadmap's cards in these columns (ROADMAP_COLUMNS keys), of these products (all when
    None), best supported first. Public backlog items come with their listed ideas; listed ideas in the
    columns' statuses that no shown item carries get a card of their own.

    Queries: items, their ideas, the items' supporters, the other ideas (four, whatever the size).
    """
    columns = [c for c in ROADMAP_COLUMNS if c in set(columns)]
    item_status = {ROADMAP_COLUMNS[c][0]: c for c in columns}
    idea_status = {ROADMAP_COLUMNS[c][1]: c for c in columns}
    if not columns:
        return []
    product_ids = None if products is None else [p.pk for p in products]
    public_ideas = Idea.objects.listed().only(*_PUBLIC_IDEA_FIELDS).order_by("-upvote_count", "pk")
    items = (
        BacklogItem.objects.filter(is_public=True, status__in=list(item_status))
        .select_related("product")
        .only("id", "status", "public_title", "public_summary", "status_changed_at", "product")
        .prefetch_related(Prefetch("ideas", queryset=public_ideas, to_attr="public_ideas"))
    )
    ideas = (
        Idea.objects.listed()
        .filter(status__in=list(idea_status))
        .select_related("product", "workflow_status")  # the card shows the status's public name
        .only(*_PUBLIC_IDEA_FIELDS, "product", "workflow_status__name")
        .annotate(
            moved_at=Coalesce(
                Subquery(
                    StatusChange.objects.filter(idea=OuterRef("pk"), to_status=OuterRef("status"))
                    .order_by("-created_at")
                    .values("created_at")[:1]
                ),
                "created_at",
            )
        )
        .order_by("-upvote_count", "pk")
    )
    if product_ids is not None:
        items = items.filter(product_id__in=product_ids)
        ideas = ideas.filter(product_id__in=product_ids)
    items = list(items.order_by("-status_changed_at", "pk")[:ROADMAP_LIMIT])
    carried = {idea.pk for item in items for idea in item.public_ideas}
    supporters = {}
    if carried:
        supporters = dict(
            Vote.objects.counted()
            .filter(value=Vote.Value.UP, idea_id__in=carried, idea__backlog_items__in=[i.pk for i in items])
            .values_list("idea__backlog_items")
            .annotate(n=Count("member_id", distinct=True))
            .values_list("idea__backlog_items", "n")
        )
    cards = [
        RoadmapCard(
            key=f"item-{item.pk}",
            column=item_status[item.status],
            title=item.public_title,
            summary=item.public_summary,
            product=item.product,
            ideas=item.public_ideas,
            supporters=supporters.get(item.pk, 0) + sum(i.retired_upvotes for i in item.public_ideas),
            moved_at=item.status_changed_at,
        )
        for item in items
    ]
    cards += [
        RoadmapCard(
            key=f"idea-{idea.pk}",
            column=idea_status[idea.status],
            title=idea.title,
            summary="",
            product=idea.product,
            ideas=[idea],
            supporters=idea.upvote_count,
            moved_at=idea.moved_at,
            idea=idea,
        )
        for idea in ideas.exclude(pk__in=carried)[:ROADMAP_LIMIT]
    ]
    cards.sort(key=lambda card: (-card.supporters, card.title))
    return cards


def backlog_item_idea_ids(item_ids) -> list[int]:
    """The ids of the ideas linked to these backlog items (for a release shipping them)."""
    return sorted(
        set(
            BacklogItem.ideas.through.objects.filter(backlogitem_id__in=list(item_ids)).values_list(
                "idea_id", flat=True
            )
        )
    )
