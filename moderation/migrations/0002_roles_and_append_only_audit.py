from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

from community.roles import sync_roles


def grant_moderation_permissions(apps, schema_editor):
    # As community/0003_roles: the role groups need this app's permissions now, not after migrate.
    for app_config in global_apps.get_app_configs():
        module, app_config.models_module = app_config.models_module, True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = module  # put back what was there
    sync_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


# The audit log is append-only in the database too: an UPDATE of a stored entry aborts. (DELETE is left
# to the model and the admin, which refuse it, because the test runner empties tables with DELETE.)
# SQLite rebuilds a table to alter it, which drops triggers: a later migration altering
# moderation_auditentry must create this trigger again.
FORWARD = {
    "sqlite": [
        "CREATE TRIGGER moderation_auditentry_append_only BEFORE UPDATE ON moderation_auditentry "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION moderation_auditentry_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql",
        "CREATE TRIGGER moderation_auditentry_append_only BEFORE UPDATE ON moderation_auditentry "
        "FOR EACH ROW EXECUTE FUNCTION moderation_auditentry_append_only()",
    ],
}
BACKWARD = {
    "sqlite": ["DROP TRIGGER IF EXISTS moderation_auditentry_append_only"],
    "postgresql": [
        "DROP TRIGGER IF EXISTS moderation_auditentry_append_only ON moderation_auditentry",
        "DROP FUNCTION IF EXISTS moderation_auditentry_append_only()",
    ],
}


def append_only(apps, schema_editor):
    for statement in FORWARD.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def not_append_only(apps, schema_editor):
    for statement in BACKWARD.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0001_initial"),
        ("community", "0004_member_moderation_standing"),
    ]

    operations = [
        migrations.RunPython(grant_moderation_permissions, migrations.RunPython.noop),
        migrations.RunPython(append_only, not_append_only),
    ]
