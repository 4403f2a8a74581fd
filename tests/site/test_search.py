import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groups import selectors
from groups.models import Alias, GroupSection, RoleKind, SearchKey, SectionTopic
from groups.normalization import normalize_name
from groups.selectors import search_groups, search_sections
from kb.dates import DatePrecision
from kb.models import PublicationStatus
from kb.search import MAX_QUERY_LENGTH
from kb.services import record_save
from sampledata.demo_data import load_demo_data
from tests.factories import (
    AliasFactory,
    AttackFactory,
    CitationFactory,
    GroupFactory,
    GroupRoleFactory,
    GroupSectionFactory,
    PersonFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def groups():
    state = GroupFactory(name="Islamic State", slug="islamic-state")
    for alias in ("IS", "ISIS", "Daesh"):
        AliasFactory(group=state, name=alias)
    khorasan = GroupFactory(name="Islamic State Khorasan Province", slug="iskp")
    for alias in ("IS-K", "ISKP"):
        AliasFactory(group=khorasan, name=alias)
    ttp = GroupFactory(name="Tehrik-e-Taliban Pakistan", slug="ttp")
    AliasFactory(group=ttp, name="TTP")
    qaeda = GroupFactory(name="al-Qaeda", slug="al-qaeda")
    AliasFactory(group=qaeda, name="al-Qaida")
    GroupFactory(name="al-Qaeda in the Indian Subcontinent", slug="aqis")
    return {"state": state, "khorasan": khorasan, "ttp": ttp, "qaeda": qaeda}


def found(client, query) -> list[str]:
    return [match.group.slug for match in client.get("/search/", {"q": query}).context["groups"]]


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("daesh", "islamic-state"),
        ("DAESH", "islamic-state"),
        ("Dāʿish", "islamic-state"),
        ("ISKP", "iskp"),
        ("IS-K", "iskp"),
        ("is k", "iskp"),
        ("tehreek e taliban", "ttp"),
        ("Tehreek-e-Taliban Pakistan", "ttp"),
        ("tehrik i taliban", "ttp"),
        ("al qaida", "al-qaeda"),
        ("Al-Qa'ida", "al-qaeda"),
    ],
)
def test_finds_a_group_by_any_spelling_with_the_best_match_first(client, groups, query, slug):
    assert found(client, query)[0] == slug


def test_exact_name_or_alias_matches_rank_first(client, groups):
    results = found(client, "IS")
    assert results[0] == "islamic-state"  # "IS" is an alias; ISIS, IS-K… only start with it
    assert set(results) >= {"islamic-state", "iskp"}
    assert found(client, "al-Qaeda")[:2] == ["al-qaeda", "aqis"]


def test_says_which_alias_matched(client, groups):
    match = client.get("/search/", {"q": "daesh"}).context["groups"][0]
    assert match.matched_name == "Daesh" and match.exact
    page = client.get("/search/", {"q": "daesh"}).content.decode()
    assert "matched “Daesh”" in page and 'href="/groups/islamic-state/"' in page


def test_near_spellings_are_found_and_marked(client, groups):
    matches = search_groups("Tehrik-e-Talibaan Pakistn")
    assert matches[0].group.slug == "ttp" and matches[0].approximate


def test_drafts_are_not_found(client, groups):
    GroupFactory(name="Hidden Front", publication_status=PublicationStatus.DRAFT)
    AliasFactory(group=groups["ttp"], name="Hidden Name", publication_status=PublicationStatus.DRAFT)
    AttackFactory(title="Hidden attack", publication_status=PublicationStatus.DRAFT)
    assert found(client, "Hidden Front") == [] and found(client, "Hidden Name") == []
    assert "Nothing published matches “hidden”" in client.get("/search/", {"q": "hidden"}).content.decode()


def test_finds_attacks_and_sources_by_words_in_title_place_or_outlet(client):
    AttackFactory(
        title="Attack on the Balochistan Police College",
        locality="Quetta",
        country="PK",
        date=datetime.date(2016, 10, 1),
        date_precision=DatePrecision.MONTH,
    )
    AttackFactory(title="Easter Sunday bombings", country="LK")
    SourceFactory(title="IS emerging in Karachi?", outlet="Pakistan Today")
    response = client.get("/search/", {"q": "quetta police"})
    assert [a.title for a in response.context["attacks"]] == ["Attack on the Balochistan Police College"]
    assert [a.title for a in client.get("/search/", {"q": "Sri Lanka"}).context["attacks"]] == ["Easter Sunday bombings"]
    assert [s.title for s in client.get("/search/", {"q": "karachi"}).context["sources"]] == ["IS emerging in Karachi?"]
    assert [s.title for s in client.get("/search/", {"q": "pakistan today"}).context["sources"]] == ["IS emerging in Karachi?"]
    assert [a.title for a in client.get("/search/", {"q": "QUÉTTA"}).context["attacks"]] == ["Attack on the Balochistan Police College"]


