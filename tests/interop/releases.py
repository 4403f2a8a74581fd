"""Releases for the TAXII tests, in one place: the versions table filled the way `manage.py build_release` fills it
(a row for each object that is new or whose `modified` moved on, a revoked version of each that left the public
set, `latest` on each object's newest version). Switch `publish_release` to the command when it is in."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable

from django.utils import timezone

from interop.models import Release, StixObjectVersion
from interop.stix import stix_objects

BASE_URL = "https://kb.example.org"


def publish_release(version: str) -> Release:
    """A release of the published data set as it stands."""
    return release_of(version, (json.loads(stix_object.serialize()) for stix_object in stix_objects(base_url=BASE_URL)))


def release_of(version: str, published: Iterable[dict], built_at: datetime.datetime | None = None) -> Release:
    """A release whose public set is `published` (STIX objects as dicts)."""
    built_at = built_at or timezone.now()
    release = Release.objects.create(version=version, built_at=built_at)
    published = {stix_object["id"]: stix_object for stix_object in published}
    latest = {row.stix_id: row for row in StixObjectVersion.objects.filter(latest=True)}
    added = []
    for stix_id, stix_object in published.items():
        # A marking definition has no `modified`: its version is its `created`.
        current, modified = latest.get(stix_id), datetime.datetime.fromisoformat(stix_object.get("modified", stix_object["created"]))
        if current is None or current.revoked or current.modified < modified:
            added.append(_version(release, stix_object, modified))
    revoked_at = built_at.replace(microsecond=built_at.microsecond // 1000 * 1000)  # STIX's millisecond, as the body says
    for stix_id, current in latest.items():
        if stix_id not in published and not current.revoked:
            body = {**json.loads(current.body), "modified": _stix_timestamp(revoked_at), "revoked": True}
            added.append(_version(release, body, revoked_at))
    StixObjectVersion.objects.filter(stix_id__in=[row.stix_id for row in added], latest=True).update(latest=False)
    StixObjectVersion.objects.bulk_create(added)
    return release


def _version(release: Release, body: dict, modified: datetime.datetime) -> StixObjectVersion:
    return StixObjectVersion(
        stix_id=body["id"],
        stix_type=body["type"],
        modified=modified,
        date_added=release.built_at,
        release=release,
        revoked=body.get("revoked", False),
        body=json.dumps(body),
    )


def _stix_timestamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
