from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

from community.roles import sync_roles


def grant_prototype_permissions(apps, schema_editor):
    # As community/0003_roles: permissions are normally created after all migrations ran, but the role
    # groups need prototypes.publish_prototype and prototypes.view_results now.
    for app_config in global_apps.get_app_configs():
        module, app_config.models_module = app_config.models_module, True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = module  # put back what was there
    sync_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("prototypes", "0001_initial"),
        ("community", "0003_roles"),
    ]

    operations = [migrations.RunPython(grant_prototype_permissions, migrations.RunPython.noop)]
