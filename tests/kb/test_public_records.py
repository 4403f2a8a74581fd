"""`public()`: a record reaches the public faces only when it and everything it is shown through are published."""

import pytest

from groups.models import Affiliation, Alias, Attribution, Designation, Group
from kb.models import PublicationStatus
from sources.models import Citation
from tests.factories import (
    AffiliationFactory,
    AliasFactory,
    AttributionFactory,
    CitationFactory,
    DesignationFactory,
    GroupFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db
DRAFT = PublicationStatus.DRAFT


def test_a_group_is_public_when_published():
    shown, hidden = GroupFactory(), GroupFactory(publication_status=DRAFT)
    assert list(Group.objects.public()) == [shown] and hidden


@pytest.mark.parametrize(("model", "factory"), [(Alias, AliasFactory), (Designation, DesignationFactory)])
def test_children_of_a_draft_group_are_hidden_even_when_published(model, factory):
    shown = factory()
    factory(group=GroupFactory(publication_status=DRAFT))
    factory(publication_status=DRAFT)
    assert list(model.objects.public()) == [shown]


def test_an_affiliation_needs_both_groups_public():
    shown = AffiliationFactory()
    AffiliationFactory(from_group=GroupFactory(publication_status=DRAFT))
    AffiliationFactory(to_group=GroupFactory(publication_status=DRAFT))
    assert list(Affiliation.objects.public()) == [shown]


def test_an_attribution_needs_its_attack_and_group_public():
    shown = AttributionFactory()
    AttributionFactory(group=GroupFactory(publication_status=DRAFT))
    AttributionFactory(attack__publication_status=DRAFT)
    assert list(Attribution.objects.public()) == [shown]


def test_parts_read_within_a_public_record_leave_its_condition_to_the_query_that_picks_it():
    shown = AttributionFactory()
    AttributionFactory(attack=shown.attack, group=GroupFactory(publication_status=DRAFT))
    AttributionFactory(attack=shown.attack, publication_status=DRAFT)
    of_a_draft = AttributionFactory(attack__publication_status=DRAFT)
    within = Attribution.objects.public(within="attack")
    assert list(within.filter(attack=shown.attack)) == list(Attribution.objects.public()) == [shown]
    assert list(within.filter(attack=of_a_draft.attack)) == [of_a_draft]  # the attack is the caller's to choose
    unordered = str(within.order_by().query)  # (the model's order reads the attack's date)
    assert "groups_attack" not in unordered and "groups_group" in unordered  # a join the fewer
    with pytest.raises(ValueError, match="Attribution is not shown through 'source': it is shown through attack, group"):
        Attribution.objects.public(within="source")
    with pytest.raises(ValueError, match="shown through nothing"):
        Group.objects.public(within="group")


def test_a_citation_needs_its_source_and_the_fact_it_supports_public():
    shown = CitationFactory()
    CitationFactory(publication_status=DRAFT)
    CitationFactory(source=SourceFactory(publication_status=DRAFT))
    CitationFactory(group=GroupFactory(publication_status=DRAFT))
    CitationFactory(group=None, alias=AliasFactory(group=GroupFactory(publication_status=DRAFT)))
    CitationFactory(group=None, attribution=AttributionFactory(attack__publication_status=DRAFT))
    shown_alias = CitationFactory(group=None, alias=AliasFactory())
    assert set(Citation.objects.public()) == {shown, shown_alias}


def test_citations_read_within_a_public_source_or_fact_leave_its_condition_out():
    source = SourceFactory()
    of_group = CitationFactory(source=source)
    of_alias = CitationFactory(source=source, group=None, alias=AliasFactory())
    CitationFactory(source=source, group=GroupFactory(publication_status=DRAFT))
    CitationFactory(source=source, publication_status=DRAFT)
    of_a_draft_source = CitationFactory(source=SourceFactory(publication_status=DRAFT))

    within_source = Citation.objects.public(within="source")
    assert set(within_source.filter(source=source)) == set(Citation.objects.public()) == {of_group, of_alias}
    assert list(within_source.filter(source=of_a_draft_source.source)) == [of_a_draft_source]  # the caller's to choose
    assert "sources_source" not in str(within_source.order_by().query)  # (the model's order reads the source's date)
    within_group = Citation.objects.public(within="group").filter(group=of_group.group)
    assert list(within_group) == [of_group]
    assert "groups_alias" not in str(within_group.order_by().query)  # no other kind of fact is asked about
    with pytest.raises(ValueError, match="Citation is not shown through 'person': it is shown through source, group, alias"):
        Citation.objects.public(within="person")


@pytest.mark.parametrize("key", ["99999999999999999999999", "²", " 12 ", "-1"])
def test_a_key_that_cannot_be_an_id_is_only_a_slug(key):
    from groups.models import Attack

    with pytest.raises(Attack.DoesNotExist):
        Attack.objects.public().get_by_slug_or_id(key)
