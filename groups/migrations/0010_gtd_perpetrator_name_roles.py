"""Editors and Reviewers keep the table of GTD perpetrator names: view, add, change and delete (it is not published
data, so there is nothing to publish)."""

from django.db import migrations

CODENAMES = [f"{action}_gtdperpetratorname" for action in ("view", "add", "change", "delete")]


def _grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("groups")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    permissions = list(Permission.objects.filter(content_type__app_label="groups", codename__in=CODENAMES))
    for role in apps.get_model("auth", "Group").objects.filter(name__in=["Editor", "Reviewer"]):
        role.permissions.add(*permissions)


def _revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    permissions = list(Permission.objects.filter(content_type__app_label="groups", codename__in=CODENAMES))
    for role in apps.get_model("auth", "Group").objects.filter(name__in=["Editor", "Reviewer"]):
        role.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [("groups", "0009_gtd_perpetrator_names_and_date_ranges"), ("kb", "0002_editor_and_reviewer_groups")]
    operations = [migrations.RunPython(_grant, _revoke)]
