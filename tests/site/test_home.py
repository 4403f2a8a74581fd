import pytest

from kb.models import PublicationStatus
from tests.factories import AliasFactory, GroupFactory

pytestmark = pytest.mark.django_db


def test_home_lists_published_groups_with_their_published_aliases(client):
    group = GroupFactory(name="Islamic State", summary="Middle East-based militant group.")
    AliasFactory(group=group, name="Daesh")
    AliasFactory(group=group, name="Hidden Alias", publication_status=PublicationStatus.DRAFT)
    GroupFactory(name="Unreviewed Front", publication_status=PublicationStatus.DRAFT)
    page = client.get("/").content.decode()
    assert "Islamic State" in page and "Daesh" in page and "Middle East-based militant group." in page
    assert "Unreviewed Front" not in page and "Hidden Alias" not in page


def test_home_says_so_when_nothing_is_published(client):
    assert "No groups have been published yet." in client.get("/").content.decode()


@pytest.mark.parametrize("groups", [1, 25])
def test_home_query_count_does_not_grow_with_the_data(client, django_assert_num_queries, groups):
    for _ in range(groups):
        AliasFactory.create_batch(3, group=GroupFactory())
    with django_assert_num_queries(2):
        assert client.get("/").status_code == 200


def test_summaries_render_as_text(client):
    GroupFactory(summary="<script>alert(1)</script>")
    page = client.get("/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
