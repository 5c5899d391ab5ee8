from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

from community.roles import sync_roles


def grant_backlog_permissions(apps, schema_editor):
    # As community/0003_roles: permissions are normally created after all migrations ran; the role
    # groups need the backlog ones now.
    for app_config in global_apps.get_app_configs():
        models_module, app_config.models_module = app_config.models_module, True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    sync_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("backlog", "0001_initial"),
        ("community", "0003_roles"),
    ]

    operations = [migrations.RunPython(grant_backlog_permissions, migrations.RunPython.noop)]
