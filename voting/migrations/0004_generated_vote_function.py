"""The vote function, now generated from the models and the one vote rule (voting/sql.py).

It replaces 0003's hand-written function, which named tables and columns itself and took the closed
statuses and the public visibility as arguments; the new one takes (idea, member, value, now) and
carries the truth table of Idea.takes_votes. When the rule, a status or visibility choice, or a table or
column it names changes, add a migration like this one (RunPython(install, ...)); tests/voting/test_sql.py
fails until the database holds what voting/sql.py generates.
"""

import importlib

from django.db import migrations

from voting import sql

OLD_SIGNATURE = "voting_apply_vote(bigint, bigint, integer, text[], text, timestamptz)"


def replace_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {OLD_SIGNATURE}", params=None)
    sql.install(apps, schema_editor)


def restore_function(apps, schema_editor):
    sql.uninstall(apps, schema_editor)
    importlib.import_module("voting.migrations.0003_vote_function").create_function(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0006_create_guidelines"),
        ("ideas", "0005_idea_fillfactor"),
        ("voting", "0003_vote_function"),
    ]

    operations = [migrations.RunPython(replace_function, restore_function, elidable=False)]