def test_says_clearly_when_nothing_matches(client, groups):
    response = client.get("/search/", {"q": "zzzqqq"})
    assert response.status_code == 200
    assert "Nothing published matches “zzzqqq”" in response.content.decode()


def test_an_empty_search_shows_the_form_only(client):
    response = client.get("/search/")
    page = response.content.decode()
    assert response.status_code == 200 and 'name="q"' in page and "Nothing published matches" not in page


def test_an_overlong_query_is_a_400_with_the_reason(client):
    response = client.get("/search/", {"q": "x" * (MAX_QUERY_LENGTH + 1)})
    assert response.status_code == 400
    assert f"limited to {MAX_QUERY_LENGTH} characters" in response.content.decode()


def test_punctuation_only_queries_find_nothing_without_error(client, groups):
    response = client.get("/search/", {"q": "%_'\""})
    assert response.status_code == 200 and response.context["groups"] == []


@pytest.mark.parametrize("extra", [0, 20])
def test_query_count_does_not_grow(client, groups, django_assert_num_queries, extra):
    AttackFactory(title="Islamic State attack")
    for i in range(extra):
        front = GroupFactory(name=f"Islamic Front {i}")
        AliasFactory.create_batch(2, group=front)
        GroupSectionFactory(group=front, text=f"An Islamic movement [cite:{i + 1}], the {i}th.")
        AttackFactory(title=f"Islamic attack {i}")
        CitationFactory(group_role=GroupRoleFactory(person=PersonFactory(name=f"Abu Islamic {i}")), group=None)
    # data version, keys holding the query and their names, keys of a similar spelling (here with no names to read),
    # their groups with their first aliases, profile sections with their groups, people's roles with their groups,
    # attacks, their attributions, sources
    with django_assert_num_queries(10):
        assert client.get("/search/", {"q": "islamic"}).status_code == 200


def test_the_demo_data_answers_the_spellings_researchers_use(client):
    load_demo_data()
    expected = {
        "daesh": "islamic-state",
        "ISKP": "islamic-state-khorasan-province",
        "IS-K": "islamic-state-khorasan-province",
        "tehreek e taliban": "tehrik-e-taliban-pakistan",
        "al qaida": "al-qaeda",
        "Pakistani Taliban": "tehrik-e-taliban-pakistan",
        "LeJ": "lashkar-e-jhangvi",
    }
    for query, slug in expected.items():
        assert found(client, query)[0] == slug, query


def test_a_nul_character_is_refused_with_a_clear_400(client):
    response = client.get("/search/", {"q": "isis\x00"})
    assert response.status_code == 400 and "NUL character" in response.content.decode()
    api = client.get("/api/v1/groups/", {"q": "\x00"})
    assert api.status_code == 400 and "NUL character" in api.json()["query"][0]


def _plan(sql: str, params=()) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")  # tiny tables: leave the bitmap scans that large tables choose
        cursor.execute(f"EXPLAIN {sql}", params or None)  # without parameters, psycopg leaves the SQL's % alone
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_name_search_can_use_the_trigram_index_of_the_search_keys(groups):
    """The search-key conditions are ones a trigram index serves (LIKE '%key%', then %). On the demo's tiny tables the
    planner prefers other indexes; the GTD-scale benchmark measures the real plans."""
    with CaptureQueriesContext(connection) as captured:
        search_groups("tehreek e taliban")  # a long key: keys holding it and keys like it, ranked in one statement
    (ranked,) = (query["sql"] for query in captured.captured_queries if "SIMILARITY" in query["sql"].upper())
    assert """WHERE ("groups_searchkey"."key"::text LIKE '%tehriktaliban%' OR "groups_searchkey"."key" % 'tehriktaliban')""" in ranked
    with CaptureQueriesContext(connection) as captured:
        search_groups("taliban")  # a short one: those holding it first, then those only like it
    holding, similar = (query["sql"] for query in captured.captured_queries if "SIMILARITY" in query["sql"].upper())
    assert """WHERE "groups_searchkey"."key"::text LIKE '%taliban%'""" in holding
    assert """WHERE ("groups_searchkey"."key" % 'taliban' AND NOT ("groups_searchkey"."key"::text LIKE""" in similar
    with connection.cursor() as cursor:  # as many keys as for a few thousand groups, so the planner plans as at scale
        cursor.execute("INSERT INTO groups_searchkey (key) SELECT md5(n::text) FROM generate_series(1, 20000) AS n")
        cursor.execute("ANALYZE groups_searchkey")
    for condition in ({"key__contains": "tehriktaliban"}, {"key__trigram_similar": "tehriktaliban"}):
        sql, params = SearchKey.objects.filter(**condition).query.sql_with_params()
        assert "search_key_trgm" in _plan(sql, params)


