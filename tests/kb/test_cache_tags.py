"""Targeted invalidation: a write makes stale only the cached pages and API answers that show what it touched.

A hit reads the data version, and the versions of the entry's tags when anything was written since it was built: two
queries at most, none of them of a curated table; a page built again costs more. So `served_from_cache` tells a kept
page from a rebuilt one by its queries as well as by its `X-Cache` header."""

import datetime
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from groups.models import Alias, Group
from kb import cache as kb_cache
from kb.cache import invalidate_models
from kb.cache_purge import purge
from kb.dates import moment_key
from kb.models import PublicationStatus
from kb.services import publication_checks, record_save
from sources.models import Source
from tests.dated import change_on, create_on, day
from tests.factories import (
    AffiliationFactory,
    AliasFactory,
    AttackFactory,
    AttributionFactory,
    CitationFactory,
    GroupFactory,
    SourceFactory,
    TheatreFactory,
)
from tests.kb import test_cache
from tests.kb.test_cache import committed, read_elsewhere

pytestmark = pytest.mark.django_db
curator = test_cache.curator  # the fixture


def served_from_cache(client, path, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, headers=headers)
    kept = response["X-Cache"] == "HIT"
    assert not kept or len(queries) <= 2, [query["sql"] for query in queries]
    return kept, response


@pytest.fixture
def world():
    state = GroupFactory(name="Islamic State", slug="islamic-state")
    alias = AliasFactory(group=state, name="Daesh")
    other = GroupFactory(name="Other Front", slug="other-front")
    AliasFactory(group=other, name="Front of Others")
    attack = AttackFactory(title="Market bombing", slug="market-bombing")
    AttributionFactory(attack=attack, group=other)
    source = SourceFactory(title="Report on the front", slug="report-on-the-front")
    other_source = SourceFactory(title="Another report", slug="another-report")
    citation = CitationFactory(group=state, source=source)
    CitationFactory(group=other, source=other_source)
    return {"state": state, "alias": alias, "other": other, "attack": attack, "source": source, "citation": citation}


def warm(client, paths):
    for path in paths:
        assert client.get(path).status_code == 200, path
        assert served_from_cache(client, path)[0], path  # kept


ALIAS_SHOWN = ["/groups/islamic-state/", "/groups/", "/search/?q=daesh", "/api/v1/groups/", "/api/v1/groups/islamic-state/"]
ALIAS_NOT_SHOWN = ["/groups/other-front/", "/attacks/market-bombing/", "/api/v1/groups/other-front/", "/sources/another-report/"]


def assert_rebuilt_showing(client, paths, text):
    for path in paths:
        kept, response = served_from_cache(client, path)
        assert not kept and text in response.content.decode(), path


def assert_an_alias_edit_reaches_only(client, world, curator, shown, not_shown):
    warm(client, shown + not_shown)
    alias = world["alias"]
    alias.name = "Daish"
    record_save(instance=alias, user=curator, reason="Spelling in the article")
    assert_rebuilt_showing(client, shown, "Daish")
    for path in not_shown:
        assert served_from_cache(client, path)[0], path


def test_an_alias_edit_reaches_its_group_the_lists_and_searches_and_nothing_else(client, world, curator):
    assert_an_alias_edit_reaches_only(client, world, curator, ALIAS_SHOWN, ALIAS_NOT_SHOWN)


def test_a_new_alias_or_attribution_reaches_the_pages_of_what_it_points_to(client, world):
    GroupFactory(name="Third Front", slug="third-front")
    paths = ["/groups/islamic-state/", "/attacks/market-bombing/", "/groups/other-front/", "/groups/third-front/"]
    warm(client, paths)
    AliasFactory(group=world["state"], name="ISIL")  # pages that could not have loaded it: its group's
    kept, response = served_from_cache(client, "/groups/islamic-state/")
    assert not kept and "ISIL" in response.content.decode()
    assert served_from_cache(client, "/attacks/market-bombing/")[0] and served_from_cache(client, "/groups/other-front/")[0]

    AttributionFactory(attack=world["attack"], group=world["state"])  # its attack's and its group's
    assert 'href="/groups/islamic-state/"' in client.get("/attacks/market-bombing/").content.decode()
    assert "Market bombing" in client.get("/groups/islamic-state/").content.decode()
    assert served_from_cache(client, "/groups/third-front/")[0]  # (Other Front's shows the attack, so went stale too)


