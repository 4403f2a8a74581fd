import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groups import selectors
from groups.models import AffiliationKind, Alias
from kb.models import PublicationStatus
from kb.services import record_delete, record_save
from sources.models import Citation
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
    SizeEstimateFactory,
    SourceFactory,
    user_in_role,
)

pytestmark = pytest.mark.django_db
QUOTE = "It was also claimed by the Islamic State group"
DRAFT = PublicationStatus.DRAFT


def test_aliases_filter_by_group_and_folded_name(get_json):
    state = GroupFactory(slug="islamic-state")
    AliasFactory(group=state, name="Daesh", language="ar")
    AliasFactory(group=GroupFactory(slug="other"), name="Other Name")
    AliasFactory(group=state, name="Hidden Name", publication_status=DRAFT)
    body = get_json("/api/v1/aliases/", {"group": "islamic-state"})[1]
    assert [a["name"] for a in body["results"]] == ["Daesh"] and body["results"][0]["group"]["slug"] == "islamic-state"
    assert [a["name"] for a in get_json("/api/v1/aliases/", {"name": "daish"})[1]["results"]] == ["Daesh"]
    assert [a["name"] for a in get_json("/api/v1/aliases/", {"group": state.pk})[1]["results"]] == ["Daesh"]


def test_affiliations_read_from_group_to_group_and_filter_both_ways(get_json):
    state, khorasan = GroupFactory(slug="islamic-state"), GroupFactory(slug="iskp")
    affiliation = AffiliationFactory(from_group=khorasan, to_group=state, kind=AffiliationKind.BRANCH_OF)
    CitationFactory(affiliation=affiliation, group=None, quote=QUOTE)
    AffiliationFactory(from_group=state, to_group=GroupFactory(slug="hidden", publication_status=DRAFT))
    status, body = get_json(f"/api/v1/affiliations/{affiliation.pk}/")
    assert status == 200
    assert (body["from_group"]["slug"], body["label"], body["to_group"]["slug"], body["symmetric"]) == (
        "iskp",
        "branch or province of",
        "islamic-state",
        False,
    )
    assert body["citations"][0]["quote"] == QUOTE
    assert [a["id"] for a in get_json("/api/v1/affiliations/", {"group": "islamic-state"})[1]["results"]] == [affiliation.pk]
    assert get_json("/api/v1/affiliations/", {"to_group": "iskp"})[1]["count"] == 0
    assert get_json("/api/v1/affiliations/", {"kind": "branch_of"})[1]["count"] == 1


def test_sources_never_carry_their_text(get_json):
    SourceFactory(
        slug="afp",
        title="AFP report",
        outlet="AFP",
        url="https://example.org/a",
        published=datetime.date(2016, 10, 26),
        published_precision="day",
    )
    SourceFactory(slug="unvetted", publication_status=DRAFT)
    status, body = get_json("/api/v1/sources/afp/")
    assert status == 200 and "text" not in body and body["link"] == "https://example.org/a"
    assert body["published"]["display"] == "26 Oct 2016"
    assert get_json("/api/v1/sources/", {"outlet": "afp"})[1]["count"] == 1
    assert get_json("/api/v1/sources/", {"published_after": "2017-01-01"})[1]["count"] == 0
    assert get_json("/api/v1/sources/unvetted/")[0] == 404


def test_citations_name_the_fact_and_filter_by_group_attack_and_source(get_json):
    state = GroupFactory(slug="islamic-state")
    source = SourceFactory(slug="afp")
    attack = AttackFactory(slug="quetta")
    on_group = CitationFactory(group=state, source=source, quote=QUOTE)
    on_alias = CitationFactory(alias=AliasFactory(group=state), group=None, source=source, quote=QUOTE)
    on_attribution = CitationFactory(attribution=AttributionFactory(group=state, attack=attack), group=None, quote=QUOTE)
    on_attack = CitationFactory(attack=attack, group=None, quote=QUOTE, field="killed")
    CitationFactory(group=state, source=SourceFactory(publication_status=DRAFT), quote=QUOTE)
    ids = lambda query: sorted(c["id"] for c in get_json("/api/v1/citations/", query)[1]["results"])  # noqa: E731
    assert ids({"group": "islamic-state"}) == sorted([on_group.pk, on_alias.pk, on_attribution.pk])
    assert ids({"attack": "quetta"}) == sorted([on_attack.pk, on_attribution.pk])
    assert ids({"source": "afp"}) == sorted([on_group.pk, on_alias.pk])
    assert ids({"supports": "alias"}) == [on_alias.pk]
    body = get_json(f"/api/v1/citations/{on_alias.pk}/")[1]
    assert body["fact"] == {"type": "alias", "id": on_alias.alias_id} and body["source"]["slug"] == "afp"


