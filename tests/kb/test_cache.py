"""Cached public pages and API responses: served from the cache until a record they show changes (what a change
reaches and what it does not: test_cache_tags.py)."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from groups.models import Alias
from kb.cache import bump_data_version, data_version
from kb.models import PublicationStatus
from kb.services import publication_checks, record_delete, record_save
from tests.factories import AliasFactory, CitationFactory, GroupFactory, SourceFactory, user_in_role

pytestmark = pytest.mark.django_db
DRAFT = PublicationStatus.DRAFT
# Changes that really commit, seen by other connections; serialized_rollback puts the migrations' rows back afterwards.
committed = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PAGES = ["/", "/groups/", "/groups/islamic-state/", "/search/?q=daesh", "/api/v1/groups/", "/api/v1/groups/islamic-state/"]


@pytest.fixture
def curator():
    return user_in_role("Reviewer", username="curator")


@pytest.fixture
def state():
    group = GroupFactory(name="Islamic State", slug="islamic-state")
    AliasFactory(group=group, name="Daesh")
    return group


@pytest.mark.parametrize("path", PAGES)
def test_a_cached_page_costs_one_query_and_is_the_same_page(client, state, django_assert_num_queries, path):
    first = client.get(path)
    with django_assert_num_queries(1):  # the data version: nothing written since
        again = client.get(path)
    assert again.status_code == 200 and again.content == first.content and again["Content-Type"] == first["Content-Type"]
    assert again["ETag"] == first["ETag"]  # stored with the page, not computed again


@committed
def test_a_hit_reads_its_tags_only_once_anything_was_written_since(client, curator, django_assert_num_queries):
    """Each write committed as the admin commits it, so that the page is built outside any open transaction."""
    AliasFactory(group=GroupFactory(name="Islamic State", slug="islamic-state"), name="Daesh")
    first = client.get("/groups/islamic-state/")
    with django_assert_num_queries(1):  # the data version: no version was handed out since the page was built
        assert client.get("/groups/islamic-state/")["X-Cache"] == "HIT"
    SourceFactory(title="An unrelated report")  # a write: versions were handed out since
    with django_assert_num_queries(2):  # the data version, then the versions of the page's tags: none moved
        again = client.get("/groups/islamic-state/")
    assert again["X-Cache"] == "HIT" and again.content == first.content
    alias = Alias.objects.get(name="Daesh")
    alias.name = "Daish"
    record_save(instance=alias, user=curator, reason="Spelling in the article")
    assert "Daish" in client.get("/groups/islamic-state/").content.decode()  # a tag moved: built again


@committed
def test_a_stale_page_is_known_stale_by_one_row_and_built_again_from_the_version_then_read(client, curator, settings):
    """Outside a transaction, whether any of a page's hundreds of tags moved is one row back, not one per tag; and
    the build that follows takes the data version read to know as its snapshot rather than reading it again."""
    settings.PREBUILT_PAGES = False  # the page cache alone (the API's first page of groups is also prebuilt)
    group = GroupFactory(name="Islamic State", slug="islamic-state")
    assert client.get("/api/v1/groups/")["X-Cache"] == "MISS"
    group.name = "Islamic State (IS)"
    record_save(instance=group, user=curator, reason="The name the article gives")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/groups/")
    assert response["X-Cache"] == "MISS" and "Islamic State (IS)" in response.content.decode()
    statements = [query["sql"] for query in queries]
    assert sum("kb_data_version" in sql for sql in statements) == 1
    (check,) = (sql for sql in statements if "kb_cache_tag" in sql)
    assert check.startswith("SELECT EXISTS")
    assert client.get("/api/v1/groups/")["X-Cache"] == "HIT"  # kept, and valid, with that snapshot
    SourceFactory(title="An unrelated report")
    assert client.get("/api/v1/groups/")["X-Cache"] == "HIT"  # versions moved, none of its tags


@committed
def test_once_the_process_has_seen_a_write_a_hit_built_before_it_asks_the_version_and_its_tags_in_one_query(
    client, curator, django_assert_num_queries
):
    """While editors work, most hits are of entries built before the last write: the process that has read a newer
    version asks for it and whether any of the entry's tags moved in one query, not two. Right or stale as before."""
    group = GroupFactory(name="Islamic State", slug="islamic-state")
    first = client.get("/api/v1/groups/")
    SourceFactory(title="An unrelated report")  # a write elsewhere
    assert data_version() > 0  # this process reads the new version (any request would)
    with django_assert_num_queries(1) as queries:  # the version and whether any tag moved
        again = client.get("/api/v1/groups/")
    assert again["X-Cache"] == "HIT" and again.content == first.content
    assert "kb_data_version" in queries.captured_queries[0]["sql"] and "kb_cache_tag" in queries.captured_queries[0]["sql"]
    with django_assert_num_queries(1):  # built after every write seen: the version alone
        assert client.get("/api/v1/groups/")["X-Cache"] == "HIT"
    group.name = "Islamic State (IS)"
    record_save(instance=group, user=curator, reason="The name the article gives")
    data_version()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/groups/")
    assert response["X-Cache"] == "MISS" and "Islamic State (IS)" in response.content.decode()  # a tag moved
    assert sum("kb_data_version" in query["sql"] for query in queries.captured_queries) == 1  # also the build's snapshot
    assert client.get("/api/v1/groups/")["X-Cache"] == "HIT"