def test_a_search_that_found_nothing_goes_stale_when_a_name_comes_to_match(client, world):
    """The name search ranks the distinct search keys (a table of no curated model) before it reads any name: a search
    whose key matched none read no table of names, and must still depend on them all."""
    warm(client, ["/search/?q=zorbatron"])
    assert "Zorbatron" not in client.get("/search/?q=zorbatron").content.decode()
    AliasFactory(group=world["other"], name="Zorbatron")
    kept, response = served_from_cache(client, "/search/?q=zorbatron")
    assert not kept and "Zorbatron" in response.content.decode()


def test_a_citation_edit_reaches_its_fact_and_its_source_not_another_source(client, world, curator):
    paths = ["/groups/islamic-state/", "/sources/report-on-the-front/"]
    warm(client, [*paths, "/sources/another-report/", "/groups/other-front/"])
    citation = world["citation"]
    citation.locator = "paragraph 7"
    record_save(instance=citation, user=curator, reason="Where it says so")

    assert_rebuilt_showing(client, paths, "paragraph 7")
    assert served_from_cache(client, "/sources/another-report/")[0]
    assert served_from_cache(client, "/groups/other-front/")[0]


def test_an_alias_edit_leaves_the_lists_that_do_not_show_its_group_cached(client, world, curator):
    """A list reads the aliases of the groups it shows, after choosing them: an alias edit makes stale the lists that
    show its group, and keeps the others, where before it made every list that showed any alias stale."""
    state, other = world["state"], world["other"]
    other.kind = "network"
    record_save(instance=other, user=curator, reason="A network")
    AttributionFactory(attack=AttackFactory(title="Checkpoint raid", slug="checkpoint-raid"), group=state)
    showing = ["/groups/", "/groups/?kind=organisation", "/api/v1/groups/", "/api/v1/groups/?kind=organisation"]
    not_showing = ["/groups/?kind=network", "/api/v1/groups/?kind=network", "/attacks/?group=other-front"]
    assert_an_alias_edit_reaches_only(client, world, curator, showing, not_showing)


def test_a_list_of_groups_with_more_aliases_than_it_could_name_depends_on_its_groups_alone(client, world, curator, monkeypatch):
    """The aliases a list reads for its groups are covered by those groups (an alias's write bumps its group), so it
    need not name them: however many there are, an alias edit makes stale the lists that show its group and no other.
    Before, a page with more than RECORDS_PER_MODEL aliases depended on every alias, and went stale at each edit."""
    monkeypatch.setattr(kb_cache, "RECORDS_PER_MODEL", 1)
    other = world["other"]
    other.kind = "network"
    record_save(instance=other, user=curator, reason="A network")
    AliasFactory(group=other, name="Second name of the front")  # two aliases, one group: more than it names
    showing_other = ["/groups/?kind=network", "/api/v1/groups/?kind=network"]
    warm(client, showing_other)
    alias = world["alias"]  # Islamic State's
    alias.name = "Daish"
    record_save(instance=alias, user=curator, reason="Spelling in the article")
    for path in showing_other:
        assert served_from_cache(client, path)[0], path

    renamed = other.aliases.get(name="Front of Others")
    renamed.name = "Front of the Others"
    record_save(instance=renamed, user=curator, reason="Spelling in the article")
    assert_rebuilt_showing(client, showing_other, "Front of the Others")


def test_the_list_of_sources_goes_stale_when_what_is_public_changes_not_when_words_do(client, world, curator):
    """Its count of public quotes reads every kind of fact only for whether it is public: an alias edited leaves it
    cached (before, any edit of any fact made it stale), a quote added or unpublished does not. (A quote's edit
    reaches its source, which the list shows, so it does too.)"""
    warm(client, ["/sources/"])
    assert "1 quote cited" in client.get("/sources/?q=front").content.decode()
    alias = world["alias"]
    alias.name = "Daish"
    record_save(instance=alias, user=curator, reason="Spelling in the article")
    assert served_from_cache(client, "/sources/")[0]

    for paragraph in (2, 3):  # the alias cited twice
        second = CitationFactory(alias=alias, group=None, source=world["source"], locator=f"paragraph {paragraph}")
    kept, response = served_from_cache(client, "/sources/")
    assert not kept and "3 quotes cited" in response.content.decode()
    second.publication_status = PublicationStatus.DRAFT
    record_save(instance=second, user=curator, reason="Under review")
    kept, response = served_from_cache(client, "/sources/")
    assert not kept and "2 quotes cited" in response.content.decode()


