import pytest
from django.core.exceptions import ValidationError

from groups.models import Alias, Group
from groups.services import alias_upsert, group_upsert
from kb.services import record_delete, record_save
from sources.models import Citation
from sources.services import citation_upsert
from tests.factories import AliasFactory, CitationFactory, GroupFactory, SourceFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_save_records_user_and_reason_in_history():
    user = UserFactory()
    group = GroupFactory.build(name="Ansar al-Sharia Pakistan", slug="ansar-al-sharia-pakistan")
    record_save(instance=group, user=user, reason="Added from VOA report")
    latest = group.history.latest()
    assert (latest.history_type, latest.history_user, latest.history_change_reason) == ("+", user, "Added from VOA report")


def test_history_shows_which_fields_changed_from_what_to_what():
    user = UserFactory()
    group = GroupFactory(status="unknown")
    group.status = "active"
    record_save(instance=group, user=user, reason="Article reports recent attacks")
    new, old = group.history.all()[:2]
    changes = {c.field: (c.old, c.new) for c in new.diff_against(old).changes}
    assert changes == {"status": ("unknown", "active")}


def test_a_reason_is_required():
    group = GroupFactory.build()
    with pytest.raises(ValidationError) as error:
        record_save(instance=group, user=UserFactory(), reason="   ")
    assert "change_reason" in error.value.message_dict
    assert group.pk is None


def test_invalid_records_are_not_saved():
    source = SourceFactory()
    citation = Citation(source=source, group=GroupFactory(), quote="words the article never printed")
    with pytest.raises(ValidationError):
        record_save(instance=citation, user=UserFactory(), reason="cite")
    assert not Citation.objects.exists()


def test_delete_records_user_and_reason_on_every_cascaded_row():
    user = UserFactory()
    group = GroupFactory()
    alias = AliasFactory(group=group)
    citation = CitationFactory(group=group)
    deleted_ids = ((Group, group.pk), (Alias, alias.pk), (Citation, citation.pk))
    record_delete(instance=group, user=user, reason="Duplicate of another profile")
    assert not Group.objects.filter(pk=deleted_ids[0][1]).exists()
    for model, pk in deleted_ids:
        deleted = model.history.filter(id=pk, history_type="-").get()
        assert (deleted.history_user, deleted.history_change_reason) == (user, "Duplicate of another profile")


def test_upsert_writes_only_when_something_differs():
    user = UserFactory()
    values = {"name": "Islamic State", "countries": ["PK", "IQ", "SY"], "publication_status": "published"}
    group, written = group_upsert(slug="islamic-state", values=values, user=user, reason="import")
    assert written
    again, written_again = group_upsert(slug="islamic-state", values=values, user=user, reason="import")
    assert (again.pk, written_again) == (group.pk, False)
    assert group.history.count() == 1
    _, changed = group_upsert(slug="islamic-state", values={**values, "status": "active"}, user=user, reason="import")
    assert changed and group.history.count() == 2


def test_citation_upsert_targets_any_citable_record():
    user = UserFactory()
    alias, _ = alias_upsert(group=GroupFactory(name="Islamic State"), name="Daesh", values={"kind": "exonym"}, user=user, reason="r")
    citation, _ = citation_upsert(target=alias, source=SourceFactory(), quote="known as “Daesh” to its critics", user=user, reason="r")
    assert citation.alias == alias and citation.target == alias


def test_citation_upsert_refuses_records_that_cannot_be_cited():
    with pytest.raises(ValueError, match="cannot be cited"):
        citation_upsert(target=UserFactory(), source=SourceFactory(), quote="x", user=UserFactory(), reason="r")
