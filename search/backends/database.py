"""Search in the database itself: PostgreSQL full text + trigrams, or SQLite FTS5.

Both keep one row per idea in `search_ideadocument` (written by the index task) with copies of the
idea's filter fields, and answer idea searches from that table alone: visibility is the document-side
copy of `Idea.objects.visible_to(user)` (`_visible`), and pages re-read hits through visible_to itself.
Comments and prototypes have their own document tables and read visibility from the live rows.
Only matching, ranking and highlighting differ between the databases:

  PostgreSQL  `search_vector @@ to_tsquery('english', …)`, ts_rank with weights title A, tags B,
              body C, comments D; ts_headline for highlights; when no idea has every word, pg_trgm
              word similarity on titles catches typos ("ofline" → "offline").
  SQLite      `… MATCH` on the FTS5 table (porter stemming), bm25 with column weights, highlight()
              and snippet(). No typo tolerance.

Ranking is the same on both (`DatabaseBackend._one_pass`): a page by relevance orders the match's
best-voted exact_count_limit() (1,000) ideas that pass the filters, a "rescore window" as in
Elasticsearch. A match no broader than that is ranked exactly; in a broader one ("1,000+ ideas found")
members see the most relevant of its 1,000 best-voted ideas, and an idea with few votes that matches
the words best may not be among them (sorting by date still reaches it). Reading that window from the
votes index instead of ranking every match is what keeps one-word searches flat at 100k ideas.
"""

import functools
import hashlib
import json
import operator
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, FloatField, OuterRef, Q, Subquery, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _
from taggit.models import Tag

from community.models import Segment
from ideas.models import Comment, Idea, Visibility
from products.models import Product
from prototypes.models import Prototype

