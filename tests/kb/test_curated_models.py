"""Every curated model keeps history and is edited through CuratedAdmin (roles: test_roles.py)."""

import pytest
from django.contrib import admin

from kb.admin import CuratedAdmin
from kb.models import curated_models, curated_models_parents_first

CURATED_MODELS = curated_models()


def test_the_curated_models_are_the_ones_editors_expect():
    names = {model.__name__ for model in CURATED_MODELS}
    assert names == {
        "Group", "Alias", "Affiliation", "Designation", "Attack", "Attribution", "Person", "GroupRole", "SizeEstimate",
        "GroupSection", "Source", "Citation",
        "Theatre", "TheatreGroup",
    }  # fmt: skip


def test_a_restore_brings_back_each_record_after_the_records_it_refers_to():
    order = curated_models_parents_first()
    assert sorted(order, key=CURATED_MODELS.index) == CURATED_MODELS
    for model in order:
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model in order and field.related_model is not model:
                assert order.index(field.related_model) < order.index(model), f"{model.__name__}.{field.name}"
    assert [model.__name__ for model in order] == [
        "Source", "Group", "Attack", "Person", "Theatre", "Alias", "Affiliation", "Designation", "Attribution", "GroupRole",
        "SizeEstimate", "GroupSection", "TheatreGroup", "Citation",
    ]  # fmt: skip


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