def test_a_groups_citations_are_those_of_every_fact_about_it_found_by_one_lookup_a_kind(client, get_json):
    """`?group=` finds the citations of each kind of fact about the group (`Citation.GROUP_PATHS`) by its own indexed
    key, and together they are what the one condition over all of them (`Citation.of_group_q`) gives. That condition,
    an OR across nine joins, walked every citation at GTD scale to find a small group's few: 2.5 s."""
    state, other = GroupFactory(slug="islamic-state"), GroupFactory(slug="other-front")
    facts = [
        {"group": state},
        {"alias": AliasFactory(group=state)},
        {"affiliation": AffiliationFactory(from_group=state, to_group=other)},
        {"affiliation": AffiliationFactory(from_group=other, to_group=state)},
        {"designation": DesignationFactory(group=state)},
        {"attribution": AttributionFactory(group=state)},
        {"group_role": GroupRoleFactory(group=state)},
        {"size_estimate": SizeEstimateFactory(group=state)},
        {"section": GroupSectionFactory(group=state)},
    ]
    cited = [CitationFactory(**{"group": None, **fact}, quote=QUOTE).pk for fact in facts]
    CitationFactory(group=other, quote=QUOTE)
    CitationFactory(alias=AliasFactory(group=state, publication_status=DRAFT), group=None, quote=QUOTE)
    with CaptureQueriesContext(connection) as captured:
        found = sorted(c["id"] for c in get_json("/api/v1/citations/", {"group": "islamic-state"})[1]["results"])
    assert found == sorted(cited) == sorted(Citation.objects.public().filter(Citation.of_group_q(state)).values_list("pk", flat=True))
    (page,) = (query["sql"] for query in captured.captured_queries if '"sources_citation"."quote"' in query["sql"])
    assert page.count("UNION ALL") == len(Citation.GROUP_PATHS) - 1 and '"sources_citation"."id" = ANY(' in page


@pytest.fixture
def importer():
    return user_in_role("Reviewer", username="curator")


def test_the_sync_feed_follows_an_edit_a_delete_and_an_unpublish(get_json, importer):
    state = GroupFactory(slug="islamic-state")
    alias = AliasFactory(group=state, name="Daesh")
    gone = AliasFactory(group=state, name="Daish")
    withdrawn = AttackFactory(slug="withdrawn")
    CitationFactory(attack=withdrawn, group=None)  # published again below, with its citation
    AttackFactory(slug="never-published", publication_status=DRAFT)
    start = datetime.datetime.now(datetime.UTC).isoformat()

    alias.language = "ar"
    record_save(instance=alias, user=importer, reason="Language from the article")
    gone_id = gone.pk
    record_delete(instance=gone, user=importer, reason="Duplicate spelling")
    withdrawn.publication_status = DRAFT
    record_save(instance=withdrawn, user=importer, reason="Unverified")

    changed = get_json("/api/v1/aliases/", {"updated_since": start})[1]["results"]
    assert [(a["name"], a["language"]) for a in changed] == [("Daesh", "ar")]
    removed = get_json("/api/v1/deletions/", {"since": start})[1]["results"]
    assert {(row["type"], row["id"]) for row in removed} == {("alias", gone_id), ("attack", withdrawn.pk)}
    assert all(row["removed_at"] >= start for row in removed)

    withdrawn.publication_status = PublicationStatus.PUBLISHED
    record_save(instance=withdrawn, user=importer, reason="Verified")
    assert {row["type"] for row in get_json("/api/v1/deletions/", {"since": start})[1]["results"]} == {"alias"}
    assert not Alias.objects.filter(pk=gone_id).exists()


@pytest.mark.parametrize("since", ["", "yesterday", "2026-13-01T00:00:00Z", "2026-11-01T00:00:00"])
def test_the_sync_feed_needs_a_moment_with_a_time_zone(get_json, since):
    status, body = get_json("/api/v1/deletions/", {"since": since} if since else None)
    assert status == 400 and "since" in body


def test_the_root_lists_every_endpoint(get_json):
    body = get_json("/api/v1/")[1]
    # The lists the apps' routers register, then their other endpoints, then the schema and its docs.
    assert list(body) == [
        "groups", "aliases", "affiliations", "attacks", "roles", "size-estimates", "sections", "theatres", "sources", "citations",
        "deletions", "stix", "schema", "docs",
    ]  # fmt: skip
    assert body["stix"] == "http://testserver/api/v1/export/stix/"


def test_a_group_s_stix_bundle_streams_and_the_whole_data_set_s_comes_from_a_release(client):
    state = GroupFactory(slug="islamic-state", name="Islamic State")
    AliasFactory(group=state, name="Daesh")
    GroupFactory(slug="hidden", publication_status=DRAFT)
    whole = client.get("/api/v1/export/stix/")  # never built per request: tests/interop/test_releases.py
    assert whole.status_code == 404 and "No release has been built yet" in whole.json()["detail"]
    per_group = json.loads(b"".join(client.get("/api/v1/groups/islamic-state/stix/").streaming_content))
    [intrusion_set] = [obj for obj in per_group["objects"] if obj["type"] == "intrusion-set"]
    assert intrusion_set["aliases"] == ["Islamic State", "Daesh"]
    assert client.get("/api/v1/groups/hidden/stix/").status_code == 404


