"""The two editorial roles.

Editor: adds and changes every curated record and deletes the small ones, but
never deletes a source and never publishes. Reviewer: everything, including
publishing and deleting sources.
"""

from django.db import migrations

CURATED_MODELS = {
    "groups": ["group", "alias", "affiliation", "designation", "attack", "attribution"],
    "sources": ["source", "citation"],
}
EDITOR_CANNOT_DELETE = {("sources", "source")}


def _create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None

    AuthGroup = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    editor_codenames, reviewer_codenames = [], []
    for app_label, models in CURATED_MODELS.items():
        for model in models:
            for action in ("view", "add", "change", "delete"):
                codename = (app_label, f"{action}_{model}")
                reviewer_codenames.append(codename)
                if not (action == "delete" and (app_label, model) in EDITOR_CANNOT_DELETE):
                    editor_codenames.append(codename)
            reviewer_codenames.append((app_label, f"publish_{model}"))

    def permissions(codenames):
        found = []
        for app_label, codename in codenames:
            found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        return found

    editor, _ = AuthGroup.objects.get_or_create(name="Editor")
    editor.permissions.set(permissions(editor_codenames))
    reviewer, _ = AuthGroup.objects.get_or_create(name="Reviewer")
    reviewer.permissions.set(permissions(reviewer_codenames))


def _remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Editor", "Reviewer"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("kb", "0001_postgres_extensions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("groups", "0001_initial"),
        ("sources", "0001_initial"),
    ]
    operations = [migrations.RunPython(_create_roles, _remove_roles)]
