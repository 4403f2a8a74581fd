"""Cached public pages and API responses, each made stale only by a change to what it shows.

**Tags.** Each entry depends on cache tags, collected while it is built, with no list kept by hand:
- `groups.group:12`: one record. A `post_init` receiver on every curated model notes each instance loaded while a
  response is built; above `RECORDS_PER_MODEL` instances of one model the entry depends on the model's list and
  `:any` tags instead (below).
- `groups.group:all`: every record of the model; an entry that loaded any instance of it depends on it. Bumped by
  bulk writes that do not say which records they touched.
- `groups.group:any`: any record of the model, for an entry that loaded more than `RECORDS_PER_MODEL` of them: bumped
  with every record's tag, whether the record was written or reached through a foreign key (a new alias bumps its
  group's), where the list tag moves only with writes of the model itself.
- `groups.group`: the model's lists. A page that lists, counts or searches (every view cached with
  `cache_public_page`: lists, searches, the home page; the API's lists) depends on it for every curated table its
  SQL read (a query wrapper finds the tables' names), so what joins, leaves or moves in a list is seen; rows read
  only for the records a list has loaded (`reading_parts_of_loaded_records`: a list's aliases, its rows' citations)
  count as those records' parts instead, so an alias edit reaches the lists showing its group, not every list. A
  page about one record (`cache_record_page`, the API's details, a group's STIX bundle) depends only on the records
  it loaded: a new or moved record reaches it through the foreign keys it points by (below).
- `all`: everything. Every entry depends on it; `bump_data_version()` bumps it (after migrations and review
  decisions; a restore empties the cache instead). Prebuilt pages (`kb.prebuilt`) keep every tag but this one.

A read that finds records by their fields rather than by a key, on a record page (a theatre's map draws every group
of its countries), says so with `depends_on_lists(Group)`; one that reads history rows, which load no instance, names
the records they are of with `depends_on_records`. A value cached for pages (`cached_value`), or a prebuilt page built
inside a cached one, hands its tags on to the page built with it; while it is built, its own collection alone notes
the queries it makes, in its own terms (a part of its loaded records is not a read of a whole table).

**Keys.** An entry's key is its address, scheme and host included (pages hold absolute links), with the query
parameters in the order of their names; a site page first drops the parameters its view does not read
(`cache_public_page(params=..., filterset=...)`) and the API refuses them (400), so `?x=1`, `?x=2`... never make new
entries. The data's state is not in the key: the tags stored with the entry say whether it is still valid.

**What a write bumps.** A save or delete of a curated record (signals, `kb.apps`) bumps its own tag, its model's list
tag, and the tags of the records it points to by foreign key, as loaded and as saved: an alias bumps its group (both
groups when it moves), a citation its cited record and its source, an attribution its attack and its group. So an
alias edit reaches its group's profile, the lists and searches, and no other group's profile.
A change of publication status also makes stale what appears or vanishes with the record, which pages could not load
while it was hidden: the records shown only through it (`shown_through()`), and through those, with what each
points to (publishing a group reaches its attributions' attacks, its relationships' other groups, its quotes'
sources), found by a few queries; not every page that shows any alias or citation.
The list tag moves on every change, not only on creation, deletion or a change of publication status: lists filter
and sort on many fields (a search on every name, lists on status, dates, countries), and a list of those fields
kept here would rot. With it bumped on every write, the record pages must not depend on list tags (or every alias
edit would empty every profile), which is why a record page depends on loaded records only. The price: a field a
record page aggregates over without loading the rows (a profile's chart of attacks beyond the shown page) is seen
when those rows' group changes, not when the rows alone do.
Bulk writes, which send no signals, call `invalidate_models(...)` (their models' list and `:all` tags, and the
records they name), or `invalidate_records(model, ids)` for known records (what a save of each would bump). Not
`bump_data_version()` alone: the pages prebuilt in the database (`kb.prebuilt`) do not depend on `all`.

**Store.** `kb_cache_tag(tag, version)`, shared by every worker. A bump sets the tags' versions to one new value of
the `kb_data_version` sequence, in one statement, after the transaction commits (at once outside one): inside a
transaction a write draws a value at once but keeps its tags on the connection, so it holds no row lock while an
import runs. An entry keeps its tags and the sequence's value read before it was built (its snapshot); a hit reads
its tags' versions in one query (outside a transaction, only whether any moved: one row) and is served only if none
is past the snapshot. A miss is written to the cache once its response has gone (`after_response`). The race (a
reader reads the data before a commit and the versions after it) cannot keep a stale entry: the bump at commit draws
a value past any snapshot taken before the data it changed was read. The writing connection sees its own uncommitted
change, so it counts its tags at the values drawn at once; an entry it builds then also needs those values in the
table (its `floor`), so nobody else is served it before the commit, nor ever after a rollback.

**Outside.** Public responses carry the tags in `Surrogate-Key` (Fastly, Varnish xkey) and `Cache-Tag`
(Cloudflare), and `kb.cache_purge` sends the bumped tags to the CDN chosen by `CACHE_PURGE_BACKEND` after commit.
`CACHE_INVALIDATION = "global"` brings back one version for everything (any write empties the cache), to compare.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import logging
import operator
import re
import time
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import caches
from django.db import connection, connections, transaction
from django.db.models import Q, QuerySet
from django.db.models.query import ModelIterable
from django.db.models.signals import post_delete
from django.dispatch import Signal
from django.http import HttpResponse, QueryDict
from django.utils import timezone
from django.utils.cache import quote_etag

from .throttling import page_throttle

logger = logging.getLogger(__name__)

CACHE_ALIAS = "public"
ALL = "all"
BUILD_LOCK_SECONDS = 30  # how long a build holds its key's lock at most (a worker that dies mid-build frees it then)
BUILD_WAIT_SECONDS = 5.0  # how long a request waits for another's build of the same key before building it too
BUILD_POLL_SECONDS = 0.05  # how long a waiting request sleeps between looks at the lock, at most
BUILD_FIRST_POLL_SECONDS = 0.002  # and at first, doubling: a build about to be kept (`after_response`) is not waited on
RECORDS_PER_MODEL = 500  # instances of one model an entry names one by one; above it, the model's list tag
HEADER_LIMIT = 8000  # characters of Surrogate-Key / Cache-Tag (Fastly and Cloudflare accept 16 KB)

tags_bumped = Signal()  # `tags`, once bumped for everyone: `kb.prebuilt` builds again the pages that show them
cache_forgotten = Signal()  # after a restore: nothing kept before it is to be trusted


# The newest data version this process has read: a hint only, of whether anything was written since an entry was
# built (`_lookup`), never taken for the version itself.
_version_seen = 0


def data_version() -> int:
    """The newest version handed out to any tag: moves on with every change, at its commit."""
    global _version_seen
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value, is_called FROM kb_data_version")
        last_value, is_called = cursor.fetchone()
    version = _version_seen = last_value if is_called else 0
    return version


def record_tag(model, pk) -> str:
    return f"{model._meta.label_lower}:{pk}"


def list_tag(model) -> str:
    return model._meta.label_lower


def all_records_tag(model) -> str:
    return f"{model._meta.label_lower}:all"


def any_record_tag(model) -> str:
    return f"{model._meta.label_lower}:any"


def status_tag(model) -> str:
    """Which of a model's records are public (`groups.alias.status`): bumped when one is added, removed, published
    or unpublished, or moved to another record it is shown through, not when its content is edited; for the pages
    that read the model only to know what is public (`publication_only`)."""
    return f"{model._meta.label_lower}.status"


def row_tag(model, pk) -> str:
    """A record's own row (`groups.group.row:12`): bumped when the record itself is written, not when a part of it is
    (an alias of the group), for the pages that show the record by its row alone (`showing_rows_of`)."""
    return f"{model._meta.label_lower}.row:{pk}"


def parts_tag(model, part_model, pk) -> str:
    """A record's parts of one model (`groups.group.affiliation:12`, the group's relationships): bumped when such a
    part pointing to it is written, for the pages that show the record by its row and those parts."""
    return f"{model._meta.label_lower}.{part_model._meta.model_name}:{pk}"


def names_records(tag: str) -> bool:
    """`groups.group:12`, `groups.group.row:12`, `groups.group.alias:12`; not `groups.group`, `groups.group:all`,
    `groups.group:any` or `all`."""
    return ":" in tag and not tag.endswith((":all", ":any"))


def _names_one_record(tag: str) -> bool:
    """`groups.group:12`, but not its row's or its parts' tags (`groups.group.row:12`), always bumped with it."""
    return names_records(tag) and tag.partition(":")[0].count(".") == 1


def _with_any_record_tags(tags: Iterable[str]) -> set[str]:
    """The tags, and for each record's tag (`groups.group:12`) its model's `:any` tag."""
    tags = set(tags)
    tags.update(tag.rpartition(":")[0] + ":any" for tag in list(tags) if _names_one_record(tag))
    return tags


# ---------------------------------------------------------------------------------------------------------- writes


def bump_data_version(**kwargs) -> None:
    """Every cached page is stale: for changes that cannot say what they touched (migrations, review decisions). The
    pages prebuilt in the database (`kb.prebuilt`) go with the records they show, not with this: a bulk write says
    which models it wrote (`invalidate_models`)."""
    invalidate_tags([ALL])


def forget_everything_cached() -> None:
    """After a restore: the versions came back with the data and may be older than the cached entries', so empty the
    cache this machine sees and purge the CDN rather than trust them, and forget the prebuilt pages. The database is
    left as the archive holds it."""
    from .cache_purge import purge

    caches[CACHE_ALIAS].clear()
    purge([ALL])
    cache_forgotten.send(sender=None)


def invalidate_models(*models, records: Iterable[tuple[type, int]] = ()) -> None:
    """For bulk writes, which send no signals: every page listing or showing a record of these models is stale, and
    the pages of the records named (`(Group, 12)`), when the caller knows them."""
    tags = {tag for model in models for tag in (list_tag(model), all_records_tag(model), status_tag(model))}
    tags.update(tag for model, pk in records for tag in (record_tag(model, pk), row_tag(model, pk)))
    invalidate_tags(tags)


def invalidate_records(model, pks: Iterable[int]) -> None:
    """For a bulk write of known records that sends no signals (a change set published in bulk): what a save of each
    of them would bump, with what appears with it now that it is public. A few queries, whatever their number."""
    pks = list(pks)
    if not pks:
        return
    fields = _foreign_keys(model)
    tags = {list_tag(model), status_tag(model)}
    for pk, *pointed in model._base_manager.filter(pk__in=pks).values_list("pk", *(f.attname for f in fields)):
        tags |= _record_and_pointed_to(model, fields, pk, pointed)
    tags |= _shown_with(model, pks)
    invalidate_tags(tags)


def record_written(sender, instance, **kwargs) -> None:
    """Signal receiver (post_save, post_delete): the record, its model's lists, and the records it points to (as
    records, and as records with parts of the sender's model)."""
    tags = {list_tag(sender)}
    if instance.pk is not None:
        tags.update((record_tag(sender, instance.pk), row_tag(sender, instance.pk)))
    fields = _foreign_keys(sender)
    before = instance.__dict__.get("_cache_pointed_to") or (None,) * len(fields)  # as loaded, for a record moved elsewhere
    now = _pointed_to(instance, fields)
    tags |= _records_pointed_to(sender, fields, before) | _records_pointed_to(sender, fields, now)
    changed = instance.__dict__.get("_cache_status") != instance.__dict__.get("publication_status")
    if changed and instance.pk is not None and not kwargs.get("created"):  # nothing is shown through a new record yet
        tags.update(_shown_with(sender, (instance.pk,)))
    if changed or before != now or kwargs.get("created") or kwargs.get("signal") is post_delete:
        tags.add(status_tag(sender))
    instance.__dict__["_cache_status"] = instance.__dict__.get("publication_status")  # a second save starts from here
    instance.__dict__["_cache_pointed_to"] = now
    invalidate_tags(tags)


