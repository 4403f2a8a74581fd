"""Word search shared by the public search page: every word must appear in one of a record's fields."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db.models import Q

MAX_QUERY_LENGTH = 200
MAX_WORDS = 8


def query_words(query: str) -> list[str]:
    """The distinct words of a query, at most MAX_WORDS of them (more would only slow the search)."""
    words = []
    for word in query.split():
        if word.casefold() not in (w.casefold() for w in words):
            words.append(word)
    return words[:MAX_WORDS]


def all_words_in(words: Iterable[str], fields: Iterable[str], *, also: Callable[[str], Q] | None = None) -> Q:
    """Each word in at least one of `fields`, ignoring case and accents; `also` adds another way a word may match."""
    fields = tuple(fields)
    condition = Q()
    for word in words:
        matches = Q()
        for field_name in fields:
            matches |= Q(**{f"{field_name}__unaccent__icontains": word})
        if also is not None:
            matches |= also(word)
        condition &= matches
    return condition