def _grow(records: int) -> None:
    for _ in range(records):
        group = GroupFactory()
        alias = AliasFactory(group=group)
        CitationFactory(alias=alias, group=None, quote=QUOTE)
        affiliation = AffiliationFactory(from_group=group)
        CitationFactory(affiliation=affiliation, group=None, quote=QUOTE)
        CitationFactory(group=group, source=SourceFactory(), quote=QUOTE)


@pytest.mark.parametrize(
    ("path", "queries"),
    [
        ("/api/v1/aliases/", 4),  # data version, count, page with groups, citations with sources
        ("/api/v1/affiliations/", 4),
        ("/api/v1/sources/", 3),  # data version, count, page
        # data version, one page by cursor with sources joined, in a transaction of its own that tells PostgreSQL to
        # join as written (four statements more)
        ("/api/v1/citations/", 6),
    ],
)
@pytest.mark.parametrize("records", [1, 12])
def test_list_query_counts_do_not_grow(client, django_assert_num_queries, path, queries, records):
    _grow(records)
    with django_assert_num_queries(queries):
        assert client.get(path).status_code == 200


@pytest.mark.parametrize("removed", [1, 12])
def test_the_deletions_feed_query_count_does_not_grow(client, importer, django_assert_num_queries, removed):
    for _ in range(removed):
        record_delete(instance=AliasFactory(), user=importer, reason="Duplicate")
        attack = AttackFactory()
        attack.publication_status = DRAFT
        record_save(instance=attack, user=importer, reason="Unverified")
        attribution = AttributionFactory()
        CitationFactory(attribution=attribution, group=None)  # the one that stays: a public fact keeps a citation
        record_delete(instance=CitationFactory(attribution=attribution, group=None), user=importer, reason="Misquoted")
    # the history of the records that left, one query per model (fourteen); then of what they were shown through, level
    # by level: the aliases' groups, the citations' sources and attributions; then the attributions' groups and attacks
    with django_assert_num_queries(19):
        body = client.get("/api/v1/deletions/", {"since": "2000-01-01T00:00:00Z"}).json()
    assert body["count"] == 3 * removed


def test_the_deletions_feed_lists_only_what_was_public_and_when_it_left(get_json, importer):
    hidden = create_on(0, GroupFactory, publication_status=DRAFT)
    never_shown = create_on(1, AliasFactory, group=hidden)  # published, but its group was a draft
    draft_attack = create_on(0, AttackFactory, publication_status=DRAFT)
    never_claimed = create_on(1, AttributionFactory, attack=draft_attack, group=create_on(0, GroupFactory))
    never_shown_id, never_claimed_id = never_shown.pk, never_claimed.pk
    delete_on(2, never_shown)
    delete_on(2, never_claimed)

    state = create_on(0, GroupFactory)
    withdrawn = create_on(1, AliasFactory, group=state, name="Daesh")
    change_on(3, withdrawn, publication_status=DRAFT)
    change_on(5, withdrawn, name="Daech")  # an edit of the draft: it left on day 3 all the same

    front = create_on(0, GroupFactory)
    with_its_group = create_on(1, AliasFactory, group=front)
    change_on(4, front, publication_status=DRAFT)  # the alias leaves with it: implied by the group's row
    change_on(6, with_its_group, publication_status=DRAFT)

    rows = get_json("/api/v1/deletions/", {"since": day(0).isoformat()})[1]["results"]
    assert [(row["type"], row["id"], row["removed_at"]) for row in rows] == [
        ("alias", withdrawn.pk, "2026-01-04T12:00:00Z"),
        ("group", front.pk, "2026-01-05T12:00:00Z"),
    ]
    assert never_shown_id not in {row["id"] for row in rows} and never_claimed_id not in {row["id"] for row in rows}
    assert get_json("/api/v1/deletions/", {"since": day(4).isoformat()})[1]["results"] == [rows[1]]

    cascade = create_on(0, GroupFactory)
    expected = {("group", cascade.pk), ("alias", create_on(1, AliasFactory, group=cascade).pk)}
    record_delete(instance=cascade, user=importer, reason="Duplicate group")  # one moment for the whole cascade
    latest = get_json("/api/v1/deletions/", {"since": day(7).isoformat()})[1]["results"]
    assert {(row["type"], row["id"]) for row in latest} == expected
    assert len({row["removed_at"] for row in latest}) == 1


@pytest.mark.parametrize(
    "list_of", [selectors.affiliations_for_list, selectors.roles_for_list, selectors.size_estimates_for_list, selectors.sections_for_list]
)
def test_lists_in_their_groups_order_can_read_a_page_by_the_group_name_index(db, list_of):
    """Their first page, read group by group in the order of `group_name_idx`, rather than every row joined and sorted
    (the tables are tiny here: sorting a whole one is made the dearer choice, as at GTD scale)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    plan = list_of()[:50].explain()
    assert "Index Scan using group_name_idx" in plan and "Incremental Sort" in plan