def test_an_attribution_edit_reaches_the_lists_of_attacks_that_show_its_attack_only(client, world, curator):
    raid = AttackFactory(title="Checkpoint raid", slug="checkpoint-raid")
    warm(client, ["/attacks/", "/api/v1/attacks/", "/api/v1/attacks/?q=checkpoint", "/api/v1/attacks/?q=market"])
    AttributionFactory(attack=raid, group=world["state"])  # the raid's row names its group now
    assert_rebuilt_showing(client, ["/attacks/", "/api/v1/attacks/?q=checkpoint"], "islamic-state")
    assert served_from_cache(client, "/api/v1/attacks/?q=market")[0]


def test_a_groups_rename_reaches_the_lists_of_attacks_that_name_it_only(client, world, curator):
    """The API's list reads its attacks and their groups as rows, not records, yet depends on each as if it loaded it."""
    AttributionFactory(attack=AttackFactory(title="Checkpoint raid", slug="checkpoint-raid"), group=world["state"])
    warm(client, ["/api/v1/attacks/?q=checkpoint", "/api/v1/attacks/?q=market"])
    state = world["state"]
    state.name = "Islamic State (IS)"
    record_save(instance=state, user=curator, reason="As the article names it")  # bumps its record, not the list of attacks
    assert_rebuilt_showing(client, ["/api/v1/attacks/?q=checkpoint"], "Islamic State (IS)")
    assert served_from_cache(client, "/api/v1/attacks/?q=market")[0]


def test_parts_read_for_a_lists_records_reach_it_when_they_are_written_without_a_signal(client, world):
    """A group with no alias loads none, yet its list learns of aliases written in bulk."""
    bare = GroupFactory(name="Bare Front", slug="bare-front", kind="faction")
    warm(client, ["/groups/?kind=faction", "/api/v1/groups/?kind=faction"])
    Alias.objects.bulk_create([Alias(group=bare, name="Naked Front", publication_status=PublicationStatus.PUBLISHED)])
    invalidate_models(Alias)
    assert_rebuilt_showing(client, ["/groups/?kind=faction", "/api/v1/groups/?kind=faction"], "Naked Front")


def publish(record, curator):
    with publication_checks():
        record.publication_status = PublicationStatus.PUBLISHED
        record_save(instance=record, user=curator, reason="Reviewed")


def test_publishing_a_source_brings_its_quotes_to_the_cached_pages_of_what_they_cite(client, world, curator):
    """A citation is public only with its source: the pages and lists that show what it cites could not load it while
    the source was a draft, and learn of it when the source is published (they depended on no record of it)."""
    later = SourceFactory(title="Later report", slug="later-report", publication_status=PublicationStatus.DRAFT)
    CitationFactory(group=None, alias=world["alias"], source=later, quote="known as “Daesh” to its critics")
    paths = ["/groups/islamic-state/", "/api/v1/groups/islamic-state/", "/api/v1/aliases/"]
    warm(client, paths)
    assert "Later report" not in client.get("/api/v1/aliases/").content.decode()
    publish(later, curator)
    assert_rebuilt_showing(client, paths, "Later report")


def test_publishing_a_fact_brings_it_to_the_cached_page_of_the_source_that_supports_it(client, world, curator):
    """The source's page lists the facts its quotes support; it could not load a hidden one."""
    with publication_checks():
        alias = record_save(
            instance=AliasFactory.build(group=world["state"], name="Dawla", publication_status=PublicationStatus.DRAFT),
            user=curator,
            reason="Named in the report",
        )
        another = Source.objects.get(slug="another-report")  # which shows nothing else of the Islamic State's
        record_save(instance=CitationFactory.build(group=None, alias=alias, source=another), user=curator, reason="Cited")
    warm(client, ["/sources/another-report/"])
    assert "Dawla" not in client.get("/sources/another-report/").content.decode()
    publish(alias, curator)
    assert_rebuilt_showing(client, ["/sources/another-report/"], "Dawla")


