import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from groups.models import Alias, Attack, Attribution, Group
from groups.services import alias_upsert, group_upsert
from kb.services import record_delete, record_save, records_bulk_create, records_bulk_update
from sources.models import Citation
from sources.services import citation_upsert
from tests.factories import AliasFactory, AttackFactory, CitationFactory, GroupFactory, SourceFactory, user_in_role

pytestmark = pytest.mark.django_db


def test_save_records_user_and_reason_in_history():
    user = user_in_role("Reviewer")
    group = GroupFactory.build(name="Ansar al-Sharia Pakistan", slug="ansar-al-sharia-pakistan", publication_status="draft")
    record_save(instance=group, user=user, reason="Added from VOA report")
    latest = group.history.latest()
    assert (latest.history_type, latest.history_user, latest.history_change_reason) == ("+", user, "Added from VOA report")


def test_history_shows_which_fields_changed_from_what_to_what():
    user = user_in_role("Reviewer")
    group = GroupFactory(status="unknown")
    group.status = "active"
    record_save(instance=group, user=user, reason="Article reports recent attacks")
    new, old = group.history.all()[:2]
    changes = {c.field: (c.old, c.new) for c in new.diff_against(old).changes}
    assert changes == {"status": ("unknown", "active")}


def test_a_reason_is_required():
    group = GroupFactory.build()
    with pytest.raises(ValidationError) as error:
        record_save(instance=group, user=user_in_role("Reviewer"), reason="   ")
    assert "change_reason" in error.value.message_dict
    assert group.pk is None


def test_invalid_records_are_not_saved():
    source = SourceFactory()
    citation = Citation(source=source, group=GroupFactory(), quote="words the article never printed")
    with pytest.raises(ValidationError):
        record_save(instance=citation, user=user_in_role("Reviewer"), reason="cite")
    assert not Citation.objects.exists()


def test_delete_records_user_and_reason_on_every_cascaded_row():
    user = user_in_role("Reviewer")
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
    user = user_in_role("Reviewer")
    values = {"name": "Islamic State", "countries": ["PK", "IQ", "SY"], "publication_status": "draft"}
    group, written = group_upsert(slug="islamic-state", values=values, user=user, reason="import")
    assert written
    again, written_again = group_upsert(slug="islamic-state", values=values, user=user, reason="import")
    assert (again.pk, written_again) == (group.pk, False)
    assert group.history.count() == 1
    _, changed = group_upsert(slug="islamic-state", values={**values, "status": "active"}, user=user, reason="import")
    assert changed and group.history.count() == 2


def test_citation_upsert_targets_any_citable_record():
    user = user_in_role("Reviewer")
    alias, _ = alias_upsert(group=GroupFactory(name="Islamic State"), name="Daesh", values={"kind": "exonym"}, user=user, reason="r")
    citation, _ = citation_upsert(target=alias, source=SourceFactory(), quote="known as “Daesh” to its critics", user=user, reason="r")
    assert citation.alias == alias and citation.target == alias


def test_citation_upsert_refuses_records_that_cannot_be_cited():
    with pytest.raises(ValueError, match="cannot be cited"):
        citation_upsert(target=user_in_role("Reviewer"), source=SourceFactory(), quote="x", user=user_in_role("Reviewer"), reason="r")


# --- Bulk writes for imports ---------------------------------------------------------------------------------

BULK_ATTACK_VALUES = {
    "title": "Armed assault in Quetta, Pakistan",
    "date": datetime.date(2016, 10, 24),
    "date_precision": "day",
    "locality": "Quetta",
    "province": "Balochistan",
    "country": "PK",
    "latitude": Decimal("30.187222"),
    "longitude": Decimal("66.995833"),
    "attack_type": "armed_assault",
    "suicide": True,
    "killed": 61,
    "killed_qualifier": "exact",
    "wounded": None,
    "description": "GTD summary: assailants attacked the police college.",
}
BOOKKEEPING = {"id", "slug", "history_id", "created_at", "updated_at"}


def history_values(row) -> dict:
    return {field.attname: getattr(row, field.attname) for field in row._meta.concrete_fields if field.attname not in BOOKKEEPING}


