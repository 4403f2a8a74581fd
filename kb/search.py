"""Word search shared by the public search page and the `q` filters: every word of a query must begin a word of the record.

Records are matched through Postgres full-text search over their `search_document` column: the words
of some text fields, lower-cased and unaccented, in the 'simple' configuration (no stemming and no
stop words, so it treats every language alike and finds "al" or "the" when asked). PostgreSQL
computes the column on each write (`search_document_field`), and a GIN index on it (declared next
to each model) makes this fast on hundreds of thousands of rows.
Each query word is matched as a word or the beginning of one: "pesh" finds "Peshawar", "quétta"
finds "Quetta".
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import BooleanField, Expression, F, Func, GeneratedField, Q, QuerySet, TextField, Value
from django.db.models.expressions import RawSQL

MAX_QUERY_LENGTH = 200
MAX_WORDS = 8

# Postgres' unaccent() is only STABLE (its dictionary could change), and an index needs an IMMUTABLE
# expression: kb migration 0004 wraps it as kb_unaccent(), a promise we keep by never editing the dictionary.
UNACCENT_FUNCTION = "kb_unaccent"


class Unaccent(Func):
    function = UNACCENT_FUNCTION
    output_field = TextField()


def search_document_field(*fields: str | Expression) -> GeneratedField:
    """A model's `search_document`, which `matching` searches: the words of `fields` (names, or expressions of text),
    unaccented, computed by PostgreSQL when a row is written and stored with it (the model declares a GIN index on it).

    Stored, not an indexed expression: a search that walks rows in the list's order (the planner's choice when it
    expects matches to be common) reads each row's words instead of computing them again (about 6 µs a quote). At
    GTD scale, the statement of `/api/v1/citations/?q=police` walks 39,000 quotes for its page: 230 ms, now 17.
    The history tables leave it out (`kb.models.CuratedHistory`): it is derived, never edited."""
    return GeneratedField(
        expression=SearchVector(*(Unaccent(F(field) if isinstance(field, str) else field) for field in fields), config="simple"),
        output_field=SearchVectorField(),
        db_persist=True,
        verbose_name="search document",
    )


def search_text(query: str) -> str:
    """The query as every search reads it, in Unicode's compatibility form (NFKC): "ﬁre" is "fire", "㉐" is "PTE".

    The length limit applies to this form, not to what was typed: one character may stand for many ("ﷺ" for 18),
    and the search keys and words are made from those. A query past the limit is refused, never cut short.
    """
    text = unicodedata.normalize("NFKC", query).strip()
    if len(text) > MAX_QUERY_LENGTH:
        spelled_out = " once ligatures and signs such as “ﷺ” are spelled out" if len(text) > len(query.strip()) else ""
        raise ValidationError(
            f"Searches are limited to {MAX_QUERY_LENGTH} characters; this one has {len(text):,}{spelled_out}.", code="max_length"
        )
    return text


def query_words(query: str) -> list[str]:
    """The distinct words of a query, at most MAX_WORDS of them (more would only slow the search)."""
    words = []
    for word in query.split():
        if word.casefold() not in (w.casefold() for w in words):
            words.append(word)
    return words[:MAX_WORDS]


def word_query(word: str) -> SearchQuery | None:
    """A word as a prefix query; a hyphenated or dotted word ("IS-K") must match each of its parts. None without letters or digits."""
    parts = re.findall(r"\w+", word)
    if not parts:
        return None
    # \w+ parts hold no quote, colon or operator, so they are safe inside to_tsquery's syntax.
    return SearchQuery(Unaccent(Value(" & ".join(f"{part}:*" for part in parts))), search_type="raw", config="simple")


def words_query(words: Iterable[str]) -> SearchQuery | None:
    """Every word of `words` (as `word_query` reads each) in one query, as `SearchRank` ranks a document by; None
    when no word has letters or digits."""
    combined = None
    for word in words:
        query = word_query(word)
        if query is not None:
            combined = query if combined is None else combined & query
    return combined


def matching(queryset: QuerySet, words: Iterable[str], *, also: Callable[[str], Q] | None = None, or_: Q | None = None) -> QuerySet:
    """The records of `queryset` whose `search_document` (`search_document_field`) has every word (`also` gives
    another way a word may match, and `or_` another way a record may match the whole query)."""
    condition, searched = Q(), False
    for word in words:
        query = word_query(word)
        if query is None:
            continue
        matches = Q(search_document=query)
        if also is not None:
            matches |= also(word)
        condition &= matches
        searched = True
    if not searched:
        condition = Q(pk__in=[])
    if or_ is not None:
        condition |= or_
    return queryset.filter(condition)


# --- Snippets -----------------------------------------------------------------------------------------------------

SNIPPET_WORDS_BEFORE = 10  # words of context shown before the first word found
SNIPPET_WORDS = 32  # words a snippet shows at most


@dataclass(frozen=True)
class SnippetPart:
    """A run of a snippet's text: a word the query found (`mark`) or the words between. Plain text, which the template
    escapes like any other: a snippet never carries markup of its own."""

    text: str
    mark: bool = False


def _folded(text: str) -> str:
    """Case and accents folded, as the search's `kb_unaccent` and its lower-casing fold them."""
    return "".join(char for char in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(char))


