"""What the API takes and answers. Inputs forbid unknown fields: a misspelt field is an error, not a
silently ignored wish."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from ideas.models import Idea
from ideas.selectors import SORTS

TagName = Annotated[str, Field(min_length=1, max_length=50)]
Slug = Annotated[str, Field(pattern=r"^[-a-zA-Z0-9_]+$", max_length=100)]
SortName = Literal[tuple(SORTS)]  # type: ignore[valid-type]
StatusName = Literal[tuple(Idea.Status.values)]  # type: ignore[valid-type]
# A status of the idea's product's workflow (ideas.workflow): a built-in one, or a key of its own.
WorkflowStatusKey = Annotated[
    str,
    Field(
        pattern=r"^[-a-z0-9_]+$",
        max_length=20,
        description="A status of the idea's product's workflow: "
        + ", ".join(s for s in Idea.Status.values if s != Idea.Status.MERGED)
        + " in the built-in one, or the key of a product's own status",
    ),
]


class Input(Schema):
    model_config = ConfigDict(extra="forbid")


class Problem(Schema):
    """RFC 9457 problem details; `errors` lists what was wrong with which field of the input."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict] | None = None
    retry_after: int | None = None
    limit: int | None = None


class IdeaFilters(Input):
    sort: SortName = "hot"
    status: StatusName | None = None
    tag: Slug | None = None
    segment: Slug | None = None
    product: Slug | None = None
    campaign: int | None = Field(None, ge=1, le=2**31 - 1)
    cursor: str | None = Field(None, max_length=200, description="`next_cursor` of the page before")
    count: bool = Field(
        False,
        description="Also count the ideas of the whole list, all pages together (exact; it costs a scan of "
        "the list, so ask for it when you need it, e.g. on the first page)",
    )


class Author(Schema):
    id: int
    name: str


class IdeaOut(Schema):
    id: int
    title: str
    status: str = Field(description="The stage: one of the built-in statuses (what filters take)")
    status_name: str = Field(description="The status as customers read it, in the product's workflow")
    url: str
    author: Author
    created_at: datetime
    votes: int
    upvotes: int
    downvotes: int
    comment_count: int
    tags: list[str]
    product: str | None
    segment: str | None
    campaign: int | None
    my_vote: int = Field(description="The caller's own vote: 1, -1 or 0")


class IdeaDetail(IdeaOut):
    body: str
    body_html: str
    visibility: str
    following: bool


class IdeaPage(Schema):
    count: int | None = Field(
        description="Ideas in the whole list, all pages together (exact); null unless asked with `count=true`"
    )
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last")
    results: list[IdeaOut]


class IdeaIn(Input):
    title: str = Field(min_length=1, max_length=140)
    body: str = Field(min_length=1, max_length=20000)
    tags: list[TagName] = Field(default_factory=list, max_length=10)
    product: int | None = Field(None, ge=1, le=2**31 - 1)
    segment: int | None = Field(None, ge=1, le=2**31 - 1)


class IdeaCreateIn(IdeaIn):
    campaign: int | None = Field(None, ge=1, le=2**31 - 1)


class IdeaPatch(Input):
    title: str | None = Field(None, min_length=1, max_length=140)
    body: str | None = Field(None, min_length=1, max_length=20000)
    tags: list[TagName] | None = Field(None, max_length=10)
    product: int | None = Field(None, ge=1, le=2**31 - 1)
    segment: int | None = Field(None, ge=1, le=2**31 - 1)


class VoteIn(Input):
    value: Literal[1, -1] = 1


class VoteOut(Schema):
    idea: int
    votes: int
    upvotes: int
    downvotes: int
    my_vote: int


class FollowOut(Schema):
    idea: int
    following: bool


class CommentOut(Schema):
    id: int
    idea: int
    parent: int | None
    author: Author
    body_html: str
    is_official: bool
    pinned: bool
    visibility: str
    created_at: datetime


class CommentIn(Input):
    body: str = Field(min_length=1, max_length=10000)
    parent: int | None = Field(None, ge=1, le=2**31 - 1)
    official: bool = False


