"""Room for HOT updates on PostgreSQL: a vote rewrites only an idea's counters, which no index
covers, so the new row version can stay on the same page and no index takes a new entry, as long as
the page has room. 15 % of each page is left free for that (voting.windows, bench/RESULTS.md).
Existing pages keep their layout until the table is rewritten (VACUUM FULL); new rows get the room."""

from django.db import migrations


def set_fillfactor(value):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE ideas_idea SET (fillfactor = {int(value)})")

    return apply


class Migration(migrations.Migration):
    dependencies = [("ideas", "0004_idea_locked_at")]

    operations = [migrations.RunPython(set_fillfactor(85), set_fillfactor(100), elidable=False)]
