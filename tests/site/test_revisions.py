"""Public revisions: a profile's change log, and every version at a permanent address."""

import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from groups.models import AffiliationKind
from groups.revisions import revision_key
from kb.models import PublicationStatus
from tests.factories import AffiliationFactory, AliasFactory, CitationFactory, GroupFactory, UserFactory

pytestmark = pytest.mark.django_db
DRAFT = PublicationStatus.DRAFT


def version_url(group, moment):
    return reverse("groups:group_revision", kwargs={"slug": group.slug, "key": revision_key(moment)})


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