SHOWN_THROUGH_LEVELS = 3  # a group, its attributions, their citations


@functools.cache
def _shown_through_it(model) -> tuple[tuple[type, tuple[str, ...]], ...]:
    """The models with records shown only through a record of `model` (`shown_through()`: a group's aliases and
    attributions, a fact's or a source's citations), each with its foreign keys to `model`."""
    from .models import curated_models

    found = []
    for other in curated_models():
        names = tuple(name for name in other.shown_through() if other._meta.get_field(name).related_model is model)
        if names:
            found.append((other, names))
    return tuple(found)


def _shown_with(model, pks: Iterable[int]) -> set[str]:
    """What appears or vanishes with the records `model`/`pks` when they are published or unpublished: the records shown
    only through it, and through those in turn (a group's attributions, then their citations), each with the records
    it points to, which are the pages that show it (an attribution's attack, a relationship's other group, a
    citation's source), and their models' lists. One query a model and level."""
    tags: set[str] = set()
    level: dict[type, set] = {model: set(pks)}
    for _ in range(SHOWN_THROUGH_LEVELS):
        found: dict[type, set] = defaultdict(set)
        for parent, ids in level.items():
            for other, names in _shown_through_it(parent):
                fields = _foreign_keys(other)
                condition = functools.reduce(operator.or_, (Q(**{f"{name}__in": ids}) for name in names))
                for part, *pointed in other._base_manager.filter(condition).values_list("pk", *(f.attname for f in fields)):
                    found[other].add(part)
                    tags |= _record_and_pointed_to(other, fields, part, pointed)
        if not found:
            break
        tags.update(tag for other in found for tag in (list_tag(other), status_tag(other)))
        level = found
    return tags


