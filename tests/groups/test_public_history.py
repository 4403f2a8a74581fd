"""When records were public, read from the history tables, agrees with `public()` at every moment."""

import pytest

from groups.models import Affiliation, Alias, Attack, Attribution, Designation, Group
from groups.revisions import PublicHistory
from kb.models import PublicationStatus
from sources.models import Citation, Source
from tests.dated import change_on, create_on, day
from tests.factories import (
    AffiliationFactory,
    AliasFactory,
    AttackFactory,
    AttributionFactory,
    CitationFactory,
    DesignationFactory,
    GroupFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db
DRAFT, PUBLISHED = PublicationStatus.DRAFT, PublicationStatus.PUBLISHED
MODELS = [Group, Alias, Affiliation, Designation, Attack, Attribution, Source, Citation]


def test_the_history_says_what_public_says_now():
    public, hidden = GroupFactory(), GroupFactory(publication_status=DRAFT)
    attack, draft_attack = AttackFactory(), AttackFactory(publication_status=DRAFT)
    source, draft_source = SourceFactory(), SourceFactory(publication_status=DRAFT)
    facts = [
        AliasFactory(group=public),
        AliasFactory(group=hidden),
        AliasFactory(group=public, publication_status=DRAFT),
        AffiliationFactory(from_group=public, to_group=hidden),
        AffiliationFactory(from_group=public, to_group=GroupFactory()),
        DesignationFactory(group=hidden),
        AttributionFactory(attack=draft_attack, group=public),
        AttributionFactory(attack=attack, group=public),
    ]
    for fact in [public, hidden, attack, draft_attack, *facts]:
        for quoted_in in (source, draft_source):
            CitationFactory(source=quoted_in, **{"group": None, type(fact)._meta.model_name: fact})
    history = PublicHistory()
    history.load({model: model.history.all() for model in MODELS})
    for model in MODELS:
        shown = set(model.objects.public().values_list("pk", flat=True))
        assert {pk for pk in history.rows[model] if history.is_public_now(model, pk)} == shown, model.__name__


def test_a_record_is_public_while_it_and_what_it_is_shown_through_are():
    group = create_on(0, GroupFactory, publication_status=DRAFT)
    alias = create_on(1, AliasFactory, group=group)
    citation = create_on(2, CitationFactory, group=None, alias=alias, source=create_on(0, SourceFactory))
    change_on(3, group, publication_status=PUBLISHED)
    change_on(5, alias, publication_status=DRAFT)
    change_on(6, alias, publication_status=PUBLISHED)
    change_on(8, group, publication_status=DRAFT)
    history = PublicHistory()
    history.load({Citation: Citation.history.filter(id=citation.pk)})
    assert history.spans(Citation, citation.pk) == [(day(3), day(5)), (day(6), day(8))]
    assert history.spans(Group, group.pk) == [(day(3), day(8))]
