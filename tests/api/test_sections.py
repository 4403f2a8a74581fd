"""The profile-sections endpoint: public sections only, each with its own citations, and only the markers readers may
follow."""

import pytest

from groups.models import SectionTopic
from kb.models import PublicationStatus
from tests.factories import AliasFactory, CitationFactory, GroupFactory, GroupSectionFactory

pytestmark = pytest.mark.django_db
QUOTE = "a spokesman said Wednesday"
DRAFT = PublicationStatus.DRAFT


@pytest.fixture
def front():
    group = GroupFactory(slug="front", name="The Front")
    section = GroupSectionFactory(group=group, topic=SectionTopic.IDEOLOGY_AND_AIMS, heading="Aims", text="Placeholder.")
    own = CitationFactory(section=section, group=None, quote=QUOTE)
    alias = CitationFactory(alias=AliasFactory(group=group), group=None)
    draft = CitationFactory(section=section, group=None, quote=QUOTE, publication_status=DRAFT)
    foreign = CitationFactory(group=GroupFactory())
    section.text = f"Its aims [cite:{own.pk}], its name [cite:{alias.pk}].\n\nDrafted [cite:{draft.pk}], foreign [cite:{foreign.pk}]."
    section.save()
    hidden = GroupSectionFactory(group=group, topic=SectionTopic.GEOGRAPHY, publication_status=DRAFT)
    CitationFactory(section=hidden, group=None, quote=QUOTE)
    of_draft_group = GroupSectionFactory(group=GroupFactory(slug="other", publication_status=DRAFT), topic=SectionTopic.OVERVIEW)
    CitationFactory(section=of_draft_group, group=None, quote=QUOTE)
    return {"section": section, "own": own, "alias": alias, "of_draft_group": of_draft_group}


def test_a_section_gives_its_heading_text_and_citations_with_only_markers_readers_may_follow(get_json, front):
    status, body = get_json("/api/v1/sections/", {"group": "front"})
    assert status == 200
    (section,) = body["results"]
    assert (section["group"]["slug"], section["topic"], section["heading"]) == ("front", "ideology_and_aims", "Aims")
    own, alias = front["own"].pk, front["alias"].pk
    assert section["text"] == f"Its aims [cite:{own}], its name [cite:{alias}].\n\nDrafted, foreign."
    assert [citation["quote"] for citation in section["citations"]] == [QUOTE]  # its own public one
    assert section["html_url"] == "http://testserver/groups/front/#section-ideology_and_aims"
    detail = get_json(f"/api/v1/sections/{front['section'].pk}/")[1]
    assert detail["text"] == section["text"]


def test_draft_sections_and_those_of_draft_groups_are_not_served(get_json, front):
    assert get_json(f"/api/v1/sections/{front['of_draft_group'].pk}/")[0] == 404
    assert get_json("/api/v1/sections/", {"topic": "geography"})[1]["results"] == []


@pytest.mark.parametrize("records", [1, 12])
def test_the_list_query_count_does_not_grow(client, django_assert_num_queries, records):
    for number in range(records):
        section = GroupSectionFactory(topic=list(SectionTopic)[number])
        citation = CitationFactory(section=section, group=None, quote=QUOTE)
        section.text = f"Cited [cite:{citation.pk}]."
        section.save()
    # data version, count, page with its groups, citations with sources, the markers' citations
    with django_assert_num_queries(5):
        assert client.get("/api/v1/sections/").status_code == 200


def test_q_finds_the_public_sections_with_every_word_of_it_as_the_site_search_does(get_json, front):
    GroupSectionFactory(group=GroupFactory(slug="elsewhere"), topic=SectionTopic.OVERVIEW, text="Its aims are sectarian.")
    hidden = front["section"].group.sections.get(topic=SectionTopic.GEOGRAPHY)
    hidden.text = "Its aims, in draft."
    hidden.save()
    found = get_json("/api/v1/sections/", {"q": "AIMS sectar"})[1]["results"]
    assert [(section["group"]["slug"], section["topic"]) for section in found] == [("elsewhere", "overview")]
    assert sorted(section["group"]["slug"] for section in get_json("/api/v1/sections/", {"q": "aims"})[1]["results"]) == [
        "elsewhere",
        "front",
    ]
    assert get_json("/api/v1/sections/", {"q": "cite"})[1]["results"] == []  # markers are not words of the text
    status, body = get_json("/api/v1/sections/", {"q": "x" * 201})
    assert status == 400 and "limited to 200 characters" in body["q"][0]


@pytest.mark.parametrize("records", [1, 12])
def test_the_searched_list_query_count_does_not_grow(client, django_assert_num_queries, records):
    for number in range(records):
        GroupSectionFactory(topic=list(SectionTopic)[number], text=f"Sectarian aims, number {number}.")
    with django_assert_num_queries(4):  # data version, count, page with groups, citations (no marker to read)
        response = client.get("/api/v1/sections/", {"q": "sectarian"})
    assert response.status_code == 200 and response.json()["count"] == records