def invalidate_tags(tags: Iterable[str]) -> None:
    """Bump these tags: at once for this connection, which sees its own uncommitted change, and for everyone once the
    transaction commits (at once outside one); then purge them at the CDN. A record's tag bumps its model's `:any`
    tag with it, for the pages that loaded too many of the model to name them."""
    tags = _with_any_record_tags(tags)
    if not connection.in_atomic_block:
        _bump(set(tags))
        return
    registered = any(callback is _flush_at_commit for _, callback, _ in connection.run_on_commit)
    if not registered and not connection.savepoint_ids:
        # The first write of this transaction at its outer level: what is left is a rolled-back transaction's.
        connection._kb_cache_own_versions = {}
    own_versions().update(dict.fromkeys(tags, _next_version()))
    if not registered:
        # Read from the connection's own list rather than a flag, so that a rolled-back savepoint, which drops
        # the callbacks registered inside it, lets the next write register one again. The tags stay with the
        # connection: those of a rolled-back write are bumped too, which costs a page rebuilt, never a stale page.
        transaction.on_commit(_flush_at_commit, robust=True)  # the data is committed by then: a failure is logged, not raised


def own_versions() -> dict[str, int]:
    """The tags this connection's transaction wrote to, at the versions it sees them until it commits."""
    own = getattr(connection, "_kb_cache_own_versions", None)
    if own is None:
        own = connection._kb_cache_own_versions = {}
    return own


def _next_version() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('kb_data_version')")
        return cursor.fetchone()[0]


def _flush_at_commit() -> None:
    tags = set(own_versions())
    connection._kb_cache_own_versions = {}
    _bump(tags)


def _bump(tags: set[str]) -> None:
    """One statement, one new version for all these tags; then the CDN."""
    if not tags:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO kb_cache_tag (tag, version) SELECT tag, version FROM unnest(%s::text[]) AS tag, "
            "(SELECT nextval('kb_data_version') AS version) AS next ON CONFLICT (tag) DO UPDATE SET version = EXCLUDED.version",
            [sorted(tags)],  # in order: two writers lock the rows in the same order
        )
    from .cache_purge import purge

    purge(sorted(tags))
    tags_bumped.send(sender=None, tags=tags)


def _pointed_to(instance, fields) -> tuple:
    """The values of `fields`, foreign keys of `instance`, as it stands."""
    return tuple(instance.__dict__.get(field.attname) for field in fields)


def _record_and_pointed_to(model, fields, pk, values) -> set[str]:
    """The tags of the record `model`/`pk` (its record and its row) and of the records its foreign keys `fields`, at
    `values`, point to."""
    return {record_tag(model, pk), row_tag(model, pk), *_records_pointed_to(model, fields, values)}