def test_publishing_a_group_reaches_the_pages_that_show_what_comes_with_it_and_no_other(client, world, curator):
    """Its attribution shows on its attack's page, its relationship on the other group's profile, its quote on the
    source's page: those are made stale, and a profile of none of them stays cached, aliases and all."""
    hidden = GroupFactory(name="Hidden Front", slug="hidden-front", publication_status=PublicationStatus.DRAFT)
    CitationFactory(group=hidden, source=world["source"])
    attribution = AttributionFactory(attack=world["attack"], group=hidden)
    CitationFactory(group=None, attribution=attribution, source=world["source"])
    affiliation = AffiliationFactory(from_group=hidden, to_group=world["state"])
    CitationFactory(group=None, affiliation=affiliation, source=world["source"])
    AliasFactory(group=GroupFactory(name="Third Front", slug="third-front"), name="Third Way")
    showing = ["/attacks/market-bombing/", "/groups/islamic-state/", "/sources/report-on-the-front/"]
    warm(client, [*showing, "/groups/third-front/"])
    for path in showing:
        assert "Hidden Front" not in client.get(path).content.decode(), path
    publish(hidden, curator)
    assert_rebuilt_showing(client, showing, "Hidden Front")
    assert served_from_cache(client, "/groups/third-front/")[0]

    hidden.publication_status = PublicationStatus.DRAFT
    record_save(instance=hidden, user=curator, reason="Under review again")
    for path in showing:
        assert "Hidden Front" not in client.get(path).content.decode(), path


def test_a_list_with_too_many_records_to_name_depends_on_the_lists_of_what_it_read_for_them(client, world, curator, monkeypatch):
    monkeypatch.setattr(kb_cache, "RECORDS_PER_MODEL", 1)
    keys = client.get("/groups/")["Surrogate-Key"].split(" ")  # two groups: more than it names
    assert {"groups.group", "groups.alias"} <= set(keys)
    warm(client, ["/groups/"])
    alias = world["alias"]
    alias.name = "Daish"
    record_save(instance=alias, user=curator, reason="Spelling in the article")
    assert_rebuilt_showing(client, ["/groups/"], "Daish")


def test_a_new_group_is_on_the_list_at_once(client, world, curator):
    warm(client, ["/groups/", "/", "/api/v1/groups/"])
    with transaction.atomic(), publication_checks():  # a new group is public with its first citation
        group = record_save(instance=GroupFactory.build(name="New Front", slug="new-front"), user=curator, reason="New")
        record_save(instance=CitationFactory.build(group=group, source=world["source"]), user=curator, reason="Cited")
    assert 'href="/groups/new-front/"' in client.get("/groups/").content.decode()
    assert "/groups/new-front/" in client.get("/api/v1/groups/").content.decode()


def test_unpublishing_a_group_takes_it_off_every_page_that_showed_it(client, world, curator):
    other = world["other"]
    showing = ["/groups/other-front/", "/groups/", "/search/?q=other", "/attacks/market-bombing/", "/", "/api/v1/groups/"]
    for path in showing:
        assert "other-front" in client.get(path).content.decode(), path
    other.publication_status = PublicationStatus.DRAFT
    record_save(instance=other, user=curator, reason="Under review")

    assert client.get("/groups/other-front/").status_code == 404
    for path in showing[1:]:
        assert "/groups/other-front/" not in client.get(path).content.decode(), path


def test_a_neighbours_rename_reaches_the_profile_that_links_to_it(client, world, curator):
    AffiliationFactory(from_group=world["state"], to_group=world["other"])
    assert "Other Front" in client.get("/groups/islamic-state/").content.decode()
    other = world["other"]
    other.name = "Renamed Front"
    record_save(instance=other, user=curator, reason="New name")
    page = client.get("/groups/islamic-state/").content.decode()
    assert "Renamed Front" in page and "Other Front" not in page


