"""The publication gate: nothing an Editor does reaches readers before a Reviewer approves it.

Every path that could make something public, or take it away, is walked as an Editor; after each, what the public
faces can show (every public record, field by field) is exactly what it was. `EDITOR_PATHS` counts them.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from groups.models import Alias, Attack, Group
from kb.audit import UnauditedWrite
from kb.history import tracked_fields
from kb.models import ChangeSet, CuratedModel, PendingAction, PendingChange, PublicationStatus, ReviewStatus
from kb.services import (
    PublishingRefused,
    UncitedFact,
    change_set_approve,
    change_set_reject,
    record_delete,
    record_restore,
    record_revert,
    record_save,
    records_bulk_create,
    records_bulk_update,
)
from sources.models import Citation
from tests.admin.page_forms import add_inline_row, form_data
from tests.factories import AliasFactory, AttackFactory, CitationFactory, GroupFactory, SourceFactory

pytestmark = pytest.mark.django_db
DRAFT, PUBLISHED = PublicationStatus.DRAFT, PublicationStatus.PUBLISHED
QUOTE = "It was also claimed by the Islamic State group"


def public_snapshot() -> dict:
    """What the public faces may show: every public record of every curated model, with its tracked values."""
    snapshot = {}
    for model in apps.get_models():
        if issubclass(model, CuratedModel):
            fields = [field.attname for field in tracked_fields(model)]
            snapshot[model._meta.label] = {row[0]: row for row in model.objects.public().order_by("pk").values_list("pk", *fields)}
    return snapshot


@pytest.fixture
def world(reviewer):
    source = SourceFactory()
    group = GroupFactory(name="Lashkar-e-Jhangvi", slug="lashkar-e-jhangvi", summary="First published summary.")
    CitationFactory(source=source, group=group)
    record_save(instance=group, user=reviewer, reason="Recorded")
    group.summary = "Published summary."
    record_save(instance=group, user=reviewer, reason="A second version")
    alias = AliasFactory(group=group, name="LeJ")
    CitationFactory(source=source, group=None, alias=alias)
    draft_group = GroupFactory(name="Draft Front", slug="draft-front", publication_status=DRAFT)
    CitationFactory(source=source, group=draft_group)
    # A record published once, now a draft: its older, published version is in the history.
    unpublished = GroupFactory(name="Once Public", slug="once-public")
    CitationFactory(source=source, group=unpublished)
    record_save(instance=unpublished, user=reviewer, reason="Published at first")  # a history row to revert to
    unpublished.summary = "Edited once."
    record_save(instance=unpublished, user=reviewer, reason="Edited")
    unpublished.publication_status = DRAFT
    record_save(instance=unpublished, user=reviewer, reason="Withdrawn for review")
    # A published alias a Reviewer deleted.
    gone = AliasFactory(group=group, name="Al-Alami")
    record_save(instance=gone, user=reviewer, reason="Recorded")
    gone_id = gone.pk
    record_delete(instance=Citation.objects.create(source=source, quote=QUOTE, alias=gone), user=reviewer, reason="Tidy")
    record_delete(instance=gone, user=reviewer, reason="Deleted by a Reviewer")
    # A published attack from an earlier GTD import.
    gtd_attack = AttackFactory(slug="gtd-201610240001", title="Published title")
    CitationFactory(source=source, group=None, attack=gtd_attack)
    return {
        "source": source,
        "group": group,
        "alias": alias,
        "draft": draft_group,
        "unpublished": unpublished,
        "gone_alias": gone_id,
        "gtd_attack": gtd_attack,
    }


def change_url(record) -> str:
    return reverse(f"admin:{record._meta.app_label}_{record._meta.model_name}_change", args=[record.pk])


def post_form(client, record, **changes):
    url = change_url(record)
    data = form_data(client.get(url))
    return client.post(url, {**data, "change_reason": "From the article", **changes})


# --- The paths ------------------------------------------------------------------------------------------------


def edit_published_group_in_the_admin(client, editor, world):
    post_form(client, world["group"], summary="An editor's new summary.")


def forge_the_status_field_in_the_admin(client, editor, world):
    post_form(client, world["draft"], publication_status=PUBLISHED)


def alias_row(data, name: str) -> str:
    return next(key.split("-")[1] for key, value in data.items() if key.startswith("aliases-") and key.endswith("-name") and value == name)


def edit_a_published_inline_row(client, editor, world):
    url = change_url(world["group"])
    data = form_data(client.get(url))
    index = next(
        key.split("-")[1] for key, value in data.items() if key.startswith("aliases-") and key.endswith("-name") and value == "LeJ"
    )
    client.post(url, {**data, f"aliases-{index}-name": "L.e.J.", "change_reason": "Spelling"})


def add_an_inline_row_with_a_forged_status(client, editor, world):
    url = change_url(world["group"])
    data = add_inline_row(form_data(client.get(url)), "aliases", name="Sipah Sahaba", publication_status=PUBLISHED)
    client.post(url, {**data, "change_reason": "New name"})


def delete_a_published_inline_row(client, editor, world):
    url = change_url(world["group"])
    data = form_data(client.get(url))
    index = next(
        key.split("-")[1] for key, value in data.items() if key.startswith("aliases-") and key.endswith("-name") and value == "LeJ"
    )
    client.post(url, {**data, f"aliases-{index}-DELETE": "on", "change_reason": "Duplicate"})


def revert_a_draft_to_its_published_version(client, editor, world):
    record = world["unpublished"]
    version = record.history.filter(publication_status=PUBLISHED).order_by("history_id").first()
    url = reverse("admin:groups_group_simple_history", args=[record.pk, version.history_id])
    data = form_data(client.get(url))
    client.post(url, {**data, "change_reason": "Back to the published text"})


def revert_a_published_record_to_older_words(client, editor, world):
    group = world["group"]
    version = group.history.order_by("history_id").first()
    url = reverse("admin:groups_group_simple_history", args=[group.pk, version.history_id])
    client.post(url, {**form_data(client.get(url)), "change_reason": "Older words"})


def revert_the_creation_of_a_deleted_published_alias(client, editor, world):
    version = Alias.history.filter(id=world["gone_alias"], history_type="+").first()
    url = reverse("admin:groups_alias_simple_history", args=[world["gone_alias"], version.history_id])
    client.post(url, {**form_data(client.get(url)), "change_reason": "Bring it back"})


def restore_what_a_reviewer_deleted(client, editor, world):
    client.post(reverse("admin:groups_alias_restore", args=[world["gone_alias"]]), {"change_reason": "Deleted by mistake"})


def delete_a_published_group(client, editor, world):
    client.post(reverse("admin:groups_group_delete", args=[world["group"].pk]), {"post": "yes", "change_reason": "Duplicate"})


def publish_through_the_service(client, editor, world):
    draft = world["draft"]
    draft.publication_status = PUBLISHED
    with pytest.raises(PublishingRefused):
        record_save(instance=draft, user=editor, reason="Publish it")


def create_published_through_the_service(client, editor, world):
    with pytest.raises(PublishingRefused):
        record_save(instance=Group(name="New Front", slug="new-front", publication_status=PUBLISHED), user=editor, reason="New")


def revert_through_the_service(client, editor, world):
    record = world["unpublished"]
    old = record.history.filter(publication_status=PUBLISHED).order_by("history_id").first().instance
    record_revert(instance=old, user=editor, reason="Older version")


def restore_through_the_service(client, editor, world):
    record_restore(model=Alias, record_id=world["gone_alias"], user=editor, reason="Bring it back")


def delete_through_the_service(client, editor, world):
    record_delete(instance=world["group"], user=editor, reason="Duplicate")


def save_by_hand_in_a_shell(client, editor, world):
    draft = world["draft"]
    draft.publication_status = PUBLISHED
    draft._history_user, draft._change_reason = editor, "By hand"
    with override_settings(KB_AUDIT_WRITES=True), pytest.raises(UnauditedWrite, match="did not go through kb.services"):
        draft.save()


def load_a_fixture(client, editor, world):
    fixture = Path(tempfile.mkdtemp()) / "groups.json"
    fixture.write_text(
        '[{"model": "groups.group", "pk": 9999, "fields": {"name": "Fixture Front", "slug": "fixture-front", '
        '"normalized_name": "fixture front", '
        '"publication_status": "published", "created_at": "2020-01-01T00:00:00Z", "updated_at": "2020-01-01T00:00:00Z"}}]'
    )
    with override_settings(KB_AUDIT_WRITES=True), pytest.raises(UnauditedWrite, match="fixture"):
        call_command("loaddata", str(fixture), verbosity=0)


def approve_a_change_set(client, editor, world):
    record_save(instance=Group(name="New Front", slug="new-front"), user=editor, reason="New group")
    change_set = ChangeSet.objects.get(created_by=editor)
    with pytest.raises(PublishingRefused):
        change_set_approve(change_set=change_set, user=editor, reason="Looks right")


def approve_on_the_review_page(client, editor, world):
    record_save(instance=Group(name="New Front", slug="new-front"), user=editor, reason="New group")
    change_set = ChangeSet.objects.get(created_by=editor)
    response = client.post(reverse("admin:kb_changeset_change", args=[change_set.pk]), {"_approve": "1", "reason": "Fine"})
    assert response.status_code == 403


def bulk_create_published_records(client, editor, world):
    with pytest.raises(PublishingRefused):
        records_bulk_create(
            model=Group,
            fields=["name", "normalized_name", "slug", "publication_status"],
            rows=[("Bulk Front", "bulk front", "bulk-front", PUBLISHED)],
            user=editor,
            reason="Import",
            moment=timezone.now(),
        )


def bulk_update_a_published_record(client, editor, world):
    group = world["group"]
    records_bulk_update(
        model=Group, fields=["summary"], rows=[(group.pk, "Imported words.")], user=editor, reason="Import", moment=timezone.now()
    )
    assert PendingChange.objects.get(object_id=group.pk, content_type__model="group").values == {"summary": "Imported words."}


def bulk_update_the_status(client, editor, world):
    with pytest.raises(PublishingRefused):
        records_bulk_update(
            model=Group,
            fields=["publication_status"],
            rows=[(world["draft"].pk, PUBLISHED)],
            user=editor,
            reason="Import",
            moment=timezone.now(),
        )


def import_gtd_over_published_attacks(client, editor, world):
    from tests.groups.gtd.rows import gtd_row, write_gtd_csv

    attack = world["gtd_attack"]
    path = write_gtd_csv(Path(tempfile.mkdtemp()) / "gtd.csv", [gtd_row(), gtd_row(eventid="201610240002")])
    call_command("import_gtd", str(path), user=editor.username, reason="GTD release", no_progress=True, stdout=io.StringIO())
    assert PendingChange.objects.get(object_id=attack.pk, content_type__model="attack").action == PendingAction.CHANGE
    assert Attack.objects.get(slug="gtd-201610240002").publication_status == DRAFT


EDITOR_PATHS = [
    edit_published_group_in_the_admin,
    forge_the_status_field_in_the_admin,
    edit_a_published_inline_row,
    add_an_inline_row_with_a_forged_status,
    delete_a_published_inline_row,
    revert_a_draft_to_its_published_version,
    revert_a_published_record_to_older_words,
    revert_the_creation_of_a_deleted_published_alias,
    restore_what_a_reviewer_deleted,
    delete_a_published_group,
    publish_through_the_service,
    create_published_through_the_service,
    revert_through_the_service,
    restore_through_the_service,
    delete_through_the_service,
    save_by_hand_in_a_shell,
    load_a_fixture,
    approve_a_change_set,
    approve_on_the_review_page,
    bulk_create_published_records,
    bulk_update_a_published_record,
    bulk_update_the_status,
    import_gtd_over_published_attacks,
]


@pytest.mark.parametrize("path", EDITOR_PATHS, ids=lambda path: path.__name__)
def test_no_editor_path_makes_anything_public_or_takes_it_away(path, world, editor, editor_client):
    before = public_snapshot()
    path(editor_client, editor, world)
    assert public_snapshot() == before


# --- What the paths leave behind ------------------------------------------------------------------------------


def test_an_editors_edit_waits_for_review_then_shows_everywhere_at_once(world, editor_client, client, reviewer, editor):
    group = world["group"]
    response = post_form(editor_client, group, summary="An editor's new summary.")
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.summary == "Published summary."
    assert "Published summary." in client.get(f"/groups/{group.slug}/").content.decode()
    assert client.get(f"/api/v1/groups/{group.slug}/").json()["summary"] == "Published summary."
    pending = PendingChange.objects.get(object_id=group.pk, status=ReviewStatus.PENDING)
    assert pending.action == PendingAction.CHANGE and pending.values == {"summary": "An editor's new summary."}

    # The editor sees the pending version, with a banner; a second edit extends it.
    page = editor_client.get(change_url(group))
    assert page.context["adminform"].form.initial["summary"] == "An editor's new summary."
    assert "await review" in page.content.decode()
    post_form(editor_client, group, status="active")
    pending.refresh_from_db()
    assert pending.values == {"summary": "An editor's new summary.", "status": "active"}

    decision = change_set_approve(change_set=pending.change_set, user=reviewer, reason="Checked against the article")
    assert decision.applied == 1
    group.refresh_from_db()
    assert (group.summary, group.status) == ("An editor's new summary.", "active")
    assert "An editor&#x27;s new summary." in client.get(f"/groups/{group.slug}/").content.decode()
    assert client.get(f"/api/v1/groups/{group.slug}/").json()["summary"] == "An editor's new summary."
    latest = group.history.latest("history_id")
    assert latest.history_user == reviewer and "Checked against the article" in latest.history_change_reason


def test_a_rejected_edit_leaves_the_published_version(world, editor_client, reviewer):
    group = world["group"]
    post_form(editor_client, group, summary="Unsupported claim.")
    change_set = ChangeSet.objects.get()
    change_set_reject(change_set=change_set, user=reviewer, reason="The article does not say so")
    group.refresh_from_db()
    assert group.summary == "Published summary."
    assert PendingChange.objects.get().status == ReviewStatus.REJECTED
    assert editor_client.get(change_url(group)).context["adminform"].form.initial["summary"] == "Published summary."


def test_editor_paths_leave_drafts_and_pending_changes_not_public_records(world, editor, editor_client):
    revert_the_creation_of_a_deleted_published_alias(editor_client, editor, world)
    assert Alias.objects.get(pk=world["gone_alias"]).publication_status == DRAFT
    delete_a_published_group(editor_client, editor, world)
    assert Group.objects.filter(pk=world["group"].pk).exists()
    assert PendingChange.objects.filter(object_id=world["group"].pk, action=PendingAction.DELETE).exists()
    revert_a_draft_to_its_published_version(editor_client, editor, world)
    world["unpublished"].refresh_from_db()
    assert world["unpublished"].publication_status == DRAFT


def test_a_reviewer_cannot_approve_their_own_change_set_unless_allowed(reviewer):
    source = SourceFactory()
    group = record_save(instance=Group(name="New Front", slug="new-front"), user=reviewer, reason="New")
    Citation.objects.create(source=source, group=group, quote=QUOTE, publication_status=PUBLISHED)
    from kb.services import current_change_set
    from kb.services.pending import queue_publish

    change_set = current_change_set(reviewer)
    queue_publish(group, user=reviewer, reason="For review", change_set=change_set)
    with pytest.raises(PublishingRefused, match="your own change set"):
        change_set_approve(change_set=change_set, user=reviewer, reason="Mine")
    with override_settings(KB_REVIEW_OWN_CHANGES=True):
        change_set_approve(change_set=change_set, user=reviewer, reason="One-person team")
    group.refresh_from_db()
    assert group.publication_status == PUBLISHED


# --- Every public fact cites its source -----------------------------------------------------------------------


def test_an_alias_whose_only_citation_is_a_draft_is_not_published(world, editor, reviewer):
    group = world["group"]
    alias = record_save(instance=Alias(group=group, name="SSP"), user=editor, reason="Named in the article")
    citation = Citation(source=world["source"], alias=alias, quote=QUOTE)
    record_save(instance=citation, user=editor, reason="The words")
    change_set = ChangeSet.objects.get(created_by=editor)
    alias_change = PendingChange.objects.get(object_id=alias.pk, content_type__model="alias")
    with pytest.raises(UncitedFact, match="SSP"):
        change_set_approve(change_set=change_set, user=reviewer, reason="Alias only", change_ids=[alias_change.pk])
    alias.refresh_from_db()
    assert alias.publication_status == DRAFT  # nothing was applied
    change_set_approve(change_set=change_set, user=reviewer, reason="Alias with its citation")
    alias.refresh_from_db()
    citation.refresh_from_db()
    assert (alias.publication_status, citation.publication_status) == (PUBLISHED, PUBLISHED)


def test_unpublishing_or_deleting_the_last_public_citation_is_refused(world, reviewer):
    citation = Citation.objects.get(alias=world["alias"])
    citation.publication_status = DRAFT
    with pytest.raises(UncitedFact, match="LeJ"):
        record_save(instance=citation, user=reviewer, reason="Withdraw")
    with pytest.raises(UncitedFact, match="LeJ"):
        record_delete(instance=Citation.objects.get(alias=world["alias"]), user=reviewer, reason="Remove")
    source = world["source"]
    source.publication_status = DRAFT
    with pytest.raises(UncitedFact):
        record_save(instance=source, user=reviewer, reason="Withdraw the article")
    assert Citation.objects.get(alias=world["alias"]).publication_status == PUBLISHED


def test_publishing_a_group_checks_what_it_makes_public(world, reviewer):
    draft = world["draft"]
    AliasFactory(group=draft, name="Uncited Name")  # published, hidden by its draft group, no citation
    draft.publication_status = PUBLISHED
    with pytest.raises(UncitedFact, match="Uncited Name"):
        record_save(instance=draft, user=reviewer, reason="Publish")


def test_a_reviewer_publishes_a_group_and_its_first_citation_in_one_admin_save(reviewer_client, world):
    source = world["source"]
    response = reviewer_client.get(reverse("admin:groups_group_add"))
    data = add_inline_row(form_data(response), "citations", source=source.pk, quote=QUOTE, publication_status=PUBLISHED)
    data.update(name="Jundallah", slug="jundallah", summary="A group.", publication_status=PUBLISHED, change_reason="New group")
    reviewer_client.post(reverse("admin:groups_group_add"), data)
    assert Group.objects.public().filter(slug="jundallah").exists()


# --- No writes that change nothing ----------------------------------------------------------------------------


def test_an_unchanged_save_writes_no_history(world, reviewer_client):
    group = world["group"]
    AliasFactory.create_batch(5, group=group)
    rows = sum(model.history.count() for model in apps.get_models() if issubclass(model, CuratedModel))
    response = post_form(reviewer_client, group)
    assert response.status_code == 302
    assert sum(model.history.count() for model in apps.get_models() if issubclass(model, CuratedModel)) == rows