def _records_pointed_to(model, fields, values) -> set[str]:
    """The tags of the records these values of `model`'s foreign keys `fields` name: as records, and as records with
    parts of `model`."""
    tags = set()
    for field, value in zip(fields, values, strict=True):
        if value is not None:
            tags.update((record_tag(field.related_model, value), parts_tag(field.related_model, model, value)))
    return tags


@functools.cache
def _foreign_keys(model) -> tuple:
    return tuple(field for field in model._meta.concrete_fields if field.many_to_one or field.one_to_one)


def remember_loaded(sender, instance, **kwargs) -> None:
    """post_init receiver: what the record points to as loaded (a save may move it elsewhere), and, while a response
    is built, that the response shows it."""
    if instance.pk is None:
        return
    instance.__dict__["_cache_status"] = instance.__dict__.get("publication_status")
    instance.__dict__["_cache_pointed_to"] = _pointed_to(instance, _foreign_keys(sender))
    collector = _collector.get()
    if collector is not None and sender not in collector.covered:
        (collector.rows if sender in collector.rows_of else collector.records)[sender].add(instance.pk)


# ----------------------------------------------------------------------------------------------------------- reads

_collector: contextvars.ContextVar[_Collector | None] = contextvars.ContextVar("kb_cache_collector", default=None)


class _Collector:
    """The records loaded and the curated tables read while a response is built."""

    def __init__(self):
        self.records: dict[type, set] = defaultdict(set)
        self.rows: dict[type, set] = defaultdict(set)  # shown by their own row, and the parts in `row_parts` (`showing_rows_of`)
        self.row_parts: dict[type, set[type]] = defaultdict(set)
        self.rows_of: dict[type, int] = {}  # the models `showing_rows_of` is reading now, with its depth (`_reading`)
        self.covered: dict[type, int] = {}  # parts read now, covered by what they point to
        self.covered_models: set[type] = set()  # all those read so
        self.status_of: dict[str, int] = {}  # tables read now to know what is public (`publication_only`)
        self.status_tables: set[str] = set()  # all those read so
        self.tables: set[str] = set()
        self.related_tables: set[str] = set()  # read only for parts of records already loaded
        self.reading_related = 0
        self.lists: set[type] = set()  # models whose lists a record page reads too (`depends_on_lists`)
        self.extra: set[str] = set()  # tags of cached values used in the build (`cached_value`)

    def __call__(self, execute, sql, params, many, context):
        current = _collector.get()
        if current is not None and current is not self:
            # A collection inside this one (a prebuilt page, a cached value) notes the query in its own terms (a part
            # of its loaded records, a publication check) and hands it on when done (`_merge`).
            return execute(sql, params, many, context)
        names = set(_table_names().findall(sql))
        if self.status_of:
            self.status_tables.update(names & self.status_of.keys())
            names -= self.status_of.keys()
        (self.related_tables if self.reading_related else self.tables).update(names)
        return execute(sql, params, many, context)

    def _row_tags(self, model, pk) -> tuple[str, ...]:
        """A record shown by its row (`showing_rows_of`): its row's tag and those of its parts the page shows."""
        return (row_tag(model, pk), *(parts_tag(model, part, pk) for part in self.row_parts[model]))

    def tags(self, *, record_page: bool) -> set[str]:
        tags = {ALL, *self.extra}
        tags.update(list_tag(model) for model in self.lists)
        tags.update(all_records_tag(model) for model in self.covered_models)
        for model, pks in self.records.items():
            tags |= _loaded(model, pks, lambda model, pk: (record_tag(model, pk),))
        for model, pks in self.rows.items():
            if pks := pks - self.records.get(model, set()):  # loaded whole elsewhere on the page: its record tag holds
                tags |= _loaded(model, pks, self._row_tags)
        if not record_page:
            tables = _curated_tables()
            tags.update(list_tag(tables[name]) for name in self.tables)
            # Parts read for records already loaded (a list's aliases, its rows' citations) change what those records
            # show, not which records are listed nor their order: a write of such a row bumps the records it points
            # to, which the page depends on one by one. Unless some model had too many to name: then, its lists.
            named = all(len(pks) <= RECORDS_PER_MODEL for pks in self.records.values())
            for name in self.related_tables - self.tables:
                tags.add(all_records_tag(tables[name]) if named else list_tag(tables[name]))
            tags.update(status_tag(tables[name]) for name in self.status_tables - self.tables - self.related_tables)
        return tags


def _loaded(model, pks, named) -> set[str]:
    """What an entry that loaded the records `pks` of `model` depends on: the model's `:all` tag, and each record's
    tags (`named(model, pk)`), or, too many to name, any change to the model's records, written or reached through a
    key (its list and `:any` tags)."""
    if len(pks) > RECORDS_PER_MODEL:
        return {all_records_tag(model), list_tag(model), any_record_tag(model)}
    return {all_records_tag(model), *(tag for pk in pks for tag in named(model, pk))}


@functools.cache
def _curated_tables() -> dict:
    from .models import curated_models

    return {model._meta.db_table: model for model in curated_models()}


@functools.cache
def _table_names() -> re.Pattern:
    return re.compile('"(' + "|".join(re.escape(name) for name in sorted(_curated_tables(), key=len, reverse=True)) + ')"')


