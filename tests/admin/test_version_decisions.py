"""Reviewers withdraw a version of a profile, or keep a withdrawn group's versions readable, in the admin."""

import pytest
from django.urls import reverse

from groups.models import ProfileVersionDecision, VersionDecision
from kb.dates import moment_key
from kb.models import PublicationStatus
from tests.dated import change_on, create_on, day
from tests.factories import GroupFactory

pytestmark = pytest.mark.django_db
ADD = reverse("admin:groups_profileversiondecision_add")
CHANGELIST = reverse("admin:groups_profileversiondecision_changelist")


@pytest.fixture
def front():
    group = create_on(0, GroupFactory, slug="front", summary="First summary.")
    change_on(2, group, summary="A summary naming a private person.")
    change_on(4, group, summary="Third summary.")
    return group


def test_a_reviewer_withdraws_a_version_with_a_reason_and_is_recorded(reviewer_client, reviewer, front):
    version = f"http://testserver/groups/front/as-of/{moment_key(day(3))}/"  # a moment within the version of day 2
    assert reviewer_client.get(ADD).status_code == 200
    data = {"group": "front", "version": version, "decision": VersionDecision.WITHDRAW_VERSION, "reason": "It named a private person."}
    assert reviewer_client.post(ADD, data).status_code == 302
    decision = ProfileVersionDecision.objects.get()
    assert (decision.group_id, decision.group_slug, decision.moment, decision.decided_by) == (front.pk, "front", day(2), reviewer)
    assert reviewer_client.get(f"/groups/front/as-of/{moment_key(day(2))}/").status_code == 410
    assert reviewer_client.get(CHANGELIST).status_code == 200
    change = reviewer_client.get(reverse("admin:groups_profileversiondecision_change", args=[decision.pk]))
    assert change.status_code == 200 and "It named a private person." in change.content.decode()

    again = reviewer_client.post(ADD, data)
    assert again.status_code == 200 and "This version is already withdrawn." in again.content.decode()
    delete = reverse("admin:groups_profileversiondecision_delete", args=[decision.pk])
    assert reviewer_client.post(delete, {"post": "yes"}).status_code == 302
    assert reviewer_client.get(f"/groups/front/as-of/{moment_key(day(2))}/").status_code == 200


def test_a_reason_is_required(reviewer_client, front):
    data = {"group": "front", "version": moment_key(day(2)), "decision": VersionDecision.WITHDRAW_VERSION, "reason": ""}
    response = reviewer_client.post(ADD, data)
    assert response.status_code == 200 and "reason" in response.context["adminform"].form.errors
    assert not ProfileVersionDecision.objects.exists()


def test_a_reviewer_keeps_a_withdrawn_groups_versions_readable(reviewer_client, front):
    change_on(6, front, publication_status=PublicationStatus.DRAFT)
    assert reviewer_client.get(f"/groups/front/as-of/{moment_key(day(1))}/", follow=True).status_code == 410
    data = {"group": str(front.pk), "version": "", "decision": VersionDecision.KEEP_READABLE, "reason": "Cited in a court ruling."}
    assert reviewer_client.post(ADD, data).status_code == 302
    assert reviewer_client.get(f"/groups/front/as-of/{moment_key(day(1))}/", follow=True).status_code == 200


def test_editors_may_not_decide(editor_client, front):
    assert editor_client.get(ADD).status_code == 403
    assert editor_client.get(CHANGELIST).status_code == 403
    data = {"group": "front", "version": moment_key(day(2)), "decision": VersionDecision.WITHDRAW_VERSION, "reason": "No."}
    assert editor_client.post(ADD, data).status_code == 403
    assert not ProfileVersionDecision.objects.exists()
