"""Releases: the whole published data set, built once by `manage.py build_release` and served as files, never per request.

A release is a directory, `RELEASES_ROOT/<version>/`, and a `Release` row:

- `militant-groups-kb.stix.json` (and `.gz`): the STIX 2.1 bundle of the whole published data set (`interop.stix`),
  followed by a revoked version of every object an earlier release had and the public set no longer has;
- `<table>.csv.gz` and `<table>.jsonl.gz` for each public table: the columns of `groups.exports.TABLE_EXPORTS`, the same
  as the API's `?format=csv`; the CSV's text cells are kept from running as formulas, the JSON Lines hold raw values;
- the MISP export (`interop.misp`): `militant-groups-kb.misp-galaxy.json` and `militant-groups-kb.misp-clusters.json`,
  the groups as a MISP galaxy in misp-galaxy's format, and `misp-feed/`, a MISP feed of one event per attack (MISP's
  feed layout: `manifest.json` and `<uuid>.json` per event, with `SHA256SUMS` of the event files);
- `CHANGELOG.md` and `changes.json`: what was added, changed and revoked since the previous release, per STIX type;
- `README.md` and `CITATION.cff`: the release's permanent address and how to cite it;
- `manifest.json`: counts per table and per STIX type, every file's size and SHA-256, the formats' versions;
  `SHA256SUMS` checks every file, the manifest included, with `sha256sum -c SHA256SUMS`.

The files are written to a hidden directory beside the others and renamed into place when complete; the rows (the
release and its STIX object versions, which the TAXII collection serves) are written in the transaction that reads the
data, and committed only once the directory is in place. A build that fails leaves neither. The data is read in one
snapshot (REPEATABLE READ), so the counts, the files and the versions agree; one build runs at a time.

Versions of STIX objects: an object gets a new version when it is new or its JSON changed. Its `modified` is the
record's; when that is not later than the last version's (a removal leaves no date behind), the version is dated by the
release instead, so versions of an object always move forward. An object gone from the public set gets a revoked
version (its last JSON, `"revoked": true`), dated likewise; one that comes back gets a new version after it.
"""

from __future__ import annotations

import datetime
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from groups.exports import TABLE_EXPORTS
from kb.api.csv import CHUNK_SIZE, csv_header, csv_line
from kb.services.copy import array_cursor, copy_rows

from .misp import cluster_collection, feed_manifest_entry, galaxy, misp_events
from .models import Release, StixObjectVersion
from .stix import EXTENSION_VERSION, KB_NAME, bundle_chunks, stix_bundle_id, stix_objects

# The layout of a release directory and of its manifest: bump when a file is added, renamed or reshaped.
RELEASE_FORMAT = "1.1"
BUNDLE_NAME = "militant-groups-kb.stix.json"
MISP_GALAXY_NAME = "militant-groups-kb.misp-galaxy.json"
MISP_CLUSTERS_NAME = "militant-groups-kb.misp-clusters.json"
# A MISP feed: MISP reads `manifest.json` at the address it is given, then `<event uuid>.json` beside it.
MISP_FEED_DIRECTORY = "misp-feed"
MISP_FEED_MANIFEST = f"{MISP_FEED_DIRECTORY}/manifest.json"
MISP_FEED_CHECKSUMS = f"{MISP_FEED_DIRECTORY}/SHA256SUMS"
MISP_FEED_EVENT = re.compile(rf"{MISP_FEED_DIRECTORY}/[0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}}\.json")
MANIFEST_NAME = "manifest.json"
CHECKSUMS_NAME = "SHA256SUMS"
# Served from every release beside the files its manifest lists (they describe those files, so they are not in it).
INDEX_FILES = (MANIFEST_NAME, CHECKSUMS_NAME)
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"

# How many objects of each type and kind of change a release's change lists name; the counts are always whole.
CHANGES_JSON_LIMIT = 1000
CHANGELOG_LIMIT = 50

