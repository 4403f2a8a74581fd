"""Prebuilt profiles and API lists (`kb.prebuilt`): built once, kept in the database under the cache tags of what they show, served
when the page cache has nothing valid, rebuilt by the write that changes them; never served stale, for another host,
day or release, nor built from a transaction's uncommitted writes.

Most tests commit for real (`committed`): a prebuilt page is refreshed after a write's commit, and is not kept from
a transaction that has written."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groups import views
from groups.models import Alias, Attack, Group
from kb import cache as kb_cache
from kb import prebuilt, throttling
from kb.models import ChangeSet, PrebuiltPage, PublicationStatus
from kb.services import change_set_approve, record_save
from sources.models import Citation, Source
from tests.factories import (
    AffiliationFactory,
    AliasFactory,
    AttackFactory,
    AttributionFactory,
    CitationFactory,
    GroupFactory,
    SourceFactory,
)
from tests.kb import test_cache
from tests.kb.test_cache import committed

PROFILE = "/groups/islamic-state/"
ADDRESS = "http://testserver/groups/islamic-state/"
curator = test_cache.curator  # the fixture


@pytest.fixture
def state():
    group = GroupFactory(name="Islamic State", slug="islamic-state")
    AliasFactory(group=group, name="Daesh")
    CitationFactory(group=group, source=SourceFactory(title="Report on the state", slug="report-on-the-state"))
    attack = AttackFactory(title="Market bombing", slug="market-bombing")
    AttributionFactory(attack=attack, group=group)
    return group


def get(client, path=PROFILE, **headers):
    """The response, and the SQL it sent."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, headers=headers)
    return response, [query["sql"] for query in queries]


def reads_curated_tables(sql: list[str]) -> bool:
    return any('"groups_' in statement or '"sources_' in statement for statement in sql)


def kept(address=ADDRESS) -> PrebuiltPage | None:
    return PrebuiltPage.objects.filter(address=address).first()


@committed
def test_a_profile_is_prebuilt_and_served_without_reading_the_records_once_the_page_cache_is_stale(client, state):
    first, sql = get(client)
    assert first.status_code == 200 and reads_curated_tables(sql) and "X-Prebuilt" not in first
    page = kept()
    assert bytes(page.content) == first.content and page.etag == first["ETag"] and kb_cache.ALL not in page.tags
    assert f"groups.group:{state.pk}" in page.tags and f"groups.alias:{state.aliases.get().pk}" in page.tags

    kb_cache.bump_data_version()  # every cached page is stale, as after a deploy or with the page cache emptied
    again, sql = get(client)
    assert again["X-Cache"] == "MISS" and again["X-Prebuilt"] == "HIT"
    assert again.content == first.content and again["ETag"] == first["ETag"]
    assert not reads_curated_tables(sql), sql
    # The page cached around it depends on what the prebuilt page shows: the next reader gets it from the cache.
    assert set(again["Surrogate-Key"].split(" ")) >= set(page.tags)
    assert client.get(PROFILE)["X-Cache"] == "HIT"


@committed
def test_an_edit_builds_again_at_its_commit_the_prebuilt_profiles_that_show_it(client, state, curator):
    neighbour = GroupFactory(name="Other Front", slug="other-front")
    AffiliationFactory(from_group=neighbour, to_group=state)
    GroupFactory(name="Third Front", slug="third-front")
    for path in (PROFILE, "/groups/other-front/", "/groups/third-front/"):
        assert client.get(path).status_code == 200
    bystander_built = kept("http://testserver/groups/third-front/").built_at

    state.name = "Islamic State of Iraq"
    record_save(instance=state, user=curator, reason="Name as the article gives it")

    # Before any reader: the profile and the neighbour's, which names the group, are built again; the third is not.
    assert "Islamic State of Iraq" in bytes(kept().content).decode()
    assert "Islamic State of Iraq" in bytes(kept("http://testserver/groups/other-front/").content).decode()
    assert kept("http://testserver/groups/third-front/").built_at == bystander_built
    response, sql = get(client)
    assert response["X-Prebuilt"] == "HIT" and "Islamic State of Iraq" in response.content.decode() and not reads_curated_tables(sql)


