"""Addresses of records, built without walking the URL patterns each time.

`reverse()` resolves a view's pattern on every call; a profile or an API page names hundreds of
records. `record_path` reverses a view once with a stand-in value, keeps the result, and puts each
record's key in its place. Keys are slugs and ids (validated when saved) and are quoted anyway.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import quote

from django.urls import get_script_prefix, get_urlconf, reverse

# Digits match every converter a record's key goes through (slug, int, and DRF's [^/.]+).
STAND_IN = "31415926535897932"


@functools.lru_cache(maxsize=256)
def _path_template(view_name: str, kwarg: str, prefix: str, urlconf) -> str:
    path = reverse(view_name, kwargs={kwarg: STAND_IN}, urlconf=urlconf)
    if path.count(STAND_IN) != 1:
        raise ValueError(f"{view_name}'s address holds its stand-in key {path.count(STAND_IN)} times: {path}")
    return path


def record_path(view_name: str, **kwargs) -> str:
    """reverse(view_name, kwargs={name: value}) for a view with one keyword argument, as a path."""
    ((kwarg, value),) = kwargs.items()
    return _path_template(view_name, kwarg, get_script_prefix(), get_urlconf()).replace(STAND_IN, quoted_key(value))


def quoted_key(value) -> str:
    """A record's key as a segment of its address. Most keys are slugs and ids, which quoting leaves as they are."""
    value = str(value)
    return value if _UNRESERVED(value) else quote(value, safe="")


_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*\Z").match  # what `quote` never escapes
