"""A source's address on the site (`/sources/<slug>/`), made from its title: readable, short, and never empty.

The title's words as `slugify` writes them, cut at a word boundary to `SLUG_LENGTH` characters. A source that
states no title is named by its outlet and date, else by the opening words of its text (what the site calls it),
else "source". When that address is taken (a current or an earlier address of another source), the outlet, then the
publication date, then a number tell them apart: `…-dawn`, `…-2022-03-04`, `…-2`.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable, Iterable, Iterator

from django.utils.text import slugify

SLUG_LENGTH = 80
OPENING_WORDS = 8  # as many as `untitled_article_title` shows
FALLBACK = "source"


def trim_slug(slug: str, length: int = SLUG_LENGTH) -> str:
    """`slug` cut to at most `length` characters at a hyphen, so that no word is cut (unless it alone is longer)."""
    if len(slug) <= length:
        return slug.strip("-")
    cut = slug[: length + 1]
    return (cut.rsplit("-", 1)[0] if "-" in cut[:length] else slug[:length]).strip("-")


def slug_base(*, title: str, outlet: str = "", published: datetime.date | None = None, text: str = "") -> str:
    """The address a source would have if no other had it."""
    for words in (title, " ".join(filter(None, (outlet, published.isoformat() if published else ""))), _opening(text)):
        if slug := trim_slug(slugify(words)):
            return slug
    return FALLBACK


def slug_candidates(
    *, title: str, outlet: str = "", published: datetime.date | None = None, text: str = "", from_number: int = 2
) -> Iterator[str]:
    """Addresses to try, best first, without end: the base, with the outlet, with the date, then numbered from
    `from_number` (a caller naming many sources alike may know that the lower numbers are taken)."""
    base = slug_base(title=title, outlet=outlet, published=published, text=text)
    seen = {base}
    yield base
    for suffix in (slugify(outlet), published.isoformat() if published else ""):
        if suffix and not base.endswith(suffix) and (candidate := _with_suffix(base, suffix)) not in seen:
            seen.add(candidate)
            yield candidate
    for number in itertools.count(from_number):
        yield _with_suffix(base, str(number))


def first_free(candidates: Iterable[str], taken: Callable[[list[str]], set[str]], *, batch: int = 20) -> str:
    """The first candidate `taken` does not return; `taken` is asked about `batch` candidates at a time."""
    iterator = iter(candidates)
    while chunk := list(itertools.islice(iterator, batch)):
        used = taken(chunk)
        for candidate in chunk:
            if candidate not in used:
                return candidate
    raise ValueError("No candidate address is free.")


def slug_number(base: str, slug: str) -> int | None:
    """The number the candidate `slug` adds to `base` (`attack-in-quetta-3` → 3), or None when it adds none."""
    last = slug.rsplit("-", 1)[-1]
    if slug != base and last.isascii() and last.isdigit() and slug == _with_suffix(base, last):
        return int(last)
    return None


def _with_suffix(base: str, suffix: str) -> str:
    suffix = trim_slug(suffix, SLUG_LENGTH // 2)
    return f"{trim_slug(base, SLUG_LENGTH - len(suffix) - 1)}-{suffix}"


def _opening(text: str) -> str:
    return " ".join(text.split()[:OPENING_WORDS])
