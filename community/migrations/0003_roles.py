from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

from community.roles import sync_roles


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations ran; the role groups need them now.
    for app_config in global_apps.get_app_configs():
        # create_permissions skips app configs without a models module; restore it afterwards, or the
        # post_migrate content types and permissions of every app would be skipped too.
        saved, app_config.models_module = app_config.models_module, True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = saved
    sync_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0002_alter_member_options_member_deleted_at_and_more"),
        ("ideas", "0002_alter_idea_options_idea_retired_downvotes_and_more"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
