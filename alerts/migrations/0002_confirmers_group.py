"""The group 应急发布审核: its members confirm Actual alerts (a second person, never the drafter)
and may compose, update and cancel alerts too."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CONFIRMERS = "应急发布审核"
PERMISSIONS = ["add_alert", "change_alert", "view_alert", "confirm_alert"]


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations; the group needs them now.
    app_config = apps.get_app_config("alerts")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=CONFIRMERS)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="alerts", codename__in=PERMISSIONS),
        *Permission.objects.filter(content_type__app_label="wagtailadmin", codename="access_admin"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    # Unapplying keeps the group: its members and any permissions given by hand stay as they were.
    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