def test_a_neighbours_alias_edit_leaves_the_profiles_that_draw_it_cached(client, world, curator):
    """A profile shows the groups it is related to by their names, links and relationships, and a theatre's map those
    on it: an alias of one of them, edited, makes stale that group's own pages, not the profile (page or API) of every
    group related to it, nor the maps that draw it."""
    AffiliationFactory(from_group=world["other"], to_group=world["state"])
    far = GroupFactory(name="Far Front", slug="far-front")
    AffiliationFactory(from_group=far, to_group=world["other"])
    state = world["state"]
    state.countries = ["SY"]
    record_save(instance=state, user=curator, reason="Operates in Syria")
    TheatreFactory(name="Levant", slug="levant", countries=["SY"])
    assert "islamic-state" in client.get("/maps/levant/").content.decode()
    drawing = ["/groups/far-front/", "/api/v1/groups/far-front/", "/groups/far-front/?hops=2", "/maps/levant/"]
    assert "Islamic State" in client.get("/groups/far-front/?hops=2").content.decode()  # two steps away
    assert_an_alias_edit_reaches_only(client, world, curator, ["/groups/islamic-state/"], ["/groups/other-front/", *drawing])


def test_what_a_profile_draws_of_its_neighbours_still_reaches_it(client, world, curator):
    """Their names (a rename), their relationships with each other (a new one, published), and whether they are
    public at all: each makes the profiles that draw them stale."""
    state, other = world["state"], world["other"]
    third = GroupFactory(name="Third Front", slug="third-front")
    AffiliationFactory(from_group=state, to_group=other)
    AffiliationFactory(from_group=state, to_group=third)
    paths = ["/groups/islamic-state/", "/api/v1/groups/islamic-state/"]
    warm(client, paths)
    assert "allied with" not in client.get("/groups/islamic-state/").content.decode()
    AffiliationFactory(from_group=other, to_group=third, kind="allied_with")  # drawn on the graph, between two neighbours
    kept, response = served_from_cache(client, "/groups/islamic-state/")
    assert not kept and "allied with" in response.content.decode()

    warm(client, paths)
    third.name = "Renamed Third Front"
    record_save(instance=third, user=curator, reason="New name")
    assert_rebuilt_showing(client, paths, "Renamed Third Front")

    warm(client, paths)
    third.publication_status = PublicationStatus.DRAFT
    record_save(instance=third, user=curator, reason="Under review")
    for path in paths:
        kept, response = served_from_cache(client, path)
        assert not kept and "third-front" not in response.content.decode(), path


def test_moving_an_alias_to_another_group_reaches_both_profiles(client, world, curator):
    warm(client, ["/groups/islamic-state/", "/groups/other-front/"])
    alias = world["alias"]
    alias.group, alias.shared_name_acknowledged = world["other"], True
    record_save(instance=alias, user=curator, reason="It was the other group's name")
    assert "Daesh" not in client.get("/groups/islamic-state/").content.decode()
    assert "Daesh" in client.get("/groups/other-front/").content.decode()


def test_a_group_that_comes_to_operate_in_a_theatres_country_joins_its_cached_map(client, world, curator):
    TheatreFactory(name="Levant", slug="levant", countries=["SY"])
    paths = ["/maps/levant/", "/api/v1/theatres/levant/"]
    warm(client, [*paths, "/groups/other-front/"])
    state = world["state"]
    state.countries = ["IQ", "SY"]  # found by its countries, not by a key the map holds
    record_save(instance=state, user=curator, reason="Now operates in Syria")
    assert_rebuilt_showing(client, paths, "islamic-state")
    assert served_from_cache(client, "/groups/other-front/")[0]  # a profile depends on no group's list


def test_a_new_theatre_over_a_groups_country_reaches_its_cached_profile(client, world, curator):
    state = world["state"]
    state.countries = ["IQ"]
    record_save(instance=state, user=curator, reason="Operates in Iraq")
    warm(client, ["/groups/islamic-state/", "/attacks/market-bombing/"])
    record_save(instance=TheatreFactory.build(name="Mesopotamia", slug="mesopotamia", countries=["IQ"]), user=curator, reason="New map")
    assert_rebuilt_showing(client, ["/groups/islamic-state/"], 'href="/maps/mesopotamia/"')
    assert served_from_cache(client, "/attacks/market-bombing/")[0]


def test_a_neighbours_rename_reaches_the_change_log_read_from_history(client, world, curator):
    """The change log loads only its group; the records its history rows are of count as shown too."""
    AffiliationFactory(from_group=world["state"], to_group=world["other"])
    warm(client, ["/groups/other-front/changes/", "/groups/islamic-state/changes/"])
    state = world["state"]
    state.name = "Renamed State"
    record_save(instance=state, user=curator, reason="New name")
    assert_rebuilt_showing(client, ["/groups/other-front/changes/"], "Renamed State")