@committed
def test_a_page_rebuilt_on_write_keeps_the_scheme_host_and_port_it_was_asked_under(client, state, curator):
    client.get(PROFILE, secure=True, headers={"host": "localhost:8443"})
    address = "https://localhost:8443/groups/islamic-state/"
    assert kept(address) is not None
    state.name = "Islamic State of Iraq"
    record_save(instance=state, user=curator, reason="Name as the article gives it")
    page = bytes(kept(address).content).decode()
    assert "Islamic State of Iraq" in page and address in page and "http://localhost" not in page


@committed
def test_the_refresh_on_write_builds_no_more_pages_than_set_and_the_rest_wait_for_their_readers(client, state, curator, settings):
    settings.PREBUILT_REFRESH_ON_WRITE = 1
    neighbour = GroupFactory(name="Other Front", slug="other-front")
    AffiliationFactory(from_group=neighbour, to_group=state)
    for path in ("/groups/other-front/", PROFILE):  # the profile last: the newest is built first
        client.get(path)
    state.name = "Islamic State of Iraq"
    record_save(instance=state, user=curator, reason="Name as the article gives it")
    assert "Islamic State of Iraq" in bytes(kept().content).decode()
    other = kept("http://testserver/groups/other-front/")
    assert "Islamic State of Iraq" not in bytes(other.content).decode()  # not built again: stale, so never served
    response, sql = get(client, "/groups/other-front/")
    assert "X-Prebuilt" not in response and "Islamic State of Iraq" in response.content.decode() and reads_curated_tables(sql)


@committed
def test_a_bulk_write_makes_the_prebuilt_page_stale_without_building_it(client, state):
    client.get(PROFILE)
    Alias.objects.filter(group=state).update(name="Daish")  # a bulk write: no signals
    kb_cache.invalidate_models(Alias)
    assert "Daish" not in bytes(kept().content).decode()  # not built again by the write
    response, sql = get(client)
    assert "X-Prebuilt" not in response and "Daish" in response.content.decode() and reads_curated_tables(sql)
    assert "Daish" in bytes(kept().content).decode()  # its reader built it again


@committed
def test_an_unpublished_group_loses_its_prebuilt_profile_at_the_commit(client, state, curator):
    client.get(PROFILE)
    state.publication_status = PublicationStatus.DRAFT
    record_save(instance=state, user=curator, reason="Under review")
    assert kept() is None
    assert client.get(PROFILE).status_code == 404


@committed
def test_a_prebuilt_page_is_kept_per_host_and_serves_each_its_own_links(client, state):
    client.get(PROFILE, headers={"host": "localhost"})
    client.get(PROFILE, headers={"host": "127.0.0.1"})
    kb_cache.bump_data_version()
    for host in ("localhost", "127.0.0.1"):
        response = client.get(PROFILE, headers={"host": host})
        assert response["X-Prebuilt"] == "HIT" and f"http://{host}/groups/islamic-state/" in response.content.decode()
        other = "127.0.0.1" if host == "localhost" else "localhost"
        assert f"http://{other}/" not in response.content.decode()


@committed
def test_a_prebuilt_page_of_another_day_or_release_is_built_again(client, state, monkeypatch):
    client.get(PROFILE)
    PrebuiltPage.objects.filter(address=ADDRESS).update(day=datetime.date(2020, 1, 1))  # its citation gives that day
    kb_cache.bump_data_version()
    response, sql = get(client)
    assert "X-Prebuilt" not in response and reads_curated_tables(sql) and kept().day != datetime.date(2020, 1, 1)

    monkeypatch.setattr(prebuilt, "code_version", lambda: "a later release")
    kb_cache.bump_data_version()
    response, sql = get(client)
    assert "X-Prebuilt" not in response and reads_curated_tables(sql) and kept().code == "a later release"


@committed
def test_only_the_profile_without_a_query_string_is_prebuilt(client, state):
    assert client.get(PROFILE, {"sort": "date"}).status_code == 200
    assert client.get(PROFILE, {"page": "1"}).status_code == 200
    assert not PrebuiltPage.objects.exists()


@committed
def test_a_restore_or_a_migration_forgets_every_prebuilt_page(client, state):
    from django.apps import apps

    from kb.apps import _after_migrate

    client.get(PROFILE)
    kb_cache.forget_everything_cached()
    assert not PrebuiltPage.objects.exists()
    client.get(PROFILE)
    _after_migrate(apps.get_app_config("kb"))
    assert not PrebuiltPage.objects.exists()


