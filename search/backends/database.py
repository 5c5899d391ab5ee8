"""Search in the database itself: PostgreSQL full text + trigrams, or SQLite FTS5.

Both keep one row per idea in `search_ideadocument` (written by the index task) and answer through
the ORM on `ideas.Idea`, so visibility is `Idea.objects.visible_to(user)` — the same rule every page
uses — and filters, facets and vote sorting read live rows. Only matching and ranking differ:

  PostgreSQL  `search_vector @@ to_tsquery('english', …)`, ts_rank with weights title A, tags B,
              body C, comments D; ts_headline for highlights; when no idea has every word, pg_trgm
              word similarity on titles catches typos ("ofline" → "offline").
  SQLite      `… MATCH` on the FTS5 table (porter stemming), bm25 with column weights, highlight()
              and snippet(). No typo tolerance.
"""

import hashlib
import json

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, F, FloatField, Q, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from ideas.models import Idea

from ..models import IdeaDocument
from ..query import (
    MARK_END,
    MARK_START,
    FacetValue,
    Filters,
    Hit,
    ParsedText,
    SearchRequest,
    SearchResults,
    marked_html,
    parse_text,
    truncation_notice,
)
from ..sources import idea_source, ideas_for_indexing
from .base import IndexCheck, SearchBackend, segment_facet_q, unknown_filter_notices

