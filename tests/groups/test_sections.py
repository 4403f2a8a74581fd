"""Profile sections in prose: their markers, their rules, their citations and their review."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from groups.models import GroupSection, SectionTopic
from groups.services import group_section_upsert
from kb.models import PendingAction, PendingChange, PublicationStatus, ReviewStatus
from kb.services import UncitedFact, change_set_approve, record_delete, record_restore, record_revert, record_save
from tests.factories import (
    AliasFactory,
    AttributionFactory,
    CitationFactory,
    GroupFactory,
    GroupSectionFactory,
    SizeEstimateFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db
DRAFT, PUBLISHED = PublicationStatus.DRAFT, PublicationStatus.PUBLISHED
QUOTE = "a spokesman said Wednesday"


def text_errors(error: ValidationError) -> list[str]:
    return error.message_dict.get("text", [])


# --- The record -------------------------------------------------------------------------------------------------


def test_every_marker_must_be_a_citation_of_this_group(reviewer):
    group, other = GroupFactory(), GroupFactory()
    own = CitationFactory(section=GroupSectionFactory(group=group, topic=SectionTopic.GEOGRAPHY), group=None)
    of_alias = CitationFactory(alias=AliasFactory(group=group), group=None)
    of_estimate = CitationFactory(size_estimate=SizeEstimateFactory(group=group), group=None)
    of_attribution = CitationFactory(attribution=AttributionFactory(group=group), group=None)
    foreign = CitationFactory(group=other)
    text = f"It operates in Karachi [cite:{own.pk}], as ASP [cite:{of_alias.pk}], with 300 men [cite:{of_estimate.pk}]. "
    section, written = group_section_upsert(
        group=group,
        topic=SectionTopic.OVERVIEW,
        values={"text": text + f"It claimed attacks [cite:{of_attribution.pk}]."},
        user=reviewer,
        reason="From the article",
    )
    assert written and section.pk

    for bad, message in (
        (f"[cite:{foreign.pk}]", f"[cite:{foreign.pk}] is not a citation of this group."),
        ("[cite:999999]", "[cite:999999] is not a citation of this group."),
        ("[cite 5]", "“[cite 5]” is not a citation marker"),
    ):
        with pytest.raises(ValidationError) as error:
            group_section_upsert(
                group=group, topic=SectionTopic.ORGANISATION, values={"text": f"Claimed {bad}."}, user=reviewer, reason="Try"
            )
        assert any(message in problem for problem in text_errors(error.value))
    assert not GroupSection.objects.filter(topic=SectionTopic.ORGANISATION).exists()


def test_one_section_per_topic_and_group():
    section = GroupSectionFactory()
    with pytest.raises(ValidationError) as error:
        GroupSectionFactory.build(group=section.group, topic=section.topic).full_clean()
    assert "already has a section on this topic" in " ".join(error.value.messages)
    with pytest.raises(IntegrityError, match="groupsection_one_per_topic"), transaction.atomic():
        GroupSectionFactory(group=section.group, topic=section.topic)
    GroupSectionFactory(group=section.group, topic=SectionTopic.RESOURCES)  # another topic is another section


def test_the_topics_follow_the_mapping_militants_order():
    assert SectionTopic.labels == [
        "Overview", "Leadership", "Name changes", "Size estimates", "Resources", "Geography", "Organisation",
        "Ideology and aims", "Targets and tactics", "Major attacks", "Relationships", "State sponsors and external influences",
    ]  # fmt: skip
    assert GroupSectionFactory.build(topic=SectionTopic.STATE_SPONSORS).heading_display == "State sponsors and external influences"
    assert GroupSectionFactory.build(heading="Aims").heading_display == "Aims"


# --- Citations and review ---------------------------------------------------------------------------------------


def test_a_section_is_published_only_with_a_published_citation_of_its_own(reviewer):
    group = GroupFactory()
    alias_citation = CitationFactory(alias=AliasFactory(group=group), group=None)
    section = GroupSectionFactory(group=group, text=f"Known as ASP [cite:{alias_citation.pk}].", publication_status=DRAFT)
    section.publication_status = PUBLISHED
    with pytest.raises(UncitedFact, match="profile section"):
        record_save(instance=section, user=reviewer, reason="Publish")
    CitationFactory(section=section, group=None, quote=QUOTE)
    section.refresh_from_db()
    section.publication_status = PUBLISHED
    record_save(instance=section, user=reviewer, reason="Publish, cited")
    assert GroupSection.objects.public().filter(pk=section.pk).exists()


def test_an_editors_edit_of_a_published_section_waits_for_review_and_keeps_history(editor, reviewer):
    section = GroupSectionFactory(text="First text.")
    citation = CitationFactory(section=section, group=None, quote=QUOTE)
    section.text = f"According to a spokesman, the group was formed in 2016 [cite:{citation.pk}]."
    record_save(instance=section, user=editor, reason="Cited")
    section.refresh_from_db()
    assert section.text == "First text."  # readers keep the published text
    pending = PendingChange.objects.get(object_id=section.pk, content_type__model="groupsection", status=ReviewStatus.PENDING)
    assert pending.action == PendingAction.CHANGE and f"[cite:{citation.pk}]" in pending.values["text"]

    section.text = "A marker naming nothing [cite:999999]."
    with pytest.raises(ValidationError, match=r"\[cite:999999\] is not a citation of this group"):
        record_save(instance=section, user=editor, reason="Broken")  # checked before it waits for review too

    change_set_approve(change_set=pending.change_set, user=reviewer, reason="Checked")
    section.refresh_from_db()
    assert f"[cite:{citation.pk}]" in section.text
    latest, first = section.history.latest(), section.history.earliest()
    assert latest.history_change_reason.startswith("Approved") and latest.history_user == reviewer
    assert first.text == "First text."  # the published text before it is kept


def test_a_revert_or_a_restore_publishes_nothing(editor, reviewer):
    section = record_save(
        instance=GroupSection(group=GroupFactory(), topic=SectionTopic.OVERVIEW, text="Formed in 2016."),
        user=editor,
        reason="Drafted",
    )
    assert section.publication_status == DRAFT
    CitationFactory(section=section, group=None, quote=QUOTE)
    old = section.history.earliest().instance
    section.text = "Formed in 2016, officials said."
    record_save(instance=section, user=editor, reason="Attributed")
    record_revert(instance=old, user=editor, reason="Back")
    section.refresh_from_db()
    assert (section.text, section.publication_status) == ("Formed in 2016.", DRAFT)

    section.publication_status = PUBLISHED
    record_save(instance=section, user=reviewer, reason="Publish")
    section_id = section.pk
    record_delete(instance=section, user=reviewer, reason="Gone")
    record_restore(model=GroupSection, record_id=section_id, user=editor, reason="Back")
    assert GroupSection.objects.get(pk=section_id).publication_status == DRAFT


def test_a_section_citation_is_checked_against_the_source_text(reviewer):
    section = GroupSectionFactory()
    with pytest.raises(ValidationError, match="does not appear verbatim"):
        CitationFactory.build(section=section, group=None, source=SourceFactory(), quote="words the article never wrote").full_clean()