@pytest.mark.django_db
def test_a_page_built_by_a_transaction_that_has_written_is_neither_kept_nor_read(client, state):
    """Here the test's own transaction holds the group, uncommitted: others do not see it yet."""
    assert client.get(PROFILE).status_code == 200
    assert not PrebuiltPage.objects.exists()


@committed
def test_a_page_prebuilt_before_a_write_it_did_not_see_is_not_served(client, state, settings):
    """The race the snapshot guards: a page built from data read before a commit, kept after it."""
    settings.PREBUILT_REFRESH_ON_WRITE = 0  # left to its reader
    client.get(PROFILE)
    PrebuiltPage.objects.filter(address=ADDRESS).update(snapshot=0)  # as if built before every version since
    Alias.objects.filter(group=state).update(name="Daish")
    kb_cache.invalidate_tags([f"groups.group:{state.pk}"])  # a write it shows, committed after its build began
    response = client.get(PROFILE)
    assert "X-Prebuilt" not in response and "Daish" in response.content.decode()


@committed
def test_a_failed_rebuild_is_logged_and_leaves_the_write_and_the_page_to_its_next_reader(client, state, curator, monkeypatch, caplog):
    client.get(PROFILE)

    def broken(request, slug):
        raise RuntimeError("the template is broken")

    monkeypatch.setattr(views, "_group_detail", broken)
    state.name = "Islamic State of Iraq"
    record_save(instance=state, user=curator, reason="Name as the article gives it")  # does not raise
    assert Group.objects.get(pk=state.pk).name == "Islamic State of Iraq"
    assert "Could not build the prebuilt page http://testserver/groups/islamic-state/ again" in caplog.text
    monkeypatch.undo()
    response = client.get(PROFILE)
    assert "X-Prebuilt" not in response and "Islamic State of Iraq" in response.content.decode()


@committed
def test_a_change_set_published_in_bulk_reaches_the_prebuilt_profile_it_adds_to(client, state, editor, reviewer):
    """An approval publishes the change set's new records in one statement, sending no signals: its group's prebuilt
    profile, which never loaded the draft alias, must still show it next."""
    client.get(PROFILE)
    alias = record_save(instance=Alias(group=state, name="Dawla"), user=editor, reason="Named in the article")
    record_save(instance=Citation(source=Source.objects.get(), alias=alias, quote="known as “Daesh”"), user=editor, reason="The words")
    assert "Dawla" not in client.get(PROFILE).content.decode()  # a draft until reviewed
    change_set_approve(change_set=ChangeSet.objects.get(created_by=editor), user=reviewer, reason="Checked against the article")
    assert "Dawla" in bytes(kept().content).decode()  # built again at the approval's commit
    assert "Dawla" in client.get(PROFILE).content.decode()


@committed
def test_the_command_prebuilds_every_public_profile_and_the_api_lists_that_have_none_valid(state):
    GroupFactory(name="Other Front", slug="other-front")
    GroupFactory(name="Hidden Front", slug="hidden-front", publication_status=PublicationStatus.DRAFT)
    out = io.StringIO()
    call_command("prebuild_pages", "http://testserver", "--no-progress", stdout=out)
    assert "4 of 4 pages prebuilt for http://testserver: 2 profiles and the API's first page of 2 lists." in out.getvalue()
    assert set(PrebuiltPage.objects.values_list("address", flat=True)) == {
        ADDRESS,
        "http://testserver/groups/other-front/",
        ATTACKS_ADDRESS,
        "http://testserver/api/v1/groups/",
    }
    assert "Market bombing" in bytes(kept(ATTACKS_ADDRESS).content).decode()
    built = dict(PrebuiltPage.objects.values_list("address", "built_at"))
    call_command("prebuild_pages", "http://testserver", "--no-progress", stdout=io.StringIO())
    assert dict(PrebuiltPage.objects.values_list("address", "built_at")) == built  # valid: not built again


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("origin", "message"),
    [
        ("testserver", "a scheme and a host"),
        ("ftp://testserver", "a scheme and a host"),
        ("http://testserver/groups/", "a scheme and a host"),
        ("http://evil.example", "not in ALLOWED_HOSTS"),
    ],
)
def test_the_command_refuses_an_address_readers_could_not_ask_for(origin, message):
    with pytest.raises(CommandError, match=message):
        call_command("prebuild_pages", origin, "--no-progress")


