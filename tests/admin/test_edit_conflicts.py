"""No lost updates: two editors open the same record; what the first saves survives the second's save."""

import pytest
from django.contrib.auth.models import Group as Role
from django.test import Client
from django.urls import reverse

from groups.models import Alias, GroupStatus
from tests.admin.page_forms import add_inline_row, form_data
from tests.factories import AliasFactory, GroupFactory, UserFactory

pytestmark = pytest.mark.django_db


def editor_client(username: str) -> Client:
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Role.objects.get(name="Reviewer"))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def group():
    return GroupFactory(name="Islamic State", summary="First summary.", status=GroupStatus.UNKNOWN, ideology="")


@pytest.fixture
def two_editors(group):
    """Both open the change form of the same group before either saves."""
    url = reverse("admin:groups_group_change", args=[group.pk])
    alice, bob = editor_client("alice"), editor_client("bob")
    return url, (alice, form_data(alice.get(url))), (bob, form_data(bob.get(url)))


def save(client, url, data, **changes):
    return client.post(url, {**data, "change_reason": "Edit from the article", **changes})


def test_different_fields_both_survive(group, two_editors):
    url, (alice, alice_form), (bob, bob_form) = two_editors
    assert save(alice, url, alice_form, summary="Alice's summary.").status_code == 302
    assert save(bob, url, bob_form, status=GroupStatus.ACTIVE).status_code == 302  # Bob's form still held the old summary
    group.refresh_from_db()
    assert (group.summary, group.status) == ("Alice's summary.", GroupStatus.ACTIVE)
    assert [h.history_user.username for h in group.history.all()[:2]] == ["bob", "alice"]


def test_the_same_field_is_an_edit_conflict_that_overwrites_nothing(group, two_editors):
    url, (alice, alice_form), (bob, bob_form) = two_editors
    save(alice, url, alice_form, summary="Alice's summary.")
    response = save(bob, url, bob_form, summary="Bob's summary.")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Edit conflict: alice saved this record" in page and "Nothing was saved" in page
    assert "they changed “First summary.” to “Alice&#x27;s summary.”, yours is “Bob&#x27;s summary.”" in page
    assert "Bob&#x27;s summary." in page  # Bob's text is still in his form, not lost either
    group.refresh_from_db()
    assert group.summary == "Alice's summary." and group.history.count() == 2


def test_saving_again_after_the_conflict_is_a_deliberate_overwrite(group, two_editors):
    url, (alice, alice_form), (bob, bob_form) = two_editors
    save(alice, url, alice_form, summary="Alice's summary.")
    conflict = bob.post(url, {**bob_form, "change_reason": "Edit", "summary": "Bob's summary."})
    again = form_data(conflict)  # the re-shown form now carries Alice's revision
    assert save(bob, url, again, summary="Bob's summary.").status_code == 302
    group.refresh_from_db()
    assert group.summary == "Bob's summary."


def test_two_editors_adding_aliases_both_survive(group, two_editors):
    url, (alice, alice_form), (bob, bob_form) = two_editors
    assert save(alice, url, add_inline_row(alice_form, "aliases", name="Daesh", kind="exonym")).status_code == 302
    assert save(bob, url, add_inline_row(bob_form, "aliases", name="ISIS", kind="acronym")).status_code == 302
    assert sorted(Alias.objects.filter(group=group).values_list("name", flat=True)) == ["Daesh", "ISIS"]


def test_a_conflict_on_an_inline_row_is_caught_too(group):
    alias = AliasFactory(group=group, name="Daesh", language="")
    url = reverse("admin:groups_group_change", args=[group.pk])
    alice, bob = editor_client("alice"), editor_client("bob")
    alice_form, bob_form = form_data(alice.get(url)), form_data(bob.get(url))
    assert save(alice, url, {**alice_form, "aliases-0-language": "ar"}).status_code == 302
    response = save(bob, url, {**bob_form, "aliases-0-language": "fa"})
    assert response.status_code == 200 and "Edit conflict" in response.content.decode()
    alias.refresh_from_db()
    assert alias.language == "ar"


def test_an_untouched_save_by_the_second_editor_reverts_nothing(group, two_editors):
    url, (alice, alice_form), (bob, bob_form) = two_editors
    save(alice, url, alice_form, summary="Alice's summary.", ideology="Salafi jihadism")
    assert save(bob, url, bob_form).status_code == 302
    group.refresh_from_db()
    assert (group.summary, group.ideology) == ("Alice's summary.", "Salafi jihadism")
