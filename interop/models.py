"""Releases of the published data set, and the versions of its STIX objects that the TAXII collection serves.

Neither is curated: both are derived from the published records by `manage.py build_release`, never edited.
"""

from __future__ import annotations

from django.db import models


class Release(models.Model):
    """A versioned, citable snapshot of the published data set: its files (STIX bundle, CSV and JSON of every
    table, a manifest of counts and SHA-256 checksums, a changelog against the previous release) are written once,
    by `manage.py build_release`, and served as they are."""

    version = models.CharField(max_length=40, unique=True, help_text="Permanent: the release's address and citation use it.")
    built_at = models.DateTimeField(help_text="When the data set was read; everything published by then is in it.")
    manifest = models.JSONField(default=dict, help_text="What the manifest file says: counts, file sizes and checksums.")

    class Meta:
        ordering = ["-built_at"]
        get_latest_by = "built_at"

    def __str__(self) -> str:
        return self.version


class StixObjectVersion(models.Model):
    """One version of one STIX object, as it entered the TAXII collection with a release.

    A release adds a row for each object that is new or whose `modified` moved on, and a revoked version of each
    object that left the public set. `latest` marks each object's newest version.
    """

    stix_id = models.CharField(max_length=120)
    stix_type = models.CharField(max_length=40)
    modified = models.DateTimeField(help_text="The object's `modified`: which version this is.")
    date_added = models.DateTimeField(help_text="When this version entered the collection: its release's time.")
    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="stix_objects")
    revoked = models.BooleanField(default=False)
    latest = models.BooleanField(default=True)
    body = models.TextField(help_text="The object's JSON, served as written.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["stix_id", "modified"],
                name="stix_object_version_unique",
                violation_error_message="This version of the STIX object is already in the collection.",
            ),
            models.UniqueConstraint(
                fields=["stix_id"],
                condition=models.Q(latest=True),
                name="stix_object_one_latest",
                violation_error_message="A STIX object has one latest version.",
            ),
        ]
        indexes = [
            models.Index(fields=["date_added", "id"], name="stix_object_added"),
            models.Index(fields=["stix_type", "date_added", "id"], name="stix_object_type_added"),
        ]

    def __str__(self) -> str:
        return f"{self.stix_id} @ {self.modified.isoformat()}"
