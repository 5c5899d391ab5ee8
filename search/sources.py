"""What gets indexed: each searchable model turned into a flat document, the same for every backend.

One `*_for_indexing` queryset and one `*_source` function per kind: ideas, comments, prototypes.
Campaigns are not a kind of their own: they are a filter and facet on ideas (`campaign`).
"""

import hashlib
import html
import json
import re

from django.db.models import Prefetch, QuerySet
from django.utils.html import strip_tags

from ideas.models import Comment, Idea, Visibility
from prototypes.models import Prototype

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
            queryset=Comment.objects.filter(visibility=Visibility.PUBLIC).only(
                "id", "idea_id", "body_html", "created_at"
            ),
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
        "campaign": idea.campaign_id,
        "created_at": idea.created_at,
        "updated_at": idea.updated_at,
        "votes": idea.vote_count,
        "comment_count": idea.comment_count,
    }


def comments_for_indexing(ids=None) -> QuerySet:
    """Public comments with their ideas (for the idea fields Elasticsearch copies); others are not
    indexed at all, so a held or hidden comment can never be found."""
    comments = (
        Comment.objects.filter(visibility=Visibility.PUBLIC)
        .select_related("idea", "idea__segment", "idea__product")
        .prefetch_related("idea__tags")
    )
    if ids is not None:
        comments = comments.filter(pk__in=list(ids))
    return comments.order_by("pk")


def comment_source(comment: Comment) -> dict:
    idea = comment.idea
    return {
        "id": comment.pk,
        "body": plain_text(comment.body_html),
        "idea_id": idea.pk,
        "idea_title": clean_text(idea.title),
        "idea_visibility": idea.visibility,
        "idea_author_id": idea.author_id,
        "status": idea.status,
        "tag_slugs": sorted(tag.slug for tag in idea.tags.all()),
        "segment": idea.segment.slug if idea.segment_id else None,
        "product": idea.product.slug if idea.product_id else None,
        "campaign": idea.campaign_id,
        "created_at": comment.created_at,
    }


def prototypes_for_indexing(ids=None) -> QuerySet:
    """Published prototypes with their variants; drafts are never indexed."""
    prototypes = (
        Prototype.objects.filter(status=Prototype.Status.PUBLISHED)
        .select_related("product")
        .prefetch_related("variants")
    )
    if ids is not None:
        prototypes = prototypes.filter(pk__in=list(ids))
    return prototypes.order_by("pk")


def prototype_source(prototype) -> dict:
    variants = [f"{variant.name}. {variant.description}" for variant in prototype.variants.all()]
    return {
        "id": prototype.pk,
        "title": clean_text(prototype.title),
        "body": clean_text(" ".join([prototype.description, *variants])),
        "status": prototype.status,
        "stage": prototype.stage,
        "product": prototype.product.slug if prototype.product_id else None,
        "created_at": prototype.created_at,
    }


def source_fingerprint(source: dict, keys) -> str:
    """Hash of the fields of a source that matching and filtering depend on."""
    payload = json.dumps(
        [source[key] for key in keys], ensure_ascii=False, separators=(",", ":"), default=str
    )
    return hashlib.sha256(payload.encode()).hexdigest()