# --- The API's first page of attacks and of groups: what tools poll ---------------------------------------------------

ATTACKS = "/api/v1/attacks/"
ATTACKS_ADDRESS = "http://testserver/api/v1/attacks/"


def edit(instance, user, **fields):
    for name, value in fields.items():
        setattr(instance, name, value)
    return record_save(instance=instance, user=user, reason="As the article gives it")


@committed
def test_the_apis_first_page_of_attacks_is_prebuilt_and_served_without_reading_the_records(client, state):
    first, sql = get(client, ATTACKS)
    assert first.status_code == 200 and reads_curated_tables(sql) and "X-Prebuilt" not in first
    page = kept(ATTACKS_ADDRESS)
    assert bytes(page.content) == first.content and page.etag == first["ETag"] and page.content_type == "application/json"
    attack = Attack.objects.get()
    assert f"groups.attack:{attack.pk}" in page.tags and kb_cache.ALL not in page.tags

    kb_cache.bump_data_version()
    again, sql = get(client, ATTACKS)
    assert again["X-Cache"] == "MISS" and again["X-Prebuilt"] == "HIT" and again["Content-Type"] == "application/json"
    assert again.content == first.content and again["ETag"] == first["ETag"] and again.json() == first.json()
    assert not reads_curated_tables(sql), sql
    assert set(again["Surrogate-Key"].split(" ")) >= set(page.tags)
    assert client.get(ATTACKS)["X-Cache"] == "HIT"


@committed
def test_an_edit_of_a_listed_attack_or_of_its_group_builds_the_apis_prebuilt_lists_again_at_its_commit(client, state, curator):
    for path in (ATTACKS, "/api/v1/groups/"):
        assert client.get(path).status_code == 200
    edit(Attack.objects.get(), curator, title="Market bombing in the old city")
    assert "Market bombing in the old city" in bytes(kept(ATTACKS_ADDRESS).content).decode()  # before any reader

    edit(state, curator, name="Islamic State of Iraq")
    assert "Islamic State of Iraq" in bytes(kept(ATTACKS_ADDRESS).content).decode()  # its attributions name the group
    assert "Islamic State of Iraq" in bytes(kept("http://testserver/api/v1/groups/").content).decode()
    response, sql = get(client, ATTACKS)
    assert response["X-Prebuilt"] == "HIT" and not reads_curated_tables(sql)
    titles = [(row["title"], [a["group"]["name"] for a in row["attributions"]]) for row in response.json()["results"]]
    assert titles == [("Market bombing in the old city", ["Islamic State of Iraq"])]


@committed
def test_an_attack_unpublished_leaves_the_prebuilt_list_at_the_commit(client, state, curator):
    client.get(ATTACKS)
    edit(Attack.objects.get(), curator, publication_status=PublicationStatus.DRAFT)
    assert "Market bombing" not in bytes(kept(ATTACKS_ADDRESS).content).decode()
    assert client.get(ATTACKS).json()["results"] == []


@committed
def test_an_attack_joining_the_list_makes_its_prebuilt_page_stale_for_its_next_reader_to_build(client, state):
    client.get(ATTACKS)
    AttackFactory(title="Checkpoint attack", slug="checkpoint-attack")  # a new record: the list's tag, no record it shows
    assert "Checkpoint attack" not in bytes(kept(ATTACKS_ADDRESS).content).decode()  # not built again by the write
    response, sql = get(client, ATTACKS)
    assert "X-Prebuilt" not in response and reads_curated_tables(sql) and "Checkpoint attack" in response.content.decode()
    assert "Checkpoint attack" in bytes(kept(ATTACKS_ADDRESS).content).decode()  # its reader built it again


