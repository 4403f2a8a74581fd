"""Public revisions: a profile's change log, and every version at a permanent address."""

import datetime
import html
import re

import pytest
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from groups.models import AffiliationKind, SectionTopic, VersionDecision
from groups.revisions import profile_revisions, profile_version_decision
from kb.dates import moment_key
from kb.models import PublicationStatus
from tests.dated import change_on, create_on, day, delete_on
from tests.factories import (
    AffiliationFactory,
    AliasFactory,
    AttackFactory,
    AttributionFactory,
    CitationFactory,
    DesignationFactory,
    GroupFactory,
    GroupRoleFactory,
    GroupSectionFactory,
    PersonFactory,
    SizeEstimateFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
DRAFT, PUBLISHED = PublicationStatus.DRAFT, PublicationStatus.PUBLISHED


def version_url(group, moment):
    return reverse("groups:group_revision", kwargs={"slug": group.slug, "key": moment_key(moment)})


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture
def history():
    """A group, its first published version, then an edit, a new alias and a withdrawn relationship."""
    group = GroupFactory(name="Islamic State", slug="islamic-state", summary="First summary.")
    AliasFactory(group=group, name="Daesh")
    rival = AffiliationFactory(from_group=group, to_group=GroupFactory(name="al-Qaeda"), kind=AffiliationKind.RIVAL_OF)
    CitationFactory(group=group, field="summary")
    first = timezone.now()

    group._history_user = UserFactory(username="secret-editor")
    group.summary = "Second summary."
    group.save()
    AliasFactory(group=group, name="ISIS")
    rival.publication_status = DRAFT
    rival.save()
    return group, first


def test_a_version_renders_the_profile_as_it_was(client, history):
    group, first = history
    old = client.get(version_url(group, first))
    assert old.status_code == 200
    page = text(old)
    assert "First summary." in page and "Second summary." not in page
    assert "Daesh" in page and "ISIS" not in page
    assert "Rival of al-Qaeda" in page
    assert "This is the profile as it was on" in page and "[1]" in page  # footnotes resolve in old versions too
    current = text(client.get(reverse("groups:group_detail", args=[group.slug])))
    assert "Second summary." in current and "ISIS" in current and "Rival of" not in current


def test_the_current_profile_gives_a_permanent_link_to_this_version(client, history):
    group, _ = history
    page = client.get(reverse("groups:group_detail", args=[group.slug])).content.decode()
    link = re.search(r"(http://testserver/groups/islamic-state/as-of/\w+/)", page).group(1)
    version = text(client.get(link.replace("http://testserver", "")))
    assert "Second summary." in version and "ISIS" in version and "Rival of" not in version


def test_the_change_log_says_what_changed_and_when_but_not_who(client, history):
    group, _ = history
    response = client.get(reverse("groups:group_changes", args=[group.slug]))
    page = text(response)
    assert "Changed the group's record: summary" in page
    assert "Published the name “ISIS”" in page
    assert "Removed the relationship “rival of al-Qaeda”" in page
    assert "Profile published" in page
    assert page.index("Changed the group's record") < page.index("Profile published")  # newest first
    assert "secret-editor" not in response.content.decode()
    for key in re.findall(r"/groups/islamic-state/as-of/(\w+)/", response.content.decode()):
        assert client.get(f"/groups/islamic-state/as-of/{key}/").status_code == 200


def test_drafts_stay_out_of_versions_and_the_change_log(client):
    group = GroupFactory(slug="front")
    AliasFactory(group=group, name="Secret Name", publication_status=DRAFT)
    AffiliationFactory(from_group=group, to_group=GroupFactory(name="Hidden Front", publication_status=DRAFT))
    moment = group.history.latest().history_date
    for url in (version_url(group, moment), reverse("groups:group_changes", args=[group.slug])):
        page = client.get(url).content.decode()
        assert "Secret Name" not in page and "Hidden Front" not in page
    hidden = GroupFactory(slug="hidden", publication_status=DRAFT)
    assert client.get(version_url(hidden, hidden.history.latest().history_date)).status_code == 404
    assert client.get(reverse("groups:group_changes", args=["hidden"])).status_code == 404


@pytest.mark.parametrize("key", ["yesterday", "20261321T000000000000Z", "2026", "20261121T052345248029"])
def test_a_malformed_revision_is_a_404(client, key):
    GroupFactory(slug="front")
    assert client.get(f"/groups/front/as-of/{key}/").status_code == 404


def test_before_the_group_existed_is_a_404(client):
    group = GroupFactory(slug="front")
    first = group.history.earliest().history_date
    assert client.get(version_url(group, first.replace(year=first.year - 1))).status_code == 404


def changes_of(group) -> list[tuple]:
    return [(revision.moment, revision.changes) for revision in profile_revisions(group.pk)]


def test_the_change_log_speaks_only_of_what_was_public_then():
    state = create_on(0, GroupFactory, name="Islamic State", slug="islamic-state")
    hidden = create_on(0, GroupFactory, name="Hidden Front", slug="hidden-front", publication_status=DRAFT)
    create_on(1, AffiliationFactory, from_group=hidden, to_group=state, kind=AffiliationKind.ALLIED_WITH)
    raid = create_on(1, AttackFactory, title="Raid on the academy", publication_status=DRAFT)
    create_on(1, AttributionFactory, attack=raid, group=state)
    assert changes_of(state) == [(day(0), ["Profile published"])]  # a relationship to a draft, a role in a draft attack

    change_on(3, hidden, publication_status=PUBLISHED)
    change_on(4, raid, publication_status=PUBLISHED)
    change_on(5, hidden, name="Hidden Front (renamed)")  # not on this profile
    change_on(6, hidden, publication_status=DRAFT)
    assert changes_of(state) == [
        (day(6), ["Removed the relationship with another group (allied with)"]),  # it left with the other group
        (day(4), ["Published the group's role in “Raid on the academy” (claimed by)"]),
        (day(3), ["Published the relationship with another group (allied with)"]),  # a draft now: never named
        (day(0), ["Profile published"]),
    ]


def test_what_a_draft_profile_held_is_published_with_it_and_leaves_with_it(client):
    group = create_on(0, GroupFactory, name="Front", slug="front", publication_status=DRAFT)
    alias = create_on(1, AliasFactory, group=group, name="The Front")
    change_on(2, alias, name="The Old Front")  # while the group was a draft: no change anyone saw
    change_on(3, group, publication_status=PUBLISHED)
    change_on(4, alias, name="Old Front")
    change_on(5, group, publication_status=DRAFT)
    change_on(6, alias, kind="acronym")
    change_on(7, group, publication_status=PUBLISHED)
    assert changes_of(group) == [
        (day(7), ["Profile published", "Published the name “Old Front”"]),
        (day(5), ["Profile withdrawn", "Removed the name “Old Front”"]),
        (day(4), ["Changed the name “Old Front”: name as written"]),
        (day(3), ["Profile published", "Published the name “The Old Front”"]),
    ]
    page = client.get(reverse("groups:group_changes", args=["front"])).content.decode()
    for key in re.findall(r"/groups/front/as-of/(\w+)/", page):
        assert client.get(f"/groups/front/as-of/{key}/").status_code == 200
    assert "The Front" not in text(client.get(version_url(group, day(2))))  # still a draft then: 404
    assert client.get(version_url(group, day(2))).status_code == 404


@pytest.mark.parametrize("records", [1, 6])
def test_the_change_log_query_count_does_not_grow(client, django_assert_num_queries, records):
    group = GroupFactory(slug="front")
    for number in range(records):
        alias = AliasFactory(group=group)
        alias.name += " (corrected)"
        alias.save()
        AffiliationFactory(from_group=group)
        AffiliationFactory(to_group=group)
        DesignationFactory(group=group, authority=f"Authority {number}")
        AttributionFactory(group=group)
        GroupRoleFactory(group=group)
        SizeEstimateFactory(group=group)
        GroupSectionFactory(group=group, topic=list(SectionTopic)[number])
    # data version, the group, the histories of the group, aliases, relationships, designations, roles in attacks,
    # people's roles, size estimates and profile sections, of the other groups, the attacks and the people, the
    # withdrawn versions
    with django_assert_num_queries(14):
        assert client.get(reverse("groups:group_changes", args=["front"])).status_code == 200


def test_versions_of_an_unpublished_or_deleted_group_are_gone(client, reviewer):
    unpublished = create_on(0, GroupFactory, name="Unpublished Front", slug="unpublished")
    change_on(3, unpublished, publication_status=DRAFT)
    response = client.get(version_url(unpublished, day(1)), follow=True)  # a moment within the version: led to it
    assert response.status_code == 410
    page = text(response)
    assert "withdrawn on 4 January 2026" in page and "Unpublished Front" not in page
    assert client.get(version_url(unpublished, day(-1))).status_code == 404  # before it existed

    deleted = create_on(0, GroupFactory, name="Deleted Front", slug="deleted")
    AliasFactory(group=deleted)
    deleted_id, deleted_version = deleted.pk, version_url(deleted, day(2))
    delete_on(5, deleted)
    assert client.get(deleted_version, follow=True).status_code == 410
    assert "withdrawn on 6 January 2026" in text(client.get(deleted_version, follow=True))

    keep = profile_version_decision(
        group=str(deleted_id), version="", decision=VersionDecision.KEEP_READABLE, reason="Cited by a court ruling.", user=reviewer
    )
    keep.save()
    assert "Deleted Front" in text(client.get(deleted_version, follow=True))
    assert client.get(version_url(unpublished, day(1)), follow=True).status_code == 410

    change_on(6, unpublished, publication_status=PUBLISHED)  # public again: so are its versions
    assert client.get(version_url(unpublished, day(1)), follow=True).status_code == 200


def test_a_reviewer_withdraws_one_version(client, reviewer):
    group = create_on(0, GroupFactory, slug="front", summary="First summary.")
    change_on(2, group, summary="A summary naming a private person.")
    change_on(4, group, summary="Third summary.")
    withdrawn = version_url(group, day(2))
    assert "naming a private person" in text(client.get(withdrawn))  # cached until the decision

    decision = profile_version_decision(
        group="front",
        version=f"http://testserver{withdrawn}",
        decision=VersionDecision.WITHDRAW_VERSION,
        reason="It named a private person.",
        user=reviewer,
    )
    decision.save()
    assert decision.moment == day(2) and decision.group_id == group.pk
    for moment in (day(2), day(3)):  # the version, from its change until the next one
        response = client.get(version_url(group, moment), follow=True)
        assert response.status_code == 410
        page = text(response)
        assert "It named a private person." in page and f"withdrawn on {decision.created_at:%-d %B %Y}" in page
        assert "naming a private person" not in page
    for moment in (day(1), day(4)):
        assert client.get(version_url(group, moment), follow=True).status_code == 200

    log = client.get(reverse("groups:group_changes", args=["front"])).content.decode()
    assert moment_key(day(2)) not in log and moment_key(day(4)) in log and moment_key(day(0)) in log
    assert "This version was withdrawn on" in text_of(log) and "It named a private person." in text_of(log)

    decision.delete()  # undone at once too
    assert client.get(withdrawn, follow=True).status_code == 200


@pytest.mark.parametrize(
    ("group", "version", "decision", "reason", "field"),
    [
        ("no-such-group", "", VersionDecision.KEEP_READABLE, "Why", "group"),
        ("front", "yesterday", VersionDecision.WITHDRAW_VERSION, "Why", "version"),
        ("front", "19991231T000000000000Z", VersionDecision.WITHDRAW_VERSION, "Why", "version"),
        ("front", "20260102T120000000000Z", VersionDecision.KEEP_READABLE, "Why", "version"),
        ("front", "20260102T120000000000Z", VersionDecision.WITHDRAW_VERSION, " ", "reason"),
    ],
)
def test_a_decision_names_a_group_a_public_version_and_a_reason(reviewer, group, version, decision, reason, field):
    create_on(0, GroupFactory, slug="front")
    with pytest.raises(ValidationError) as error:
        profile_version_decision(group=group, version=version, decision=decision, reason=reason, user=reviewer)
    assert field in error.value.message_dict


def text_of(content: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", content)))


@pytest.mark.parametrize("records", [1, 6])
def test_a_versions_query_count_does_not_grow(client, django_assert_num_queries, records):
    group = GroupFactory(slug="front")
    for number in range(records):
        CitationFactory(alias=AliasFactory(group=group), group=None)
        AffiliationFactory(from_group=group)
        DesignationFactory(group=group, authority=f"Authority {number}")
        AttributionFactory(group=group)
        CitationFactory(group_role=GroupRoleFactory(group=group), group=None)
        CitationFactory(size_estimate=SizeEstimateFactory(group=group), group=None)
        CitationFactory(section=GroupSectionFactory(group=group, topic=list(SectionTopic)[number]), group=None)
    version = client.get(version_url(group, timezone.now()))["Location"]  # the version the profile shows now
    # data version, the group then, the versions' moments (cached: their tags' versions), the decisions
    # on its versions and its history, then the profile as it was (14: with the roles, their people, the size estimates
    # and the profile sections)
    with django_assert_num_queries(19):
        assert client.get(version).status_code == 200


def test_a_version_shows_the_people_and_size_estimates_public_then_and_the_log_says_when_they_changed(client):
    group = GroupFactory(slug="front")
    role = GroupRoleFactory(group=group, person=PersonFactory(name="Abu Test"))
    CitationFactory(group_role=role, group=None)
    CitationFactory(size_estimate=SizeEstimateFactory(group=group, low=700, high=700, estimated_by="Officials"), group=None)
    then = timezone.now()
    role.publication_status = DRAFT
    role.save()
    assert "Abu Test" in text(client.get(version_url(group, then)))
    assert "700" in text(client.get(version_url(group, then)))
    assert "Abu Test" not in text(client.get(reverse("groups:group_detail", args=["front"])))
    changes = [change for revision in profile_revisions(group.pk) for change in revision.changes]
    assert "Published the role of Abu Test (spokesman)" in changes and "Removed the role of Abu Test (spokesman)" in changes
    assert "Published the size estimate by Officials" in changes


def test_any_moment_leads_to_the_version_shown_then_so_only_versions_are_pages(client):
    group = create_on(0, GroupFactory, slug="front", summary="First summary.")
    change_on(2, group, summary="Second summary.")
    first, second = (moment_key(day(n) + datetime.timedelta(seconds=1)) for n in (0, 2))
    for moment, version in ((day(0), None), (day(1), first), (day(1) + datetime.timedelta(microseconds=7), first), (day(9), second)):
        response = client.get(version_url(group, moment))
        if version is None:  # the version's own moment, as the change log links it
            assert response.status_code == 200
        else:
            assert response.status_code == 302 and response["Location"] == f"/groups/front/as-of/{version}/"
    assert "First summary." in text(client.get(f"/groups/front/as-of/{first}/"))
    assert "Second summary." in text(client.get(f"/groups/front/as-of/{second}/"))
    assert client.get(version_url(group, day(-1))).status_code == 404  # before the first version
    assert client.get(version_url(group, day(9)), {"hops": "2", "x": "1"})["Location"] == f"/groups/front/as-of/{second}/?hops=2"
    kept = {key for key in caches["public"]._cache if ":public:" in key}
    assert len(kept) == 3  # the two versions' addresses and the day-0 moment, not the moments that led to them


def _saved_an_hour_ago(*records):
    """Move every save of `records` an hour back, as if they were made then."""
    moment = timezone.now() - datetime.timedelta(hours=1)
    for record in records:
        type(record).objects.filter(pk=record.pk).update(updated_at=moment)
        type(record).history.filter(id=record.pk).update(history_date=moment)


def _cited_version(client, group) -> str:
    page = client.get(reverse("groups:group_detail", args=[group.slug])).content.decode()
    link = re.search(r"http://testserver(/groups/[\w-]+/as-of/\w+/)", page).group(1)
    response = client.get(link)
    assert response.status_code == 200  # the version's own address, not a redirect to it
    return text(response)


@pytest.mark.parametrize("change", ["withdraw", "delete"])
def test_a_part_taken_off_the_profile_later_is_its_newest_version(client, change):
    """Withdrawing or deleting a relationship an hour after the profile's other changes is a change to the profile:
    its "last updated", the version its permanent link cites and API clients syncing by `updated_since` all move."""
    group = GroupFactory(name="Islamic State", slug="islamic-state")
    CitationFactory(group=group, field="summary")
    alias = AliasFactory(group=group, name="Daesh")
    rival = AffiliationFactory(from_group=group, to_group=GroupFactory(name="al-Qaeda"), kind=AffiliationKind.RIVAL_OF)
    _saved_an_hour_ago(group, alias, rival, rival.to_group)
    assert "Rival of al-Qaeda" in _cited_version(client, group)
    cutoff = timezone.now()
    if change == "withdraw":
        rival.publication_status = DRAFT
        rival.save()
    else:
        rival.delete()
    version = _cited_version(client, group)
    assert "Rival of" not in version and "Daesh" in version
    updated = client.get("/api/v1/groups/", {"updated_since": cutoff.isoformat()}).json()["results"]
    assert sorted(g["name"] for g in updated) == ["Islamic State", "al-Qaeda"]  # both ends of the relationship


def test_a_draft_that_never_was_public_is_no_change_to_the_profile(client):
    group = GroupFactory(name="Islamic State", slug="islamic-state")
    CitationFactory(group=group, field="summary")
    _saved_an_hour_ago(group)
    cutoff = timezone.now()
    draft = AliasFactory(group=group, name="Unreviewed Name", publication_status=DRAFT)
    draft.name = "Unreviewed Name, corrected"
    draft.save()
    draft.delete()
    assert client.get("/api/v1/groups/", {"updated_since": cutoff.isoformat()}).json()["count"] == 0
    assert "Unreviewed" not in _cited_version(client, group)


def test_a_part_published_with_a_draft_attack_is_no_change_to_the_profile(client):
    """An attribution published while its attack waits for review is not on the profile yet: no change to cite."""
    group = GroupFactory(name="Islamic State", slug="islamic-state")
    CitationFactory(group=group, field="summary")
    _saved_an_hour_ago(group)
    cutoff = timezone.now()
    AttributionFactory(group=group, attack=AttackFactory(title="Attack under review", publication_status=DRAFT))
    assert client.get("/api/v1/groups/", {"updated_since": cutoff.isoformat()}).json()["count"] == 0
    assert "Attack under review" not in _cited_version(client, group)