BATCH = 1000
TAG_FACET_SIZE = 12
SNIPPET_WORDS = 30
# SQLite statements. Only MATCH strings built by `match_expression` and ids go in as parameters.
FTS_IDS_SQL = "SELECT rowid FROM search_ideadocument_fts WHERE search_ideadocument_fts MATCH %s"
# bm25() is lower for better matches; negated so that higher is better on every backend. Column
# weights in FTS5 column order: title, tags, body, comments.
FTS_SCORE_SQL = (
    "SELECT -bm25(search_ideadocument_fts, 10.0, 5.0, 2.0, 1.0) FROM search_ideadocument_fts "
    'WHERE search_ideadocument_fts MATCH %s AND search_ideadocument_fts.rowid = "ideas_idea"."id"'
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
    keys = ("title", "body", "tags", "comments", "status", "visibility", "segment", "product", "author_id")
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


def _votes():
    return F("upvote_count") - F("downvote_count")


class DatabaseBackend(SearchBackend):
    """What PostgreSQL and SQLite share; subclasses only match, rank and highlight."""

    name = "database"

    # ---- indexing ---------------------------------------------------------------------------------
    def index_ideas(self, idea_ids) -> int:
        ids = sorted({int(pk) for pk in idea_ids})
        if not ids:
            return 0
        now = timezone.now()
        documents = [self._document(idea, now) for idea in ideas_for_indexing(ids)]
        gone = set(ids) - {document.idea_id for document in documents}
        with transaction.atomic():
            if gone:
                IdeaDocument.objects.filter(pk__in=gone).delete()
            IdeaDocument.objects.bulk_create(
                documents,
                update_conflicts=True,
                unique_fields=["idea"],
                update_fields=["title", "tags", "body", "comments", "fingerprint", "indexed_at"],
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

    # ---- querying ---------------------------------------------------------------------------------
    def query(self, request: SearchRequest, *, user) -> SearchResults:
        parsed = request.parsed
        notices = [truncation_notice()] if parsed.truncated else []
        if request.filters.active():
            notices += unknown_filter_notices(request)
        visible = Idea.objects.visible_to(user)
        mode, fuzzy = "all", False
        if parsed:
            matched = self._match(visible, parsed, mode)
            total = self._filter(matched, request.filters).count()
            if total == 0 and (fallback := self._fuzzy_match(visible, parsed)) is not None:
                fallback_total = self._filter(fallback, request.filters).count()
                if fallback_total:
                    matched, total, fuzzy = fallback, fallback_total, True
                    notices.append(_("No idea has exactly those words; showing near spellings."))
            if total == 0 and len(parsed.terms) > 1:
                any_matched = self._match(visible, parsed, "any")
                any_total = self._filter(any_matched, request.filters).count()
                if any_total:
                    matched, total, mode = any_matched, any_total, "any"
                    notices.append(_("No idea has all of those words; showing ideas with some of them."))
        else:
            matched = visible
            total = self._filter(matched, request.filters).count()

        facets = self._facets(matched, request.filters, user)
        page = self._filter(matched, request.filters)
        if parsed:
            page = self._fuzzy_score(page, parsed) if fuzzy else self._score(page, parsed, mode)
        else:
            page = page.annotate(score=Value(0.0, output_field=FloatField()))
        rows = list(
            page.order_by(*self._ordering(request.sort, bool(parsed))).values_list("pk", "score")[
                request.offset : request.offset + request.page_size
            ]
        )
        hits = self._hits(rows, parsed, mode, highlight=bool(parsed) and not fuzzy)
        return SearchResults(
            hits=hits, total=total, facets=facets, request=request, fuzzy=fuzzy, notices=notices
        )

    def similar_titles(self, title: str, *, user, limit: int = 5) -> list[int]:
        parsed = parse_text(title)
        if not parsed:
            return []
        listed = Idea.objects.visible_to(user) & Idea.objects.listed()
        candidates = self._score(self._match(listed, parsed, "any", prefix=True), parsed, "any", prefix=True)
        return list(candidates.order_by("-score", "-pk").values_list("pk", flat=True)[:limit])

    def more_like_this(self, idea: Idea, *, user, limit: int = 5) -> list[int]:
        text = " ".join([idea.title, *(tag.name for tag in idea.tags.all())])
        parsed = parse_text(text)
        if not parsed:
            return []
        listed = (Idea.objects.visible_to(user) & Idea.objects.listed()).exclude(pk=idea.pk)
        candidates = self._score(self._match(listed, parsed, "any"), parsed, "any")
        return list(candidates.order_by("-score", "-pk").values_list("pk", flat=True)[:limit])

    @staticmethod
    def _filter(ideas, filters: Filters):
        if filters.status:
            ideas = ideas.filter(status=filters.status)
        if filters.tag:
            ideas = ideas.filter(tags__slug=filters.tag)
        if filters.segment:
            ideas = ideas.filter(segment__slug=filters.segment)
        if filters.product:
            ideas = ideas.filter(product__slug=filters.product)
        return ideas

    @staticmethod
    def _ordering(sort: str, has_text: bool) -> list:
        if sort == "new":
            return ["-created_at", "-pk"]
        if sort == "votes" or not has_text:
            return [_votes().desc(), "-pk"]
        return ["-score", _votes().desc(), "-pk"]

    def _facets(self, matched, filters: Filters, user) -> dict[str, list[FacetValue]]:
        """Counts per value; each facet ignores its own filter, so the other values stay choosable."""
        labels = dict(Idea.Status.choices)
        statuses = (
            self._filter(matched, filters.without("status"))
            .values("status")
            .annotate(count=Count("pk"))
            .order_by("-count", "status")
        )
        tags = (
            self._filter(matched, filters.without("tag"))
            .filter(tags__isnull=False)
            .values("tags__slug", "tags__name")
            .annotate(count=Count("pk"))
            .order_by("-count", "tags__name")[:TAG_FACET_SIZE]
        )
        segments = (
            self._filter(matched, filters.without("segment"))
            .filter(segment__in=Idea.segment.field.related_model.objects.filter(segment_facet_q(user)))
            .values("segment__slug", "segment__name")
            .annotate(count=Count("pk"))
            .order_by("-count", "segment__name")
        )
        products = (
            self._filter(matched, filters.without("product"))
            .filter(product__isnull=False)
            .values("product__slug", "product__name")
            .annotate(count=Count("pk"))
            .order_by("-count", "product__name")
        )
        return {
            "status": [
                FacetValue(r["status"], labels.get(r["status"], r["status"]), r["count"]) for r in statuses
            ],
            "tag": [FacetValue(r["tags__slug"], r["tags__name"], r["count"]) for r in tags],
            "segment": [FacetValue(r["segment__slug"], r["segment__name"], r["count"]) for r in segments],
            "product": [FacetValue(r["product__slug"], r["product__name"], r["count"]) for r in products],
        }

    def _hits(self, rows, parsed: ParsedText, mode: str, *, highlight: bool) -> list[Hit]:
        ids = [pk for pk, _score in rows]
        marked = self._highlights(ids, parsed, mode) if highlight and ids else {}
        if len(marked) < len(ids):
            for pk, title, body in IdeaDocument.objects.filter(pk__in=ids).values_list("pk", "title", "body"):
                marked.setdefault(pk, (title, _first_words(body)))
            for pk, title in Idea.objects.filter(pk__in=set(ids) - set(marked)).values_list("pk", "title"):
                marked.setdefault(pk, (title, ""))  # not indexed yet: listed from the live row
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


def _first_words(text: str, count: int = SNIPPET_WORDS) -> str:
    words = (text or "").split()
    return " ".join(words[:count]) + (" …" if len(words) > count else "")


class PostgresBackend(DatabaseBackend):
    config = "english"
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

    def _match(self, ideas, parsed, mode, *, prefix=False):
        return ideas.filter(search_document__search_vector=self.tsquery(parsed, mode, prefix=prefix))

    def _score(self, ideas, parsed, mode, *, prefix=False):
        query = self.tsquery(parsed, mode, prefix=prefix)
        return ideas.annotate(score=SearchRank(F("search_document__search_vector"), query))

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
            similar &= Q(search_document__title__trigram_word_similar=word)
        ideas = ideas.filter(similar)
        if parsed.excluded:
            excluded = SearchQuery(" | ".join(parsed.excluded), search_type="raw", config=self.config)
            ideas = ideas.exclude(search_document__search_vector=excluded)
        return ideas

    def _fuzzy_score(self, ideas, parsed):
        from django.contrib.postgres.search import TrigramWordSimilarity

        score = sum(
            (TrigramWordSimilarity(word, "search_document__title") for word in self._fuzzy_words(parsed)),
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


class SqliteBackend(DatabaseBackend):
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
