"""Theatres are curated like every record: history with who and why, the publication gate, restores as drafts."""

import pytest
from django.test import override_settings

from groups import services
from groups.models import Theatre, TheatreGroup
from kb.audit import UnauditedWrite
from kb.models import PendingAction, PendingChange, PublicationStatus, ReviewStatus
from kb.services import change_set_approve, record_delete, record_restore, record_save
from tests.factories import GroupFactory, TheatreFactory

pytestmark = pytest.mark.django_db
DRAFT, PUBLISHED = PublicationStatus.DRAFT, PublicationStatus.PUBLISHED


@pytest.fixture
def theatre(reviewer):
    theatre, _ = services.theatre_upsert(
        slug="af-pk",
        values={
            "name": "Afghanistan and Pakistan",
            "description": "First.",
            "countries": ["AF"],
            "start_year": 2014,
            "publication_status": PUBLISHED,
        },
        user=reviewer,
        reason="Curated",
    )
    return theatre


def test_a_write_without_a_user_or_reason_is_refused(theatre):
    theatre = Theatre.objects.get(pk=theatre.pk)  # as a shell session would read it
    theatre.description = "Unsigned."
    with override_settings(KB_AUDIT_WRITES=True), pytest.raises(UnauditedWrite, match="without a user and a reason"):
        theatre.save()
    assert Theatre.objects.get(pk=theatre.pk).description == "First."


def test_the_period_cannot_end_before_it_starts_nor_leave_the_years_a_map_can_draw(reviewer):
    from django.core.exceptions import ValidationError

    for start, end, message in ((2014, 2010, "cannot end before it starts"), (1500, None, "between 1800 and 2100")):
        with pytest.raises(ValidationError, match=message):
            services.theatre_upsert(
                slug=f"t{start}", values={"name": f"T{start}", "start_year": start, "end_year": end}, user=reviewer, reason="Try"
            )


def test_an_editors_edit_of_a_published_theatre_waits_for_a_reviewer(theatre, editor, reviewer, client):
    theatre.description = "An editor's description."
    record_save(instance=theatre, user=editor, reason="Clearer")
    assert Theatre.objects.get(pk=theatre.pk).description == "First."
    assert "First." in client.get("/maps/af-pk/").content.decode()
    pending = PendingChange.objects.get(object_id=theatre.pk, status=ReviewStatus.PENDING)
    assert pending.action == PendingAction.CHANGE and pending.values == {"description": "An editor's description."}
    change_set_approve(change_set=pending.change_set, user=reviewer, reason="Checked")
    assert Theatre.objects.get(pk=theatre.pk).description == "An editor's description."
    latest = theatre.history.latest("history_id")
    assert latest.history_user == reviewer and "Checked" in latest.history_change_reason


def test_a_group_an_editor_adds_to_a_map_is_a_draft_until_a_reviewer_publishes_it(theatre, editor, reviewer, client):
    group = GroupFactory(name="Hind Province", countries=["IN"])
    membership = record_save(
        instance=TheatreGroup(theatre=theatre, group=group, publication_status=DRAFT), user=editor, reason="Formerly under ISKP"
    )
    assert membership.publication_status == DRAFT and "Hind Province" not in client.get("/maps/af-pk/").content.decode()
    pending = PendingChange.objects.get(object_id=membership.pk, status=ReviewStatus.PENDING)
    assert pending.action == PendingAction.PUBLISH
    change_set_approve(change_set=pending.change_set, user=reviewer, reason="Checked")
    assert "Hind Province" in client.get("/maps/af-pk/").content.decode()


def test_a_deleted_theatre_an_editor_restores_comes_back_as_a_draft(theatre, reviewer, editor, client):
    theatre_id = theatre.pk
    record_delete(instance=theatre, user=reviewer, reason="Duplicate")
    (restored, *_) = record_restore(model=Theatre, record_id=theatre_id, user=editor, reason="Not a duplicate")
    assert restored.publication_status == DRAFT
    assert client.get("/maps/af-pk/").status_code == 404


def test_an_editor_cannot_publish_a_theatre(editor):
    from kb.services import PublishingRefused

    with pytest.raises(PublishingRefused):
        record_save(instance=TheatreFactory.build(publication_status=PUBLISHED), user=editor, reason="New map")