def test_bulk_create_writes_the_records_and_history_rows_the_history_helpers_write():
    user, moment = user_in_role("Reviewer"), timezone.now()
    helper = Attack(slug="by-the-helper", **BULK_ATTACK_VALUES)
    bulk_create_with_history([helper], Attack, default_user=user, default_change_reason="GTD 2016", default_date=moment)
    fields = ["slug", *BULK_ATTACK_VALUES]
    [attack_id] = records_bulk_create(
        model=Attack, fields=fields, rows=[["in-bulk", *BULK_ATTACK_VALUES.values()]], user=user, reason="GTD 2016", moment=moment
    )

    attack = Attack.objects.get(pk=attack_id)
    assert history_values(attack) == history_values(Attack.objects.get(pk=helper.pk))
    assert (attack.slug, attack.created_at, attack.updated_at) == ("in-bulk", moment, moment)
    row, helper_row = attack.history.get(), helper.history.get()
    assert history_values(row) == history_values(helper_row)
    assert (row.history_type, row.history_user, row.history_change_reason, row.history_date) == ("+", user, "GTD 2016", moment)
    assert (row.slug, row.created_at, row.updated_at) == ("in-bulk", moment, moment)

    group = GroupFactory()
    helper_attribution = Attribution(attack=helper, group=group, kind="attributed", attributed_by="GTD")
    bulk_create_with_history([helper_attribution], Attribution, default_user=user, default_change_reason="GTD 2016", default_date=moment)
    [attribution_id] = records_bulk_create(
        model=Attribution,
        fields=["attack", "group", "kind", "attributed_by"],
        rows=[(attack_id, group.pk, "attributed", "GTD")],
        user=user,
        reason="GTD 2016",
        moment=moment,
    )
    attribution = Attribution.objects.get(pk=attribution_id)
    assert (attribution.attack_id, attribution.group, attribution.kind, attribution.publication_status) == (
        attack_id,
        group,
        "attributed",
        "draft",
    )
    assert {**history_values(attribution.history.get()), "attack_id": None} == {
        **history_values(helper_attribution.history.get()),
        "attack_id": None,
    }


def test_bulk_update_writes_the_history_rows_the_history_helpers_write():
    user, moment = user_in_role("Reviewer"), timezone.now()
    first, second = AttackFactory(**BULK_ATTACK_VALUES, district="Quetta District"), AttackFactory(**BULK_ATTACK_VALUES)
    second.killed = first.killed = 62
    bulk_update_with_history([second], Attack, ["killed"], default_user=user, default_change_reason="GTD correction", default_date=moment)
    records_bulk_update(model=Attack, fields=["killed"], rows=[(first.pk, 62)], user=user, reason="GTD correction", moment=moment)

    first.refresh_from_db()
    assert (first.killed, first.district, first.updated_at) == (62, "Quetta District", moment)
    row = first.history.order_by("-history_id").first()
    helper_row = second.history.order_by("-history_id").first()
    assert {**history_values(row), "district": ""} == history_values(helper_row)
    assert (row.history_type, row.history_user, row.history_change_reason, row.history_date) == ("~", user, "GTD correction", moment)
    assert (row.killed, row.updated_at, row.created_at) == (62, moment, first.created_at)


def test_an_imported_drafts_pending_publication_holds_an_empty_object_that_later_values_join():
    """The COPY of an import's pending publications wrote `values` as the JSON string "{}", which a later change to
    the same record could not merge ("'str' object is not a mapping")."""
    from kb.models import ChangeSet, PendingChange
    from kb.services.pending import queue_bulk_publish, queue_values

    editor = user_in_role("Editor", username="importer")
    group = GroupFactory(name="Imported Front", publication_status="draft")
    change_set = ChangeSet.objects.create(title="GTD import", kind="import", created_by=editor)
    queue_bulk_publish(change_set=change_set, model=Group, ids=[group.pk], user=editor)
    assert PendingChange.objects.get(object_id=group.pk).values == {}
    queue_values(Group, group.pk, {Group._meta.get_field("summary"): "Named in the file."}, user=editor, reason="Reworded")
    assert PendingChange.objects.get(object_id=group.pk).values == {"summary": "Named in the file."}


def test_an_imports_new_drafts_each_wait_in_its_change_set_to_be_published():
    from kb.models import ChangeSet, PendingAction, PendingChange, ReviewStatus
    from kb.services.pending import queue_bulk_publish

    editor = user_in_role("Editor", username="importer")
    groups = [GroupFactory(name=f"Imported Front {n}", publication_status="draft") for n in range(3)]
    change_set = ChangeSet.objects.create(title="GTD import", kind="import", created_by=editor)
    queue_bulk_publish(change_set=change_set, model=Group, ids=[group.pk for group in groups[:2]], user=editor)
    queue_bulk_publish(change_set=change_set, model=Group, ids=[], user=editor)
    pending = PendingChange.objects.filter(change_set=change_set).order_by("object_id")
    assert [(p.content_type.model_class(), p.object_id) for p in pending] == [(Group, group.pk) for group in groups[:2]]
    for change in pending:
        assert (change.action, change.status, change.created_by, change.values, change.reasons) == (
            PendingAction.PUBLISH,
            ReviewStatus.PENDING,
            editor,
            {},
            "",
        )
        assert change.created_at == change.updated_at and change.decided_by is None
