"""Elasticsearch backend, written with elasticsearch.dsl.

Everything sent to the cluster is built by small pure functions (`index_definition`, `build_search`,
`idea_actions`, `alias_actions`, …) that the tests check as dictionaries without a server; the
`ElasticsearchBackend` methods only send what those build.

Reads go to the alias "<prefix>-<kind>" (ideas, comments, prototypes); `rebuild` fills
"<prefix>-<kind>-<timestamp>", then moves the alias in one `update_aliases` call and deletes the old
index: searches never see a half-built index. Hydration (search.selectors) re-checks the models'
visibility rules, so a document that is stale about visibility can never show a hidden item.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q as DjangoQ
from django.utils import timezone
from django.utils.translation import gettext as _
from elasticsearch import Elasticsearch, NotFoundError
from elasticsearch.dsl import A, Index, Q, Search
from elasticsearch.helpers import bulk
from taggit.models import Tag

from community.models import Segment
from ideas.models import Comment, Idea, Visibility
from products.models import Product

from .. import documents
from ..query import (
    MARK_END,
    MARK_START,
    FacetValue,
    Filters,
    Hit,
    ParsedText,
    SearchRequest,
    SearchResults,
    exact_count_limit,
    marked_html,
    parse_text,
    truncation_notice,
)
from ..sources import (
    comment_source,
    idea_source,
    ideas_for_indexing,
    prototype_source,
    prototypes_for_indexing,
    source_fingerprint,
)
from .base import (
    IndexCheck,
    SearchBackend,
    campaign_ids,
    campaign_labels,
    segment_facet_q,
    unknown_filter_notices,
)
from .database import COMMENTS, PROTOTYPES, compare_with_index, fingerprint

COMMENT_FINGERPRINT_KEYS = COMMENTS.fingerprint_keys
PROTOTYPE_FINGERPRINT_KEYS = PROTOTYPES.fingerprint_keys

BATCH = 500
TAG_FACET_SIZE = 12
# Field → boost. Titles weigh most; a word in a comment counts a little.
TEXT_FIELDS = ["title^4", "tags^2", "body", "comments^0.5"]
FACET_FIELDS = {
    "status": "status",
    "tag": "tag_slugs",
    "segment": "segment",
    "product": "product",
    "campaign": "campaign",
}
# Comments are matched on their own words; the idea's title only helps a little.
COMMENT_TEXT_FIELDS = ["body", "idea_title^0.5"]
PROTOTYPE_TEXT_FIELDS = ["title^4", "body"]


def alias_name(kind: str, prefix: str | None = None) -> str:
    return f"{prefix or settings.SEARCH_INDEX_PREFIX}-{kind}"


def new_index_name(kind: str, prefix: str | None = None, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d%H%M%S%f")
    return f"{alias_name(kind, prefix)}-{stamp}"


def index_definition(name: str, kind: str = "ideas") -> Index:
    """The index (settings, analysers, mappings) for one kind: `Index.document` takes the mapping and
    analysers from the document class, which keeps its own named index (documents.py)."""
    index = Index(name)
    index.settings(number_of_shards=1)
    index.document(documents.KINDS[kind])
    return index


def alias_actions(alias: str, new_index: str, old_indices) -> list[dict]:
    """One atomic `update_aliases` body: the alias leaves every old index and lands on the new one."""
    actions = [{"remove": {"index": old, "alias": alias}} for old in sorted(old_indices) if old != new_index]
    actions.append({"add": {"index": new_index, "alias": alias}})
    return actions


def idea_document(source: dict) -> documents.IdeaDocument:
    return documents.IdeaDocument(
        meta={"id": str(source["id"])},
        title=source["title"],
        body=source["body"],
        tags=source["tags"],
        tag_slugs=source["tag_slugs"],
        comments=source["comments"],
        status=source["status"],
        visibility=source["visibility"],
        author_id=str(source["author_id"]),
        segment=source["segment"],
        product=source["product"],
        campaign=str(source["campaign"]) if source["campaign"] else None,
        created_at=source["created_at"],
        votes=source["votes"],
        comment_count=source["comment_count"],
        fingerprint=fingerprint(source),
    )


def idea_actions(ideas, index: str, *, missing_ids=()) -> list[dict]:
    """Bulk actions: index each idea's document, delete the documents of ideas that are gone."""
    actions = []
    for idea in ideas:
        action = idea_document(idea_source(idea)).to_dict(include_meta=True)
        action["_index"] = index
        actions.append(action)
    for pk in sorted(missing_ids):
        actions.append({"_op_type": "delete", "_index": index, "_id": str(pk)})
    return actions


