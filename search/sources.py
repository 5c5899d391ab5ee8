"""What gets indexed: each searchable model turned into a flat document, the same for every backend.

One function per kind of content. Ideas today; prototypes and campaigns get their own `*_source`
function, Elasticsearch document (search/documents.py) and database table when those models exist.
"""

import html
import re

from django.db.models import Prefetch, QuerySet
from django.utils.html import strip_tags

from ideas.models import Comment, Idea, Visibility

from .query import clean_text

# A long discussion adds words, not meaning; cap what one idea's comments contribute to its document.
MAX_COMMENT_CHARS = 20000


# Block-level tags end a word: "<p>one</p><p>two</p>" is "one two", not "onetwo".
_BLOCK_TAG = re.compile(r"</?(?:p|br|li|ul|ol|h[1-6]|div|blockquote|pre|tr|td|th|hr)\b[^>]*>", re.IGNORECASE)


def plain_text(rendered_html: str) -> str:
    """Sanitised Markdown output back to words, for indexing and snippets."""
    return clean_text(html.unescape(strip_tags(_BLOCK_TAG.sub(" ", rendered_html or ""))))


def ideas_for_indexing(ids=None) -> QuerySet:
    """Ideas with everything their documents need, in three queries however many there are.

    Only public comments are loaded: a held or hidden comment's words must never make an idea match
    (or appear in a snippet) for anyone.
    """
    ideas = Idea.objects.select_related("segment", "product").prefetch_related(
        "tags",
        Prefetch(
            "comments",
            queryset=Comment.objects.filter(visibility=Visibility.PUBLIC).only("id", "idea_id", "body_html"),
            to_attr="public_comments",
        ),
    )
    if ids is not None:
        ideas = ideas.filter(pk__in=list(ids))
    return ideas.order_by("pk")


def idea_source(idea: Idea) -> dict:
    """The flat document for one idea (loaded through `ideas_for_indexing`)."""
    tags = sorted(idea.tags.all(), key=lambda tag: tag.slug)
    comments = " ".join(plain_text(c.body_html) for c in getattr(idea, "public_comments", []))
    return {
        "id": idea.pk,
        "title": clean_text(idea.title),
        "body": plain_text(idea.body_html),
        "tags": [tag.name for tag in tags],
        "tag_slugs": [tag.slug for tag in tags],
        "comments": comments[:MAX_COMMENT_CHARS],
        "status": idea.status,
        "visibility": idea.visibility,
        "author_id": idea.author_id,
        "segment": idea.segment.slug if idea.segment_id else None,
        "product": idea.product.slug if idea.product_id else None,
        "created_at": idea.created_at,
        "updated_at": idea.updated_at,
        "votes": idea.vote_count,
        "comment_count": idea.comment_count,
    }
