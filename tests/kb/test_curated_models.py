"""Every curated model keeps history and is edited through CuratedAdmin (roles: test_roles.py)."""

import pytest
from django.apps import apps
from django.contrib import admin

from kb.admin import CuratedAdmin
from kb.models import CuratedModel

CURATED_MODELS = [model for model in apps.get_models() if issubclass(model, CuratedModel)]


def test_the_curated_models_are_the_ones_editors_expect():
    names = {model.__name__ for model in CURATED_MODELS}
    assert names == {"Group", "Alias", "Affiliation", "Designation", "Attack", "Attribution", "Source", "Citation"}


@pytest.mark.parametrize("model", CURATED_MODELS, ids=lambda m: m.__name__)
def test_history_is_kept(model):
    assert model.history.model._meta.db_table.endswith(f"historical{model._meta.model_name}")


@pytest.mark.parametrize("model", CURATED_MODELS, ids=lambda m: m.__name__)
def test_edited_through_the_reasoned_admin(model):
    assert isinstance(admin.site._registry[model], CuratedAdmin)


@pytest.mark.parametrize("model", CURATED_MODELS, ids=lambda m: m.__name__)
def test_model_conventions(model):
    assert model.__doc__ and not model.__doc__.startswith(f"{model.__name__}(")
    last = model._meta.ordering[-1]  # "id", or F("id").desc()
    assert (last if isinstance(last, str) else last.expression.name).lstrip("-") in ("id", "slug"), "ordering must end in a unique key"
    assert {"verbose_name", "verbose_name_plural"} <= set(model._meta.original_attrs)
    assert f"publish_{model._meta.model_name}" in dict(model._meta.permissions)
    for constraint in model._meta.constraints:
        assert constraint.violation_error_message, constraint.name