def snippet(text: str, words: Iterable[str]) -> list[SnippetPart]:
    """A few lines of `text` around the first word `words` find (each query word as `word_query` reads it: the
    beginning of a word of the text, case and accents folded), every word found marked; "…" where the text goes on.
    The text's opening when no word of it is found (the record matched elsewhere, by its heading, say)."""
    text = " ".join(text.split())
    prefixes = [_folded(part) for word in words for part in re.findall(r"\w+", word)]
    tokens = list(re.finditer(r"\w+", text))
    if not tokens:
        return [SnippetPart(text)] if text else []
    found = [any(_folded(token.group()).startswith(prefix) for prefix in prefixes) for token in tokens]
    first = found.index(True) if any(found) else 0
    low = max(0, first - SNIPPET_WORDS_BEFORE)
    high = min(len(tokens), low + SNIPPET_WORDS)
    parts: list[SnippetPart] = []
    position = tokens[low].start() if low > 0 else 0
    for index in range(low, high):
        if found[index]:
            token = tokens[index]
            if token.start() > position:
                parts.append(SnippetPart(text[position : token.start()]))
            parts.append(SnippetPart(token.group(), mark=True))
            position = token.end()
    end = tokens[high - 1].end() if high < len(tokens) else len(text)
    if end > position:
        parts.append(SnippetPart(text[position:end]))
    if low > 0:
        parts.insert(0, SnippetPart("… "))
    if high < len(tokens):
        parts.append(SnippetPart(" …"))
    return parts


# --- Many keys at once ------------------------------------------------------------------------------------------------

_PROBE_KEY = RawSQL("probe.key", ())


class _StartsWithProbeKey(Func):
    """The column starts with the probe's key, as a range the column's `varchar_pattern_ops` index answers."""

    template = "(%(expressions)s::text ~>=~ probe.key AND %(expressions)s::text ~<~ (probe.key || chr(1114111)))"
    output_field = BooleanField()


class KeyProbe:
    """`names = KeyProbe(lambda: (groups, aliases), "normalized_name")`, then `names(keys)`: the rows of the querysets
    (`values_list` querysets of one shape) whose text `field` is one of `keys`, or (`starting`) starts with one.

    Unordered (`then=None`), the rows come in no particular order, at most `limit` a key and `limit` in all. With
    `then` (names of the querysets' columns), the keys are taken as distinct and in rank order: the first `limit` rows
    (given on each call) in the order of their keys, then by those columns.

    One statement: a LATERAL join over the keys, passed as one array, so each key is one probe of the field's index,
    however many keys there are. An IN list or an OR of LIKEs of thousands of keys (every name of a group with
    thousands of aliases, followed by the rest of a query) costs the planner more than reading the rows; an IN list
    of 400 ranked keys, sorted by `array_position` over them, took 9 ms to plan and run where the probes take 2. Its
    SQL is written by the ORM on the first call and kept: a name search sends up to eight, and writing one took about
    as long as running it. The database is chosen on each call (`router.db_for_read`: a public read on the replica).
    """

    def __init__(
        self,
        querysets: Callable[[], Sequence[QuerySet]],
        field: str,
        *,
        starting: bool = False,
        limit: int | None = None,
        then: Sequence[str] | None = None,
    ):
        self.querysets, self.field, self.starting, self.limit, self.then = querysets, field, starting, limit, then

    @functools.cached_property
    def _written(self) -> tuple[str, list, type]:
        querysets = self.querysets()
        condition = _StartsWithProbeKey(F(self.field)) if self.starting else Q(**{self.field: _PROBE_KEY})
        parts, params = [], []
        for queryset in querysets:
            probe = queryset.filter(condition)
            if self.limit is not None and self.then is None:
                probe = probe[: self.limit]
            sql, probe_params = probe.query.sql_with_params()
            parts.append(f"({sql})")
            params.extend(probe_params)
        if self.then is None:
            over, tail = "unnest(%s::text[]) AS probe(key)", "" if self.limit is None else f" LIMIT {int(self.limit)}"
        else:
            order = ", ".join(f'found."{column}"' for column in self.then)
            over, tail = "unnest(%s::text[]) WITH ORDINALITY AS probe(key, position)", f" ORDER BY probe.position, {order} LIMIT %s"
        statement = f"SELECT found.* FROM {over} CROSS JOIN LATERAL ({' UNION ALL '.join(parts)}) AS found{tail}"
        return statement, params, querysets[0].model

    def __call__(self, keys: Iterable[str], *, limit: int | None = None) -> list[tuple]:
        if self.then is None:
            keys, tail = sorted(set(keys)), []
        else:
            if limit is None:
                raise TypeError("A probe of ranked keys reads its first `limit` rows: give it.")
            keys, tail = list(keys), [limit]
        if not keys:
            return []
        statement, params, model = self._written
        with connections[router.db_for_read(model)].cursor() as cursor:
            cursor.execute(statement, [keys, *params, *tail])
            return cursor.fetchall()