def test_an_as_of_address_leads_to_a_version_made_after_it_was_first_asked_for(client):
    """The versions' moments are kept in the cache for the redirects, and go stale with the group's next version."""
    group = create_on(0, GroupFactory, name="Islamic State", slug="islamic-state")
    alias = create_on(0, AliasFactory, group=group, name="Daesh")
    after = f"/groups/islamic-state/as-of/{moment_key(day(5))}/"
    first = client.get(after)
    assert first.status_code == 302 and first["Location"].endswith(f"/as-of/{moment_key(day(0) + datetime.timedelta(seconds=1))}/")
    change_on(3, alias, name="Daish")
    again = client.get(after)
    assert again.status_code == 302 and again["Location"].endswith(f"/as-of/{moment_key(day(3) + datetime.timedelta(seconds=1))}/")
    assert "Daish" in client.get(again["Location"]).content.decode()


def test_a_bulk_write_makes_its_models_lists_stale_once_it_says_so(client, world):
    warm(client, ["/groups/", "/groups/islamic-state/"])
    # Written in bulk, as an import does: no signals.
    Group.objects.bulk_create([Group(name="Bulk Front", slug="bulk-front", publication_status=PublicationStatus.PUBLISHED)])
    assert served_from_cache(client, "/groups/")[0]  # no signal, so the page is kept…
    invalidate_models(Group)
    kept, response = served_from_cache(client, "/groups/")
    assert not kept and 'href="/groups/bulk-front/"' in response.content.decode()  # …until the import says what it wrote
    assert not served_from_cache(client, "/groups/islamic-state/")[0]  # every page showing a group: which, it did not say


def test_a_stale_page_never_answers_304(client, world, curator):
    etag = client.get("/groups/islamic-state/")["ETag"]
    assert client.get("/groups/islamic-state/", headers={"If-None-Match": etag}).status_code == 304
    alias = world["alias"]
    alias.name = "Daish"
    record_save(instance=alias, user=curator, reason="Spelling")
    response = client.get("/groups/islamic-state/", headers={"If-None-Match": etag})
    assert response.status_code == 200 and response["ETag"] != etag
    assert client.get("/groups/islamic-state/", headers={"If-None-Match": response["ETag"]}).status_code == 304


@pytest.mark.parametrize("kept", [False, True])
def test_public_responses_name_their_tags_for_a_cdn(client, world, kept):
    client.get("/groups/islamic-state/")
    if kept:
        assert served_from_cache(client, "/groups/islamic-state/")[0]
    response = client.get("/groups/islamic-state/")
    keys = response["Surrogate-Key"].split(" ")
    state, alias = world["state"], world["alias"]
    assert {f"groups.group:{state.pk}", f"groups.alias:{alias.pk}", "groups.group:all", "all"} <= set(keys)
    assert f"groups.group:{world['other'].pk}" not in keys
    assert response["Cache-Tag"].split(",") == keys

    listing = set(client.get("/groups/")["Surrogate-Key"].split(" "))
    assert {"groups.group", f"groups.group:{state.pk}", "groups.alias:all", "all"} <= listing
    assert "groups.alias" not in listing  # its aliases are read for the groups it lists, not to choose them
    assert f"groups.alias:{alias.pk}" not in listing  # and an alias's write reaches its group: no need to name it
    assert "groups.alias" in client.get("/groups/?q=daesh")["Surrogate-Key"].split(" ")  # but a search by them does


def test_each_answer_says_whether_the_cache_served_it(client, world, curator):
    for path in ("/groups/islamic-state/", "/api/v1/groups/islamic-state/"):
        assert [client.get(path)["X-Cache"] for _ in range(2)] == ["MISS", "HIT"], path
    warm(client, ["/groups/other-front/"])
    alias = world["alias"]
    alias.name = "Daish"
    record_save(instance=alias, user=curator, reason="Spelling")
    assert client.get("/groups/islamic-state/")["X-Cache"] == "MISS"  # what the write touched is built again
    assert client.get("/groups/other-front/")["X-Cache"] == "HIT"  # and nothing else


