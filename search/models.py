from django.contrib.postgres.search import SearchVectorField
from django.db import models


class IdeaDocument(models.Model):
    """The database backend's copy of one idea's searchable text, written only by the index task.

    Filters, facets, sorting and visibility read the live `ideas.Idea` row (joined on the primary
    key), so a vote, a status change or a moderator's hiding shows in results at once; only the text
    waits for the index task. Migration 0002 adds what each database needs beside this table:
      PostgreSQL  GIN index on `search_vector` (filled by the task with weighted to_tsvector) and a
                  pg_trgm GIN index on `title` for near spellings;
      SQLite      the FTS5 table `search_ideadocument_fts` over title/tags/body/comments, kept in step
                  with this table by triggers.
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

    class Meta:
        verbose_name = "idea search document"

    def __str__(self):
        return f"Search document for idea {self.idea_id}"
