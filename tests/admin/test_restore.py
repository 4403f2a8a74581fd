"""A deleted group comes back from history with its aliases, relationships and citations: same ids, one click and a reason."""

import pytest
from django.contrib.auth.models import Group as Role
from django.urls import reverse

from groups.models import Affiliation, Alias, Group
from kb.services import RestoreError, record_delete, record_restore
from sources.models import Citation
from tests.factories import AffiliationFactory, AliasFactory, CitationFactory, GroupFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deleted_group(admin_user):
    group = GroupFactory(name="Islamic State", slug="islamic-state")
    alias = AliasFactory(group=group, name="Daesh")
    affiliation = AffiliationFactory(from_group=GroupFactory(name="Khorasan Province"), to_group=group)
    citation = CitationFactory(group=group)
    alias_citation = CitationFactory(alias=alias, group=None)
    affiliation_citation = CitationFactory(affiliation=affiliation, group=None)
    citations = {citation.pk, alias_citation.pk, affiliation_citation.pk}
    ids = {"group": group.pk, "alias": alias.pk, "affiliation": affiliation.pk, "citations": citations}
    created = group.created_at
    record_delete(instance=group, user=admin_user, reason="Merged by mistake")
    assert not Group.objects.filter(pk=ids["group"]).exists() and not Alias.objects.filter(pk=ids["alias"]).exists()
    return ids, created


def test_the_deleted_list_offers_the_group(admin_client, deleted_group):
    page = admin_client.get(reverse("admin:groups_group_deleted")).content.decode()
    assert "Islamic State" in page and "Merged by mistake" in page
    assert reverse("admin:groups_group_restore", args=[deleted_group[0]["group"]]) in page
    assert reverse("admin:groups_group_deleted") in admin_client.get(reverse("admin:groups_group_changelist")).content.decode()


def test_restore_brings_back_everything_deleted_with_it_with_the_same_ids(admin_client, admin_user, deleted_group):
    ids, created = deleted_group
    url = reverse("admin:groups_group_restore", args=[ids["group"]])
    confirmation = admin_client.get(url).content.decode()
    assert "Alias: Daesh" in confirmation and "Affiliation:" in confirmation and confirmation.count("Citation:") == 3
    response = admin_client.post(url, {"change_reason": "Deleted in error"})
    assert response.status_code == 302 and response["Location"] == reverse("admin:groups_group_change", args=[ids["group"]])
    group = Group.objects.get(pk=ids["group"])
    assert group.slug == "islamic-state" and group.created_at == created
    assert Alias.objects.get(pk=ids["alias"]).group == group
    assert Affiliation.objects.filter(pk=ids["affiliation"], to_group=group).exists()
    assert set(Citation.objects.filter(pk__in=ids["citations"]).values_list("pk", flat=True)) == ids["citations"]
    latest = group.history.first()
    assert latest.history_type == "+" and latest.history_user == admin_user and latest.history_change_reason == "Restored: Deleted in error"
    assert [h.history_type for h in group.history.all()[:3]] == ["+", "-", "+"]  # the deletion stays in the record's history


def test_restore_needs_a_reason(admin_client, deleted_group):
    ids, _ = deleted_group
    response = admin_client.post(reverse("admin:groups_group_restore", args=[ids["group"]]), {"change_reason": " "})
    assert response.status_code == 200 and "Give a reason for restoring." in response.content.decode()
    assert not Group.objects.filter(pk=ids["group"]).exists()


def test_restore_refuses_when_the_slug_has_been_taken_since_and_restores_nothing(admin_client, admin_user, deleted_group):
    ids, _ = deleted_group
    GroupFactory(name="Islamic State (new)", slug="islamic-state")
    with pytest.raises(RestoreError, match="Cannot restore group"):
        record_restore(model=Group, record_id=ids["group"], user=admin_user, reason="Try")
    response = admin_client.post(reverse("admin:groups_group_restore", args=[ids["group"]]), {"change_reason": "Try"}, follow=True)
    assert "Nothing was restored" in response.content.decode()
    assert not Alias.objects.filter(pk=ids["alias"]).exists()


def test_an_existing_or_never_deleted_record_has_nothing_to_restore(admin_client, admin_user):
    group = GroupFactory()
    assert admin_client.get(reverse("admin:groups_group_restore", args=[group.pk])).status_code == 404
    with pytest.raises(RestoreError, match="exists"):
        record_restore(model=Group, record_id=group.pk, user=admin_user, reason="Try")
    with pytest.raises(RestoreError, match="No deleted group"):
        record_restore(model=Group, record_id=10**9, user=admin_user, reason="Try")


def test_editors_may_restore_what_they_may_add(client, deleted_group):
    editor = UserFactory(username="ed", is_staff=True)
    editor.groups.add(Role.objects.get(name="Editor"))
    client.force_login(editor)
    assert client.get(reverse("admin:groups_group_restore", args=[deleted_group[0]["group"]])).status_code == 200
    viewer = UserFactory(username="viewer", is_staff=True)
    client.force_login(viewer)
    assert client.get(reverse("admin:groups_group_deleted")).status_code == 403
