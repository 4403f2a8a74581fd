"""Editors add, change and delete theatres and the groups on their maps; Reviewers may also publish them."""

from django.db import migrations

MODELS = ["theatre", "theatregroup"]
EDITOR_CODENAMES = [f"{action}_{model}" for model in MODELS for action in ("view", "add", "change", "delete")]
REVIEWER_CODENAMES = [*EDITOR_CODENAMES, *(f"publish_{model}" for model in MODELS)]


def _permissions(apps, codenames):
    Permission = apps.get_model("auth", "Permission")
    return list(Permission.objects.filter(content_type__app_label="groups", codename__in=codenames))


def _grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("groups")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = None
    AuthGroup = apps.get_model("auth", "Group")
    for name, codenames in (("Editor", EDITOR_CODENAMES), ("Reviewer", REVIEWER_CODENAMES)):
        for role in AuthGroup.objects.filter(name=name):
            role.permissions.add(*_permissions(apps, codenames))


def _revoke(apps, schema_editor):
    for role in apps.get_model("auth", "Group").objects.filter(name__in=["Editor", "Reviewer"]):
        role.permissions.remove(*_permissions(apps, REVIEWER_CODENAMES))


class Migration(migrations.Migration):
    dependencies = [("groups", "0016_theatres"), ("kb", "0002_editor_and_reviewer_groups")]
    operations = [migrations.RunPython(_grant, _revoke)]
