"""What every list's FilterSet shares (kb/filtersets.py): its filters are copied for each request, cheaply."""

import copy

import django_filters
import pytest
from django.http import QueryDict

import groups.filtersets
import sources.filtersets
from kb.filtersets import CuratedFilterSet, FixedChoices, query_parameters

APPS = (groups.filtersets, sources.filtersets)  # every module that declares a list's filters


def filterset_classes() -> list[type[CuratedFilterSet]]:
    found, pending = [], [CuratedFilterSet]
    while pending:
        for subclass in pending.pop().__subclasses__():
            found.append(subclass)
            pending.append(subclass)
    return found


def test_every_list_has_its_filterset_here():
    names = {filterset.__name__ for filterset in filterset_classes()}
    assert {"GroupFilterSet", "AttackFilterSet", "SourceFilterSet", "CitationFilterSet"} <= names


@pytest.mark.parametrize("filterset", filterset_classes(), ids=lambda filterset: filterset.__name__)
def test_choices_are_shared_and_built_fields_not_copied(filterset):
    """A filter set deep-copies its filters for each request, and its form its fields: a filter's list of choices was
    copied pair by pair, and a filter that kept the form field it had built (once the schema or `query_parameters`
    had asked for it) had that copied whole, widget and choices, in every request that read a list."""
    assert query_parameters(filterset) >= set(filterset.base_filters) - {"ordering"}  # builds every declared field
    instance = filterset(data={})
    assert not any(hasattr(copied, "_field") for copied in instance.filters.values())
    for name, declared in filterset.base_filters.items():
        if isinstance(declared, django_filters.ChoiceFilter) and "queryset" not in declared.extra:  # not a record
            choices = declared.extra["choices"]
            assert isinstance(choices, FixedChoices) and copy.deepcopy(choices) is choices, name
            assert list(instance.form.fields[name].choices)[-len(choices.choices) :] == list(choices.choices), name
    assert instance.is_valid() and list(instance.form.fields) == list(filterset.base_filters)


@pytest.mark.django_db
@pytest.mark.parametrize("filterset", filterset_classes(), ids=lambda filterset: filterset.__name__)
def test_with_none_of_its_parameters_a_filterset_leaves_the_list_as_it_is(filterset):
    """What lets the API skip a FilterSet when a request gives none of its parameters (`kb.filtersets.FilterBackend`),
    as the site does: bound to nothing, it filters and sorts nothing."""
    queryset = filterset._meta.model.objects.public()
    bound = filterset(data=QueryDict(), queryset=queryset)
    assert bound.is_valid(), bound.errors
    assert str(bound.qs.query) == str(queryset.query) == str(filterset(None, queryset=queryset).qs.query)


@pytest.mark.django_db
def test_the_api_builds_no_filterset_for_a_list_asked_for_without_filters(client, monkeypatch):
    from groups.filtersets import AttackFilterSet

    built = []
    monkeypatch.setattr(AttackFilterSet, "__init__", lambda self, *args, **kwargs: built.append(kwargs) or original(self, *args, **kwargs))
    original = django_filters.FilterSet.__init__
    assert client.get("/api/v1/attacks/").status_code == 200 and built == []
    assert client.get("/api/v1/attacks/", {"page_size": 5}).status_code == 200 and built == []  # paging is no filter
    assert client.get("/api/v1/attacks/", {"country": "PK"}).status_code == 200 and len(built) == 1
    assert client.get("/api/v1/attacks/", {"country": "XX"}).status_code == 400 and len(built) == 2
    assert client.get("/api/v1/attacks/", {"colour": "red"}).status_code == 400 and len(built) == 2  # refused before