@contextlib.contextmanager
def reading_parts_of_loaded_records(covered: type | None = None):
    """`with reading_parts_of_loaded_records(): ...`: the queries inside read parts of records the response has loaded
    already (a group's aliases on a list of groups, each row's citations, the newest change to each group listed), by
    a foreign key from the part to the record, after the records were chosen.

    A list page then depends on those parts' records one by one, and on their models' `:all` tags (bulk writes, and
    parts that appear when a record they are shown through is published), but not on their models' list tags: an
    alias edit makes stale the lists that show its group, not every list that shows any alias. The foreign key is
    what makes this right: a write of a part bumps the record it points to (`record_written`).

    With `covered`, the parts' model, whose records the page reads nothing more of (no parts of their own): the page
    depends on them through the records they point to alone, and on their model's `:all` tag, without naming them.
    So a page of groups with thousands of aliases between them stays a page of named groups, rather than one that
    depends on every alias (`RECORDS_PER_MODEL`)."""
    collector = _collector.get()
    if collector is None:
        yield
        return
    if covered is not None:
        collector.covered_models.add(covered)
    with _reading(collector.covered, [covered] if covered is not None else []):
        collector.reading_related += 1
        try:
            yield
        finally:
            collector.reading_related -= 1


@contextlib.contextmanager
def _reading(counts: dict, keys: list):
    """`keys` counted in `counts` while the block runs (twice in a nested one), and gone from it after."""
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    try:
        yield
    finally:
        for key in keys:
            counts[key] -= 1
            if not counts[key]:
                del counts[key]


class _ReadWithin(ModelIterable):
    """A queryset's rows read whole inside `within()`, where its query runs."""

    def within(self):
        raise NotImplementedError

    def __iter__(self):
        with self.within():
            rows = list(super().__iter__())
        yield from rows


class _PartsOfLoadedRecords(_ReadWithin):
    def within(self):
        return reading_parts_of_loaded_records()


class _CoveredPartsOfLoadedRecords(_ReadWithin):
    def within(self):
        return reading_parts_of_loaded_records(covered=self.queryset.model)


@contextlib.contextmanager
def reading_publication_of(models: Iterable[type]):
    """`with reading_publication_of([Alias, Attack]): ...`: the queries inside read the tables of `models` only to know
    which records are public (whether a quote counts, its fact being public), not what they say. A list page then
    depends on those models' status tags (`status_tag`): a record added, removed, published or unpublished makes it
    stale, an edit of its words does not."""
    collector = _collector.get()
    if collector is None:
        yield
        return
    with _reading(collector.status_of, [model._meta.db_table for model in models]):
        yield


class _PublicationOnly(_ReadWithin):
    models: frozenset = frozenset()

    def within(self):
        return reading_publication_of(self.models)


@functools.cache
def _publication_only_iterable(models: frozenset) -> type:
    return type("PublicationOnly", (_PublicationOnly,), {"models": models})


def publication_only(queryset: QuerySet, models: Iterable[type]) -> QuerySet:
    """`queryset`, read with `reading_publication_of(models)`: its rows, whose own tables it reads for what they say,
    and `models`' tables for what is public only (a count of each source's public quotes)."""
    clone = queryset.all()
    clone._iterable_class = _publication_only_iterable(frozenset(models))
    return clone


def parts_of_loaded_records(queryset: QuerySet) -> QuerySet:
    """`queryset`, for a prefetch of parts of the records loaded (`reading_parts_of_loaded_records`): covered by the
    records they point to unless it prefetches parts of its own (a fact's citations, which point to the fact), as given
    here: Django takes those lookups off the queryset before it runs."""
    clone = queryset.all()
    clone._iterable_class = _PartsOfLoadedRecords if queryset._prefetch_related_lookups else _CoveredPartsOfLoadedRecords
    return clone


@contextlib.contextmanager
def showing_rows_of(model, *, with_parts: Iterable[type] = ()):
    """`with showing_rows_of(Group, with_parts=[Affiliation]): ...`: the records of `model` loaded inside are shown by
    their own row and their parts of the models `with_parts` only (the groups a profile's graph draws: their names and
    links, and their relationships with each other), not with the rest of what they are (their aliases, attacks,
    citations). The response then depends on each record's row tag and those parts' tags rather than its record tag,
    so that an alias edit makes stale its group's profile, not the profiles of every group related to it. A record
    also loaded outside, as a whole, keeps its record tag."""
    collector = _collector.get()
    if collector is None:
        yield
        return
    collector.row_parts[model].update(with_parts)
    with _reading(collector.rows_of, [model]):
        yield


def depends_on_lists(*models) -> None:
    """For a read that selects records of `models` by their fields rather than by a foreign key to what the page is
    about (a theatre's map draws every group operating in its countries): the response being built depends on those
    models' lists too, even on a record page, so a record that comes to match is seen."""
    collector = _collector.get()
    if collector is not None:
        collector.lists.update(models)


def depends_on_records(records: Iterable[tuple[type, int]]) -> None:
    """For a read of records that loads no instance of them (their history rows): the response being built shows
    these records (`(Group, 12)`) as much as if it had loaded them."""
    collector = _collector.get()
    if collector is not None:
        for model, pk in records:
            collector.records[model].add(pk)


def depends_on_tags(tags: Iterable[str]) -> None:
    """For a part of the response kept with its own tags (a cached value, a prebuilt page): the response being built
    depends on them too."""
    collector = _collector.get()
    if collector is not None:
        collector.extra.update(tags)


