from dataclasses import dataclass

import pytest
from django.db import transaction

from groups.models import Group
from interop.models import Release, StixObjectVersion
from interop.stix import stix_id
from kb.models import PublicationStatus
from sampledata.demo_data import load_demo_data

from .releases import publish_release

CHANGED, WITHDRAWN = "lashkar-e-jhangvi", "islamic-state-hind-province"


@dataclass
class TwoReleases:
    """The demo data released, then released again after one group was edited and another unpublished: the ids of
    the two groups' intrusion sets."""

    first: Release
    second: Release
    changed: str
    withdrawn: str
    withdrawn_name: str


@pytest.fixture(scope="session")
def _two_releases_rows(django_db_setup, django_db_blocker) -> tuple[list[dict], list[dict], str]:
    """Built once (loading the demo data takes seconds), then rolled back: the rows each test puts back."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_demo_data()
        publish_release("2026.1")
        changed = Group.objects.get(slug=CHANGED)
        changed.summary += " Edited after the first release."
        changed.save()
        withdrawn = Group.objects.get(slug=WITHDRAWN)
        withdrawn.publication_status = PublicationStatus.DRAFT
        withdrawn.save()
        publish_release("2026.2")
        rows = list(Release.objects.order_by("built_at").values()), list(StixObjectVersion.objects.values()), withdrawn.name
        transaction.set_rollback(True)
    return rows


@pytest.fixture
def two_releases(db, _two_releases_rows) -> TwoReleases:
    releases, versions, withdrawn_name = _two_releases_rows
    first, second = Release.objects.bulk_create(Release(**row) for row in releases)
    StixObjectVersion.objects.bulk_create(StixObjectVersion(**row) for row in versions)
    return TwoReleases(
        first=first,
        second=second,
        changed=stix_id("intrusion-set", f"group:{CHANGED}"),
        withdrawn=stix_id("intrusion-set", f"group:{WITHDRAWN}"),
        withdrawn_name=withdrawn_name,
    )
