"""What each database needs beside search_ideadocument; a no-op on any other database.

PostgreSQL: pg_trgm (near spellings), a GIN index on the tsvector and a trigram GIN index on titles.
SQLite: an external-content FTS5 table over the document table, kept in step by triggers, so the
index task only writes ordinary rows.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS search_ideadoc_vector_gin ON search_ideadocument USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS search_ideadoc_title_trgm ON search_ideadocument "
    "USING gin (title gin_trgm_ops)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_ideadoc_title_trgm",
    "DROP INDEX IF EXISTS search_ideadoc_vector_gin",
    # pg_trgm stays: other schemas may use it.
]

# Columns in the order bm25() weights and highlight()/snippet() column numbers refer to:
# 0 title, 1 tags, 2 body, 3 comments.
SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE search_ideadocument_fts USING fts5(
        title, tags, body, comments,
        content='search_ideadocument', content_rowid='idea_id',
        tokenize='porter unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER search_ideadocument_ai AFTER INSERT ON search_ideadocument BEGIN
        INSERT INTO search_ideadocument_fts(rowid, title, tags, body, comments)
        VALUES (new.idea_id, new.title, new.tags, new.body, new.comments);
    END""",
    """CREATE TRIGGER search_ideadocument_ad AFTER DELETE ON search_ideadocument BEGIN
        INSERT INTO search_ideadocument_fts(search_ideadocument_fts, rowid, title, tags, body, comments)
        VALUES ('delete', old.idea_id, old.title, old.tags, old.body, old.comments);
    END""",
    """CREATE TRIGGER search_ideadocument_au AFTER UPDATE ON search_ideadocument BEGIN
        INSERT INTO search_ideadocument_fts(search_ideadocument_fts, rowid, title, tags, body, comments)
        VALUES ('delete', old.idea_id, old.title, old.tags, old.body, old.comments);
        INSERT INTO search_ideadocument_fts(rowid, title, tags, body, comments)
        VALUES (new.idea_id, new.title, new.tags, new.body, new.comments);
    END""",
    # Rows that existed before the table (none on a fresh install).
    "INSERT INTO search_ideadocument_fts(search_ideadocument_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_ideadocument_au",
    "DROP TRIGGER IF EXISTS search_ideadocument_ad",
    "DROP TRIGGER IF EXISTS search_ideadocument_ai",
    "DROP TABLE IF EXISTS search_ideadocument_fts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_idea_document")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