def comment_document(source: dict) -> documents.CommentDocument:
    return documents.CommentDocument(
        meta={"id": str(source["id"])},
        body=source["body"],
        idea_id=str(source["idea_id"]),
        idea_title=source["idea_title"],
        idea_visibility=source["idea_visibility"],
        idea_author_id=str(source["idea_author_id"]),
        visibility=Visibility.PUBLIC,
        status=source["status"],
        tag_slugs=source["tag_slugs"],
        segment=source["segment"],
        product=source["product"],
        campaign=str(source["campaign"]) if source["campaign"] else None,
        created_at=source["created_at"],
        fingerprint=source_fingerprint(source, COMMENT_FINGERPRINT_KEYS),
    )


def comment_actions(ideas, index: str) -> list[dict]:
    """Bulk actions indexing the public comments of these ideas (loaded by ideas_for_indexing)."""
    actions = []
    for idea in ideas:
        for comment in getattr(idea, "public_comments", []):
            comment.idea = idea  # the idea is loaded already; comment_source reads its fields
            action = comment_document(comment_source(comment)).to_dict(include_meta=True)
            action["_index"] = index
            actions.append(action)
    return actions


def prototype_actions(prototypes, index: str, *, missing_ids=()) -> list[dict]:
    """Bulk actions: index published prototypes, delete the documents of the others (drafts, gone)."""
    actions = []
    for prototype in prototypes:
        source = prototype_source(prototype)
        document = documents.PrototypeDocument(
            meta={"id": str(source["id"])},
            title=source["title"],
            body=source["body"],
            status=source["status"],
            stage=source["stage"],
            product=source["product"],
            created_at=source["created_at"],
            fingerprint=source_fingerprint(source, PROTOTYPE_FINGERPRINT_KEYS),
        )
        action = document.to_dict(include_meta=True)
        action["_index"] = index
        actions.append(action)
    for pk in sorted(missing_ids):
        actions.append({"_op_type": "delete", "_index": index, "_id": str(pk)})
    return actions


def vote_actions(votes: dict[int, int], index: str) -> list[dict]:
    """Partial updates: only `votes` is rewritten; an idea not indexed yet is skipped by the cluster."""
    return [
        {"_op_type": "update", "_index": index, "_id": str(pk), "doc": {"votes": count}}
        for pk, count in sorted(votes.items())
    ]


def stale_comments_query(ideas) -> Q:
    """Comments of these ideas that are no longer public (hidden, held, deleted): to delete."""
    public_ids = [str(c.pk) for idea in ideas for c in getattr(idea, "public_comments", [])]
    query = Q("terms", idea_id=[str(idea.pk) for idea in ideas])
    if public_ids:
        query &= ~Q("ids", values=public_ids)
    return query


def visibility_filter(user, *, visibility: str = "visibility", author: str = "author_id") -> Q | None:
    """The index-side copy of `Idea.objects.visible_to(user)`: public, plus the member's own.

    Derived from the queryset itself: when visible_to returns every idea (moderators), no filter.
    Comments pass their idea's fields (`idea_visibility`, `idea_author_id`).
    """
    if not Idea.objects.visible_to(user).query.has_filters():
        return None
    public = Q("term", **{visibility: Visibility.PUBLIC})
    if user is not None and user.is_authenticated:
        return public | Q("term", **{author: str(user.pk)})
    return public


def listed_filter() -> Q:
    """What suggestions show, like Idea.objects.listed(): public and not merged away."""
    return Q("term", visibility=Visibility.PUBLIC) & ~Q("term", status=Idea.Status.MERGED)


def text_query(parsed: ParsedText, mode: str = "all", *, fields=None) -> Q:
    """Words → query DSL. Single words match fuzzily (typos); "phrases" match as phrases."""
    fields = fields or TEXT_FIELDS
    clauses = []
    for term in parsed.terms:
        if len(term) == 1:
            clauses.append(Q("multi_match", query=term[0], fields=fields, fuzziness="AUTO", prefix_length=1))
        else:
            clauses.append(Q("multi_match", query=" ".join(term), fields=fields, type="phrase"))
    must_not = [Q("multi_match", query=word, fields=fields) for word in parsed.excluded]
    if mode == "any":
        return Q("bool", should=clauses, minimum_should_match=1, must_not=must_not)
    return Q("bool", must=clauses, must_not=must_not)