def test_a_header_cut_short_keeps_the_model_wide_tags(client, world, monkeypatch):
    full = client.get("/groups/islamic-state/")["Surrogate-Key"].split(" ")
    monkeypatch.setattr(kb_cache, "HEADER_LIMIT", 60)
    kb_cache.bump_data_version()  # built again, with the limit
    cut = client.get("/groups/islamic-state/")["Surrogate-Key"].split(" ")
    assert client.get("/groups/islamic-state/")["Surrogate-Key"].split(" ") == cut  # and so kept
    model_wide = [tag for tag in full if ":" not in tag or tag.endswith((":all", ":any"))]
    assert len(cut) < len(full) and set(model_wide) <= set(cut)  # too often rather than too rarely
    assert len(" ".join(tag for tag in cut if tag not in model_wide)) <= 60


def test_too_many_records_of_a_model_depend_on_the_model_instead(client, world, monkeypatch):
    monkeypatch.setattr(kb_cache, "RECORDS_PER_MODEL", 1)
    response = client.get("/groups/islamic-state/")
    assert "sources.source" not in response["Surrogate-Key"].split(" ")  # one source: named
    AliasFactory(group=world["state"], name="ISIS")
    keys = client.get("/groups/islamic-state/")["Surrogate-Key"].split(" ")
    assert {"groups.alias", "groups.alias:any"} <= set(keys)
    assert not any(key.startswith("groups.alias:") and key[-1].isdigit() for key in keys)


def test_a_page_with_too_many_records_to_name_sees_a_write_that_reaches_them_through_a_key(client, world, monkeypatch):
    """A new alias bumps its group's tag, not the groups' lists: a page too big to name its groups learns of it too."""
    monkeypatch.setattr(kb_cache, "RECORDS_PER_MODEL", 1)
    AffiliationFactory(from_group=world["state"], to_group=world["other"])  # the profile loads both groups
    warm(client, ["/groups/islamic-state/"])
    AliasFactory(group=world["state"], name="ISIL")
    assert_rebuilt_showing(client, ["/groups/islamic-state/"], "ISIL")


def test_under_global_invalidation_any_write_makes_every_page_stale(client, world, curator, settings):
    settings.CACHE_INVALIDATION = "global"
    warm(client, ["/groups/other-front/", "/attacks/market-bombing/"])
    alias = world["alias"]
    alias.name = "Daish"
    record_save(instance=alias, user=curator, reason="Spelling")
    assert not served_from_cache(client, "/groups/other-front/")[0]
    assert not served_from_cache(client, "/attacks/market-bombing/")[0]


@committed
def test_an_edit_committed_while_a_page_was_read_is_seen_after_the_commit(client, world, curator):
    paths = ["/groups/islamic-state/", "/search/?q=daesh", "/api/v1/groups/islamic-state/"]
    with transaction.atomic():
        alias = world["alias"]
        alias.name = "Daish"
        record_save(instance=alias, user=curator, reason="Spelling")
        during = read_elsewhere(paths)  # another connection: the old name, cached so
        assert all("Daesh" in during[path].content.decode() for path in paths)
    after = read_elsewhere(paths)
    assert all("Daish" in after[path].content.decode() for path in paths)


@committed
def test_a_page_built_from_a_change_rolled_back_is_never_served(world, curator):
    from django.test import Client

    with transaction.atomic():
        alias = world["alias"]
        alias.name = "Daish"
        record_save(instance=alias, user=curator, reason="Spelling")
        assert "Daish" in Client().get("/groups/islamic-state/").content.decode()  # this connection sees its own change
        during = read_elsewhere(["/groups/islamic-state/"])["/groups/islamic-state/"]
        assert "Daish" not in during.content.decode()  # nobody else does
        transaction.set_rollback(True)
    page = read_elsewhere(["/groups/islamic-state/"])["/groups/islamic-state/"]
    assert "Daesh" in page.content.decode() and "Daish" not in page.content.decode()


# ------------------------------------------------------------------------------------------------- purging a CDN


