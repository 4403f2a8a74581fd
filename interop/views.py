"""The releases' pages and files: what `manage.py build_release` wrote, served as it is. Nothing here builds an export."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_GET, require_safe

from .models import Release
from .releases import CHECKSUMS_NAME, INDEX_FILES, MANIFEST_NAME, MISP_FEED_DIRECTORY, MISP_FEED_EVENT, release_path

# A release's files never change: caches and browsers may keep them for a year without asking again.
IMMUTABLE = "public, max-age=31536000, immutable"
INDEX_MEDIA_TYPES = {MANIFEST_NAME: "application/json", CHECKSUMS_NAME: "text/plain; charset=utf-8"}
LIST_TABLES = ("groups", "attacks", "sources")  # the counts the list of releases shows; a release's page shows all


@dataclass(frozen=True)
class ReleaseSummary:
    """What a release's manifest says, as its pages show it."""

    release: Release
    tables: list[tuple[str, int]]
    stix_types: list[tuple[str, int]]
    changes: list[tuple[str, int, list[tuple[str, int]]]]  # kind, total, per STIX type

    @classmethod
    def of(cls, release: Release) -> ReleaseSummary:
        manifest = release.manifest
        counts = manifest.get("counts", {})
        changes = manifest.get("changes", {})
        return cls(
            release=release,
            tables=list(counts.get("tables", {}).items()),
            stix_types=sorted(counts.get("stix", {}).items()),
            changes=[
                (kind, sum(changes.get(kind, {}).values()), sorted(changes.get(kind, {}).items()))
                for kind in ("added", "changed", "revoked")
            ],
        )

    def table(self, name: str) -> int:
        return dict(self.tables).get(name, 0)

    @property
    def list_counts(self) -> list[int]:
        return [self.table(name) for name in LIST_TABLES]


@require_GET
def release_list(request):
    summaries = [ReleaseSummary.of(release) for release in Release.objects.order_by("-built_at")]
    return render(
        request,
        "interop/release_list.html",
        {"section": "releases", "summaries": summaries, "latest": summaries[0] if summaries else None, "list_tables": LIST_TABLES},
    )


@require_GET
def release_detail(request, version: str):
    release = get_object_or_404(Release, version=version)
    return render(
        request, "interop/release_detail.html", {"section": "releases", "summary": ReleaseSummary.of(release), "index_files": INDEX_FILES}
    )


@require_GET
def latest_release(request, name: str | None = None):
    """The newest release's page, or its file `name`: an address that always points to the newest."""
    release = Release.objects.order_by("-built_at").only("version").first()
    if release is None:
        raise Http404("No release has been built yet.")
    if name is None:
        return redirect("releases:release_detail", version=release.version)
    return redirect("releases:release_file", version=release.version, name=name)


@require_safe
def release_file(request, version: str, name: str):
    """One of the files the release's manifest lists (or the manifest and checksums themselves, or an event of its MISP
    feed, which the feed's manifest and checksums list), as written."""
    release = get_object_or_404(Release, version=version)
    entry = next((file for file in release.manifest.get("files", []) if file["name"] == name), None)
    if entry is None and name not in INDEX_FILES and not MISP_FEED_EVENT.fullmatch(name):
        raise Http404("This release has no such file.")
    etag = f'"{entry["sha256"]}"' if entry else None
    last_modified = release.built_at.timestamp()
    not_modified = get_conditional_response(request, etag=etag, last_modified=int(last_modified))
    if not_modified is not None:
        not_modified["Cache-Control"] = IMMUTABLE
        return not_modified
    directory = release_path(release.version)
    path = directory / name
    if path.parent not in (directory, directory / MISP_FEED_DIRECTORY):  # the release's own files; never anything else
        raise Http404("This release has no such file.")
    try:
        handle = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
    except (FileNotFoundError, IsADirectoryError):
        raise Http404("This release's files are not on this server.") from None
    media_type = entry["media_type"] if entry else INDEX_MEDIA_TYPES.get(name, "application/json")
    response = FileResponse(handle, content_type=media_type, as_attachment=name.endswith(".gz"), filename=path.name)
    response["Cache-Control"] = IMMUTABLE
    response["Last-Modified"] = http_date(last_modified)
    if etag:
        response["ETag"] = etag
    return response