# A version is part of the release's address: letters, digits, dots, hyphens and underscores. "latest" is an alias.
VERSION_PATTERN = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,39}")
RESERVED_VERSIONS = {"latest"}

GZIP_LEVEL = 6
PAGE_COLUMN = "Page"  # the tables' column holding a record's page on the site, as a path
_VERSIONS_BATCH = 2000
_BUILD_LOCK = 0x6B62_7265_6C65  # pg advisory lock key: one build at a time
_CHANGE_KINDS = ("added", "changed", "revoked")


class ReleaseError(Exception):
    """A release that cannot be built as asked; the message says why."""


def releases_root() -> Path:
    return Path(settings.RELEASES_ROOT)


def release_path(version: str) -> Path:
    return releases_root() / version


def release_url(base_url: str, version: str) -> str:
    return f"{base_url.rstrip('/')}/releases/{version}/"


def citation_text(version: str, built_at: datetime.datetime, url: str) -> str:
    """The suggested citation of a release, the same on its page and in its files."""
    return f"{KB_NAME}, release {version} of {built_at:%-d %B %Y}, {url}."


def next_version(day: datetime.date) -> str:
    """The date (2026.12.02), or with a number for another release that day (2026.12.02.2)."""
    base = f"{day:%Y.%m.%d}"
    taken = set(Release.objects.filter(version__startswith=base).values_list("version", flat=True))
    candidate, number = base, 1
    while candidate in taken or release_path(candidate).exists():
        number += 1
        candidate = f"{base}.{number}"
    return candidate


def check_version(version: str) -> None:
    if not VERSION_PATTERN.fullmatch(version) or version.lower() in RESERVED_VERSIONS:
        raise ReleaseError(
            f"{version!r} cannot be a release's version: use up to 40 letters, digits, dots, hyphens or underscores, "
            "starting with a letter or digit (and not 'latest'), e.g. 2026.12.02."
        )
    if Release.objects.filter(version=version).exists() or release_path(version).exists():
        raise ReleaseError(f"Release {version} already exists: a release's files never change. Choose another --version.")


# --- The build ------------------------------------------------------------------------------


def build_release(*, base_url: str, version: str | None = None, progress: Callable[[Iterable], Iterable] | None = None) -> Release:
    """Build a release of everything published now; return its row. `progress` wraps the stream of STIX objects."""
    root = releases_root()
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ReleaseError(f"Cannot create the releases directory {root}: {error.strerror}.") from error
    with _one_build_at_a_time():
        if version is not None:
            check_version(version)
        final: Path | None = None
        try:
            with transaction.atomic():
                _read_one_snapshot()
                built_at = _to_millisecond(timezone.now())
                version = version or next_version(built_at.date())
                previous = Release.objects.order_by("-built_at").first()
                release = Release.objects.create(version=version, built_at=built_at, manifest={})
                building = Path(tempfile.mkdtemp(dir=root, prefix=f".building-{version}-"))
                try:
                    manifest = _write_files(building, release, previous, base_url=base_url, progress=progress)
                    os.chmod(building, 0o755)
                    final = root / version
                    building.rename(final)
                except BaseException:
                    shutil.rmtree(building, ignore_errors=True)
                    raise
                release.manifest = manifest
                release.save(update_fields=["manifest"])
        except BaseException:
            if final is not None:
                shutil.rmtree(final, ignore_errors=True)
            raise
    return release


@contextmanager
def _one_build_at_a_time() -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_BUILD_LOCK])
        if not cursor.fetchone()[0]:
            raise ReleaseError("Another release is being built; try again when it has finished.")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_BUILD_LOCK])


