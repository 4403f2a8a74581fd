from collections import defaultdict

import pytest
from django.contrib.auth.models import Group as Role

from tests.kb.test_curated_models import CURATED_MODELS

pytestmark = pytest.mark.django_db

# Derived from the models, so a new curated model missing from the roles' migration fails here.
CURATED = defaultdict(list)
for _model in CURATED_MODELS:
    CURATED[_model._meta.app_label].append(_model._meta.model_name)


def codenames(role: str) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in Role.objects.get(name=role).permissions.select_related("content_type")}


def test_editors_create_and_change_everything_but_never_delete_sources_or_publish():
    editor = codenames("Editor")
    for app, models in CURATED.items():
        for model in models:
            assert {f"{app}.view_{model}", f"{app}.add_{model}", f"{app}.change_{model}"} <= editor
            assert f"{app}.publish_{model}" not in editor
    assert "sources.delete_source" not in editor
    assert "groups.delete_alias" in editor and "sources.delete_citation" in editor


def test_reviewers_may_do_everything_including_publishing():
    reviewer = codenames("Reviewer")
    for app, models in CURATED.items():
        for model in models:
            for action in ("view", "add", "change", "delete", "publish"):
                assert f"{app}.{action}_{model}" in reviewer


def test_roles_grant_nothing_outside_the_curated_models(editor, reviewer):
    for user in (editor, reviewer):
        assert not user.has_perm("auth.add_user")
        assert not user.has_perm("auth.change_group")