class collecting:
    """`with collecting() as collector:` notes what the code inside loads and reads; a collection inside another one
    (a cached value built for a page) hands what it found on to the outer one, whose response depends on it too."""

    def __enter__(self) -> _Collector:
        self.outer = _collector.get()
        self.collector = _Collector()
        self.token = _collector.set(self.collector)
        # Every database the build may read: public reads go to the replica when there is one (kb/db_router.py).
        self.wrappers = [connections[alias].execute_wrapper(self.collector) for alias in connections]
        for wrapper in self.wrappers:
            wrapper.__enter__()
        return self.collector

    def __exit__(self, *exc):
        for wrapper in reversed(self.wrappers):
            wrapper.__exit__(*exc)
        try:
            _collector.reset(self.token)
        except ValueError:  # a streamed response finished in another context
            _collector.set(None)
        if self.outer is not None:
            _merge(self.outer, self.collector)


def _merge(outer: _Collector, inner: _Collector) -> None:
    for model, pks in inner.records.items():
        outer.records[model] |= pks
    for model, pks in inner.rows.items():
        outer.rows[model] |= pks
    for model, parts in inner.row_parts.items():
        outer.row_parts[model] |= parts
    outer.covered_models |= inner.covered_models
    outer.status_tables |= inner.status_tables
    outer.tables |= inner.tables
    outer.related_tables |= inner.related_tables
    outer.lists |= inner.lists
    outer.extra |= inner.extra


def invalidation_is_global() -> bool:
    """`CACHE_INVALIDATION = "global"`: any write makes every page stale (the `all` tag), kept to compare with tags."""
    return getattr(settings, "CACHE_INVALIDATION", "tags") == "global"


def tag_versions(tags: Iterable[str]) -> dict[str, int]:
    """The version of the last bump of each of these tags (absent if none ever was)."""
    with connection.cursor() as cursor:
        # One string, split by the server: a hit asks for hundreds of tags, and a list of strings is quoted one by one
        # on the client (a third of a cached page's time). A tag holds no space: a model's label and a key.
        cursor.execute("SELECT tag, version FROM kb_cache_tag WHERE tag = ANY(string_to_array(%s, ' '))", [" ".join(tags)])
        return dict(cursor.fetchall())


# Whether any of the tags (one string, split by the server) was bumped past a version: one row back, not hundreds.
_TAGS_MOVED = "EXISTS (SELECT FROM kb_cache_tag WHERE tag = ANY(string_to_array(%s, ' ')) AND version > %s)"


