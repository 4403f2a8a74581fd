"""The review queue: a Reviewer publishes a whole intake from one page, and decides on all or some of a change set."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from groups.models import Alias, Group
from kb.models import ChangeSet, ChangeSetKind, PendingChange, PublicationStatus, ReviewStatus
from kb.services import record_save
from sources.models import Citation, Source
from tests.admin.page_forms import add_inline_row, form_data
from tests.admin.test_admin_pages import admin_url
from tests.factories import AliasFactory, CitationFactory, GroupFactory, SourceFactory, UserFactory
from tests.intake.test_admin import TEXT, add_source, mentions_url

pytestmark = pytest.mark.django_db
PUBLISHED, DRAFT = PublicationStatus.PUBLISHED, PublicationStatus.DRAFT


@pytest.fixture
def editor_client(editor):
    """Its own client: the shared `client` would be logged in as whoever logged in last."""
    client = Client()
    client.force_login(editor)
    return client


@pytest.fixture
def reviewer_client(reviewer):
    client = Client()
    client.force_login(reviewer)
    return client


def review_url(change_set) -> str:
    return reverse("admin:kb_changeset_change", args=[change_set.pk])


@pytest.fixture
def islamic_state():
    group = GroupFactory(name="Islamic State", slug="islamic-state")
    AliasFactory(group=group, name="Daesh", kind="exonym")
    CitationFactory(group=group)
    return group


def test_a_reviewer_publishes_a_whole_intake_from_one_page(editor_client, reviewer_client, islamic_state, client):
    assert add_source(editor_client).status_code == 302
    source = Source.objects.get(slug="pak-militant-group")
    intake = ChangeSet.objects.get(kind=ChangeSetKind.INTAKE)
    assert intake.title.startswith("Intake of") and intake.created_by.username == "editor"

    # Cite a sentence for the group from the mentions page: the citation joins the intake.
    page = editor_client.get(mentions_url(source))
    assert f'name="change_set" value="{intake.pk}"' in page.content.decode()
    sentence = "It was also claimed by the Islamic State group, known as “Daesh” to its critics."
    cite = {"target": f"group:{islamic_state.pk}", "quote": sentence, "change_reason": "Claim", "change_set": intake.pk}
    editor_client.post(reverse("admin:sources_source_cite", args=[source.pk]), cite)
    # "New alias" opens the add form inside the intake; saving it adds the alias and its citation to it.
    link = next(url for label, url in page.context["groups"][0]["rows"][0]["new_records"] if label == "New alias")
    assert parse_qs(urlsplit(link).query)["change_set"] == [str(intake.pk)]
    form = form_data(editor_client.get(link))
    form.update({"citations-TOTAL_FORMS": "1", "citations-0-source": str(source.pk), "citations-0-quote": sentence})
    editor_client.post(link, {**form, "name": "Al-Dawla", "kind": "variant", "change_reason": "Named in the article"})
    alias = Alias.objects.get(name="Al-Dawla")
    assert {(change.content_type.model, change.object_id) for change in intake.changes.all()} >= {
        ("source", source.pk),
        ("alias", alias.pk),
        ("citation", Citation.objects.get(group=islamic_state, source=source).pk),
        ("citation", Citation.objects.get(alias=alias).pk),
    }

    # The queue lists it; its page shows every new record in full; one approval publishes all of it.
    queue = reviewer_client.get(reverse("admin:kb_changeset_changelist"), follow=True).content.decode()
    assert str(intake.title) in queue
    review = reviewer_client.get(review_url(intake))
    assert review.context["total"] == intake.changes.count()
    assert "Al-Dawla" in review.content.decode() and "Pak militant group" in review.content.decode()
    response = reviewer_client.post(review_url(intake), {"_approve": "1", "reason": "Checked against the article"})
    assert response.status_code == 302
    assert Source.objects.public().filter(pk=source.pk).exists()
    assert Alias.objects.public().filter(pk=alias.pk).exists()
    assert Citation.objects.public().filter(source=source).count() == 2
    assert not intake.changes.filter(status=ReviewStatus.PENDING).exists()
    assert "Al-Dawla" in client.get("/groups/islamic-state/").content.decode()


def test_the_author_cannot_decide_and_a_reviewer_decides_some_changes(reviewer, editor, reviewer_client, islamic_state):
    source = SourceFactory(text=TEXT)
    first = record_save(instance=Alias(group=islamic_state, name="ISIL"), user=editor, reason="One")
    second = record_save(instance=Alias(group=islamic_state, name="Dawla"), user=editor, reason="Two")
    for alias in (first, second):
        record_save(instance=Citation(source=source, alias=alias, quote="known as “Daesh” to its critics"), user=editor, reason="Cite")
    change_set = ChangeSet.objects.get(created_by=editor)
    keep = PendingChange.objects.filter(object_id__in=[first.pk], content_type__model="alias")
    keep_citation = PendingChange.objects.filter(object_id=Citation.objects.get(alias=first).pk, content_type__model="citation")
    chosen = [keep.get().pk, keep_citation.get().pk]

    # A wrong decision comes back as a message; nothing changes.
    response = reviewer_client.post(review_url(change_set), {"_approve": "1", "reason": " ", "change": chosen})
    assert response.status_code == 200 and "reason" in response.context["error"]
    reviewer_client.post(review_url(change_set), {"_approve": "1", "reason": "Confirmed", "change": chosen})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.publication_status, second.publication_status) == (PUBLISHED, DRAFT)
    reviewer_client.post(review_url(change_set), {"_reject": "1", "reason": "Not in the article"})
    assert set(change_set.changes.values_list("status", flat=True)) == {ReviewStatus.APPROVED, ReviewStatus.REJECTED}
    second.refresh_from_db()
    assert second.publication_status == DRAFT
    assert change_set.changes.get(object_id=second.pk, content_type__model="alias").decision_reason == "Not in the article"


def test_the_review_page_shows_each_field_published_and_pending(editor_client, reviewer_client, islamic_state):
    url = admin_url(Group, "change", islamic_state.pk)
    data = form_data(editor_client.get(url))
    editor_client.post(url, {**data, "summary": "A pending summary.", "change_reason": "From the article"})
    change_set = ChangeSet.objects.get()
    entry = reviewer_client.get(review_url(change_set)).context["entries"][0]
    assert [(row.label, row.published, row.pending) for row in entry["diff"]] == [
        ("summary", "A group reported by the test article.", "A pending summary.")
    ]
    # Editors see the queue and the page, but cannot decide.
    assert editor_client.get(review_url(change_set)).context["may_review"] is False


def test_an_editor_names_a_change_set_and_their_changes_go_into_it(editor_client, editor, islamic_state):
    editor_client.post(reverse("admin:kb_changeset_add"), {"title": "Designations from the 2022 lists"})
    named = ChangeSet.objects.get(title="Designations from the 2022 lists")
    record_save(instance=Alias(group=islamic_state, name="IS"), user=editor, reason="Acronym")
    assert PendingChange.objects.get(object_id=Alias.objects.get(name="IS").pk, content_type__model="alias").change_set == named


def test_an_editors_inline_edit_of_a_published_row_shows_its_pending_version(editor_client, islamic_state):
    url = admin_url(Group, "change", islamic_state.pk)
    data = form_data(editor_client.get(url))
    index = next(key.split("-")[1] for key, value in data.items() if key.endswith("-name") and value == "Daesh")
    editor_client.post(url, {**data, f"aliases-{index}-name": "Da'esh", "change_reason": "Spelling in the article"})
    assert Alias.objects.filter(name="Daesh").exists()
    again = form_data(editor_client.get(url))
    assert again[f"aliases-{index}-name"] == "Da'esh"
    # An untouched save of the pending version changes nothing more.
    before = PendingChange.objects.get().values
    editor_client.post(url, {**again, "change_reason": "Looked again"})
    assert PendingChange.objects.get().values == before


def test_a_new_inline_row_from_an_editor_is_a_draft_queued_for_review(editor_client, islamic_state):
    url = admin_url(Group, "change", islamic_state.pk)
    data = add_inline_row(form_data(editor_client.get(url)), "aliases", name="ISIS-K", kind="acronym")
    response = editor_client.post(url, {**data, "change_reason": "New name"}, follow=True)
    alias = Alias.objects.get(name="ISIS-K")
    assert alias.publication_status == DRAFT
    assert "Awaiting review" in response.content.decode()
    assert PendingChange.objects.get(object_id=alias.pk, content_type__model="alias").action == "publish"


def test_a_published_records_inline_rows_are_not_resaved(reviewer_client, islamic_state):
    AliasFactory.create_batch(10, group=islamic_state)
    url = admin_url(Group, "change", islamic_state.pk)
    before = Alias.history.count()
    reviewer_client.post(url, {**form_data(reviewer_client.get(url)), "summary": "Edited.", "change_reason": "Summary only"})
    assert Alias.history.count() == before


def test_a_changed_text_shows_the_words_removed_and_added():
    from kb.services.pending import FieldDiff

    diff = FieldDiff("summary", "A group formed in 1996 in Punjab.", "A group formed in 1996 in southern Punjab, says Dawn.")
    assert diff.words == [
        ("same", "A group formed in 1996 in"),
        ("removed", "Punjab."),
        ("added", "southern Punjab, says Dawn."),
    ]
    assert FieldDiff("killed", 3, 4).words == []


def test_two_editors_of_one_pending_version_do_not_lose_each_others_changes(editor, islamic_state):
    other = UserFactory(username="other-editor", is_staff=True)
    other.groups.add(editor.groups.get())
    alice, bob = Client(), Client()
    alice.force_login(editor)
    bob.force_login(other)
    url = admin_url(Group, "change", islamic_state.pk)
    alice_form, bob_form = form_data(alice.get(url)), form_data(bob.get(url))
    alice.post(url, {**alice_form, "summary": "Alice's summary.", "change_reason": "From the article"})
    response = bob.post(url, {**bob_form, "status": "active", "change_reason": "From another article"})
    assert response.status_code == 200 and "changed the version of this record that awaits review" in response.content.decode()
    assert PendingChange.objects.get().values == {"summary": "Alice's summary."}
    # Reloaded, Bob's form holds Alice's pending summary, and his save adds to it.
    bob.post(url, {**form_data(bob.get(url)), "status": "active", "change_reason": "From another article"})
    assert PendingChange.objects.get().values == {"summary": "Alice's summary.", "status": "active"}


def test_an_approved_pending_version_is_no_edit_conflict_for_its_editor(editor_client, reviewer, islamic_state):
    url = admin_url(Group, "change", islamic_state.pk)
    editor_client.post(url, {**form_data(editor_client.get(url)), "summary": "Approved words.", "change_reason": "Article"})
    form = form_data(editor_client.get(url))  # the pending version, opened before the approval
    from kb.services import change_set_approve

    change_set_approve(change_set=ChangeSet.objects.get(), user=reviewer, reason="Checked")
    response = editor_client.post(url, {**form, "status": "active", "change_reason": "Another article"})
    assert response.status_code == 302  # the summary both hold is the same: no conflict
    assert PendingChange.objects.get(status=ReviewStatus.PENDING).values == {"status": "active"}


def test_a_rejected_pending_version_is_not_proposed_again_unknowingly(editor_client, reviewer, islamic_state):
    url = admin_url(Group, "change", islamic_state.pk)
    editor_client.post(url, {**form_data(editor_client.get(url)), "summary": "Unsupported.", "change_reason": "Article"})
    form = form_data(editor_client.get(url))
    from kb.services import change_set_reject

    change_set_reject(change_set=ChangeSet.objects.get(), user=reviewer, reason="Not in the article")
    response = editor_client.post(url, {**form, "change_reason": "Again"})
    assert response.status_code == 200 and "was rejected by reviewer" in response.content.decode()
    assert not PendingChange.objects.filter(status=ReviewStatus.PENDING).exists()
