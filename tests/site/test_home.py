import datetime
import random

import pytest
from django.utils import timezone

from groups.models import Affiliation, Alias, Attribution, Group
from groups.selectors import groups_for_list, last_updated_of, public_groups, recently_updated_groups
from kb.dates import DatePrecision
from kb.models import PublicationStatus
from tests.factories import AffiliationFactory, AliasFactory, AttackFactory, AttributionFactory, GroupFactory, SourceFactory

pytestmark = pytest.mark.django_db


def test_home_has_search_counts_recent_profiles_and_recent_attacks(client):
    group = GroupFactory(name="Islamic State")
    AliasFactory(group=group, name="Daesh")
    AliasFactory(group=group, name="Hidden Alias", publication_status=PublicationStatus.DRAFT)
    GroupFactory(name="Unreviewed Front", publication_status=PublicationStatus.DRAFT)
    AttackFactory(title="Attack on the Balochistan Police College", date=datetime.date(2016, 10, 1), date_precision=DatePrecision.MONTH)
    AttackFactory(title="Unverified attack", publication_status=PublicationStatus.DRAFT)
    SourceFactory.create_batch(2)
    page = client.get("/").content.decode()
    assert 'action="/search/"' in page and 'name="q"' in page
    assert "<strong>1</strong> group" in page and "<strong>1</strong> attack" in page and "<strong>2</strong> sources" in page
    assert 'href="/groups/' + group.slug + '/"' in page and "Daesh" in page
    assert "Attack on the Balochistan Police College" in page and "Oct 2016" in page
    for hidden in ("Unreviewed Front", "Hidden Alias", "Unverified attack"):
        assert hidden not in page


def test_recent_profiles_are_the_most_recently_updated(client):
    older, newer = GroupFactory(name="Older Front"), GroupFactory(name="Newer Front")
    AliasFactory(group=older)  # the alias makes the older group's profile the most recent change
    page = client.get("/").content.decode()
    assert page.index("Older Front") < page.index("Newer Front")
    assert newer


@pytest.mark.parametrize("rows", [2, 60])
def test_the_recent_profiles_are_those_ordering_every_group_would_give(monkeypatch, rows):
    """Read from the newest rows of each part of the profiles, they are the groups that ordering every group by its
    last update puts first, ties (one import's moment) included: with enough rows read (60), and with so few (2) that
    a part's newest rows name fewer groups than are shown, when every group is ordered instead."""
    monkeypatch.setattr("groups.selectors.RECENT_CANDIDATE_ROWS", rows)
    rng = random.Random(16)
    groups = [GroupFactory() for _ in range(14)] + [GroupFactory(publication_status=PublicationStatus.DRAFT)]
    moments = [timezone.now() - datetime.timedelta(days=days) for days in range(6)]  # few moments: many ties
    pairs = set()
    for _ in range(60):
        group, other = rng.sample(groups, 2)
        kind = rng.choice(["alias", "attribution", "affiliation"])
        if kind == "affiliation" and (group, other) not in pairs:
            pairs.add((group, other))
            record = AffiliationFactory(from_group=group, to_group=other)
        else:
            record = AliasFactory(group=group) if kind == "alias" else AttributionFactory(group=group)
        change = rng.choice(["saved", "saved", "withdrawn", "deleted", "never published"])
        if change == "deleted":  # deleting a published part changes the profile then
            model, pk = type(record), record.pk
            record.delete()
            model.history.filter(id=pk, history_type="-").update(history_date=rng.choice(moments))
            continue
        if change == "never published":  # a draft added and never published is no change to it
            type(record).history.filter(id=record.pk).update(publication_status=PublicationStatus.DRAFT)
        if change != "saved":
            record.publication_status = PublicationStatus.DRAFT
            record.save()
        type(record).objects.filter(pk=record.pk).update(updated_at=rng.choice(moments))
    for group in groups:
        Group.objects.filter(pk=group.pk).update(updated_at=rng.choice(moments))
    every_group = list(groups_for_list().order_by("-last_updated", "-id")[:6])
    assert recently_updated_groups() == every_group
    in_the_query = dict(public_groups().values_list("pk", "last_updated"))  # the statement built once says the same
    assert last_updated_of(in_the_query) == in_the_query and [g.last_updated for g in every_group] == [
        in_the_query[g.pk] for g in every_group
    ]
    assert len({group.last_updated for group in every_group}) < 6  # ties were there to break
    assert all(group.publication_status == PublicationStatus.PUBLISHED for group in every_group)
    assert Alias.objects.exists() and Attribution.objects.exists() and Affiliation.objects.exists()
    assert Alias.history.filter(history_type="-").exists() and Alias.objects.filter(publication_status=PublicationStatus.DRAFT).exists()


def _at(record, moment):
    type(record).objects.filter(pk=record.pk).update(updated_at=moment)
    return record


def test_a_group_behind_another_groups_many_changes_is_still_found(monkeypatch):
    """The newest aliases are all one group's: the groups changed just before it are further down that part."""
    monkeypatch.setattr("groups.selectors.RECENT_CANDIDATE_ROWS", 3)
    now = timezone.now()
    busy = GroupFactory()
    for _ in range(4):
        _at(AliasFactory(group=busy), now)
    earlier = [_at(AliasFactory(), now - datetime.timedelta(minutes=minute)).group for minute in range(1, 6)]
    for group in [busy, *earlier]:
        _at(group, now - datetime.timedelta(days=30))
    for days in range(1, 4):  # groups of their own changed more recently than those, still less recently than the aliases
        _at(GroupFactory(), now - datetime.timedelta(days=days))
    assert recently_updated_groups() == [busy, *earlier]


def test_ties_are_broken_as_ordering_every_group_breaks_them(monkeypatch):
    """Ten groups changed at one moment (an import's): the page shows the newer ones (higher ids) first, and so must the
    rows read for it."""
    monkeypatch.setattr("groups.selectors.RECENT_CANDIDATE_ROWS", 6)
    now = timezone.now()
    tied = [_at(AliasFactory(), now).group for _ in range(10)]
    for group in tied:
        _at(group, now - datetime.timedelta(days=30))
    for days in range(1, 7):
        _at(GroupFactory(), now - datetime.timedelta(days=days))
    assert recently_updated_groups() == sorted(tied, key=lambda group: -group.pk)[:6]


def test_home_says_so_when_nothing_is_published(client):
    page = client.get("/").content.decode()
    assert "No groups have been published yet." in page and "No attacks have been published yet." in page


@pytest.mark.parametrize("records", [1, 25])
def test_home_query_count_does_not_grow_with_the_data(client, django_assert_num_queries, records):
    for _ in range(records):
        AliasFactory.create_batch(3, group=GroupFactory())
        AttackFactory()
    # four counts (groups, attacks, sources, maps), the newest changes, the last change of the groups they name, recent
    # groups and their aliases, recent attacks
    with django_assert_num_queries(11):  # and their attributions, and the data version
        assert client.get("/").status_code == 200


def test_names_render_as_text(client):
    GroupFactory(name="<script>alert(1)</script>")
    page = client.get("/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_the_recent_profiles_read_every_group_when_a_part_leaves_the_question_open(monkeypatch):
    """Two newest rows of aliases name one group: whether a group changed before them comes first is open, so every
    group is ordered by its last change, and the answer is the same."""
    monkeypatch.setattr("groups.selectors.RECENT_CANDIDATE_ROWS", 2)
    busy, quiet = GroupFactory(), GroupFactory()
    AliasFactory.create_batch(2, group=busy)
    assert recently_updated_groups(limit=2) == [busy, quiet]