from ..models import CommentDocument, IdeaDocument, PrototypeDocument
from ..query import (
    FACETS,
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
    comments_for_indexing,
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

BATCH = 1000
# What a document copies from its idea for filters, facets and sorting (see search.models).
COPIED_FIELDS = [
    "status",
    "visibility",
    "author_id",
    "segment_id",
    "product_id",
    "campaign_id",
    "tag_slugs",
    "created_at",
    "votes",
]
TAG_FACET_SIZE = 12
SNIPPET_WORDS = 30
# SQLite statements. Only MATCH strings built by `match_expression` and ids go in as parameters.
FTS_IDS_SQL = "SELECT rowid FROM search_ideadocument_fts WHERE search_ideadocument_fts MATCH %s"
# bm25() is lower for better matches; negated so that higher is better on every backend. Column
# weights in FTS5 column order: title, tags, body, comments.
FTS_SCORE_SQL = (
    "SELECT -bm25(search_ideadocument_fts, 10.0, 5.0, 2.0, 1.0) FROM search_ideadocument_fts "
    "WHERE search_ideadocument_fts MATCH %s "
    'AND search_ideadocument_fts.rowid = "search_ideadocument"."idea_id"'
)
FTS_HIGHLIGHT_SQL = (
    "SELECT rowid, highlight(search_ideadocument_fts, 0, %s, %s), "
    "snippet(search_ideadocument_fts, 2, %s, %s, ' … ', 30) "
    "FROM search_ideadocument_fts WHERE search_ideadocument_fts MATCH %s AND rowid IN ({ids})"
)
FTS_OPTIMIZE_SQL = "INSERT INTO search_ideadocument_fts(search_ideadocument_fts) VALUES ('optimize')"
FTS_CHECK_SQL = (
    "INSERT INTO search_ideadocument_fts(search_ideadocument_fts, rank) VALUES ('integrity-check', 1)"
)


def fingerprint(source: dict) -> str:
    """Hash of everything a document's matching and filtering depend on (not votes or counts)."""
    keys = (
        "title",
        "body",
        "tags",
        "comments",
        "status",
        "visibility",
        "segment",
        "product",
        "campaign",
        "author_id",
    )
    payload = json.dumps([source[key] for key in keys], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def compare_with_index(indexed: dict[int, str], *, progress=None) -> IndexCheck:
    """Ideas missing from, stale in, or orphaned in an index, given its {idea id: fingerprint}."""
    result = IndexCheck()
    seen = set()
    for idea in ideas_for_indexing().iterator(chunk_size=BATCH):
        seen.add(idea.pk)
        result.total += 1
        stored = indexed.get(idea.pk)
        if stored is None:
            result.missing.append(idea.pk)
        elif stored != fingerprint(idea_source(idea)):
            result.stale.append(idea.pk)
        if progress is not None:
            progress.update(1)
    result.orphaned = sorted(set(indexed) - seen)
    return result


@dataclass(frozen=True)
class DocumentKind:
    """A kind of content besides ideas, as the database backend stores and searches it."""

    name: str
    document: type
    key: str  # the document's primary key column, the owner's id
    columns: tuple[str, ...]  # text columns, in FTS5 column order; the last one is the snippet's
    weights: tuple[tuple[str, str], ...]  # (column, PostgreSQL weight)
    bm25: tuple[float, ...]  # SQLite column weights, in `columns` order
    title_column: str | None
    fingerprint_keys: tuple[str, ...]
    for_indexing: Callable
    source: Callable

    @property
    def fts(self) -> str:
        return f"{self.document._meta.db_table}_fts"

    def model(self):
        return self.document._meta.get_field(self.key.removesuffix("_id")).related_model


COMMENTS = DocumentKind(
    name="comments",
    document=CommentDocument,
    key="comment_id",
    columns=("body",),
    weights=(("body", "A"),),
    bm25=(1.0,),
    title_column=None,
    fingerprint_keys=(
        "body",
        "idea_id",
        "idea_visibility",
        "status",
        "tag_slugs",
        "segment",
        "product",
        "campaign",
    ),
    for_indexing=comments_for_indexing,
    source=comment_source,
)
PROTOTYPES = DocumentKind(
    name="prototypes",
    document=PrototypeDocument,
    key="prototype_id",
    columns=("title", "body"),
    weights=(("title", "A"), ("body", "C")),
    bm25=(10.0, 2.0),
    title_column="title",
    fingerprint_keys=("title", "body", "status", "stage", "product"),
    for_indexing=prototypes_for_indexing,
    source=prototype_source,
)
KIND_BY_NAME = {kind.name: kind for kind in (COMMENTS, PROTOTYPES)}


def _capped_count(documents) -> int:
    """How many documents match, counting no further than exact_count_limit() + 1 (a larger number
    reads "1,000+"): a broad query's exact total costs a full scan of its matches and tells a member
    nothing."""
    return documents.order_by()[: exact_count_limit() + 1].count()


@dataclass
class _Found:
    """What one way of matching found: the total counted up to the bound + 1, the facets (lower
    bounds unless `facets_exact`) and the page's (id, score) rows."""

    total: int
    facets: dict
    rows: list
    facets_exact: bool = True


def _facet_cache_key(user, key) -> str | None:
    """Facet counts shared by anonymous visitors for SEARCH_FACET_CACHE_SECONDS (counts a few seconds
    old are fine for "refine by"; hits and totals are always live). Members and moderators see their
    own hidden or held ideas counted, so theirs are computed per request (None: not shared)."""
    if not settings.SEARCH_FACET_CACHE_SECONDS or (user is not None and user.is_authenticated):
        return None
    digest = hashlib.sha256(repr((connection.vendor, exact_count_limit(), *key)).encode()).hexdigest()
    return f"search:facets:v2:{digest}"  # v2: (facets, facets_exact)


def _no_facets() -> dict[str, list[FacetValue]]:
    return {name: [] for name in FACETS}


def _nothing() -> _Found:
    return _Found(0, _no_facets(), [])


class DatabaseBackend(SearchBackend):
    """What PostgreSQL and SQLite share; subclasses only match, rank and highlight."""

    name = "database"
    # How the one-pass statement asks for its match CTE to be inlined into each use (`_one_pass`).
    inline_cte = "NOT MATERIALIZED"

    # ---- indexing ---------------------------------------------------------------------------------
    def index_ideas(self, idea_ids) -> int:
        ids = sorted({int(pk) for pk in idea_ids})
        if not ids:
            return 0
        now = timezone.now()
        ideas = list(ideas_for_indexing(ids))
        documents = [self._document(idea, now) for idea in ideas]
        gone = set(ids) - {document.idea_id for document in documents}
        # The ideas' public comments are loaded already: their own documents are written here too, and
        # those of comments no longer public dropped, so `idea_changed` after hiding or restoring a
        # comment is enough (as on Elasticsearch).
        comments = []
        for idea in ideas:
            for comment in idea.public_comments:
                comment.idea = idea
                comments.append(comment)
        stale_comments = CommentDocument.objects.filter(comment__idea_id__in=ids).exclude(
            pk__in=[comment.pk for comment in comments]
        )
        with transaction.atomic():
            self._store_documents(COMMENTS, comments, stale=stale_comments)
            if gone:
                IdeaDocument.objects.filter(pk__in=gone).delete()
            IdeaDocument.objects.bulk_create(
                documents,
                update_conflicts=True,
                unique_fields=["idea"],
                update_fields=[
                    "title",
                    "tags",
                    "body",
                    "comments",
                    "fingerprint",
                    "indexed_at",
                    *COPIED_FIELDS,
                ],
            )
            self._after_write([document.idea_id for document in documents])
        return len(documents)

    def remove_ideas(self, idea_ids) -> None:
        IdeaDocument.objects.filter(pk__in=list(idea_ids)).delete()

    def _document(self, idea: Idea, now) -> IdeaDocument:
        source = idea_source(idea)
        return IdeaDocument(
            idea_id=idea.pk,
            title=source["title"],
            tags=" ".join(source["tags"]),
            body=source["body"],
            comments=source["comments"],
            fingerprint=fingerprint(source),
            indexed_at=now,
            status=source["status"],
            visibility=source["visibility"],
            author_id=source["author_id"],
            segment_id=idea.segment_id,
            product_id=idea.product_id,
            campaign_id=idea.campaign_id,
            tag_slugs=source["tag_slugs"],
            created_at=source["created_at"],
            votes=source["votes"],
        )

    def _after_write(self, idea_ids: list[int]) -> None:
        """Database-specific work once document rows are written (vectors on PostgreSQL)."""

    def rebuild(self, *, progress=None) -> int:
        """Rewrite every document in batches (searches keep answering meanwhile), then drop orphans."""
        ids = list(Idea.objects.order_by("pk").values_list("pk", flat=True))
        done = 0
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            done += self.index_ideas(batch)
            if progress is not None:
                progress.update(len(batch))
        IdeaDocument.objects.exclude(idea__in=Idea.objects.all()).delete()
        # Comment documents were written with their ideas.
        self._rebuild_kind(PROTOTYPES)
        self._optimise()
        return done

    def _optimise(self) -> None:
        pass

    def check(self, *, progress=None) -> IndexCheck:
        indexed = dict(IdeaDocument.objects.values_list("pk", "fingerprint"))
        result = compare_with_index(indexed, progress=progress)
        result.stale = sorted(set(result.stale) | set(self._unusable_documents()))
        return result

    def _unusable_documents(self) -> list[int]:
        return []

    # ---- comments and prototypes --------------------------------------------------------------------
    def index_comments(self, comment_ids) -> int:
        """(Re)index these comments; those no longer public lose their documents. Their ideas are
        reindexed too, since an idea's document carries its public comments' words."""
        ids = sorted({int(pk) for pk in comment_ids})
        if not ids:
            return 0
        self.index_ideas(Comment.objects.filter(pk__in=ids).values_list("idea_id", flat=True))
        return CommentDocument.objects.filter(pk__in=ids).count()

    def index_prototypes(self, prototype_ids) -> int:
        """(Re)index these prototypes; drafts and deleted ones lose their documents."""
        ids = sorted({int(pk) for pk in prototype_ids})
        return self._write_documents(PROTOTYPES, ids) if ids else 0

    def _write_documents(self, kind: "DocumentKind", ids) -> int:
        """Load these rows of a kind and store their documents; ids not indexable lose theirs."""
        rows = list(kind.for_indexing(ids))
        stale = kind.document.objects.filter(pk__in=set(ids) - {row.pk for row in rows})
        with transaction.atomic():
            return self._store_documents(kind, rows, stale=stale)

    def update_votes(self, idea_ids) -> None:
        """Copy the ideas' current vote counts into their documents (one UPDATE, no text work)."""
        net = Idea.objects.filter(pk=OuterRef("pk")).annotate(net=F("upvote_count") - F("downvote_count"))
        IdeaDocument.objects.filter(pk__in=[int(pk) for pk in idea_ids]).update(
            votes=Subquery(net.values("net")[:1])
        )

    def _store_documents(self, kind: "DocumentKind", rows, *, stale) -> int:
        now = timezone.now()
        sources = [kind.source(row) for row in rows]
        documents = [
            kind.document(
                pk=source["id"],
                **{column: source[column] for column in kind.columns},
                fingerprint=source_fingerprint(source, kind.fingerprint_keys),
                indexed_at=now,
            )
            for source in sources
        ]
        written = [document.pk for document in documents]
        with transaction.atomic():
            stale.delete()
            kind.document.objects.bulk_create(
                documents,
                update_conflicts=True,
                unique_fields=[kind.key.removesuffix("_id")],
                update_fields=[*kind.columns, "fingerprint", "indexed_at"],
            )
            self._after_write_kind(kind, written)
        return len(documents)

    def _rebuild_kind(self, kind: "DocumentKind") -> None:
        ids = list(kind.model().objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH):
            self._write_documents(kind, ids[start : start + BATCH])
        kind.document.objects.exclude(pk__in=kind.for_indexing().values("pk")).delete()

    def _after_write_kind(self, kind: "DocumentKind", ids: list[int]) -> None:
        """Database-specific work once a kind's document rows are written (vectors on PostgreSQL)."""

    # ---- querying ---------------------------------------------------------------------------------
    def query(self, request: SearchRequest, *, user) -> SearchResults:
        """Everything reads `search_ideadocument` alone: match, visibility, filters, facets, sorting.

        What members see when the match is broader than exact_count_limit() (1,000): the total reads
        "1,000+"; the page by relevance ranks the 1,000 best-voted matches that pass the filters, not
        every match (pages by votes or date order the whole match); facets count among the match's
        1,000 best-voted ideas and are lower bounds. A narrower match is counted and ranked exactly.
        So costs at 100k ideas stay flat for broad queries: the window comes from the votes index,
        and total, facets and page are one statement (`_one_pass`).
        """
        if request.kind != "ideas":
            return self._query_kind(KIND_BY_NAME[request.kind], request, user=user)
        parsed = request.parsed
        notices = [truncation_notice()] if parsed.truncated else []
        filters = request.filters
        campaigns = campaign_ids(filters.campaign) if filters.campaign else None
        if filters.active():
            notices += unknown_filter_notices(request, campaigns=campaigns)
        visible = self._visible(user)
        mode, fuzzy = "all", False
        if parsed:
            matched = self._match(visible, parsed, mode)
            found = self._search(matched, request, parsed, mode, False, campaigns, user)
            if not found.total and (fallback := self._fuzzy_match(visible, parsed)) is not None:
                near = self._search(fallback, request, parsed, mode, True, campaigns, user)
                if near.total:
                    found, fuzzy = near, True
                    notices.append(_("No idea has exactly those words; showing near spellings."))
            if not found.total and len(parsed.terms) > 1:
                any_matched = self._match(visible, parsed, "any")
                some = self._search(any_matched, request, parsed, "any", False, campaigns, user)
                if some.total:
                    found, mode = some, "any"
                    notices.append(_("No idea has all of those words; showing ideas with some of them."))
        else:
            found = self._search(visible, request, parsed, mode, False, campaigns, user)
        hits = self._hits(found.rows, parsed, mode, highlight=bool(parsed) and not fuzzy)
        limit = exact_count_limit()
        return SearchResults(
            hits=hits,
            total=min(found.total, limit),
            total_exact=found.total <= limit,
            facets=found.facets,
            facets_exact=found.facets_exact,
            request=request,
            fuzzy=fuzzy,
            notices=notices,
        )

    def _search(self, matched, request, parsed, mode, fuzzy, campaigns, user) -> _Found:
        """Total, facets and page rows of one way of matching. Facets not in the shared cache come
        with the total and the page from one statement (`_one_pass`); with cached facets, a capped
        count and the page are two small statements. Either way a page by relevance ranks the
        window only: the best-voted exact_count_limit() matches that pass every filter (`_one_pass`)."""
        filters = request.filters

        def scored(documents):
            if not parsed:
                return documents.annotate(score=Value(0.0, output_field=FloatField()))
            if fuzzy:
                return self._fuzzy_score(documents, parsed)
            return self._score(documents, parsed, mode)

        cache_key = _facet_cache_key(user, (parsed, mode, fuzzy, filters))
        cached = cache.get(cache_key) if cache_key else None
        if cached is None:
            found = self._one_pass(scored(matched), request, campaigns, user, has_text=bool(parsed))
            if found.total and cache_key:
                cache.set(cache_key, (found.facets, found.facets_exact), settings.SEARCH_FACET_CACHE_SECONDS)
            return found
        facets, facets_exact = cached
        filtered = self._filter(matched, filters, campaigns)
        total = _capped_count(filtered)
        if not total:
            return _nothing()
        if self._by_relevance(request.sort, bool(parsed)):
            # Only the window's rows are scored: their ids come from the votes index, and the rank is
            # computed on those rows alone (not on the whole match again).
            window = filtered.order_by("-votes", "-pk").values("pk")[: exact_count_limit()]
            page = scored(IdeaDocument.objects.filter(pk__in=window))
        else:
            page = scored(filtered)
        page = page.order_by(*self._ordering(request.sort, bool(parsed)))
        rows = list(page.values_list("pk", "score")[request.offset : request.offset + request.page_size])
        return _Found(total, facets, rows, facets_exact)

    def count(self, request: SearchRequest, *, user) -> int:
        """How many results of `request.kind` every word matches, for the tabs: counted up to
        exact_count_limit() + 1, a larger number than the limit meaning "more than that"."""
        parsed = request.parsed
        filters = request.filters
        if request.kind == "ideas":
            campaigns = campaign_ids(filters.campaign) if filters.campaign else None
            documents = self._visible(user)
            if parsed:
                documents = self._match(documents, parsed, "all")
            return _capped_count(self._filter(documents, filters, campaigns))
        kind = KIND_BY_NAME[request.kind]
        matched = self._kind_base(kind, user, filters)
        matched = self._kind_match(matched, kind, parsed, "all") if parsed else matched
        return _capped_count(matched)

    def _kind_base(self, kind: "DocumentKind", user, filters: Filters):
        """Indexed rows of a kind that `user` may see, narrowed by the filters that apply to it."""
        if kind is COMMENTS:
            # A public comment on an idea the member may see; idea filters apply through the idea.
            comments = Comment.objects.filter(
                visibility=Visibility.PUBLIC,
                idea__in=Idea.objects.visible_to(user).values("pk"),
                search_document__isnull=False,
            )
            ideas = self._filter(IdeaDocument.objects.all(), filters)
            if filters.active():
                comments = comments.filter(idea_id__in=ideas.values("pk"))
            return comments
        prototypes = Prototype.objects.visible_to(user).filter(search_document__isnull=False)
        if filters.product:
            prototypes = prototypes.filter(product__slug=filters.product)
        return prototypes

    def _query_kind(self, kind: "DocumentKind", request: SearchRequest, *, user) -> SearchResults:
        parsed = request.parsed
        notices = [truncation_notice()] if parsed.truncated else []
        if request.filters.active():
            notices += unknown_filter_notices(request)
            if kind is PROTOTYPES and set(request.filters.active()) - {"product"}:
                notices.append(_("Prototypes are filtered by product only; the other filters were left out."))
        base = self._kind_base(kind, user, request.filters)
        mode = "all"
        if parsed:
            matched = self._kind_match(base, kind, parsed, mode)
            total = _capped_count(matched)
            if total == 0 and len(parsed.terms) > 1:
                any_matched = self._kind_match(base, kind, parsed, "any")
                if any_total := _capped_count(any_matched):
                    matched, total, mode = any_matched, any_total, "any"
                    notices.append(_("Nothing has all of those words; showing results with some of them."))
            page = self._kind_score(matched, kind, parsed, mode)
        else:
            matched = base
            total = _capped_count(matched)
            page = matched.annotate(score=Value(0.0, output_field=FloatField()))
        order = (
            ["-created_at", "-pk"]
            if request.sort == "new" or not parsed
            else ["-score", "-created_at", "-pk"]
        )
        fields = ["pk", "idea_id" if kind is COMMENTS else "created_at", "score"]
        rows = list(
            page.order_by(*order).values_list(*fields)[request.offset : request.offset + request.page_size]
        )
        ids = [row[0] for row in rows]
        marked = self._kind_highlights(kind, ids, parsed, mode) if parsed and ids else {}
        texts = kind.document.objects.filter(pk__in=ids).values_list("pk", *kind.columns)
        for pk, *columns in texts:
            title, body = (columns[0], columns[-1]) if len(columns) > 1 else ("", columns[0])
            marked.setdefault(pk, (title, _first_words(body)))
        hits = [
            Hit(
                idea_id=second if kind is COMMENTS else None,
                score=float(score or 0),
                title_html=marked_html(marked[pk][0]) if pk in marked else marked_html(""),
                snippet_html=marked_html(marked[pk][1]) if pk in marked else marked_html(""),
                kind=kind.name,
                object_id=pk,
            )
            for pk, second, score in rows
        ]
        limit = exact_count_limit()
        return SearchResults(
            hits=hits,
            total=min(total, limit),
            total_exact=total <= limit,
            facets=_no_facets(),
            request=request,
            notices=notices,
        )

    def similar_titles(self, title: str, *, user, limit: int = 5) -> list[int]:
        parsed = parse_text(title)
        if not parsed:
            return []
        listed = self._visible(user).filter(visibility=Visibility.PUBLIC).exclude(status=Idea.Status.MERGED)
        candidates = self._score(self._match(listed, parsed, "any", prefix=True), parsed, "any", prefix=True)
        return list(candidates.order_by("-score", "-pk").values_list("pk", flat=True)[:limit])

    def more_like_this(self, idea: Idea, *, user, limit: int = 5) -> list[int]:
        text = " ".join([idea.title, *(tag.name for tag in idea.tags.all())])
        parsed = parse_text(text)
        if not parsed:
            return []
        listed = (
            self._visible(user)
            .filter(visibility=Visibility.PUBLIC)
            .exclude(status=Idea.Status.MERGED)
            .exclude(pk=idea.pk)
        )
        candidates = self._score(self._match(listed, parsed, "any"), parsed, "any")
        return list(candidates.order_by("-score", "-pk").values_list("pk", flat=True)[:limit])

    @staticmethod
    def _visible(user):
        """The documents of `Idea.objects.visible_to(user)`: public ones plus the member's own, or
        all of them when visible_to filters nothing (moderators). Derived from the queryset itself."""
        documents = IdeaDocument.objects.all()
        if not Idea.objects.visible_to(user).query.has_filters():
            return documents
        public = Q(visibility=Visibility.PUBLIC)
        if user is not None and user.is_authenticated:
            return documents.filter(public | Q(author_id=user.pk))
        return documents.filter(public)

    def _filter(self, documents, filters: Filters, campaigns=None):
        """`campaigns`: the ids `filters.campaign` names, resolved once per search."""
        if filters.status:
            documents = documents.filter(status=filters.status)
        if filters.tag:
            documents = documents.filter(self._tag_q(filters.tag))
        if filters.segment:
            documents = documents.filter(
                segment_id__in=Segment.objects.filter(slug=filters.segment).values("pk")
            )
        if filters.product:
            documents = documents.filter(
                product_id__in=Product.objects.filter(slug=filters.product).values("pk")
            )
        if filters.campaign:
            if campaigns is None:
                campaigns = campaign_ids(filters.campaign)
            documents = documents.filter(campaign_id__in=campaigns)
        return documents

    @staticmethod
    def _tag_q(slug: str) -> Q:
        return Q(idea__tags__slug=slug)

    @staticmethod
    def _by_relevance(sort: str, has_text: bool) -> bool:
        """Whether the page is ordered by score (and so ranks the window only): words, and neither
        the votes nor the date sort."""
        return has_text and sort not in ("votes", "new")

    @classmethod
    def _ordering(cls, sort: str, has_text: bool) -> list:
        if sort == "new":
            return ["-created_at", "-pk"]
        if not cls._by_relevance(sort, has_text):
            return ["-votes", "-pk"]
        return ["-score", "-votes", "-pk"]

    # The page's ORDER BY for each sort, over the one-pass statement's CTEs (as `_ordering`).
    PASS_ORDERING = {
        "relevance": "m.score DESC, m.votes DESC, m.pk DESC",
        "votes": "m.votes DESC, m.pk DESC",
        "new": "m.created_at DESC, m.pk DESC",
    }

    def _one_pass(self, scored, request: SearchRequest, campaigns, user, *, has_text: bool) -> _Found:
        """Total, facets and page rows in one statement.

        What members see. A page by relevance ranks the **window**: the match's best-voted
        exact_count_limit() rows (1,000) that pass every filter, ordered by score within it. A match
        no broader than that is all in the window, so it is ranked exactly; a broader one (its total
        reads "1,000+") shows the most relevant of its 1,000 best-voted ideas, as Elasticsearch's
        rescore window does. Pages by votes or date order the whole match. Each facet counts, among
        the match's best-voted exact_count_limit() rows, those where every *other* filter holds (so
        its own other values stay choosable): exact for a match no broader than that, lower bounds
        beyond (`facets_exact`), whatever the sort. The total is counted up to the limit + 1.

        Why. Ranking a broad match by relevance read and scored every matching row (12–27k for one
        common word at 100k ideas; bench/RESULTS.md, 2026-12-04/05). A window chosen by votes is read
        from the index on (votes DESC, idea DESC) and stops after limit + 1 matches; a selective
        match still comes from the full-text index and is sorted. So the match `m` (with its score and
        one yes/no column per active filter) is NOT MATERIALIZED: each CTE below is planned on its
        own with the match inlined (a CTE used twice is otherwise materialised: the whole match read
        and scored). The score is computed for the window's rows when they come from the votes index,
        for the filtered match when it is small enough to be sorted (cheap: ~0.3 ms per 1,000 rows),
        and for the page's rows only when the page is sorted by votes or date."""
        filters = request.filters
        checks = {name: Value(True, output_field=BooleanField()) for name in FACETS}
        conditions = self._filter_conditions(filters, campaigns)
        for name, condition in conditions.items():
            checks[name] = ExpressionWrapper(condition, output_field=BooleanField())
        facet_columns = ["status", "segment_id", "product_id", "campaign_id", "tag_slugs"]
        flags = [f"ok_{name}" for name in FACETS]
        rows = scored.annotate(**{f"ok_{name}": check for name, check in checks.items()}).values(
            "pk", "votes", "created_at", *facet_columns, "score", *flags
        )
        inner_sql, params = rows.query.sql_with_params()

        limit = int(exact_count_limit())
        sort = request.sort
        ranked = self._by_relevance(sort, has_text)
        by_votes = self.PASS_ORDERING["votes"]

        def others(name):
            return " AND ".join(f"m.ok_{other}" for other in FACETS if other != name) or "1 = 1"

        every = " AND ".join(f"m.ok_{name}" for name in FACETS)

        def best_voted(where: str, columns: list[str]) -> str:
            # The best-voted limit + 1 rows numbered in that order: the numbering reads the LIMIT's
            # output (no second sort), and the extra row tells "more than the limit" apart.
            picked = ", ".join(f"m.{column}" for column in columns)
            return (
                "SELECT x.*, ROW_NUMBER() OVER (ORDER BY x.votes DESC, x.pk DESC) AS rn FROM ("  # noqa: S608
                f"SELECT {picked} FROM m WHERE {where} ORDER BY {by_votes} LIMIT {limit + 1}) AS x"
            )

        window_columns = ["pk", "votes", "created_at", *facet_columns, *flags, *(["score"] if ranked else [])]
        # `c`: the candidates, i.e. the window of rows passing every filter (scored only for a ranked
        # page). `w`: the facets' window, the best-voted rows of the match whatever the filters; the
        # same rows as `c` when no filter is active. With a filter, a match no broader than the window
        # is all in `w`, so `c` is `w`'s rows that pass every filter, and the match is read once; only
        # a broader match is read again for `c` (its second branch, which PostgreSQL skips unless
        # `w` is full: a condition on no column is checked once, before the scan).
        if conditions:
            kept = ", ".join(f"m.{column}" for column in window_columns)
            full = f"(SELECT COUNT(*) FROM w) > {limit}"  # noqa: S608 - our own names only
            ctes = [
                f"w AS ({best_voted('1 = 1', window_columns)})",
                f"c AS (SELECT {kept}, ROW_NUMBER() OVER (ORDER BY {by_votes}) AS rn "  # noqa: S608
                f"FROM w AS m WHERE {every} AND NOT {full} "
                f"UNION ALL {best_voted(f'{every} AND {full}', window_columns)})",
            ]
        else:
            ctes = [f"c AS ({best_voted(every, window_columns)})"]
        facet_window = "w" if conditions else "c"
        # Counts are cast to a float so that every branch has the same column types as the page's
        # scores; the fourth column orders the page.
        branches = [
            f"SELECT '{name}', CAST(m.{column} AS TEXT), "  # noqa: S608 - our own names only
            f"CAST(COUNT(*) FILTER (WHERE {others(name)}) AS DOUBLE PRECISION), 0 FROM {facet_window} AS m "
            f"WHERE m.rn <= {limit} AND m.{column} IS NOT NULL GROUP BY m.{column}"
            for name, column in (
                ("status", "status"),
                ("segment", "segment_id"),
                ("product", "product_id"),
                ("campaign", "campaign_id"),
            )
        ]
        # Tags: rows are grouped by their tag list first (a few hundred distinct lists at most), and only
        # the groups are unnested: unnesting every matched row's list cost more than the rest together.
        branches.append(
            "SELECT * FROM (SELECT 'tag', t.value, CAST(SUM(g.rows) AS DOUBLE PRECISION) AS n, 0 "  # noqa: S608
            f"FROM (SELECT m.tag_slugs, COUNT(*) AS rows FROM {facet_window} AS m "
            f"WHERE m.rn <= {limit} AND {others('tag')} GROUP BY m.tag_slugs) AS g "
            f"CROSS JOIN {self.json_elements.format(column='g.tag_slugs')} "
            f"GROUP BY t.value ORDER BY n DESC, t.value LIMIT {TAG_FACET_SIZE + 1}) AS tag_counts"
        )
        # The total, counted up to the limit + 1; and whether the match is broader than the window.
        branches.append("SELECT '', NULL, CAST(COUNT(*) AS DOUBLE PRECISION), 0 FROM c")
        branches.append(
            f"SELECT 'broad', NULL, CAST(COUNT(*) AS DOUBLE PRECISION), 0 FROM {facet_window}"  # noqa: S608
        )
        # The page: a top-N sort inside, numbered outside (over 20 rows). Ranked within the window;
        # by votes or date over the whole match, in index order (score computed for the page only).
        order = self.PASS_ORDERING[sort if sort == "new" or has_text else "votes"]
        source = f"c AS m WHERE m.rn <= {limit}" if ranked else f"m WHERE {every}"
        branches.append(
            f"SELECT 'hit', CAST(pk AS TEXT), score, ROW_NUMBER() OVER (ORDER BY {order}) FROM ("  # noqa: S608
            f"SELECT m.pk, m.score, m.votes, m.created_at FROM {source} ORDER BY {order} "
            f"LIMIT {int(request.page_size)} OFFSET {int(request.offset)}) AS m"
        )
        # Column names in the CTE are the ORM's aliases; name them so the branches can refer to them.
        columns = ["pk", "votes", "created_at", *facet_columns, "score", *flags]
        sql = (
            f"WITH m ({', '.join(columns)}) AS {self.inline_cte} ({inner_sql}), "  # noqa: S608 - our names
            + ", ".join(ctes)
            + " "
            + " UNION ALL ".join(branches)
        )
        counts: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
        total, broad, hits = 0, 0, []
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for facet, value, number, position in cursor.fetchall():
                if facet == "hit":
                    hits.append((position, int(value), number))
                elif facet == "":
                    total = int(number)
                elif facet == "broad":
                    broad = int(number)
                elif number:
                    counts[facet].append((value, int(number)))
        page = [(pk, score) for _position, pk, score in sorted(hits)]
        if not total:
            return _nothing()
        return _Found(total, self._label_facets(counts, user), page, facets_exact=broad <= limit)

    def _filter_conditions(self, filters: Filters, campaigns) -> dict[str, Q]:
        conditions = {}
        if filters.status:
            conditions["status"] = Q(status=filters.status)
        if filters.tag:
            conditions["tag"] = Q(
                pk__in=self._filter(IdeaDocument.objects.all(), Filters(tag=filters.tag)).values("pk")
            )
        if filters.segment:
            conditions["segment"] = Q(
                segment_id__in=Segment.objects.filter(slug=filters.segment).values("pk")
            )
        if filters.product:
            conditions["product"] = Q(
                product_id__in=Product.objects.filter(slug=filters.product).values("pk")
            )
        if filters.campaign:
            # An empty IN () cannot be compiled as a column; no campaign named means no row passes.
            conditions["campaign"] = Q(campaign_id__in=campaigns) if campaigns else Q(pk__isnull=True)
        return conditions

    @staticmethod
    def _label_facets(counts, user) -> dict[str, list[FacetValue]]:
        def ordered(pairs):
            return sorted(pairs, key=lambda pair: (-pair[2], str(pair[1]).lower()))

        statuses = dict(Idea.Status.choices)
        ids = {
            name: [int(value) for value, _count in counts[name]]
            for name in ("segment", "product", "campaign")
        }
        segments = {
            pk: (slug, name)
            for pk, slug, name in Segment.objects.filter(
                segment_facet_q(user), pk__in=ids["segment"]
            ).values_list("pk", "slug", "name")
        }
        products = {
            pk: (slug, name)
            for pk, slug, name in Product.objects.filter(pk__in=ids["product"]).values_list(
                "pk", "slug", "name"
            )
        }
        campaigns = campaign_labels(ids["campaign"])
        tags = dict(Tag.objects.filter(slug__in=[v for v, _c in counts["tag"]]).values_list("slug", "name"))
        return {
            "status": [
                FacetValue(v, str(statuses.get(v, v)), c)
                for v, _label, c in ordered((v, statuses.get(v, v), c) for v, c in counts["status"])
            ],
            "tag": [
                FacetValue(v, label, c)
                for v, label, c in ordered((v, tags[v], c) for v, c in counts["tag"] if v in tags)
            ][:TAG_FACET_SIZE],
            "segment": [
                FacetValue(segments[pk][0], label, c)
                for pk, label, c in ordered(
                    (int(v), segments[int(v)][1], c) for v, c in counts["segment"] if int(v) in segments
                )
            ],
            "product": [
                FacetValue(products[pk][0], label, c)
                for pk, label, c in ordered(
                    (int(v), products[int(v)][1], c) for v, c in counts["product"] if int(v) in products
                )
            ],
            "campaign": [
                FacetValue(campaigns[pk][0], label, c)
                for pk, label, c in ordered(
                    (int(v), campaigns[int(v)][1], c) for v, c in counts["campaign"] if int(v) in campaigns
                )
            ],
        }

    def _hits(self, rows, parsed: ParsedText, mode: str, *, highlight: bool) -> list[Hit]:
        ids = [pk for pk, _score in rows]
        marked = self._highlights(ids, parsed, mode) if highlight and ids else {}
        if len(marked) < len(ids):
            for pk, title, body in IdeaDocument.objects.filter(pk__in=ids).values_list("pk", "title", "body"):
                marked.setdefault(pk, (title, _first_words(body)))
        return [
            Hit(
                idea_id=pk,
                score=float(score or 0),
                title_html=marked_html(marked[pk][0]),
                snippet_html=marked_html(marked[pk][1]),
            )
            for pk, score in rows
            if pk in marked
        ]

    # ---- what each database does differently -------------------------------------------------------
    def _match(self, ideas, parsed: ParsedText, mode: str, *, prefix: bool = False):
        raise NotImplementedError

    def _score(self, ideas, parsed: ParsedText, mode: str, *, prefix: bool = False):
        raise NotImplementedError

    def _fuzzy_match(self, ideas, parsed: ParsedText):
        return None

    def _fuzzy_score(self, ideas, parsed: ParsedText):
        raise NotImplementedError

    def _highlights(self, ids, parsed: ParsedText, mode: str) -> dict[int, tuple[str, str]]:
        raise NotImplementedError

    def _kind_match(self, rows, kind: "DocumentKind", parsed: ParsedText, mode: str):
        raise NotImplementedError

    def _kind_score(self, rows, kind: "DocumentKind", parsed: ParsedText, mode: str):
        raise NotImplementedError

    def _kind_highlights(self, kind: "DocumentKind", ids, parsed: ParsedText, mode: str):
        raise NotImplementedError


def _first_words(text: str, count: int = SNIPPET_WORDS) -> str:
    words = (text or "").split()
    return " ".join(words[:count]) + (" …" if len(words) > count else "")


class PostgresBackend(DatabaseBackend):
    config = "english"
    json_elements = "jsonb_array_elements_text({column}) AS t(value)"
    # Below this pg_trgm word similarity a title is not a near spelling of the word typed.
    fuzzy_threshold = 0.5
    vector = (
        SearchVector("title", weight="A", config="english")
        + SearchVector("tags", weight="B", config="english")
        + SearchVector("body", weight="C", config="english")
        + SearchVector("comments", weight="D", config="english")
    )

    def _after_write(self, idea_ids):
        IdeaDocument.objects.filter(pk__in=idea_ids).update(search_vector=self.vector)

    def _unusable_documents(self):
        return list(IdeaDocument.objects.filter(search_vector__isnull=True).values_list("pk", flat=True))

    @staticmethod
    def raw_tsquery(parsed: ParsedText, mode: str, *, prefix: bool = False) -> str:
        """tsquery text built from words only (each matches \\w+, so none is tsquery syntax)."""
        parts = []
        for index, term in enumerate(parsed.terms):
            words = list(term)
            if prefix and index == len(parsed.terms) - 1:
                words[-1] += ":*"
            parts.append(words[0] if len(words) == 1 else "(" + " <-> ".join(words) + ")")
        raw = (" | " if mode == "any" else " & ").join(parts)
        if parsed.excluded:
            raw = f"({raw})" + "".join(f" & !{word}" for word in parsed.excluded)
        return raw

    def tsquery(self, parsed: ParsedText, mode: str, *, prefix: bool = False) -> SearchQuery:
        return SearchQuery(
            self.raw_tsquery(parsed, mode, prefix=prefix), search_type="raw", config=self.config
        )

    def _match(self, documents, parsed, mode, *, prefix=False):
        return documents.filter(search_vector=self.tsquery(parsed, mode, prefix=prefix))

    def _score(self, documents, parsed, mode, *, prefix=False):
        query = self.tsquery(parsed, mode, prefix=prefix)
        return documents.annotate(score=SearchRank(F("search_vector"), query))

    @staticmethod
    def _tag_q(slug):
        # jsonb containment on the document's own copy: no join.
        return Q(tag_slugs__contains=[slug])

    def _fuzzy_words(self, parsed):
        # Trigrams say little about very short words; two-letter words would match everything.
        return [word for word in parsed.words if len(word) >= 3]

    def _fuzzy_match(self, ideas, parsed):
        words = self._fuzzy_words(parsed)
        if not words:
            return None
        similar = Q()
        for word in words:
            # `word <% title`, answered from the trigram GIN index on search_ideadocument.title.
            similar &= Q(title__trigram_word_similar=word)
        ideas = ideas.filter(similar)
        if parsed.excluded:
            excluded = SearchQuery(" | ".join(parsed.excluded), search_type="raw", config=self.config)
            ideas = ideas.exclude(search_vector=excluded)
        return ideas

    def _fuzzy_score(self, ideas, parsed):
        # PostgreSQL only (needs django.contrib.postgres); SQLite never gets here.
        from django.contrib.postgres.search import TrigramWordSimilarity

        score = sum(
            (TrigramWordSimilarity(word, "title") for word in self._fuzzy_words(parsed)),
            Value(0.0),
        )
        return ideas.annotate(score=score)

    def _highlights(self, ids, parsed, mode):
        query = self.tsquery(parsed, mode)
        rows = IdeaDocument.objects.filter(pk__in=ids).annotate(
            title_marked=SearchHeadline(
                "title",
                query,
                config=self.config,
                start_sel=MARK_START,
                stop_sel=MARK_END,
                highlight_all=True,
            ),
            body_marked=SearchHeadline(
                "body",
                query,
                config=self.config,
                start_sel=MARK_START,
                stop_sel=MARK_END,
                max_words=SNIPPET_WORDS,
                min_words=12,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        return {
            pk: (title, body) for pk, title, body in rows.values_list("pk", "title_marked", "body_marked")
        }

    def _optimise(self):
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE search_ideadocument")

    def _after_write_kind(self, kind, ids):
        vector = functools.reduce(
            operator.add,
            (SearchVector(column, weight=weight, config=self.config) for column, weight in kind.weights),
        )
        kind.document.objects.filter(pk__in=ids).update(search_vector=vector)

    def _kind_match(self, rows, kind, parsed, mode):
        return rows.filter(search_document__search_vector=self.tsquery(parsed, mode))

    def _kind_score(self, rows, kind, parsed, mode):
        return rows.annotate(
            score=SearchRank(F("search_document__search_vector"), self.tsquery(parsed, mode))
        )

    def _kind_highlights(self, kind, ids, parsed, mode):
        query = self.tsquery(parsed, mode)
        title_column, body_column = kind.title_column, kind.columns[-1]
        documents = kind.document.objects.filter(pk__in=ids).annotate(
            body_marked=SearchHeadline(
                body_column,
                query,
                config=self.config,
                start_sel=MARK_START,
                stop_sel=MARK_END,
                max_words=SNIPPET_WORDS,
                min_words=12,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
            title_marked=SearchHeadline(
                title_column or body_column,
                query,
                config=self.config,
                start_sel=MARK_START,
                stop_sel=MARK_END,
                highlight_all=True,
            ),
        )
        return {
            pk: (title if title_column else "", body)
            for pk, title, body in documents.values_list("pk", "title_marked", "body_marked")
        }


class SqliteBackend(DatabaseBackend):
    json_elements = "json_each({column}) AS t"
    # SQLite reads the hint from 3.35 on; Django 5.2 runs on 3.31, where the plain CTE is the same
    # statement, only planned as a whole (fine at SQLite's sizes).
    inline_cte = "NOT MATERIALIZED" if sqlite3.sqlite_version_info >= (3, 35) else ""

    @staticmethod
    def match_expression(parsed: ParsedText, mode: str, *, prefix: bool = False) -> str:
        """An FTS5 MATCH string: every word inside "double quotes" (words are \\w+, so no quote can
        occur), which makes AND, OR, NOT, NEAR, *, :, ^ and parentheses plain words."""
        parts = []
        for index, term in enumerate(parsed.terms):
            part = '"' + " ".join(term) + '"'
            if prefix and index == len(parsed.terms) - 1:
                part += "*"
            parts.append(part)
        expression = (" OR " if mode == "any" else " AND ").join(parts)
        if parsed.excluded:
            expression = f"({expression})" + "".join(f' NOT "{word}"' for word in parsed.excluded)
        return expression

    def _match(self, ideas, parsed, mode, *, prefix=False):
        expression = self.match_expression(parsed, mode, prefix=prefix)
        return ideas.filter(pk__in=RawSQL(FTS_IDS_SQL, [expression]))  # noqa: S611 - constant SQL

    def _score(self, ideas, parsed, mode, *, prefix=False):
        expression = self.match_expression(parsed, mode, prefix=prefix)
        score = RawSQL(FTS_SCORE_SQL, [expression], output_field=FloatField())  # noqa: S611 - constant SQL
        return ideas.annotate(score=score)

    def _highlights(self, ids, parsed, mode):
        expression = self.match_expression(parsed, mode)
        sql = FTS_HIGHLIGHT_SQL.format(ids=", ".join(["%s"] * len(ids)))
        with connection.cursor() as cursor:
            cursor.execute(sql, [MARK_START, MARK_END, MARK_START, MARK_END, expression, *ids])
            return {pk: (title, body) for pk, title, body in cursor.fetchall()}

    def _optimise(self):
        with connection.cursor() as cursor:
            cursor.execute(FTS_OPTIMIZE_SQL)

    def _kind_match(self, rows, kind, parsed, mode):
        sql = f"SELECT rowid FROM {kind.fts} WHERE {kind.fts} MATCH %s"  # noqa: S608 - our table names
        return rows.filter(pk__in=RawSQL(sql, [self.match_expression(parsed, mode)]))  # noqa: S611

    def _kind_score(self, rows, kind, parsed, mode):
        weights = ", ".join(str(weight) for weight in kind.bm25)
        owner = rows.model._meta.db_table
        sql = (
            f"SELECT -bm25({kind.fts}, {weights}) FROM {kind.fts} "  # noqa: S608 - our table names
            f'WHERE {kind.fts} MATCH %s AND {kind.fts}.rowid = "{owner}"."id"'
        )
        score = RawSQL(sql, [self.match_expression(parsed, mode)], output_field=FloatField())  # noqa: S611
        return rows.annotate(score=score)

    def _kind_highlights(self, kind, ids, parsed, mode):
        body_index = len(kind.columns) - 1
        title = f"highlight({kind.fts}, 0, %s, %s)" if kind.title_column else "''"
        title_params = [MARK_START, MARK_END] if kind.title_column else []
        sql = (
            f"SELECT rowid, {title}, snippet({kind.fts}, {body_index}, %s, %s, ' … ', 30) "  # noqa: S608
            f"FROM {kind.fts} WHERE {kind.fts} MATCH %s AND rowid IN ({', '.join(['%s'] * len(ids))})"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                sql, [*title_params, MARK_START, MARK_END, self.match_expression(parsed, mode), *ids]
            )
            return {pk: (title, body) for pk, title, body in cursor.fetchall()}

    def _unusable_documents(self):
        # FTS5 compares its index with the document table; out of step means a rebuild is due.
        try:
            with connection.cursor() as cursor:
                cursor.execute(FTS_CHECK_SQL)
        except DatabaseError:
            return list(IdeaDocument.objects.values_list("pk", flat=True))
        return []


def database_backend() -> DatabaseBackend:
    vendor = connection.vendor
    if vendor == "postgresql":
        return PostgresBackend()
    if vendor == "sqlite":
        return SqliteBackend()
    raise ImproperlyConfigured(
        f"Database search supports PostgreSQL and SQLite, not {vendor}; set ELASTICSEARCH_URL instead."
    )