@committed
@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ({"ordering": "date"}, {}),
        ({"format": "json"}, {}),
        ({}, {"accept": "application/json; indent=4"}),
    ],
    ids=["a parameter", "a format asked for", "an indent asked for"],
)
def test_only_the_first_page_in_the_default_json_is_prebuilt_or_served_prebuilt(client, state, query, headers):
    other = client.get(ATTACKS, query, headers=headers)
    assert other.status_code == 200 and not PrebuiltPage.objects.exists()
    client.get(ATTACKS)
    kb_cache.bump_data_version()
    again = client.get(ATTACKS, query, headers=headers)
    assert "X-Prebuilt" not in again and again.content == other.content
    assert PrebuiltPage.objects.filter(address=ATTACKS_ADDRESS).count() == 1


@committed
def test_the_csv_list_is_neither_prebuilt_nor_served_the_prebuilt_json(client, state):
    client.get(ATTACKS)
    kb_cache.bump_data_version()
    for response in (client.get(ATTACKS, headers={"accept": "text/csv"}), client.get("/api/v1/attacks.csv")):
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv") and "X-Prebuilt" not in response
    assert list(PrebuiltPage.objects.values_list("address", flat=True)) == [ATTACKS_ADDRESS]


@committed
def test_a_list_built_again_after_a_write_is_counted_by_no_clients_throttle(client, state, curator, monkeypatch):
    """The refresh is the writer's, for no reader: were it counted, a throttle would refuse it at its rate, and the
    refused page would lose its prebuilt copy."""
    monkeypatch.setattr(throttling.ApiThrottle, "THROTTLE_RATES", {"anon": "1/minute", "export": "1/minute"})
    assert client.get(ATTACKS).status_code == 200
    for title in ("Market bombing in the old city", "Market bombing near the old city", "Bombing of the market"):
        edit(Attack.objects.get(), curator, title=title)
        assert title in bytes(kept(ATTACKS_ADDRESS).content).decode()
    assert client.get(ATTACKS).status_code == 429  # the client's own requests are still counted


@committed
def test_the_page_cached_around_a_prebuilt_list_depends_on_what_the_list_shows_and_no_more(client, state, curator):
    """The prebuilt page is built inside the cached one: the queries it makes are noted by its own collection, which
    knows its attributions for parts of the attacks listed, and handed on as such; not as reads of every group."""
    first = client.get(ATTACKS)
    assert first["X-Cache"] == "MISS" and kept(ATTACKS_ADDRESS) is not None
    assert set(first["Surrogate-Key"].split(" ")) == {kb_cache.ALL, *kept(ATTACKS_ADDRESS).tags}
    GroupFactory(name="Other Front", slug="other-front")  # in no attribution of the page
    assert client.get(ATTACKS)["X-Cache"] == "HIT"
    edit(state, curator, name="Islamic State of Iraq")  # named by the page's attribution
    again = client.get(ATTACKS)
    assert again["X-Cache"] == "MISS" and "Islamic State of Iraq" in again.content.decode()


@committed
def test_a_page_built_is_kept_prebuilt_once_its_response_has_gone(state):
    """Writing a prebuilt page (100 KB for the API's page of attacks) is not its reader's wait: it is done once the
    response is sent and closed, as the page cache's entry is."""
    from tests.kb.test_after_response import send, served

    with served() as handler:
        for path, address in ((PROFILE, ADDRESS), (ATTACKS, ATTACKS_ADDRESS)):
            response, body, status = send(handler, path)
            assert status.startswith("200") and b"Market bombing" in body
            assert kept(address) is None  # sent, not yet kept
            response.close()  # what the server does once the body has gone
            assert bytes(kept(address).content) == body


@committed
@pytest.mark.parametrize(("path", "address"), [(PROFILE, ADDRESS), (ATTACKS, ATTACKS_ADDRESS)], ids=["a profile", "an API list"])
def test_a_rebuild_builds_the_page_past_a_valid_page_cache_entry(client, state, path, address):
    """The page cache steps aside for a rebuild (`kb.cache.bypassed`): its valid entry would answer the view without
    building anything, and the prebuilt page, forgotten, would not come back."""
    assert client.get(path)["X-Cache"] == "MISS"
    prebuilt.forget_all()  # as a migration does; the page cache's entry stays valid
    assert client.get(path)["X-Cache"] == "HIT" and kept(address) is None
    assert prebuilt.rebuild(address) == 200
    assert bytes(kept(address).content) == client.get(path).content
