"""What every list's FilterSet shares (kb/filtersets.py): its filters are copied for each request, cheaply."""

import copy

import django_filters
import pytest
from django import forms
from django.http import QueryDict
from django.utils.safestring import mark_safe

import groups.filtersets
import sources.filtersets
from kb.filtersets import CuratedFilterSet, FixedChoices, ManyOptionsSelect, query_parameters

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


COUNTRY_FILTERSETS = (groups.filtersets.GroupFilterSet, groups.filtersets.AttackFilterSet, groups.filtersets.TheatreFilterSet)


def select_as_django_writes_it(widget: forms.Select, *args, **kwargs) -> str:
    django_select = forms.Select(attrs=widget.attrs, choices=widget.choices)
    django_select.is_required = widget.is_required
    return django_select.render(*args, **kwargs)


@pytest.mark.parametrize("value", [None, "", "PK", "CI", "XX", ["PK", "AF"]])
@pytest.mark.parametrize("filterset", COUNTRY_FILTERSETS)
def test_a_select_of_every_country_is_written_as_djangos_templates_write_it(filterset, value):
    """Every list page that offers the countries writes their select itself, fast, in the very markup of Django's."""
    form = filterset(data={} if value is None else {"country": value}, queryset=None).form
    field = form["country"]
    assert isinstance(field.field.widget, ManyOptionsSelect)
    written = str(field)
    django_select = forms.Select(choices=field.field.widget.choices)
    assert written == field.as_widget(widget=django_select)  # aria-invalid and the error's id included, for a value refused
    assert written.count("<option") == 1 + len(groups.filtersets.COUNTRY_CHOICES.choices)
    assert value != "PK" or '<option value="PK" selected>Pakistan</option>' in written


def test_the_fast_select_writes_attributes_and_labels_as_django_does_and_leaves_groups_of_options_to_it():
    choices = [("", "Any"), ("a&b", 'Say "a" & <b>'), (1, "One"), (None, "None"), (mark_safe("x&amp;y"), mark_safe("<em>X</em> &amp; Y"))]
    widget = ManyOptionsSelect(
        attrs={"class": "wide", "required": True, "disabled": False, "data-x": "<&>", "aria-describedby": None}, choices=choices
    )
    for value in ("a&b", 1, None, "x&amp;y", "nothing of these"):
        assert widget.render("pick", value, {"id": "id_pick"}) == select_as_django_writes_it(widget, "pick", value, {"id": "id_pick"})
    grouped = ManyOptionsSelect(choices=[("Asia", [("AF", "Afghanistan")]), ("Europe", [("FR", "France")])])
    assert grouped.render("country", "FR") == select_as_django_writes_it(grouped, "country", "FR")
    assert '<optgroup label="Europe">' in grouped.render("country", "FR")