def tags_moved_since(tags: Iterable[str], version: int) -> bool:
    """Whether any of these tags was bumped past `version`: one row back rather than hundreds."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_TAGS_MOVED}", [" ".join(tags), version])
        return cursor.fetchone()[0]


def version_and_tags_moved_since(tags: Iterable[str], version: int) -> tuple[int, bool]:
    """`data_version()`, and `tags_moved_since(tags, version)` when the data version is past `version` (False when it
    is not): one query rather than two, for an entry built before a write this process has seen. (For one built
    after every write seen, `data_version()` alone is cheaper: PostgreSQL plans the unused subquery all the same.)"""
    global _version_seen
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END, is_called AND last_value > %s AND {_TAGS_MOVED} FROM kb_data_version",
            [version, " ".join(tags), version],
        )
        current, moved = cursor.fetchone()
    _version_seen = current
    return current, moved


def cache_key(request, *parts: str) -> str:
    """The scheme and host are part of the key: pages and API answers hold absolute links (a citation's address, the
    API's `url`s), so one asked for under another allowed host must not be served to this one. The query string is
    taken in the order of its parameters' names, so `?b=1&a=2` and `?a=2&b=1` are one entry. What the entry depends
    on is stored with it (`cached_response`), not in the key."""
    query = QueryDict(mutable=True)
    for name in sorted(request.GET):
        query.setlist(name, request.GET.getlist(name))
    address = request.build_absolute_uri(request.path) + "?" + query.urlencode()
    digest = hashlib.sha256("\n".join((address, *parts)).encode()).hexdigest()
    return f"public:{digest}"


def cached_value(name: str, build):
    """`build()`, kept in the public cache under `name` until a record it loaded changes: a value
    pages need often, costly to compute, the same for every visitor. A page built with it depends on what it does."""
    key = f"value:{hashlib.sha256(name.encode()).hexdigest()}"
    entry = cache_get(key)
    if entry is not None:
        depends_on_tags(entry.tags)
        return entry.value[0]
    with building(record_page=True) as builder:
        value = build()
        builder.store(key, (value,))  # in a tuple: a value of None is kept too
    return value


class Entry:
    """What is stored: the value, the tags it depends on, the data version read before it was built, and the tags
    its builder's own open transaction had written to (`floor`), at the versions it saw them."""

    def __init__(self, value, tags: list[str], snapshot: int, floor: dict[str, int] | None = None):
        self.value, self.tags, self.snapshot, self.floor = value, tags, snapshot, floor or {}
        self.surrogate_keys = surrogate_keys(tags)  # the headers' value, worked out once rather than on each hit

    def valid(self, versions: dict[str, int]) -> bool:
        """Valid while no tag has moved past the snapshot, and, if it was built from its builder's uncommitted change,
        only where that change is seen: never elsewhere before the commit (which moves the tags on) or after a rollback."""
        return all(versions.get(tag, 0) <= self.snapshot for tag in self.tags) and all(
            versions.get(tag, 0) >= version for tag, version in self.floor.items()
        )


def cache_get(key: str) -> Entry | None:
    """The entry under `key` if none of its tags has moved since it was built: one query, or two when anything was
    written since."""
    return _lookup(key)[0]


def _lookup(key: str) -> tuple[Entry | None, int | None]:
    """`cache_get(key)`, and the data version read to know (None if there was no entry to check): a build that
    follows a stale entry takes it as its snapshot rather than reading it again."""
    entry = caches[CACHE_ALIAS].get(key)
    if not isinstance(entry, Entry) or not hasattr(entry, "surrogate_keys"):  # (an entry kept by an earlier release)
        return None, None
    if invalidation_is_global():
        version = data_version()
        return (entry if version == entry.snapshot else None), version
    version = None
    if not entry.floor:
        if _version_seen > entry.snapshot and not connection.in_atomic_block:
            # Written since it was built, as far as this process knows (while editors work, most hits): the version
            # and whether any of its tags moved, in one query.
            version, moved = version_and_tags_moved_since(entry.tags, entry.snapshot)
            return (None if moved else entry), version
        version = data_version()
        if version <= entry.snapshot:
            # No version was handed out since it was built, so no tag can have moved: a small query rather than the
            # entry's hundreds of tags (while nobody writes, most hits).
            return entry, version
        if not connection.in_atomic_block:  # whether any tag moved, not each one's version
            return (None if tags_moved_since(entry.tags, entry.snapshot) else entry), version
    versions = tag_versions(entry.tags)
    if connection.in_atomic_block:
        own = own_versions()
        versions.update({tag: max(versions.get(tag, 0), own[tag]) for tag in entry.tags if tag in own})
    return (entry if entry.valid(versions) else None), version


class building:
    """`with building() as build: value = ...; build.store(key, value)`: notes what the value depends on, and stores
    it only if nothing it read changed while it was built."""

    def __init__(self, *, record_page: bool = False, snapshot: int | None = None):
        self.record_page = record_page
        self.snapshot = snapshot  # the data version, if read already before the build: older is only more cautious

    def __enter__(self):
        if self.snapshot is None:
            self.snapshot = data_version()  # before the data is read
        self.collecting = collecting()
        self.collector = self.collecting.__enter__()
        self.done = False
        return self

    def __exit__(self, *exc):
        self.finish()

    def finish(self) -> None:
        if not self.done:
            self.done = True
            self.collecting.__exit__(None, None, None)

    @property
    def tags(self) -> set[str]:
        return {ALL} if invalidation_is_global() else self.collector.tags(record_page=self.record_page)

    def store(self, key: str, value) -> None:
        """Kept with the tags and the version read before the build: valid while no tag moves past it."""
        caches[CACHE_ALIAS].set(key, self.entry(value))

    def entry(self, value) -> Entry:
        """`value` as it is to be stored: with the tags, the version read before the build, and the versions of the
        builder's own uncommitted writes (read now, while its transaction is open)."""
        self.finish()
        tags = sorted(self.tags)
        own = own_versions() if connection.in_atomic_block else {}
        floor = {tag: own[tag] for tag in tags if tag in own}
        return Entry(value, tags, self.snapshot, floor)


def surrogate_keys(tags: Iterable[str]) -> str:
    """The tags a CDN can purge a response by, as `Surrogate-Key` writes them: the model-wide ones first, so that a
    long list cut short at HEADER_LIMIT still purges the response too often rather than too rarely."""
    ordered = sorted(tags, key=lambda tag: (names_records(tag), tag))
    kept, length = [], 0
    for tag in ordered:
        if length + len(tag) + 1 > HEADER_LIMIT:
            if names_records(tag):
                break
        kept.append(tag)
        length += len(tag) + 1
    return " ".join(kept)


def tag_headers(response, tags: Entry | Iterable[str]) -> None:
    """`Surrogate-Key` (Fastly, Varnish xkey) and `Cache-Tag` (Cloudflare), from the tags or a cached entry's."""
    keys = tags.surrogate_keys if isinstance(tags, Entry) else surrogate_keys(tags)
    response["Surrogate-Key"] = keys
    response["Cache-Tag"] = keys.replace(" ", ",")


# True inside `bypassed()`: the page cache neither reads nor keeps anything.
_bypassed: contextvars.ContextVar[bool] = contextvars.ContextVar("kb_cache_bypassed", default=False)


@contextlib.contextmanager
def bypassed():
    """`with bypassed(): view(request)`: the view's page built without the page cache around it, for no reader (a
    prebuilt page built again after a write, `kb.prebuilt.rebuild`: the cache's next reader is served it)."""
    token = _bypassed.set(True)
    try:
        yield
    finally:
        _bypassed.reset(token)


def cached_response(key: str, build, *, record_page: bool = False) -> HttpResponse:
    """The response cached under `key`, or `build()`'s, kept when it is a plain 200. `X-Cache` says which (HIT or
    MISS), for operators and load tests to count.

    The ETag is stored with the body: a hit answers without hashing the page again (ConditionalGetMiddleware
    only computes one when the response has none), and a stale entry is never served, so never answers 304."""
    if _bypassed.get():
        return build()
    (entry, version), locked = _lookup(key), None
    if entry is None:
        locked = build_lock(key)
        if locked is False:  # another request is building this page: its result, if it comes in time
            entry, version = wait_for_build(key), None
    if entry is not None:
        content, content_type, etag = entry.value
        response = HttpResponse(content, content_type=content_type)
        response["ETag"] = etag
        response["X-Cache"] = "HIT"
        tag_headers(response, entry)
        return response
    try:
        with building(record_page=record_page, snapshot=version) as builder:
            response = build()
            response["X-Cache"] = "MISS"
            if ready_to_keep(response):
                entry = builder.entry((response.content, response["Content-Type"], response["ETag"]))
                tag_headers(response, entry)
    except BaseException:
        _keep_and_unlock(key, None, locked)
        raise
    # Written once the response is sent: its reader does not wait for the cache. Those waiting on the lock do.
    after_response(functools.partial(_keep_and_unlock, key, entry, locked))
    return response


def _keep_and_unlock(key: str, entry: Entry | None, locked: bool | None) -> None:
    """`entry` (if any) kept under `key`, then the build's lock (if this request took it) released."""
    cache = caches[CACHE_ALIAS]
    try:
        if entry is not None:
            cache.set(key, entry)
    finally:
        if locked:
            cache.delete(_lock_key(key))


# Work left for after the response: a list while a request is being served (from `request_started` to the close of
# its response, `request_finished`), None outside one.
_after_response: contextvars.ContextVar[list | None] = contextvars.ContextVar("kb_cache_after_response", default=None)


def after_response(job) -> None:
    """`job()` once the response being served is sent, when the server closes it (`request_finished`); at once outside
    a request (a command, a view called directly). A failure is logged: the response has gone."""
    jobs = _after_response.get()
    if jobs is None:
        job()
    else:
        jobs.append(job)


def request_began(**kwargs) -> None:
    """`request_started` receiver. Work left by a request whose response was never closed is done now, not lost."""
    run_after_response()
    _after_response.set([])


def run_after_response(**kwargs) -> None:
    """`request_finished` receiver: the work `after_response` left for this response, in the order it was left."""
    jobs = _after_response.get()
    _after_response.set(None)
    for job in jobs or ():
        try:
            job()
        except Exception:
            logger.exception("Work left for after a response failed.")


def ready_to_keep(response) -> bool:
    """Whether a response may be kept for every visitor (a plain 200, not streamed, setting no cookie), rendered and
    given its ETag if so."""
    if response.status_code != 200 or response.streaming or response.has_header("Set-Cookie"):
        return False
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    if not response.has_header("ETag"):
        response["ETag"] = content_etag(response.content)
    return True


def content_etag(content: bytes) -> str:
    """A strong ETag of the body, by SHA-1 where Django's ConditionalGetMiddleware takes MD5: 50 µs rather than 120
    for a page of 110 KB, as unlikely to give two bodies one tag. (Stored with the page: a hit does not hash it.)"""
    return quote_etag(hashlib.sha1(content, usedforsecurity=False).hexdigest())


def _lock_key(key: str) -> str:
    return f"building:{key}"


def build_lock(key: str) -> bool | None:
    """Take the lock on building `key`'s entry, so that the requests that miss it at once (a popular page just made
    stale) build it once, not once each: True if taken, False if another request holds it, None if the cache could
    not say (then build without waiting). The cache's atomic `add` is the lock; it expires by itself."""
    cache = caches[CACHE_ALIAS]
    if hasattr(cache, "acquire"):  # kb.cache_backends: None when the store does not answer
        return cache.acquire(_lock_key(key), BUILD_LOCK_SECONDS)
    return cache.add(_lock_key(key), True, BUILD_LOCK_SECONDS)


def wait_for_build(key: str) -> Entry | None:
    """The entry another request is building under `key`, once its lock is gone; None if it kept nothing (an error,
    a page not to keep) or took longer than BUILD_WAIT_SECONDS: then this request builds the page itself."""
    cache = caches[CACHE_ALIAS]
    deadline, pause = time.monotonic() + BUILD_WAIT_SECONDS, BUILD_FIRST_POLL_SECONDS
    while time.monotonic() < deadline:
        time.sleep(pause)
        pause = min(2 * pause, BUILD_POLL_SECONDS)
        if not cache.has_key(_lock_key(key)):
            return cache_get(key)
    return None


def cache_public_page(*, params: Iterable[str] = (), filterset=None, expensive: bool = False, record_page: bool = False):
    """For the site's GET views that list, count or search: the page as every visitor sees it, until a record of a
    model it read changes, or the day does (a page's citation gives the day it was read as its access date).

    The view reads the query parameters in `params` and those of `filterset` (a FilterSet class), and no others: any
    other is dropped before the view runs, so `?x=1`, `?x=2`… are all the page without them, one cache entry, and never
    echoed in its links. An `expensive` page built afresh (not served from the cache) counts against the client's
    `EXPENSIVE_PAGE_RATE` (`kb.throttling`)."""

    def decorator(view):
        @functools.cache
        def allowed() -> frozenset[str]:
            from .filtersets import query_parameters  # the FilterSet's form is built on the first request, not at import

            return frozenset(params) | (query_parameters(filterset) if filterset is not None else frozenset())

        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD"):
                return view(request, *args, **kwargs)
            keep_only_parameters(request, allowed())
            today = timezone.now().date().isoformat()

            def build():
                return (expensive and page_throttle(request)) or view(request, *args, **kwargs)

            return cached_response(cache_key(request, "page", today), build, record_page=record_page)

        return wrapper

    return decorator


def cache_record_page(*, params: Iterable[str] = (), expensive: bool = False):
    """For the site's pages about one record: the page until a record it shows changes, or the day does; `params` and
    `expensive` as for `cache_public_page`."""
    return cache_public_page(params=params, expensive=expensive, record_page=True)


def keep_only_parameters(request, allowed: frozenset[str]) -> None:
    """The request as if asked for with only the `allowed` query parameters: for the view (`request.GET`) and for the
    addresses it writes into the page (`build_absolute_uri`, `get_full_path`)."""
    if all(name in allowed for name in request.GET):
        return
    kept = QueryDict(mutable=True)
    for name, values in request.GET.lists():
        if name in allowed:
            kept.setlist(name, values)
    kept._mutable = False
    request.GET = kept
    request.META["QUERY_STRING"] = kept.urlencode()
