from django.contrib.postgres.search import SearchVectorField
from django.db import models


class IdeaDocument(models.Model):
    """The database backend's copy of one idea as search needs it, written only by the index task.

    Besides the text, the document carries copies of everything search filters, counts and sorts by
    (status, visibility, author, segment, product, campaign, tags, date, votes), so a search reads this
    one table: at 100k ideas a join back to `ideas_idea` for every match cost more than the matching
    itself (bench/RESULTS.md, "Search"). The copies are as fresh as the last index task of that idea;
    votes are refreshed on their own, per 10-second window of votes (voting.windows). Pages re-read
    every hit through `Idea.objects.visible_to(user)`, so a stale copy can never show a hidden idea.

    Migration 0002 adds what each database needs beside this table:
      PostgreSQL  GIN index on `search_vector` (filled by the task with weighted to_tsvector) and a
                  pg_trgm GIN index on `title` for near spellings;
      SQLite      the FTS5 table `search_ideadocument_fts` over title/tags/body/comments, kept in step
                  with this table by triggers (recreated by 0003, which rebuilt the table).
    """

    idea = models.OneToOneField(
        "ideas.Idea", on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    title = models.TextField()
    tags = models.TextField(blank=True)
    body = models.TextField(blank=True)
    comments = models.TextField(blank=True)
    # Hash of the indexed fields; `search_index --check` recomputes it to find stale documents.
    fingerprint = models.CharField(max_length=64)
    indexed_at = models.DateTimeField()
    # PostgreSQL full-text vector (title A, tags B, body C, comments D). On SQLite the column exists
    # but stays NULL: FTS5 does the work there.
    search_vector = SearchVectorField(null=True, editable=False)

    # Copies of the idea's fields for filters, facets and sorting. Plain integers, not foreign keys:
    # the document follows the idea, and a deleted segment or campaign must not cascade into it.
    status = models.CharField(max_length=20, default="new")
    visibility = models.CharField(max_length=10, default="public")
    author_id = models.IntegerField(null=True)
    segment_id = models.IntegerField(null=True)
    product_id = models.IntegerField(null=True)
    campaign_id = models.IntegerField(null=True)
    tag_slugs = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(null=True)
    votes = models.IntegerField(default=0)

    class Meta:
        verbose_name = "idea search document"
        indexes = [
            # An empty query lists by votes or date: walk these instead of sorting every document.
            models.Index(fields=["-votes", "-idea"], name="search_ideadoc_votes"),
            models.Index(fields=["-created_at", "-idea"], name="search_ideadoc_new"),
        ]

    def __str__(self):
        return f"Search document for idea {self.idea_id}"


class CommentDocument(models.Model):
    """One public comment's searchable text (database backend), written only by the index task.

    Who may see it is read from the live rows at search time: the comment must be public and its idea
    visible to the member (`Idea.objects.visible_to`); idea filters apply through the idea. Migration
    0004 adds the GIN index (PostgreSQL) or the FTS5 table `search_commentdocument_fts` (SQLite).
    """

    comment = models.OneToOneField(
        "ideas.Comment", on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    body = models.TextField()
    fingerprint = models.CharField(max_length=64)
    indexed_at = models.DateTimeField()
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = "comment search document"

    def __str__(self):
        return f"Search document for comment {self.comment_id}"


class PrototypeDocument(models.Model):
    """One prototype's searchable text: title (A), its description and its variants' names and
    descriptions (C). Visibility is `Prototype.objects.visible_to(user)` at search time; the index
    task keeps documents of published prototypes only."""

    prototype = models.OneToOneField(
        "prototypes.Prototype", on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    title = models.TextField()
    body = models.TextField(blank=True)
    fingerprint = models.CharField(max_length=64)
    indexed_at = models.DateTimeField()
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = "prototype search document"

    def __str__(self):
        return f"Search document for prototype {self.prototype_id}"