@pytest.mark.parametrize("path", PAGES)
def test_a_cached_page_still_answers_304_to_its_etag(client, state, path):
    etag = client.get(path)["ETag"]
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"another"'}).status_code == 200


@pytest.mark.parametrize("path", PAGES)
def test_any_change_is_seen_at_once(client, state, curator, path):
    client.get(path)
    alias = state.aliases.get()
    alias.name = "Daish"
    record_save(instance=alias, user=curator, reason="Spelling in the article")
    assert "Daish" in client.get(path).content.decode()


def test_unpublishing_takes_a_cached_page_down_at_once(client, state, curator):
    assert client.get("/groups/islamic-state/").status_code == 200
    state.publication_status = PublicationStatus.DRAFT
    record_save(instance=state, user=curator, reason="Under review")
    assert client.get("/groups/islamic-state/").status_code == 404
    assert client.get("/api/v1/groups/islamic-state/").status_code == 404
    assert 'href="/groups/islamic-state/"' not in client.get("/groups/").content.decode()


def test_deletes_move_the_version_on(state, curator):
    before = data_version()
    record_delete(instance=state.aliases.get(), user=curator, reason="Duplicate")
    assert data_version() > before


def test_query_strings_are_cached_apart(client, state):
    GroupFactory(name="Other Front", slug="other-front", status="defunct")
    assert 'href="/groups/other-front/"' not in client.get("/groups/?status=active").content.decode()
    assert 'href="/groups/other-front/"' in client.get("/groups/?status=defunct").content.decode()


def test_errors_are_not_cached(client, state, curator):
    assert client.get("/groups/new-front/").status_code == 404
    with transaction.atomic(), publication_checks():  # a new group is public with its first citation
        group = record_save(instance=GroupFactory.build(name="New Front", slug="new-front"), user=curator, reason="New")
        record_save(instance=CitationFactory.build(group=group, source=SourceFactory()), user=curator, reason="Cited")
    assert client.get("/groups/new-front/").status_code == 200


def read_elsewhere(paths):
    """The answers a visitor gets meanwhile: another thread, so another database connection, which sees only committed data."""

    def read():
        try:
            return {path: Client().get(path) for path in paths}
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as reader:
        return reader.submit(read).result()


@committed
def test_a_page_read_while_a_change_is_written_is_not_served_after_the_commit(client, state, curator):
    paths = ["/groups/islamic-state/", "/api/v1/groups/islamic-state/"]
    with transaction.atomic():
        state.publication_status = PublicationStatus.DRAFT
        record_save(instance=state, user=curator, reason="Under review")
        during = read_elsewhere(paths)
        assert [during[path].status_code for path in paths] == [200, 200]  # still published until the commit, and cached so
    assert [client.get(path).status_code for path in paths] == [404, 404]


@committed
def test_a_transaction_moves_the_version_on_each_save_and_once_more_at_its_commit(state, curator):
    before = data_version()
    with transaction.atomic():
        for name in ("Daish", "ISIS", "ISIL"):
            record_save(instance=AliasFactory.build(group=state, name=name, publication_status=DRAFT), user=curator, reason="Names")
        assert data_version() == before + 3  # at once, so that no page cached before the change is served during it
    assert data_version() == before + 4  # once for the transaction, however many rows it saved (an import saves thousands)


@committed
def test_a_rolled_back_savepoint_does_not_take_the_move_at_commit_with_it(state, curator):
    before = data_version()
    with transaction.atomic():
        with transaction.atomic():
            record_save(instance=AliasFactory.build(group=state, name="Daish", publication_status=DRAFT), user=curator, reason="Name")
            transaction.set_rollback(True)
        record_save(instance=AliasFactory.build(group=state, name="ISIS", publication_status=DRAFT), user=curator, reason="Name")
    assert data_version() == before + 3  # the two saves, and the commit of what the second one wrote


@committed
def test_outside_a_transaction_a_bump_moves_the_version_once():
    before = data_version()
    bump_data_version()
    assert data_version() == before + 1


@committed
def test_a_save_through_the_services_is_its_own_transaction(state, curator):
    before = data_version()
    record_save(instance=AliasFactory.build(group=state, name="Daish", publication_status=DRAFT), user=curator, reason="Name")
    assert data_version() == before + 2  # the save, then its commit (record_save checks the rules in one transaction)


@pytest.mark.parametrize("path", ["/groups/islamic-state/", "/api/v1/groups/islamic-state/"])
def test_a_page_asked_for_under_another_host_is_not_served_to_this_one(client, state, settings, path):
    settings.ALLOWED_HOSTS = ["testserver", "mirror.example.org"]
    client.get(path, HTTP_HOST="mirror.example.org")  # cached, holding absolute links to that host

    page = client.get(path).content.decode()

    assert "mirror.example.org" not in page and "http://testserver/" in page