def filter_queries(filters: Filters, *, campaigns=None) -> dict[str, Q]:
    """`campaigns`: the page ids `filters.campaign` names (slug or id), resolved once per search."""
    queries = {}
    for name, value in filters.active().items():
        if name == "campaign":
            ids = campaign_ids(value) if campaigns is None else campaigns
            queries[name] = Q("terms", campaign=[str(pk) for pk in ids])
        elif name in FACET_FIELDS:
            queries[name] = Q("term", **{FACET_FIELDS[name]: value})
    return queries


def build_search(request: SearchRequest, *, user, index: str, using=None, campaigns=None) -> Search:
    """The whole request: text and visibility in the query, facet filters in `post_filter`, and each
    facet's aggregation filtered by the *other* facets, so counts match what a click would show.
    Totals are counted exactly up to exact_count_limit() (`track_total_hits`; beyond it the answer's
    relation is "gte" and the page says "1,000+"). Aggregations are cheap for Elasticsearch, so its
    facets stay exact over the whole match."""
    if request.kind != "ideas":
        return build_kind_search(request, user=user, index=index, using=using, campaigns=campaigns)
    parsed = request.parsed
    search = Search(using=using, index=index).extra(track_total_hits=exact_count_limit())
    query = text_query(parsed) if parsed else Q("match_all")
    if (visible := visibility_filter(user)) is not None:
        query = Q("bool", must=[query], filter=[visible])
    search = search.query(query)

    active = filter_queries(request.filters, campaigns=campaigns)
    if active:
        search = search.post_filter(Q("bool", filter=list(active.values())))
    for name, field in FACET_FIELDS.items():
        others = [q for other, q in active.items() if other != name]
        size = TAG_FACET_SIZE if name == "tag" else 50
        facet = A("filter", filter=Q("bool", filter=others) if others else Q("match_all"))
        facet.bucket("values", "terms", field=field, size=size)
        search.aggs.bucket(name, facet)

    if request.sort == "new":
        search = search.sort({"created_at": "desc"}, {"_id": "desc"})
    elif request.sort == "votes" or not parsed:
        search = search.sort({"votes": "desc"}, {"created_at": "desc"})
    else:
        search = search.sort("_score", {"votes": "desc"})
    if parsed:
        search = (
            search.highlight_options(pre_tags=[MARK_START], post_tags=[MARK_END], encoder="default")
            .highlight("title", number_of_fragments=0)
            .highlight("body", fragment_size=160, number_of_fragments=2, no_match_size=160)
        )
    return search.source(False)[request.offset : request.offset + request.page_size]


def build_count(request: SearchRequest, *, user, index: str, using=None) -> Search:
    """The same match and filters as `build_search`, no hits, facets or highlights: for the tabs."""
    body = build_search(request, user=user, index=index).to_dict()
    counted = {key: body[key] for key in ("query", "post_filter") if key in body}
    return Search(using=using, index=index).update_from_dict(
        {**counted, "size": 0, "track_total_hits": exact_count_limit()}
    )


