"""Writing a profile section in the admin: markers to copy, a form error naming a bad marker, and a preview."""

import html
import re

import pytest
from django.urls import reverse

from groups.models import GroupSection, SectionTopic
from kb.models import PendingChange, PublicationStatus
from tests.admin.page_forms import form_data
from tests.factories import AliasFactory, CitationFactory, GroupFactory, GroupSectionFactory

pytestmark = pytest.mark.django_db
QUOTE = "a spokesman said Wednesday"


def change_url(section):
    return reverse("admin:groups_groupsection_change", args=[section.pk])


def plain(content: bytes) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", content.decode())))


@pytest.fixture
def section():
    section = GroupSectionFactory(group=GroupFactory(name="The Front"), text="Placeholder.")
    own = CitationFactory(section=section, group=None, quote=QUOTE)
    draft = CitationFactory(alias=AliasFactory(group=section.group), group=None, publication_status=PublicationStatus.DRAFT)
    section.text = f"A spokesman spoke [cite:{own.pk}].\n\nIt is also named so [cite:{draft.pk}]."
    section.save()
    return section, own, draft


def test_the_change_form_previews_the_prose_with_numbered_footnotes_and_their_quotes(editor_client, section):
    section, own, draft = section
    page = editor_client.get(change_url(section))
    assert page.status_code == 200
    content = page.content.decode()
    preview = content.split('class="section-preview"', 1)[1].split("</div>", 1)[0]
    assert len(re.findall(r"<p>", preview)) == 2
    assert re.findall(r'<a href="#(ref-\d)"', preview) == ["ref-1", "ref-2"]
    footnotes = plain(preview.split("Footnotes", 1)[1].encode())
    assert f"[cite:{own.pk}] “{QUOTE}”" in footnotes
    assert f"[cite:{draft.pk}]" in footnotes and footnotes.count("not public") == 1  # the draft alias's citation only
    assert f"<code>[cite:{own.pk}]</code>" in content  # the marker beside its citation, to copy
    group_list = content.split("Other citations of the group", 1)[1]
    assert f"[cite:{draft.pk}]" in group_list


def test_a_bad_marker_is_a_form_error_naming_it_and_nothing_is_saved(editor_client, section):
    section, own, _ = section
    foreign = CitationFactory(group=GroupFactory())
    data = {**form_data(editor_client.get(change_url(section))), "change_reason": "Cited"}
    for bad in (f"[cite:{foreign.pk}]", "[cite:999999]", "[cite 12]"):
        response = editor_client.post(change_url(section), {**data, "text": f"Claimed {bad}."})
        assert response.status_code == 200
        assert bad in " ".join(response.context["adminform"].form.errors["text"])
    section.refresh_from_db()
    assert section.text.startswith("A spokesman spoke") and not PendingChange.objects.exists()


def test_an_editors_edit_through_the_form_waits_for_review(editor_client, section):
    section, own, _ = section
    data = {**form_data(editor_client.get(change_url(section))), "change_reason": "Attributed"}
    response = editor_client.post(change_url(section), {**data, "text": f"According to a spokesman [cite:{own.pk}]."})
    assert response.status_code == 302
    section.refresh_from_db()
    assert section.text.startswith("A spokesman spoke")
    assert PendingChange.objects.get(object_id=section.pk).values["text"] == f"According to a spokesman [cite:{own.pk}]."
    assert "According to a spokesman" in plain(editor_client.get(change_url(section)).content)  # the preview shows the pending text


def test_the_reviewer_sees_the_pending_text_in_the_review_queue(editor_client, reviewer, section):
    section, own, _ = section
    data = {**form_data(editor_client.get(change_url(section))), "change_reason": "Attributed"}
    editor_client.post(change_url(section), {**data, "text": f"According to a spokesman [cite:{own.pk}]."})
    pending = PendingChange.objects.get(object_id=section.pk)
    editor_client.force_login(reviewer)
    page = editor_client.get(reverse("admin:kb_changeset_change", args=[pending.change_set_id]))
    shown = plain(page.content)
    assert page.status_code == 200 and "profile section" in shown.lower() and "According to" in shown, shown[-600:]


def test_the_group_page_lists_its_sections_with_links(editor_client, section):
    section, *_ = section
    GroupSectionFactory(group=section.group, topic=SectionTopic.GEOGRAPHY)
    page = editor_client.get(reverse("admin:groups_group_change", args=[section.group.pk])).content.decode()
    assert change_url(section) in page and "Profile sections" in page
    assert GroupSection.objects.filter(group=section.group).count() == 2