def test_every_way_a_name_is_written_adds_its_search_key():
    """The keys are kept by triggers in the database, so names written in bulk (the GTD importer, COPY) or by a
    queryset update are found as those saved one by one are."""
    group = GroupFactory(name="Harakat Example")
    bulk, updated = normalize_name("Jamaat Bulk"), normalize_name("Jamaat Updated")
    Alias.objects.bulk_create([Alias(group=group, name="Jamaat Bulk", normalized_name=bulk, publication_status="published")])
    Alias.objects.filter(normalized_name=bulk).update(name="Jamaat Updated", normalized_name=updated)
    assert {group.normalized_name, bulk, updated} <= set(SearchKey.objects.values_list("key", flat=True))
    (match,) = search_groups("jamaat updated")
    assert match.group == group and match.matched_name == "Jamaat Updated" and match.exact
    assert search_groups("jamaat bulk") == []  # the key stays, with no name: nothing is found by it


def test_keys_with_no_public_name_do_not_hide_those_ranked_after_them(monkeypatch):
    """Keys of drafts, or of names since renamed, find no public name: the search reads on past them."""
    monkeypatch.setattr("groups.selectors.SEARCH_CANDIDATE_NAMES", 2)
    front = GroupFactory(name="Jaish Front")
    for name in ("Jaish", "Jaisha", "Jaishb"):  # ranked before "Jaish Front": the query itself, then shorter names
        AliasFactory(group=GroupFactory(), name=name, publication_status=PublicationStatus.DRAFT)
    assert [match.group for match in search_groups("jaish")] == [front]


def test_names_of_a_similar_spelling_are_read_only_when_those_holding_the_query_leave_room(monkeypatch):
    """A short query is held by thousands of names at GTD scale; ranking its similar spellings too cost ten times more.
    They rank after every name holding the query, so they are read only when fewer groups than asked for hold it."""
    for name in ("Jaish Front", "Jaish Brigade", "Jaiss"):  # "Jaiss" only spells "jaish" alike
        GroupFactory(name=name)

    def searched(limit: int) -> tuple[list[str], list[str]]:
        with CaptureQueriesContext(connection) as captured:
            found = [match.group.name for match in search_groups("jaish", limit=limit)]
        return found, [query["sql"] for query in captured.captured_queries if "SIMILARITY" in query["sql"].upper()]

    found, statements = searched(limit=2)
    assert sorted(found) == ["Jaish Brigade", "Jaish Front"] and len(statements) == 1 and " % " not in statements[0]
    found, statements = searched(limit=3)
    assert sorted(found[:2]) == ["Jaish Brigade", "Jaish Front"] and found[2] == "Jaiss" and len(statements) == 2


def test_a_group_found_lists_a_few_of_its_other_names(client, monkeypatch):
    monkeypatch.setattr("groups.selectors.SEARCH_ALIASES_SHOWN", 2)
    group = GroupFactory(name="Harakat Example")
    for name in ("Alpha Front", "Beta Front", "Gamma Front"):
        AliasFactory(group=group, name=name)
    AliasFactory(group=group, name="Aardvark Front", publication_status=PublicationStatus.DRAFT)  # first, but not public
    page = client.get("/search/", {"q": "harakat example"}).content.decode()
    assert "Also known as Alpha Front, Beta Front and others" in page and "Gamma Front" not in page and "Aardvark" not in page