def build_kind_search(request: SearchRequest, *, user, index: str, using=None, campaigns=None) -> Search:
    """Comments or prototypes: text, visibility and the filters that apply, in one query; no facets.

    Comments: public ones only are indexed; their idea must be visible to the member, and idea
    filters apply through the copied idea fields. Prototypes: published ones only are indexed (a
    publisher's drafts stay out of search too); only the product filter applies.
    """
    parsed = request.parsed
    fields = COMMENT_TEXT_FIELDS if request.kind == "comments" else PROTOTYPE_TEXT_FIELDS
    query = text_query(parsed, fields=fields) if parsed else Q("match_all")
    if request.kind == "comments":
        filters = list(filter_queries(request.filters, campaigns=campaigns).values())
        filters.append(Q("term", visibility=Visibility.PUBLIC))
        visible = visibility_filter(user, visibility="idea_visibility", author="idea_author_id")
        if visible is not None:
            filters.append(visible)
        highlight_title = None
    else:
        filters = [Q("term", status="published")]
        if request.filters.product:
            filters.append(Q("term", product=request.filters.product))
        highlight_title = "title"
    search = Search(using=using, index=index).extra(track_total_hits=exact_count_limit())
    search = search.query(Q("bool", must=[query], filter=filters))
    if request.sort == "new" or not parsed:
        search = search.sort({"created_at": "desc"}, {"_id": "desc"})
    else:
        search = search.sort("_score", {"created_at": "desc"})
    if parsed:
        search = search.highlight_options(pre_tags=[MARK_START], post_tags=[MARK_END], encoder="default")
        if highlight_title:
            search = search.highlight(highlight_title, number_of_fragments=0)
        search = search.highlight("body", fragment_size=160, number_of_fragments=2, no_match_size=160)
    search = search.source(["idea_id"] if request.kind == "comments" else False)
    return search[request.offset : request.offset + request.page_size]


def build_more_like_this(idea_id: int, *, user, index: str, limit: int = 5, using=None) -> Search:
    query = Q(
        "more_like_this",
        fields=["title", "tags", "body"],
        like=[{"_index": index, "_id": str(idea_id)}],
        min_term_freq=1,
        min_doc_freq=1,
        max_query_terms=25,
    )
    return _listed_search(query, user=user, index=index, using=using, exclude=idea_id)[:limit]


def build_similar_titles(title: str, *, user, index: str, limit: int = 5, using=None) -> Search:
    """As-you-type duplicates: any word, half-typed words through the edge n-gram sub-field."""
    words = " ".join(parse_text(title).words)
    query = Q(
        "bool",
        should=[
            Q("match", **{"title.suggest": {"query": words}}),
            Q("match", title={"query": words, "boost": 2}),
        ],
        minimum_should_match=1,
    )
    return _listed_search(query, user=user, index=index, using=using)[:limit]


def _listed_search(query: Q, *, user, index: str, using=None, exclude: int | None = None) -> Search:
    filters = [listed_filter()]
    if (visible := visibility_filter(user)) is not None:
        filters.append(visible)
    must_not = [Q("ids", values=[str(exclude)])] if exclude is not None else []
    return (
        Search(using=using, index=index)
        .query(Q("bool", must=[query], filter=filters, must_not=must_not))
        .source(False)
    )