class Recorder(BaseHTTPRequestHandler):
    seen: list = []
    status = 200

    def _record(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        Recorder.seen.append((self.command, self.path, self.headers, body))  # names in any case, as HTTP reads them
        self.send_response(Recorder.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_PURGE = do_BAN = _record

    def log_message(self, *args):
        pass


@pytest.fixture
def endpoint():
    Recorder.seen, Recorder.status = [], 200
    server = HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_fastly_purges_by_surrogate_key(settings, endpoint):
    settings.CACHE_PURGE_BACKEND, settings.FASTLY_API_URL = "fastly", endpoint
    settings.FASTLY_SERVICE_ID, settings.FASTLY_API_TOKEN = "SU1Z0isxPaozGVKXdv0eY", "token-1"
    purge(["groups.group:12", "groups.group"])
    [(method, path, headers, body)] = Recorder.seen
    assert (method, path, body) == ("POST", "/service/SU1Z0isxPaozGVKXdv0eY/purge", b"")
    assert headers["Surrogate-Key"] == "groups.group groups.group:12" and headers["Fastly-Key"] == "token-1"
    purge(["all"])
    assert Recorder.seen[-1][:2] == ("POST", "/service/SU1Z0isxPaozGVKXdv0eY/purge_all")


def test_cloudflare_purges_by_cache_tag(settings, endpoint):
    settings.CACHE_PURGE_BACKEND, settings.CLOUDFLARE_API_URL = "cloudflare", endpoint
    settings.CLOUDFLARE_ZONE_ID, settings.CLOUDFLARE_API_TOKEN = "023e105f4ecef8ad9ca31a8372d0c353", "token-2"
    purge(["sources.source:3", "sources.citation"])
    [(method, path, headers, body)] = Recorder.seen
    assert (method, path) == ("POST", "/zones/023e105f4ecef8ad9ca31a8372d0c353/purge_cache")
    assert headers["Authorization"] == "Bearer token-2" and headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"tags": ["sources.citation", "sources.source:3"]}


def test_varnish_purges_by_xkey(settings, endpoint):
    settings.CACHE_PURGE_BACKEND, settings.VARNISH_PURGE_URL = "varnish", f"{endpoint}/"
    purge(["groups.attack:5"])
    [(method, path, headers, _)] = Recorder.seen
    assert (method, path, headers["xkey"]) == ("PURGE", "/", "groups.attack:5")


@committed
def test_a_committed_edit_purges_what_it_touched(settings, endpoint, world, curator):
    settings.CACHE_PURGE_BACKEND, settings.FASTLY_API_URL, settings.FASTLY_SERVICE_ID = "fastly", endpoint, "svc"
    Recorder.seen.clear()  # the fixture's own writes
    alias = world["alias"]
    alias.name = "Daish"
    record_save(instance=alias, user=curator, reason="Spelling")
    [(method, path, headers, _)] = Recorder.seen  # once, after the commit
    keys = set(headers["Surrogate-Key"].split(" "))
    state = world["state"].pk
    assert keys == {
        *(f"groups.alias:{alias.pk}", f"groups.alias.row:{alias.pk}", "groups.alias", "groups.alias:any"),  # the alias
        *(f"groups.group:{state}", f"groups.group.alias:{state}", "groups.group:any"),  # its group, and its aliases
    }


def test_a_cdn_that_fails_is_logged_never_raised(settings, endpoint, caplog):
    settings.CACHE_PURGE_BACKEND, settings.FASTLY_API_URL, settings.FASTLY_SERVICE_ID = "fastly", endpoint, "svc"
    Recorder.status = 503
    with caplog.at_level(logging.ERROR, logger="kb.cache_purge"):
        purge(["groups.group:1"])
    assert "answered 503" in caplog.text
    settings.FASTLY_API_URL = "http://127.0.0.1:9"  # nothing listens
    with caplog.at_level(logging.ERROR, logger="kb.cache_purge"):
        purge(["groups.group:1"])
    assert "failed" in caplog.text


def test_a_restore_empties_the_cache_and_purges_the_cdn(client, world, settings, endpoint):
    settings.CACHE_PURGE_BACKEND, settings.FASTLY_API_URL, settings.FASTLY_SERVICE_ID = "fastly", endpoint, "svc"
    warm(client, ["/groups/islamic-state/"])
    Recorder.seen.clear()
    kb_cache.forget_everything_cached()  # what restore_database calls once the archive is in
    assert not served_from_cache(client, "/groups/islamic-state/")[0]
    assert [(method, path) for method, path, _, _ in Recorder.seen] == [("POST", "/service/svc/purge_all")]