def _read_one_snapshot() -> None:
    """Every query of the build sees the data as of its first one (only possible when the build opens the transaction)."""
    if len(connection.atomic_blocks) == 1:
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def _write_files(directory: Path, release: Release, previous: Release | None, *, base_url: str, progress) -> dict:
    url = release_url(base_url, release.version)
    versions = _VersionWriter(release)
    stix = _write_bundle(directory, release, versions, base_url=base_url, progress=progress)
    versions.flush()
    tables = {name: _write_table(directory, name, export, base_url=base_url) for name, export in TABLE_EXPORTS.items()}
    misp = _write_misp(directory, base_url=base_url)
    changes = stix.changes.summary(previous)
    _write_text(directory / "changes.json", json.dumps(stix.changes.as_json(previous), indent=2, ensure_ascii=False) + "\n")
    _write_text(directory / "CHANGELOG.md", stix.changes.as_markdown(release, previous))
    _write_text(directory / "README.md", _readme(release, url, tables, stix, misp))
    _write_text(directory / "CITATION.cff", _citation_cff(release, url))
    files = [_describe(directory, name, media_type, description) for name, media_type, description in _file_list(tables)]
    manifest = {
        "name": KB_NAME,
        "version": release.version,
        "built_at": _stix_time(release.built_at),
        "url": url,
        "citation": citation_text(release.version, release.built_at, url),
        "previous_version": previous.version if previous else None,
        "formats": {
            "release": RELEASE_FORMAT,
            "stix": "2.1",
            "stix_extension": EXTENSION_VERSION,
            "csv": "RFC 4180, UTF-8 with a byte-order mark, gzip; the API's ?format=csv columns",
            "jsonl": "JSON Lines, UTF-8, gzip; the CSV's columns as snake_case keys, raw values",
            "misp": "MISP core format (feed events); the galaxy and its clusters in misp-galaxy's format",
        },
        "counts": {"tables": tables, "stix": dict(stix.counts), "stix_revoked": dict(stix.revoked_counts), "misp": misp},
        "changes": changes,
        "size": sum(file["size"] for file in files),
        "files": files,
    }
    _write_text(directory / MANIFEST_NAME, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    checksums = [*files, _describe(directory, MANIFEST_NAME, "application/json", "")]
    _write_text(directory / CHECKSUMS_NAME, "".join(f"{file['sha256']}  {file['name']}\n" for file in checksums))
    return manifest


def _file_list(tables: dict[str, int]) -> list[tuple[str, str, str]]:
    return [
        (BUNDLE_NAME, STIX_MEDIA_TYPE, "STIX 2.1 bundle of the whole published data set, with revoked versions of what left it."),
        (f"{BUNDLE_NAME}.gz", "application/gzip", "The same bundle, gzip-compressed."),
        *(
            (f"{name}.{extension}.gz", "application/gzip", f"{name.capitalize()}: {what}, gzip-compressed.")
            for name in tables
            for extension, what in (("csv", "CSV"), ("jsonl", "JSON Lines"))
        ),
        (MISP_GALAXY_NAME, "application/json", "The groups' MISP galaxy (misp-galaxy's galaxies/militant-groups-kb.json)."),
        (MISP_CLUSTERS_NAME, "application/json", "The groups as its clusters, with their relations (clusters/militant-groups-kb.json)."),
        (MISP_FEED_MANIFEST, "application/json", "A MISP feed of one event per attack: add this directory's address as a feed."),
        (MISP_FEED_CHECKSUMS, "text/plain; charset=utf-8", "Checksums of the feed's event files, for sha256sum -c in misp-feed/."),
        ("CHANGELOG.md", "text/markdown; charset=utf-8", "What changed since the previous release."),
        ("changes.json", "application/json", "What changed since the previous release, for programs."),
        ("README.md", "text/markdown; charset=utf-8", "What the release holds and how to cite it."),
        ("CITATION.cff", "text/plain; charset=utf-8", "How to cite the release (Citation File Format 1.2)."),
    ]


def _describe(directory: Path, name: str, media_type: str, description: str) -> dict:
    path = directory / name
    with open(path, "rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    entry = {"name": name, "size": path.stat().st_size, "sha256": digest, "media_type": media_type}
    if description:
        entry["description"] = description
    return entry


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


@contextmanager
def _gzip_text(path: Path) -> Iterator[TextIO]:
    """A gzip file written as text; no name or time in its header, so the same content gives the same bytes."""
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=GZIP_LEVEL) as packed:
        with io.TextIOWrapper(packed, encoding="utf-8", newline="") as text:
            yield text


# --- Tables ---------------------------------------------------------------------------------


def _write_table(directory: Path, name: str, export, *, base_url: str) -> int:
    """The whole table as CSV (the API's columns and cells) and as JSON Lines (the same columns, raw values); its rows.
    Each row's values are computed once for both. A "Page" is the record's full address: a file read far from the
    site has no host to resolve a path against."""
    keys = [json_key(column.header) for column in export.columns]
    pages = [column.header == PAGE_COLUMN for column in export.columns]
    site = base_url.rstrip("/")
    written = 0
    with _gzip_text(directory / f"{name}.csv.gz") as csv_file, _gzip_text(directory / f"{name}.jsonl.gz") as json_file:
        csv_file.write(csv_header(export.columns))
        for record in export.rows(export.records()).iterator(chunk_size=CHUNK_SIZE):
            values = [column.value(record) for column in export.columns]
            values = [site + value if page and value else value for page, value in zip(pages, values, strict=True)]
            json_file.write(json.dumps(dict(zip(keys, values, strict=True)), ensure_ascii=False, default=_json_value) + "\n")
            csv_file.write(csv_line(values))
            written += 1
    return written


def json_key(header: str) -> str:
    """A CSV header as a JSON key: "Founded (precision)" → "founded_precision"."""
    return re.sub(r"[^0-9a-z]+", "_", header.lower()).strip("_")


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# --- MISP -----------------------------------------------------------------------------------


def _write_misp(directory: Path, *, base_url: str) -> dict[str, int]:
    """The galaxy, its clusters, and the feed: each event as its own file, named in the feed's manifest and checksums."""
    _write_text(directory / MISP_GALAXY_NAME, json.dumps(galaxy(), indent=2, ensure_ascii=False) + "\n")
    collection = cluster_collection(base_url=base_url)
    _write_text(directory / MISP_CLUSTERS_NAME, json.dumps(collection, indent=2, ensure_ascii=False) + "\n")
    feed = directory / MISP_FEED_DIRECTORY
    feed.mkdir()
    events = 0
    with open(directory / MISP_FEED_MANIFEST, "w", encoding="utf-8") as manifest, open(directory / MISP_FEED_CHECKSUMS, "w") as checksums:
        manifest.write("{")
        separator = "\n"
        for event in misp_events(base_url=base_url):
            name = f"{event['Event']['uuid']}.json"
            body = json.dumps(event, ensure_ascii=False).encode()
            (feed / name).write_bytes(body)
            checksums.write(f"{hashlib.sha256(body).hexdigest()}  {name}\n")
            entry = json.dumps(feed_manifest_entry(event), ensure_ascii=False)
            manifest.write(f"{separator}{json.dumps(event['Event']['uuid'])}: {entry}")
            separator = ",\n"
            events += 1
        manifest.write("\n}\n")
    os.chmod(feed, 0o755)
    values = collection["values"]
    return {"clusters": len(values), "cluster_relations": sum(len(value.get("related", [])) for value in values), "events": events}


# --- STIX -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Serialized:
    """An object's JSON text where `bundle_chunks` expects a STIX object."""

    text: str

    def serialize(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class _Latest:
    modified: datetime.datetime
    revoked: bool
    digest: str


@dataclass
class _BundleResult:
    changes: _Changes
    counts: Counter = field(default_factory=Counter)
    revoked_counts: Counter = field(default_factory=Counter)


def _write_bundle(directory: Path, release: Release, versions: _VersionWriter, *, base_url: str, progress) -> _BundleResult:
    latest = _latest_versions()
    result = _BundleResult(changes=_Changes())
    objects = stix_objects(base_url=base_url)
    if progress is not None:
        objects = progress(objects)
    current = _current_objects(objects, latest, versions, result, release.built_at)
    everything = _chain(current, lambda: _revoked_objects(latest, versions, result, release.built_at))
    with open(directory / BUNDLE_NAME, "w", encoding="utf-8") as plain, _gzip_text(directory / f"{BUNDLE_NAME}.gz") as packed:
        for chunk in bundle_chunks(stix_bundle_id(), everything):
            plain.write(chunk)
            packed.write(chunk)
    return result


def _chain(first: Iterable, then: Callable[[], Iterable]) -> Iterator:
    """`first`, then what `then()` gives once `first` is spent (it reads what `first` left)."""
    yield from first
    yield from then()


def _latest_versions() -> dict[str, _Latest]:
    table = StixObjectVersion._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT stix_id, modified, revoked, md5(body) FROM {table} WHERE latest")  # noqa: S608 - our table's name
        return {stix_id: _Latest(modified, revoked, digest) for stix_id, modified, revoked, digest in cursor.fetchall()}


def _current_objects(
    objects, latest: dict[str, _Latest], versions: _VersionWriter, result: _BundleResult, built_at
) -> Iterator[_Serialized]:
    changes = result.changes
    for stix_object in objects:
        text, stix_id, stix_type = stix_object.serialize(), stix_object.id, stix_object.type
        # A marking definition has no `modified`: it never changes, and its version is its `created` (TAXII 2.1, 3.4).
        modified = getattr(stix_object, "modified", None) or stix_object.created
        changes.remember(stix_object)
        result.counts[stix_type] += 1
        last = latest.pop(stix_id, None)
        if last is None or last.revoked:  # new, or back after it was revoked
            if last is not None and modified <= last.modified:
                modified = _later_than(last.modified, built_at)
                text = _rewritten(text, modified=modified)
            changes.note("added", stix_object)
            versions.add(stix_id, stix_type, modified, text, revoked=False, replaces=last is not None)
        elif _md5(text) != last.digest:
            if modified <= last.modified:
                if _md5(_rewritten(text, modified=last.modified)) == last.digest:
                    yield _Serialized(_rewritten(text, modified=last.modified))  # as last dated by a release
                    continue
                modified = _later_than(last.modified, built_at)
                text = _rewritten(text, modified=modified)
            changes.note("changed", stix_object)
            versions.add(stix_id, stix_type, modified, text, revoked=False, replaces=True)
        yield _Serialized(text)


def _revoked_objects(latest: dict[str, _Latest], versions: _VersionWriter, result: _BundleResult, built_at) -> Iterator[_Serialized]:
    """Every object an earlier release had and the public set no longer has, revoked: now, or in an earlier release."""
    gone = sorted(latest)
    table = StixObjectVersion._meta.db_table
    for start in range(0, len(gone), _VERSIONS_BATCH):
        with array_cursor() as cursor:
            cursor.execute(
                f"SELECT stix_id, body FROM {table} WHERE latest AND stix_id = ANY(%b) ORDER BY stix_id",
                [gone[start : start + _VERSIONS_BATCH]],
            )  # noqa: S608
            rows = cursor.fetchall()
        for stix_id, body in rows:
            stix_type = stix_id.partition("--")[0]
            result.revoked_counts[stix_type] += 1
            last = latest[stix_id]
            if last.revoked:
                yield _Serialized(body)
                continue
            modified = _later_than(last.modified, built_at)
            text = _rewritten(body, modified=modified, revoked=True)
            result.changes.note("revoked", json.loads(body))
            versions.add(stix_id, stix_type, modified, text, revoked=True, replaces=True)
            yield _Serialized(text)


def _rewritten(text: str, *, modified: datetime.datetime, revoked: bool = False) -> str:
    body = json.loads(text)
    body["modified"] = _stix_time(modified)
    if revoked:
        body["revoked"] = True
    return json.dumps(body)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _later_than(last: datetime.datetime, built_at: datetime.datetime) -> datetime.datetime:
    """A new version's date when the record gives none later than the last version's: the release's, or just after."""
    return max(built_at, last + datetime.timedelta(milliseconds=1))


def _to_millisecond(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _stix_time(moment: datetime.datetime) -> str:
    moment = moment.astimezone(datetime.UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


class _VersionWriter:
    """New versions of STIX objects, written in batches in the build's transaction: the last version of each stops being
    the latest, then the new rows go in by COPY."""

    columns = ["stix_id", "stix_type", "modified", "date_added", "release_id", "revoked", "latest", "body"]

    def __init__(self, release: Release):
        self.release = release
        self.rows: list[tuple] = []
        self.replaced: list[str] = []
        self.written = 0

    def add(self, stix_id: str, stix_type: str, modified: datetime.datetime, body: str, *, revoked: bool, replaces: bool) -> None:
        self.rows.append((stix_id, stix_type, modified, self.release.built_at, self.release.pk, revoked, True, body))
        if replaces:
            self.replaced.append(stix_id)
        if len(self.rows) >= _VERSIONS_BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        table = StixObjectVersion._meta.db_table
        with array_cursor() as cursor:
            if self.replaced:
                cursor.execute(f"UPDATE {table} SET latest = false WHERE latest AND stix_id = ANY(%b)", [self.replaced])  # noqa: S608
            copy_rows(cursor, table, self.columns, self.rows)
        self.written += len(self.rows)
        self.rows, self.replaced = [], []


# --- Changes --------------------------------------------------------------------------------


class _Changes:
    """What a release adds, changes and revokes, per STIX type: whole counts, and the first objects of each by name."""

    def __init__(self):
        self.counts: dict[str, Counter] = {kind: Counter() for kind in _CHANGE_KINDS}
        self.listed: dict[str, dict[str, list[tuple[str, str]]]] = {kind: defaultdict(list) for kind in _CHANGE_KINDS}
        self.names: dict[str, str] = {}  # groups' and incidents' names, which name the relationships between them

    def remember(self, stix_object) -> None:
        if stix_object["type"] in ("intrusion-set", "incident"):
            self.names[stix_object["id"]] = stix_object["name"]

    def label(self, stix_object) -> str:
        if stix_object["type"] == "relationship":
            source, target = stix_object["source_ref"], stix_object["target_ref"]
            return f"{self.names.get(source, source)} {stix_object['relationship_type']} {self.names.get(target, target)}"
        return stix_object.get("name", "")

    def note(self, kind: str, stix_object) -> None:
        stix_type = stix_object["type"]
        self.counts[kind][stix_type] += 1
        if len(self.listed[kind][stix_type]) < CHANGES_JSON_LIMIT:
            self.listed[kind][stix_type].append((stix_object["id"], self.label(stix_object)))

    def summary(self, previous: Release | None) -> dict:
        return {"previous_version": previous.version if previous else None, **{kind: dict(self.counts[kind]) for kind in _CHANGE_KINDS}}

    def as_json(self, previous: Release | None) -> dict:
        return {
            "previous_version": previous.version if previous else None,
            **{
                kind: {
                    stix_type: {
                        "count": count,
                        "objects": [{"id": stix_id, "name": name} for stix_id, name in self.listed[kind][stix_type]],
                    }
                    for stix_type, count in sorted(self.counts[kind].items())
                }
                for kind in _CHANGE_KINDS
            },
        }

    def as_markdown(self, release: Release, previous: Release | None) -> str:
        since = f"since release {previous.version}" if previous else "(the first release: everything is new)"
        lines = [f"# Release {release.version}", "", f"Built {_stix_time(release.built_at)}. Changes {since}.", ""]
        headings = {"added": "Added", "changed": "Changed", "revoked": "Revoked (left the public set)"}
        for kind in _CHANGE_KINDS:
            total = sum(self.counts[kind].values())
            lines += [f"## {headings[kind]}: {total}", ""]
            for stix_type, count in sorted(self.counts[kind].items()):
                lines += [f"### {stix_type}: {count}", ""]
                listed = self.listed[kind][stix_type][:CHANGELOG_LIMIT]
                lines += [f"- {_markdown_text(name)} `{stix_id}`" for stix_id, name in listed]
                if count > len(listed):
                    lines.append(f"- … and {count - len(listed)} more (changes.json names up to {CHANGES_JSON_LIMIT} of each).")
                lines.append("")
        return "\n".join(lines)


def _markdown_text(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", " ".join(text.split()))


# --- How to cite ----------------------------------------------------------------------------


def _readme(release: Release, url: str, tables: dict[str, int], stix: _BundleResult, misp: dict[str, int]) -> str:
    rows = "\n".join(f"| {name} | {count} | `{name}.csv.gz`, `{name}.jsonl.gz` |" for name, count in tables.items())
    stix_total = sum(stix.counts.values())
    revoked = sum(stix.revoked_counts.values())
    return f"""# {KB_NAME}, release {release.version}

Everything published in the knowledge base on {release.built_at:%-d %B %Y} at {release.built_at:%H:%M} UTC. The files of a
release never change; its permanent address is {url}

## How to cite

{citation_text(release.version, release.built_at, url)}

`CITATION.cff` says the same in the Citation File Format.

## Files

- `{MISP_FEED_DIRECTORY}/`: a MISP feed of {misp["events"]} events, one per attack, its groups as clusters of the galaxy in
  `{MISP_GALAXY_NAME}` and `{MISP_CLUSTERS_NAME}` ({misp["clusters"]} groups, {misp["cluster_relations"]} relations). In
  MISP, install the galaxy (copy the two files to `app/files/misp-galaxy/galaxies/militant-groups-kb.json` and
  `clusters/militant-groups-kb.json`, then Galaxies → Update Galaxies), and add a feed (Sync Actions → Feeds → Add
  Feed) of source format "MISP Feed" whose URL is {url}{MISP_FEED_DIRECTORY} for this release, or the same with
  `latest` in place of `{release.version}` to follow every release (MISP updates an event whose timestamp moved on).
- `{BUNDLE_NAME}` (and `.gz`): a STIX 2.1 bundle of {stix_total} objects (groups as intrusion sets, attacks as
  incidents, sources as reports, relationships and attributions as relationships, theatres as groupings of their
  groups), and {revoked} revoked objects that
  earlier releases had and that have left the public set.
- One CSV and one JSON Lines file per table, gzip-compressed (pandas, R, DuckDB and `zcat` read them as they are):

| Table | Rows | Files |
| --- | --- | --- |
{rows}

  The CSV files have the columns of the API's `?format=csv`, in UTF-8 with a byte-order mark; a text cell that a
  spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) has a leading
  apostrophe. The JSON Lines files hold the same columns, as snake_case keys, with the values as stored.
- the MISP export (`interop.misp`): `militant-groups-kb.misp-galaxy.json` and `militant-groups-kb.misp-clusters.json`,
  the groups as a MISP galaxy in misp-galaxy's format, and `misp-feed/`, a MISP feed of one event per attack (MISP's
  feed layout: `manifest.json` and `<uuid>.json` per event, with `SHA256SUMS` of the event files);
- `CHANGELOG.md` and `changes.json`: what was added, changed and revoked since the previous release.
- `manifest.json`: counts per table and per STIX type, and every file's size and SHA-256.
  Check the files with `sha256sum -c SHA256SUMS`.
"""


def _citation_cff(release: Release, url: str) -> str:
    return f"""cff-version: 1.2.0
message: "If you use this data set, please cite it as below."
type: dataset
title: "{KB_NAME}"
version: "{release.version}"
date-released: {release.built_at:%Y-%m-%d}
url: "{url}"
authors:
  - name: "{KB_NAME} editors"
"""