def facet_labels(facets: dict[str, list[tuple[str, int]]], user) -> dict[str, list[FacetValue]]:
    """Bucket keys → (value, label, count); segments that are private stay hidden from members."""
    statuses = dict(Idea.Status.choices)
    tags = dict(
        Tag.objects.filter(slug__in=[k for k, _ in facets.get("tag", [])]).values_list("slug", "name")
    )
    segments = dict(
        Segment.objects.filter(
            segment_facet_q(user), slug__in=[k for k, _ in facets.get("segment", [])]
        ).values_list("slug", "name")
    )
    products = dict(
        Product.objects.filter(slug__in=[k for k, _ in facets.get("product", [])]).values_list("slug", "name")
    )
    names = {"status": statuses, "tag": tags, "segment": segments, "product": products}
    labelled = {
        facet: [FacetValue(key, names[facet][key], count) for key, count in buckets if key in names[facet]]
        for facet, buckets in facets.items()
        if facet != "campaign"
    }
    # Campaign buckets are page ids; members see (and filter by) slugs, of live public pages only.
    campaigns = campaign_labels(int(key) for key, _ in facets.get("campaign", []) if str(key).isdigit())
    labelled["campaign"] = [
        FacetValue(campaigns[int(key)][0], campaigns[int(key)][1], count)
        for key, count in facets.get("campaign", [])
        if str(key).isdigit() and int(key) in campaigns
    ]
    return labelled


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    def __init__(self, client: Elasticsearch, prefix: str):
        self.client = client
        self.prefix = prefix

    @classmethod
    def from_settings(cls) -> ElasticsearchBackend:
        return cls(_client(settings.ELASTICSEARCH_URL), settings.SEARCH_INDEX_PREFIX)

    def alias(self, kind: str = "ideas") -> str:
        return alias_name(kind, self.prefix)

    # ---- indexing ---------------------------------------------------------------------------------
    def ensure_indices(self) -> None:
        """Create each kind's first index behind its alias if there is none yet."""
        for kind in documents.KINDS:
            if not self.client.indices.exists_alias(name=self.alias(kind)):
                name = new_index_name(kind, self.prefix)
                index_definition(name, kind).create(using=self.client)
                self.client.indices.update_aliases(actions=alias_actions(self.alias(kind), name, []))

    def index_ideas(self, idea_ids) -> int:
        ids = sorted({int(pk) for pk in idea_ids})
        if not ids:
            return 0
        self.ensure_indices()
        ideas = list(ideas_for_indexing(ids))
        missing = set(ids) - {idea.pk for idea in ideas}
        bulk(self.client, idea_actions(ideas, self.alias(), missing_ids=missing), raise_on_error=False)
        bulk(self.client, comment_actions(ideas, self.alias("comments")))
        self.client.delete_by_query(
            index=self.alias("comments"),
            query=stale_comments_query(ideas or [Idea(pk=pk) for pk in missing]).to_dict(),
            conflicts="proceed",
        )
        return len(ideas)

    def index_comments(self, comment_ids) -> int:
        """Comments live in their idea's batch: reindexing the ideas rewrites their public comments
        and deletes the documents of comments no longer public."""
        idea_ids = set(Comment.objects.filter(pk__in=list(comment_ids)).values_list("idea_id", flat=True))
        self.index_ideas(idea_ids)
        return len(comment_ids)

    def index_prototypes(self, prototype_ids) -> int:
        ids = sorted({int(pk) for pk in prototype_ids})
        if not ids:
            return 0
        self.ensure_indices()
        prototypes = list(prototypes_for_indexing(ids))
        missing = set(ids) - {prototype.pk for prototype in prototypes}
        index = self.alias("prototypes")
        bulk(self.client, prototype_actions(prototypes, index, missing_ids=missing), raise_on_error=False)
        return len(prototypes)

    def update_votes(self, idea_ids) -> None:
        votes = {
            pk: up - down
            for pk, up, down in Idea.objects.filter(pk__in=list(idea_ids)).values_list(
                "pk", "upvote_count", "downvote_count"
            )
        }
        # raise_on_error=False: an idea whose document is not there yet gets it, votes included,
        # from its own index task.
        bulk(self.client, vote_actions(votes, self.alias()), raise_on_error=False)

    def remove_ideas(self, idea_ids) -> None:
        ids = [str(pk) for pk in idea_ids]
        actions = [{"_op_type": "delete", "_index": self.alias(), "_id": pk} for pk in ids]
        bulk(self.client, actions, raise_on_error=False)
        self.client.delete_by_query(
            index=self.alias("comments"), query=Q("terms", idea_id=ids).to_dict(), conflicts="proceed"
        )

    def rebuild(self, *, progress=None) -> int:
        started = timezone.now()
        count = 0
        for kind in documents.KINDS:
            name = new_index_name(kind, self.prefix)
            index_definition(name, kind).create(using=self.client)
            if kind == "ideas":
                count = self._fill(name, progress)
            elif kind == "comments":
                self._fill_comments(name)
            else:
                bulk(
                    self.client, prototype_actions(prototypes_for_indexing().iterator(chunk_size=BATCH), name)
                )
            self.client.indices.refresh(index=name)
            self._swap(kind, name)
        # Changes committed while the new index filled went to the old one; replay them.
        changed = Idea.objects.filter(
            DjangoQ(updated_at__gte=started) | DjangoQ(last_activity_at__gte=started)
        )
        self.index_ideas(changed.values_list("pk", flat=True))
        return count

    def _fill(self, index: str, progress) -> int:
        count = 0
        batch = []
        for idea in ideas_for_indexing().iterator(chunk_size=BATCH):
            batch.append(idea)
            if len(batch) == BATCH:
                count += self._send(batch, index, progress)
                batch = []
        return count + (self._send(batch, index, progress) if batch else 0)

    def _send(self, ideas, index, progress) -> int:
        bulk(self.client, idea_actions(ideas, index))
        if progress is not None:
            progress.update(len(ideas))
        return len(ideas)

    def _fill_comments(self, index: str) -> None:
        batch = []
        for idea in ideas_for_indexing().iterator(chunk_size=BATCH):
            batch.append(idea)
            if len(batch) == BATCH:
                bulk(self.client, comment_actions(batch, index))
                batch = []
        if batch:
            bulk(self.client, comment_actions(batch, index))

    def _swap(self, kind: str, new_index: str) -> None:
        alias = self.alias(kind)
        try:
            old = list(self.client.indices.get_alias(name=alias).body)
        except NotFoundError:
            old = []
        self.client.indices.update_aliases(actions=alias_actions(alias, new_index, old))
        for name in old:
            if name != new_index:
                self.client.indices.delete(index=name)

    def check(self, *, progress=None) -> IndexCheck:
        indexed = {
            int(hit.meta.id): hit.fingerprint
            for hit in Search(using=self.client, index=self.alias()).source(["fingerprint"]).scan()
        }
        return compare_with_index(indexed, progress=progress)

    # ---- querying ---------------------------------------------------------------------------------
    def query(self, request: SearchRequest, *, user) -> SearchResults:
        parsed = request.parsed
        notices = [truncation_notice()] if parsed.truncated else []
        campaigns = campaign_ids(request.filters.campaign) if request.filters.campaign else None
        if request.filters.active():
            notices += unknown_filter_notices(request, campaigns=campaigns)
            if request.kind == "prototypes" and set(request.filters.active()) - {"product"}:
                notices.append(_("Prototypes are filtered by product only; the other filters were left out."))
        search = build_search(
            request, user=user, index=self.alias(request.kind), using=self.client, campaigns=campaigns
        )
        response = search.execute()
        hits = []
        for hit in response.hits:
            highlight = getattr(hit.meta, "highlight", None)
            title = highlight.title[0] if highlight is not None and "title" in highlight else None
            body = " … ".join(highlight.body) if highlight is not None and "body" in highlight else ""
            if request.kind == "ideas":
                idea_id, object_id = int(hit.meta.id), None
            else:
                idea_id = int(hit.idea_id) if request.kind == "comments" else None
                object_id = int(hit.meta.id)
            hits.append(
                Hit(
                    idea_id=idea_id,
                    score=float(hit.meta.score or 0),
                    title_html=marked_html(title) if title is not None else None,
                    snippet_html=marked_html(body),
                    kind=request.kind,
                    object_id=object_id,
                )
            )
        buckets = {}
        if request.kind == "ideas":
            buckets = {
                name: [(b.key, b.doc_count) for b in response.aggregations[name]["values"].buckets]
                for name in FACET_FIELDS
            }
        facets = facet_labels(buckets, user)
        total, total_exact = counted_total(response.hits.total)
        return SearchResults(
            hits=hits,
            total=total,
            total_exact=total_exact,
            facets={name: facets.get(name, []) for name in FACET_FIELDS},
            request=request,
            notices=notices,
        )

    def count(self, request: SearchRequest, *, user) -> int:
        search = build_count(request, user=user, index=self.alias(request.kind), using=self.client)
        total, exact = counted_total(search.execute().hits.total)
        return total if exact else total + 1  # as the database backend: above the limit is "more"

    def similar_titles(self, title: str, *, user, limit: int = 5) -> list[int]:
        if not parse_text(title):
            return []
        search = build_similar_titles(title, user=user, index=self.alias(), limit=limit, using=self.client)
        return [int(hit.meta.id) for hit in search.execute()]

    def more_like_this(self, idea: Idea, *, user, limit: int = 5) -> list[int]:
        search = build_more_like_this(idea.pk, user=user, index=self.alias(), limit=limit, using=self.client)
        return [int(hit.meta.id) for hit in search.execute()]


def counted_total(total) -> tuple[int, bool]:
    """(total, exact) from an answer's `hits.total`: {"value": n, "relation": "eq" | "gte"}. With
    `track_total_hits` at the limit, "gte" means at least the limit matched: "1,000+"."""
    limit = exact_count_limit()
    exact = getattr(total, "relation", "eq") == "eq" and total.value <= limit
    return min(total.value, limit), exact


@functools.cache
def _client(url: str) -> Elasticsearch:
    if not url:
        raise ImproperlyConfigured(_("SEARCH_BACKEND is elasticsearch but ELASTICSEARCH_URL is empty."))
    # Short timeouts: a search page should fail fast, and index tasks log and move on.
    return Elasticsearch(url, request_timeout=5, retry_on_timeout=False)