class CommentPage(Schema):
    next_after: int | None = Field(description="Pass as `after` for the next page; null on the last")
    results: list[CommentOut]


class StatusIn(Input):
    status: WorkflowStatusKey
    note: str = Field(min_length=1, max_length=5000, description="Public: every supporter reads it")


class StatusOut(Schema):
    idea: int
    status: str
    status_name: str
    note: str
    changed_at: datetime


class TagOut(Schema):
    id: int
    name: str
    slug: str


class ProductOut(Schema):
    id: int
    name: str
    slug: str
    description: str


class CampaignOut(Schema):
    id: int
    title: str
    question: str
    starts_at: datetime
    ends_at: datetime
    is_open: bool
    slug: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    roles: list[str]
    may_contribute: bool
    token_scopes: list[str]


Money = Annotated[Decimal, Field(max_digits=14, decimal_places=2)]


class BacklogItemOut(Schema):
    rank: int
    id: int
    title: str
    product: str
    status: str
    ideas: int
    supporters: int
    customer_equity: str
    score: str


class TriageIdeaOut(Schema):
    id: int
    title: str
    status: str
    supporters: int
    customer_equity: str


class TriagePage(Schema):
    page: int
    has_next: bool
    results: list[TriageIdeaOut]


class TriageIn(Input):
    ideas: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(min_length=1, max_length=200)
    action: Literal["tag", "decline"]
    tags: list[TagName] = Field(default_factory=list, max_length=10)
    reason: str = Field("", max_length=2000)


class TriageOut(Schema):
    action: str
    ideas: list[int]


class SegmentOut(Schema):
    slug: str
    name: str
    clv: str
    market_size: int
    members: int
    customer_equity: str


class SegmentNeed(Schema):
    idea: int
    title: str
    supporters: int
    share: float
    equity: str


class CustomerIn(Input):
    email: str = Field(min_length=1, max_length=254)
    external_id: str = Field(min_length=1, max_length=100)
    segment: str = Field(min_length=1, max_length=100, description="The segment's slug or name")
    margin: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    retention: Decimal | None = Field(None, ge=0, lt=1, max_digits=6, decimal_places=4)
    clv: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)


class CustomersIn(Input):
    customers: list[CustomerIn] = Field(min_length=1, max_length=5000)
    dry_run: bool = False


class CustomersOut(Schema):
    created: int
    updated: int
    imported: bool


class TransactionIn(Input):
    """One row of the transactions import (backlog.transactions), checked by the CSV import's rules: the
    types and lengths here only bound the body, the import says what is wrong with a value."""

    external_id: str = Field(max_length=200, description="The CRM customer's external id")
    date: str = Field(max_length=30, description="YYYY-MM-DD, not in the future", examples=["2026-01-05"])
    amount: Decimal = Field(
        description="In the currency's units (a number, or a string with a dot for decimals): > 0 a "
        "purchase, < 0 a refund, never 0",
        examples=["19.90"],
    )
    currency: str | None = Field(
        None,
        max_length=30,
        description="ISO 4217; empty or absent for the site currency; another one needs a configured "
        "exchange rate",
    )
    reference: str | None = Field(
        None, max_length=200, description="The order or invoice number (tells identical purchases apart)"
    )


class TransactionsIn(Input):
    transactions: list[TransactionIn] = Field(min_length=1, max_length=5000)
    dry_run: bool = False


class TransactionsOut(Schema):
    rows: int
    created: int = Field(description="New transactions (on a dry run: that would be new)")
    unchanged: int = Field(description="Transactions imported before, left as they were")
    customers: int
    imported: bool


class VariantResultOut(Schema):
    variant: str
    version: int | None
    ratings: int
    mean: float | None
    would_use_share: float | None
    distribution: list[list[int]] = Field(description="[score, count] for the scores 1…5")
    by_segment: list[dict]


class PrototypeResultsOut(Schema):
    prototype: int
    comparisons: int
    variants: list[VariantResultOut]
