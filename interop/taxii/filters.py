"""The filters of TAXII 2.1's object endpoints (3.4): read from the query string, checked, and applied to the
versions table. A value no filter can use is a 400 that names the parameter, never a quiet empty answer."""

from __future__ import annotations

import datetime
import functools
import operator
import re
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import ValidationError

from ..models import StixObjectVersion

ADDED_AFTER = "added_after"
MATCH_ID = "match[id]"
MATCH_TYPE = "match[type]"
MATCH_VERSION = "match[version]"
MATCH_SPEC_VERSION = "match[spec_version]"

# Which filters each endpoint takes (TAXII 2.1, 5.3–5.8).
COLLECTION_FILTERS = (ADDED_AFTER, MATCH_ID, MATCH_TYPE, MATCH_VERSION, MATCH_SPEC_VERSION)
OBJECT_FILTERS = (ADDED_AFTER, MATCH_VERSION, MATCH_SPEC_VERSION)
VERSIONS_FILTERS = (ADDED_AFTER, MATCH_SPEC_VERSION)

MAX_VALUES = 500  # of one filter: far more than an address can hold (proxies refuse request lines over a few KB)
SPEC_VERSION = "2.1"  # every object the collection holds
_SPEC_VERSION_PATTERN = re.compile(r"\d+\.\d+")
_MATCH_PARAMETER = re.compile(r"match\[.*\]")


@dataclass(frozen=True)
class ObjectFilter:
    """What a request asks of the collection. `versions` holds "first", "last", "all" and timestamps; by default the
    newest version of each object ("last")."""

    added_after: datetime.datetime | None = None
    ids: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    versions: frozenset[str] = frozenset({"last"})
    version_timestamps: tuple[datetime.datetime, ...] = ()
    spec_versions: tuple[str, ...] = ()

    @classmethod
    def from_query(cls, query_params, allowed: tuple[str, ...]) -> ObjectFilter:
        unknown = sorted(name for name in query_params if _MATCH_PARAMETER.fullmatch(name) and name not in allowed)
        if unknown:
            raise ValidationError({unknown[0]: [f"Not a filter of this endpoint, which takes {', '.join(allowed)}."]})
        versions, timestamps = _versions(_listed(query_params, MATCH_VERSION)) if MATCH_VERSION in allowed else ({"all"}, ())
        spec_versions = _listed(query_params, MATCH_SPEC_VERSION)
        if any(not _SPEC_VERSION_PATTERN.fullmatch(value) for value in spec_versions):
            raise ValidationError({MATCH_SPEC_VERSION: ["Give STIX versions such as 2.1, separated by commas."]})
        return cls(
            added_after=_timestamp(query_params, ADDED_AFTER),
            ids=_listed(query_params, MATCH_ID),
            types=_listed(query_params, MATCH_TYPE),
            versions=frozenset(versions),
            version_timestamps=timestamps,
            spec_versions=spec_versions,
        )

    def apply(self, queryset: QuerySet[StixObjectVersion]) -> QuerySet[StixObjectVersion]:
        if self.spec_versions and SPEC_VERSION not in self.spec_versions:
            return queryset.none()
        if self.added_after is not None:
            queryset = queryset.filter(date_added__gt=self.added_after)
        if self.ids:
            queryset = queryset.filter(stix_id__in=self.ids)
        if self.types:
            queryset = queryset.filter(stix_type__in=self.types)
        if "all" not in self.versions:
            queryset = queryset.filter(self._version_condition())
        return queryset

    def _version_condition(self) -> Q:
        """Which versions of each object: the filters above choose among the versions, then "first" and "last" pick
        from what they leave (as the reference server, medallion, does)."""
        conditions = [Q(modified__in=self.version_timestamps)] if self.version_timestamps else []
        if "last" in self.versions:
            conditions.append(Q(latest=True))  # the newest version is also the last one added
        if "first" in self.versions:
            earlier = StixObjectVersion.objects.filter(stix_id=OuterRef("stix_id"), modified__lt=OuterRef("modified"))
            if self.added_after is not None:
                earlier = earlier.filter(date_added__gt=self.added_after)
            conditions.append(Q(~Exists(earlier)))
        return functools.reduce(operator.or_, conditions)


def _single(query_params, name: str) -> str | None:
    values = query_params.getlist(name)
    if len(values) > 1:
        raise ValidationError({name: ["Give it once."]})
    return values[0] if values else None


def _listed(query_params, name: str) -> tuple[str, ...]:
    """A filter's values: separated by commas (as TAXII writes them) or given as repeated parameters."""
    values = tuple(value.strip() for given in query_params.getlist(name) for value in given.split(","))
    if any(not value for value in values):
        raise ValidationError({name: ["Give one or more values separated by commas, none of them empty."]})
    if len(values) > MAX_VALUES:
        raise ValidationError({name: [f"Give at most {MAX_VALUES} values; ask for more in several requests."]})
    return values


def _timestamp(query_params, name: str) -> datetime.datetime | None:
    value = _single(query_params, name)
    if value is None:
        return None
    moment = parse_timestamp(value)
    if moment is None:
        raise ValidationError({name: ["Give a timestamp such as 2026-01-31T12:00:00.000Z (UTC, or with an offset)."]})
    return moment


def parse_timestamp(value: str) -> datetime.datetime | None:
    """A TAXII timestamp (RFC 3339) in UTC, or None when it is not one."""
    try:
        moment = parse_datetime(value.strip())
    except (ValueError, OverflowError):
        return None
    if moment is None or timezone.is_naive(moment):
        return None
    try:
        return moment.astimezone(datetime.UTC)
    except OverflowError:  # an offset that takes it past the years a datetime holds
        return None


def _versions(values: tuple[str, ...]) -> tuple[set[str], tuple[datetime.datetime, ...]]:
    if not values:
        return {"last"}, ()
    keywords = {value for value in values if value in ("first", "last", "all")}
    timestamps = tuple(parse_timestamp(value) for value in values if value not in keywords)
    if any(moment is None for moment in timestamps):
        raise ValidationError({MATCH_VERSION: ["Give first, last, all or versions' timestamps (their modified), separated by commas."]})
    return keywords, timestamps