def test_a_groups_first_names_are_read_in_order_from_their_index_and_no_further(groups):
    """A group may go by hundreds of names (at GTD scale, a million aliases): each group found reads its first few
    from `alias_group_name_idx`, already in order, rather than numbering all its names to keep the first."""
    with CaptureQueriesContext(connection) as captured:
        search_groups("khorasan")
    (sql,) = (query["sql"] for query in captured.captured_queries if "ARRAY(SELECT" in query["sql"])
    with connection.cursor() as cursor:
        # Tiny tables: no whole-table reads, and no sorting where an index gives the order, as at GTD scale.
        for setting in ("seqscan", "bitmapscan", "sort", "incremental_sort"):
            cursor.execute(f"SET LOCAL enable_{setting} = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "alias_group_name_idx" in plan and "ROW_NUMBER" not in sql.upper()
    (names,) = [line for line in plan.splitlines() if "alias_group_name_idx" in line]
    assert "Sort" not in plan.split(names, 1)[0].rsplit("SubPlan", 1)[-1]  # nothing sorts the names read


def test_a_persons_name_finds_the_groups_they_had_public_roles_in(client):
    state, front = GroupFactory(name="Islamic State", slug="islamic-state"), GroupFactory(name="The Front", slug="front")
    person = PersonFactory(name="Abu Baker al-Baghdadi")
    for group in (state, front):
        CitationFactory(group_role=GroupRoleFactory(person=person, group=group, kind=RoleKind.LEADER), group=None)
    draft = GroupRoleFactory(person=person, group=GroupFactory(name="Hidden Front"), publication_status=PublicationStatus.DRAFT)
    CitationFactory(group_role=draft, group=None)
    page = client.get("/search/", {"q": "ABU BAKER AL BAGHDADI"}).content.decode()
    people = page.split('id="people-results"', 1)[1].split("</section>", 1)[0]
    assert 'Leader of <a href="/groups/islamic-state/#leadership">Islamic State</a>' in people
    assert 'href="/groups/front/#leadership"' in people and "Hidden Front" not in page


def test_each_group_found_shows_its_kind_without_another_query(client, groups, django_assert_num_queries):
    from groups.models import Group, GroupKind

    Group.objects.filter(slug="iskp").update(kind=GroupKind.BRANCH)
    with django_assert_num_queries(8):  # as any search finding groups and no source: none more for the kinds
        page = client.get("/search/", {"q": "khorasan"}).content.decode()
    result = page.split('href="/groups/iskp/"', 1)[1].split("</li>", 1)[0]
    assert '<span class="badge badge-kind kind-branch">Branch or province</span>' in result


# --- The words of profile sections ---------------------------------------------------------------------------------

SECTARIAN = "It carried out sectarian killings of Shia Muslims [cite:{cid}].\n\nIts leaders came from Sipah-e-Sahaba."


@pytest.fixture
def lej():
    group = GroupFactory(name="Lashkar-e-Jhangvi", slug="lej")
    section = GroupSectionFactory(group=group, topic=SectionTopic.IDEOLOGY_AND_AIMS, text="Placeholder.")
    citation = CitationFactory(section=section, group=None)
    section.text = SECTARIAN.format(cid=citation.pk)
    section.save()
    return section


def results(client, query: str, block: str) -> str:
    page = client.get("/search/", {"q": query}).content.decode()
    return page.split(f'id="{block}"', 1)[1].split("</section>", 1)[0] if f'id="{block}"' in page else ""


def test_the_words_of_a_published_section_find_its_group_with_its_heading_a_snippet_and_its_anchor(client, lej):
    found = results(client, "Sectarian", "section-results")
    assert '<a href="/groups/lej/#section-ideology_and_aims">Lashkar-e-Jhangvi: Ideology and aims</a>' in found
    assert "It carried out <mark>sectarian</mark> killings of Shia Muslims." in found  # the marker is no word of the prose
    assert "cite" not in found
    # Every word, or its beginning, accents and case folded, as the other word searches read them.
    assert [match.section for match in search_sections("SHÍA sectar")] == [lej]
    assert search_sections("sectarian sunni") == [] and search_sections("cite") == [] and search_sections("'%") == []
    # The heading an editor gave is searched and shown too.
    lej.heading = "Aims and enemies"
    lej.save()
    assert "Lashkar-e-Jhangvi: Aims and enemies</a>" in results(client, "enemies", "section-results")


def test_drafts_unpublished_groups_and_edits_awaiting_review_are_never_found(client, lej, editor):
    GroupSectionFactory(
        group=GroupFactory(name="Hidden Section Front"), text="Sectarian, in draft.", publication_status=PublicationStatus.DRAFT
    )
    of_draft = GroupSectionFactory(group=GroupFactory(name="Draft Front", publication_status=PublicationStatus.DRAFT))
    of_draft.text = "Sectarian, of a draft group."
    of_draft.save()
    section = GroupSection.objects.get(pk=lej.pk)
    section.text = section.text.replace("sectarian", "clandestine")
    record_save(instance=section, user=editor, reason="Reworded")  # waits for a Reviewer; readers keep the published text
    assert [match.section.pk for match in search_sections("sectarian")] == [lej.pk]
    assert search_sections("clandestine") == []
    page = client.get("/search/", {"q": "sectarian"}).content.decode()
    assert "Hidden Section Front" not in page and "Draft Front" not in page
    assert "Nothing published matches “clandestine”" in client.get("/search/", {"q": "clandestine"}).content.decode()


def test_a_snippet_is_escaped_and_only_the_words_found_are_marked(client):
    GroupSectionFactory(group=GroupFactory(slug="front"), text="Its <b>manifesto</b> & <script>alert(1)</script> sectarian aims.")
    found = results(client, "manifesto", "section-results")
    assert "Its &lt;b&gt;<mark>manifesto</mark>&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt; sectarian aims." in found
    assert "<script>" not in found and found.count("<mark>") == 1


def test_the_sections_saying_it_most_come_first(client):
    once = GroupSectionFactory(group=GroupFactory(name="Alpha Front"), text="Sectarian once, among many other words of the text.")
    often = GroupSectionFactory(group=GroupFactory(name="Zeta Front"), text="Sectarian aims, sectarian killings, sectarian war.")
    assert [match.section for match in search_sections("sectarian")] == [often, once]


def test_reading_a_compound_costs_the_same_statements_however_many_names_its_group_has():
    """A query of "Ansar Front wa Diyala" names no group whole: its head is tried before the rest with every name of the group it
    names. At GTD scale that is thousands of names, and an OR of thousands of LIKEs took 300 ms to plan: the names are
    now one array, each one index probe, so the statements stay the same size."""
    ansar = GroupFactory(name="Ansar Front")
    GroupFactory(name="Ansar Brigade Wa Diyala Branch")  # starts with another name of the group, then the rest
    AliasFactory(group=ansar, name="Ansar Brigade")

    def statements(query: str) -> tuple[list[str], list[str]]:
        with CaptureQueriesContext(connection) as captured:
            found = [match.group.name for match in search_groups(query)]
        return found, [query["sql"] for query in captured.captured_queries]

    few_found, few = statements("Ansar Front wa Diyala")
    AliasFactory.create_batch(150, group=ansar)
    many_found, many = statements("Ansar Front wa Diyala")
    assert few_found[0] == many_found[0] == "Ansar Brigade Wa Diyala Branch"
    conditions = [statement.count("normalized_name") for statement in many]  # one OR'd LIKE a name, as it was, grows
    assert len(many) == len(few) and conditions == [statement.count("normalized_name") for statement in few]


def test_a_compound_is_tried_only_with_the_names_of_its_group_that_a_key_holding_its_rest_starts_with(monkeypatch):
    """The rest of "Ansar Front wa Diyala" after a name of Ansar Front is "wadiyala". Tried after each of a group's many
    names, that is thousands of lookups (35 ms for a query at a million aliases): the search keys that hold the rest
    say which names it may follow. The same compounds come out, less those that name nothing, and the same group is
    found; a group of few names, a rest held by more keys than are read, or one too short for the trigram index, is
    tried after every name as before."""
    ansar = GroupFactory(name="Ansar Front")
    GroupFactory(name="Ansar Brigade Wa Diyala Branch")  # starts with another name of the group, then the rest
    GroupFactory(name="Liwa Wa Diyala")  # holds the rest after a name of another group
    AliasFactory(group=ansar, name="Ansar Brigade")
    AliasFactory.create_batch(40, group=ansar)
    every = {normalize_name(name) + "wadiyala" for name in [ansar.name, *ansar.aliases.values_list("name", flat=True)]}
    names = selectors._PublicNames()
    assert names.compounds({ansar.pk}, "wadiyala") == every  # 42 names: each is tried
    found = [match.group.name for match in search_groups("Ansar Front wa Diyala")]
    assert found[0] == "Ansar Brigade Wa Diyala Branch"

    monkeypatch.setattr(selectors, "COMPOUND_PROBES", 10)
    assert names.compounds({ansar.pk}, "wadiyala") == {"ansarbrigadewadiyala"}
    assert [match.group.name for match in search_groups("Ansar Front wa Diyala")] == found
    assert names.compounds({ansar.pk}, "k") == {key.removesuffix("wadiyala") + "k" for key in every}  # too short
    monkeypatch.setattr(selectors, "COMPOUND_KEYS_READ", 1)  # "wadiyala" is held by two keys
    assert names.compounds({ansar.pk}, "wadiyala") == every


def test_a_query_too_short_for_the_trigram_index_reads_the_keys_starting_with_it_first():
    """ "QX" holds no trigram, so the trigram index cannot find the keys that hold it and every key was read (21 ms for
    "F.I.E." at a million aliases). The keys that start with it rank first and their index finds them; those that only
    hold it are read when these leave room, and the same groups come out in the same order."""
    GroupFactory(name="Qx Front")
    GroupFactory(name="Qx Brigade")
    GroupFactory(name="Liwa Qx")

    def searched(limit: int) -> tuple[list[str], list[str]]:
        """The groups found, and the conditions the keys were read by."""
        with CaptureQueriesContext(connection) as captured:
            found = [match.group.name for match in search_groups("QX", limit=limit)]
        keys = [query["sql"] for query in captured.captured_queries if 'FROM "groups_searchkey"' in query["sql"]]
        return found, [sql.split(" WHERE ", 1)[1].split(" ORDER BY ", 1)[0] for sql in keys]

    first, conditions = searched(2)
    assert sorted(first) == ["Qx Brigade", "Qx Front"]
    assert conditions == [""""groups_searchkey"."key"::text LIKE 'qx%'"""]
    every, conditions = searched(50)
    assert every == [*first, "Liwa Qx"] and len(conditions) == 3 and "LIKE '%qx%'" in conditions[1]


def test_names_are_read_for_their_keys_in_rank_order_by_one_probe_a_key():
    """The names of the best-ranked search keys, hundreds of keys at a time: an IN list of the keys and array_position
    over them took 9 ms to plan and run (`A.H.w`, 400 keys, at GTD scale). As one array of probes, the statement is the
    same size whatever the number of keys, and the names come in the keys' order, then their group's name, then their
    own: a group's spellings of one key always come in the same order, so a search always says the same name."""
    front = GroupFactory(name="Harkat Front")
    for name in ("Harrkat Front", "Harkkat Front"):  # other spellings of the group's own key
        AliasFactory(group=front, name=name)
    brigade = GroupFactory(name="Alpha Brigade")
    AliasFactory(group=brigade, name="Harkat Front")  # the same key, a group earlier in the alphabet
    AliasFactory(group=brigade, name="Brigade Zulu", publication_status=PublicationStatus.DRAFT)
    zulu = GroupFactory(name="Zulu Front")
    keys = [normalize_name("Brigade Zulu"), normalize_name("Zulu Front"), normalize_name("Harkat Front")]

    with CaptureQueriesContext(connection) as few:
        names = selectors._public_names_by_rank(keys, 10)
    assert names == [
        (zulu.pk, "Zulu Front", keys[1]),  # the draft alias of the first key is no public name
        (brigade.pk, "Harkat Front", keys[2]),
        (front.pk, "Harkat Front", keys[2]),
        (front.pk, "Harkkat Front", keys[2]),
        (front.pk, "Harrkat Front", keys[2]),
    ]
    assert selectors._public_names_by_rank(keys, 2) == names[:2]
    with CaptureQueriesContext(connection) as many:
        selectors._public_names_by_rank([*keys, *(f"unknownkey{n}" for n in range(300))], 10)
    (few_sql,), (many_sql,) = [query["sql"] for query in few], [query["sql"] for query in many]
    assert many_sql.count("unknownkey299") == 1 and "array_position" not in many_sql and " IN (" not in many_sql
    assert many_sql.count("normalized_name") == few_sql.count("normalized_name")
    assert [match.matched_name for match in search_groups("Harkat Front")] == ["Harkat Front", ""]
