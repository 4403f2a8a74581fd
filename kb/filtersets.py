"""What every FilterSet shares: incremental sync, slug-or-id references, and orderings that read well."""

from __future__ import annotations

import copy
import datetime
import functools
from collections.abc import Callable, Iterable

import django_filters
from django import forms
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import F, Q
from django.utils.choices import BaseChoiceIterator
from django.utils.html import conditional_escape as escaped
from django.utils.safestring import mark_safe
from django_filters.fields import BaseCSVField, IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from kb.models import as_id
from kb.search import MAX_QUERY_LENGTH, search_text


class FixedChoices(BaseChoiceIterator):
    """Choices that never change (every country), for a filter. A form copies its fields, and Django's ChoiceField
    deep-copies its choices with it: 250 countries, pair by pair, in each request that filters a list (0.4 ms of an
    uncached page of attacks). These are shared instead, as the immutable tuple they are."""

    def __init__(self, choices: Iterable[tuple[str, str]]):
        self.choices = tuple(choices)

    def __iter__(self):
        return iter(self.choices)

    def __deepcopy__(self, memo):
        return self


class ManyOptionsSelect(forms.Select):
    """A select of hundreds of options (every country), written as Django's templates write a select, without them:
    they include two templates an option, 30 µs each, 7.5 ms of every list page that offers the countries. Escaped as
    the templates escape (what is marked safe is left as it is). A select with groups of options is left to them."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        if any(group_name for group_name, _, _ in widget["optgroups"]):
            return super().render(name, value, attrs, renderer)
        options = "".join(
            f'\n  <option value="{escaped(option["value"])}"{_attributes(option["attrs"])}>{escaped(option["label"])}</option>\n'
            for _, group, _ in widget["optgroups"]
            for option in group
        )
        return mark_safe(f'<select name="{escaped(widget["name"])}"{_attributes(widget["attrs"])}>{options}\n</select>')  # noqa: S308 (escaped above)


def _attributes(attrs: dict) -> str:
    """As "django/forms/widgets/attrs.html" writes them: `True` as the name alone, `False` left out."""
    kept = ((name, value) for name, value in attrs.items() if value is not False)
    return "".join(f" {escaped(name)}" if value is True else f' {escaped(name)}="{escaped(value)}"' for name, value in kept)


class SlugOrIdChoiceField(forms.ModelChoiceField):
    """A record named by its slug (`islamic-state`) or, as the API's ids allow, by its id (`7`), or, when the
    filter knows how (`by_name`), by a name that only one record goes by ("Daesh").

    A name that matches no public record filters everything out, as a well-formed value
    should; it never says whether an unpublished record goes by that name.
    """

    def __init__(self, *args, by_name: Callable[[str], Q] | None = None, **kwargs):
        self.by_name = by_name
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = str(value).strip()
        queryset = self.queryset
        record = queryset.filter(slug=value).first()
        if record is None and any(field.name == "previous_slugs" for field in queryset.model._meta.concrete_fields):
            record = queryset.filter(previous_slugs__contains=[value]).first()  # links made before a rename keep working
        if record is None and (record_id := as_id(value)) is not None:
            record = queryset.filter(pk=record_id).first()
        if record is None and self.by_name is not None:
            named = list(queryset.filter(self.by_name(value))[:2])
            record = named[0] if len(named) == 1 else None
        return record if record is not None else queryset.model(pk=NO_RECORD)


NO_RECORD = 0  # ids start at 1: a filter on this one matches nothing


def public_record_filter(model: type[models.Model] | str, **options) -> SlugOrIdFilter:
    """A public record by slug or id, or by a name only it goes by when its model says how (a `named(name)` condition).
    `model` may be a label ("groups.Group"), so that an app filters by the records of an app above it without importing it."""
    model = apps.get_model(model) if isinstance(model, str) else model
    if named := getattr(model, "named", None):
        options = {"by_name": named, "widget": forms.TextInput(attrs={"placeholder": "A name or alias"}), **options}
    return SlugOrIdFilter(queryset=model.objects.public(), **options)


@extend_schema_field(OpenApiTypes.STR)
class SlugOrIdFilter(django_filters.ModelChoiceFilter):
    """In the query string a slug (`islamic-state`) or an id (`7`). The form shows a text box, not a list of
    every record: there may be hundreds of thousands."""

    field_class = SlugOrIdChoiceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


class SearchTextField(forms.CharField):
    """Words or a name to look for, as the searches read them (`kb.search.search_text`): within the length limit once
    ligatures and signs are spelled out."""

    def to_python(self, value):
        return search_text(super().to_python(value))


class SearchTextFilter(django_filters.CharFilter):
    """The `q` filters and those by name."""

    field_class = SearchTextField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The schema states the limit; its description, which a schema given here replaces, says how it counts.
        description = f"{self.extra.get('help_text', '')} At most {MAX_QUERY_LENGTH} characters once ligatures are spelled out.".strip()
        extend_schema_field({"type": "string", "maxLength": MAX_QUERY_LENGTH, "description": description})(self)


class NoEmptyItemsCSVField(BaseCSVField):
    def clean(self, value):
        cleaned = super().clean(value)
        if cleaned and any(item in ("", None) for item in cleaned):
            raise forms.ValidationError("Name a sort order for each item between the commas.", code="invalid")
        return cleaned


class NamedOrderingFilter(django_filters.OrderingFilter):
    """`?ordering=name,-updated`: each public name maps to one or more model fields or expressions (so "name"
    can sort case-insensitively and always end on a unique key)."""

    base_field_class = NoEmptyItemsCSVField

    def __init__(self, *, orderings: dict[str, tuple], default: str, **kwargs):
        self.orderings = orderings
        self.default = default
        choices = [(name, label) for name, (label, *_fields) in orderings.items()]
        choices += [(f"-{name}", f"{label} (descending)") for name, (label, *_fields) in orderings.items()]
        super().__init__(choices=choices, help_text=f"Sort order; default {default}.", **kwargs)

    def get_ordering_value(self, param):
        descending = param.startswith("-")
        _label, *fields = self.orderings[param.lstrip("-")]
        ordering = []
        for field in fields:
            expression = F(field) if isinstance(field, str) else field
            if self._nullable(field):  # missing values as the smallest: first going up, last going down
                ordering.append(expression.desc(nulls_last=True) if descending else expression.asc(nulls_first=True))
            else:  # plain, so an index on the same expression serves the sort
                ordering.append(expression.desc() if descending else expression.asc())
        return ordering

    def _nullable(self, field) -> bool:
        if not isinstance(field, str):
            return False
        try:
            return self.model._meta.get_field(field).null
        except FieldDoesNotExist:  # an annotation, such as a date that sorts undated records as the oldest
            return False

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.order_by(*(part for param in value for part in self.get_ordering_value(param)), "pk")


class UTCDateTimeField(IsoDateTimeField):
    """An ISO 8601 moment, kept in UTC: the database takes offsets up to ±15:59 only, and years from 1 only."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(datetime.UTC)
        except OverflowError:
            raise forms.ValidationError("This moment lies outside the years 1 to 9999.", code="invalid") from None


class UTCDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UTCDateTimeField


def updated_since_filter(field_name: str = "updated_at") -> django_filters.IsoDateTimeFilter:
    return UTCDateTimeFilter(
        field_name=field_name,
        lookup_expr="gte",
        label="Updated since",
        help_text="Only records changed at or after this moment (ISO 8601). Removals are listed by /api/v1/deletions/.",
    )


class DeclaredFilters(dict):
    """A FilterSet's declared filters, which each of its instances deep-copies, copied without the form field a filter
    keeps once it has built it (for the schema, or to know which parameters it reads): that was copied whole, widget
    and choices, in every request that read a list. Each instance builds its own fields, as before."""

    def __deepcopy__(self, memo):
        for declared in self.values():
            if "_field" in declared.__dict__:
                memo[id(declared.__dict__["_field"])] = _UNBUILT  # copied as a marker, then left out
        copied = type(self)((name, copy.deepcopy(declared, memo)) for name, declared in self.items())
        for filter_ in copied.values():
            if filter_.__dict__.get("_field") is _UNBUILT:
                del filter_.__dict__["_field"]
        return copied


_UNBUILT = object()


class CuratedFilterSet(django_filters.FilterSet):
    """Every list can be asked for what changed since a moment: `?updated_since=2026-11-01T00:00:00Z`."""

    updated_since = updated_since_filter()

    @classmethod
    def get_filters(cls):
        """The filters, each list of choices given as `FixedChoices`: shared by each request's filters and form, where
        they were copied pair by pair, twice (a filter set copies its filters, a form its fields), a list a request."""
        filters = super().get_filters()
        for filter_ in filters.values():
            if isinstance(filter_.extra.get("choices"), list | tuple):
                filter_.extra["choices"] = FixedChoices(filter_.extra["choices"])
        return DeclaredFilters(filters)


YEARS = (1800, 2200)


@extend_schema_field({"type": "integer", "minimum": YEARS[0], "maximum": YEARS[1]})
class YearFilter(django_filters.NumberFilter):
    """A year between 1800 and 2200."""

    field_class = forms.IntegerField  # NumberFilter's DecimalField would take "2016.5" for 2016

    def __init__(self, **kwargs):
        super().__init__(min_value=YEARS[0], max_value=YEARS[1], **kwargs)


@functools.cache
def query_parameters(filterset_class: type[django_filters.FilterSet]) -> frozenset[str]:
    """The query parameters a FilterSet reads: each filter's name, or the names its widget reads when it has several
    (a range: `<name>_min`, `<name>_max`), as the form takes them from the query string."""
    names = set()
    for name, declared in filterset_class.base_filters.items():
        widget = declared.field.widget
        if isinstance(widget, django_filters.widgets.SuffixedMultiWidget):
            names.update(widget.suffixed(name, suffix) for suffix in widget.suffixes)
        elif isinstance(widget, forms.MultiWidget):
            names.update(f"{name}{suffix}" for suffix in widget.widgets_names)
        else:
            names.add(name)
    return frozenset(names)


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend for the API, which reads a list asked for with none of its FilterSet's parameters as the
    site does (`kb.listing.filtered_list`, an unbound FilterSet): as it is, rather than after building and validating a
    form of a dozen empty fields to learn that it filters nothing (0.5 ms of an uncached page of attacks). Every
    FilterSet's filters leave a list as it is when not given (tests/kb/test_filtersets.py)."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and query_parameters(filterset_class).isdisjoint(request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)
