"""Finding the groups an article names: the seed articles, spellings, short acronyms, shared names, possible new names."""

from pathlib import Path

import pytest

from groups.models import Alias, Group
from intake import mentions
from intake.mentions import build_index, detect, find_mentions, known_names_index
from kb.services import record_save
from sampledata.demo_data import DEMO_DATA_FILE, load_demo_data
from sources.models import Citation
from sources.text import check_quote
from tests.factories import AliasFactory, GroupFactory, SourceFactory, UserFactory

ARTICLES = Path(DEMO_DATA_FILE.parent, "articles")

# The groups a reader sees named in each seed article (by any of their names), listed by hand from the texts.
NAMED_IN_ARTICLE = {
    "f7782534bcd9eed8": {"al-qaeda", "islamic-state", "ansar-al-sharia-pakistan", "al-qaeda-in-the-indian-subcontinent"},
    "7e387616d233ec26": {"islamic-state", "tehrik-e-taliban-pakistan", "sipah-sahaba-pakistan", "jaish-e-muhammad"},
    "e3ca868f480167ee": {"islamic-state", "al-qaeda", "lashkar-e-jhangvi", "lashkar-e-jhangvi-al-alami", "tehrik-e-taliban-pakistan"},
    "4066d30c1cf974a5": {"islamic-state", "islamic-state-khorasan-province", "afghan-taliban", "tehrik-e-taliban-pakistan"},
    "e1e0ecb0cfdc4e01": {
        "islamic-state", "islamic-state-khorasan-province", "islamic-state-pakistan-province", "islamic-state-hind-province",
        "tehrik-e-taliban-pakistan", "afghan-taliban", "al-qaeda",
    },
}  # fmt: skip


def article(key: str) -> str:
    (path,) = ARTICLES.glob(f"*_{key}.txt")
    return path.read_text(encoding="utf-8")


def index_of(groups: dict[str, list[str | tuple[str, str]]]) -> mentions.MentionIndex:
    """An index without the database: {group name: [alias, (alias, kind)…]}; group ids are their positions."""
    group_rows, alias_rows = [], []
    for number, (name, aliases) in enumerate(groups.items()):
        group_rows.append({"id": number, "slug": name.lower().replace(" ", "-"), "name": name})
        for alias in aliases:
            alias, kind = alias if isinstance(alias, tuple) else (alias, "variant")
            alias_rows.append({"group": number, "name": alias, "kind": kind})
    return build_index(group_rows, alias_rows)


def named(text: str, index) -> dict[str, list[str]]:
    """{group slug: the names as written, in order}."""
    return {entry.group.slug: [m.written for m in entry.mentions] for entry in detect(text, index).groups}


ISLAMIC_STATE = {"Islamic State": [("IS", "acronym"), ("ISIS", "acronym"), "Daesh"]}


# --- The seed articles, against the demo data in the database -------------------------------------------------


@pytest.mark.django_db
def test_each_seed_article_names_exactly_the_groups_a_reader_sees():
    load_demo_data()
    assert set().union(*NAMED_IN_ARTICLE.values()) == set(Group.objects.values_list("slug", flat=True))  # every demo group
    index = known_names_index()
    for key, expected in NAMED_IN_ARTICLE.items():
        found = detect(article(key), index)
        assert {entry.group.slug for entry in found.groups} == expected, key
        assert found.ambiguous == []


@pytest.mark.django_db
def test_every_alias_the_demo_data_cites_is_found_in_its_quote():
    load_demo_data()
    index = known_names_index()
    citations = Citation.objects.filter(alias__isnull=False).select_related("alias__group")
    assert citations.count() >= 20
    for citation in citations:
        assert citation.alias.group.slug in named(citation.quote, index), (citation.alias.name, citation.quote)


@pytest.mark.django_db
def test_no_common_word_is_taken_for_a_name_in_the_seed_articles():
    load_demo_data()
    index = known_names_index()
    for key in NAMED_IN_ARTICLE:
        text = article(key)
        for mention in find_mentions(text, index):
            assert mention.written.casefold() not in {"this", "state", "al", "his", "the"}, mention
            assert not text[mention.start - 1 : mention.start].isalnum() and not text[mention.end : mention.end + 1].isalnum()
            if mention.written.casefold() == "is":
                assert mention.written == "IS"


def test_the_seed_articles_quote_sentences_that_hold_each_mention():
    index = index_of({**ISLAMIC_STATE, "Islamic State Khorasan Province": [("IS-K", "acronym"), "Islamic State-Khorasan"]})
    text = article("4066d30c1cf974a5")
    found = detect(text, index)
    (iskp,) = [entry for entry in found.groups if entry.group.slug == "islamic-state-khorasan-province"]
    assert len(iskp.sentences) >= 10
    for sentence in iskp.sentences:
        assert check_quote(sentence.text, text).found
        assert any(sentence.start <= m.start < sentence.end for m in iskp.mentions)
    assert iskp.sentences[0].text.startswith("Experts believe IS-K militants have moved")


# --- Spellings and transliterations ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, slug, written",
    [
        ("Fighters loyal to Daish crossed the border.", "islamic-state", "Daish"),
        ("It is known as DAESH to its critics.", "islamic-state", "DAESH"),
        ("A surge in attacks by the Tehrik-e Taliban Pakistan followed.", "tehrik-e-taliban-pakistan", "Tehrik-e Taliban Pakistan"),
        ("The Tehrik-i-Taliban Pakistan denied it.", "tehrik-e-taliban-pakistan", "Tehrik-i-Taliban Pakistan"),
        ("Members of tehreek e taliban pakistan were held.", "tehrik-e-taliban-pakistan", "tehreek e taliban pakistan"),
        ("The group was formed by al-Qa'ida veterans.", "al-qaeda", "al-Qa'ida"),
        ("Al Qaeda’s leaders fled.", "al-qaeda", "Al Qaeda"),
        ("Fighters of al-Qāʿida were seen.", "al-qaeda", "al-Qāʿida"),
        ("The IS-K claimed it.", "islamic-state-khorasan-province", "IS-K"),
        ("Lashkar-i-Jhangvi and Lashkar e Jhangvi are one.", "lashkar-e-jhangvi", "Lashkar-i-Jhangvi"),
    ],
)
def test_spellings_and_transliterations_are_found(text, slug, written):
    index = index_of(
        {
            **ISLAMIC_STATE,
            "Tehrik-e-Taliban Pakistan": [("TTP", "acronym")],
            "al-Qaeda": ["al-Qaida"],
            "Islamic State Khorasan Province": [("IS-K", "acronym"), ("ISKP", "acronym")],
            "Lashkar-e-Jhangvi": [("LeJ", "acronym")],
        }
    )
    assert named(text, index)[slug][0] == written


def test_a_name_with_an_apostrophe_s_is_found_with_and_without_a_possessive():
    index = index_of({"People's Mujahedin Organization": ["People's Mujahedin"]})
    assert named("The People's Mujahedin and the People’s Mujahedin’s office.", index) == {
        "people's-mujahedin-organization": ["People's Mujahedin", "People’s Mujahedin"]
    }


def test_the_longest_name_wins_where_names_overlap():
    index = index_of(
        {
            **ISLAMIC_STATE,
            "Islamic State Pakistan Province": ["Pakistan Province"],
            "Afghan Taliban": ["Taliban"],
            "TTP group": ["Pakistani Taliban"],
        }
    )
    found = named("The Islamic State Pakistan Province said the Pakistani Taliban and the Taliban were rivals.", index)
    assert found == {
        "islamic-state-pakistan-province": ["Islamic State Pakistan Province"],
        "ttp-group": ["Pakistani Taliban"],
        "afghan-taliban": ["Taliban"],
    }


# --- Compounds ------------------------------------------------------------------------------------------------


def test_a_compound_of_a_known_name_is_not_given_to_the_shorter_names_group():
    index = index_of({**ISLAMIC_STATE, "Afghan Taliban": ["Taliban"]})
    found = detect("ISIS-K claimed it, and the Tehrik-i-Taliban denied it; IS-Sahel said nothing.", index)
    assert found.groups == [] and found.ambiguous == []
    assert {possible.name for possible in found.possible_names} == {"ISIS-K", "IS-Sahel", "Tehrik-i-Taliban"}


def test_a_compound_is_read_as_another_name_of_the_same_group_with_the_same_suffix():
    index = index_of({**ISLAMIC_STATE, "Islamic State Khorasan Province": [("IS-K", "acronym"), "Islamic State-Khorasan"]})
    assert named("ISIS-K, Daesh-Khorasan and IS-Khorasan are one; ISIS and IS are another.", index) == {
        "islamic-state-khorasan-province": ["ISIS-K", "Daesh-Khorasan", "IS-Khorasan"],
        "islamic-state": ["ISIS", "IS"],
    }


def test_a_compound_that_begins_several_groups_names_is_ambiguous():
    index = index_of({"Tehrik-e-Taliban Pakistan": [], "Tehrik-e-Taliban Swat": [], "Afghan Taliban": ["Taliban"]})
    found = detect("The Tehrik-i-Taliban claimed it.", index)
    (ambiguous,) = found.ambiguous
    assert ambiguous.written == "Tehrik-i-Taliban"
    assert {group.slug for group in ambiguous.candidates} == {"tehrik-e-taliban-pakistan", "tehrik-e-taliban-swat"}
    assert found.groups == []


def test_a_name_qualified_by_lower_case_words_in_a_compound_is_found():
    index = index_of({**ISLAMIC_STATE, "al-Qaeda": [], "Afghan Taliban": ["Taliban"], "Tehrik-e-Taliban Pakistan": [("TTP", "acronym")]})
    text = "An al-Qaeda-inspired cell, anti-Taliban militias, TTP-linked men and an IS-claimed attack; the Taliban's rule."
    assert named(text, index) == {
        "al-qaeda": ["al-Qaeda"],
        "afghan-taliban": ["Taliban", "Taliban"],
        "tehrik-e-taliban-pakistan": ["TTP"],
        "islamic-state": ["IS"],
    }


def test_a_possessive_after_an_acronym_ending_in_s():
    index = index_of({"al-Qaeda in the Indian Subcontinent": [("AQIS", "acronym")], **ISLAMIC_STATE})
    assert named("Much of AQIS’s power, and ISIS's, is in Karachi.", index) == {
        "al-qaeda-in-the-indian-subcontinent": ["AQIS"],
        "islamic-state": ["ISIS"],
    }


# --- Short names and acronyms ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "This is what it is: the state of things, his island, Isis the goddess is here.",
        "Is it over? It is.",
        "Published Oct 26, 2016, 6:50 pm IST",
        "The Isil river and the isis flower.",
    ],
)
def test_common_words_are_never_taken_for_acronyms(text):
    assert named(text, index_of(ISLAMIC_STATE)) == {}


def test_an_acronym_written_with_its_capitals_is_found_inside_prose():
    found = named("Sources say IS working in Karachi since July 2014, and that ISIS (IS) recruited there.", index_of(ISLAMIC_STATE))
    assert found == {"islamic-state": ["IS", "ISIS", "IS"]}


def test_an_acronym_among_capitals_needs_a_longer_name_nearby():
    index = index_of({**ISLAMIC_STATE, "Lashkar-e-Jhangvi": [("LeJ", "acronym")]})
    assert named("BREAKING: IS CLAIMS ATTACK\n\nPolice said nothing.", index) == {}
    assert named("BREAKING: IS CLAIMS ATTACK\n\nThe Islamic State said it carried out the raid.", index) == {
        "islamic-state": ["IS", "Islamic State"]
    }
    assert named("LEJ said so.", index) == {}  # capitals where the name has lower case: not enough on its own
    assert named("LEJ said so, and Lashkar-e-Jhangvi confirmed it.", index) == {"lashkar-e-jhangvi": ["LEJ", "Lashkar-e-Jhangvi"]}
    assert named("Lej said so, and Lashkar-e-Jhangvi confirmed it.", index) == {"lashkar-e-jhangvi": ["Lashkar-e-Jhangvi"]}


def test_a_longer_name_far_away_does_not_confirm_a_shouted_acronym():
    text = "IS NEWS TODAY\n\n" + "Nothing to report here. " * 30 + "The Islamic State said it."
    assert named(text, index_of(ISLAMIC_STATE)) == {"islamic-state": ["Islamic State"]}


def test_a_menu_of_capitals_names_no_group():
    index = index_of({"Sindh Militia": [("SM", "acronym")], "Lashkar Group": [("LG", "acronym")]})
    assert named("Share this article\nXS\nSM\nMD\nLG", index) == {}


# --- Shared names ----------------------------------------------------------------------------------------------


def test_a_shared_name_is_ambiguous_unless_the_text_names_one_of_its_groups():
    index = index_of({"Jaish al-Adl": ["The Front"], "Jabhat al-Nusra": ["The Front", "Nusra Front"]})
    found = detect("The Front claimed the attack.", index)
    assert found.groups == []
    (ambiguous,) = found.ambiguous
    assert (ambiguous.written, {g.slug for g in ambiguous.candidates}) == ("Front", {"jaish-al-adl", "jabhat-al-nusra"})
    assert ambiguous.sentences[0].text == "The Front claimed the attack."
    resolved = detect("The Front claimed the attack. Nusra Front fighters were seen.", index)
    assert resolved.ambiguous == []
    assert [(entry.group.slug, [m.written for m in entry.mentions]) for entry in resolved.groups] == [
        ("jabhat-al-nusra", ["Front", "Nusra Front"])
    ]


# --- Possible new names ----------------------------------------------------------------------------------------


def test_names_that_look_like_groups_and_match_none_are_listed():
    index = index_of({**ISLAMIC_STATE, "Lashkar-e-Jhangvi": [("LeJ", "acronym")], "Khorasan Province": []})
    text = (
        "The attack was carried out by the Al-Alami faction of the Lashkar-e-Jhangvi (LeJ) group. "
        "The Islamic State group claimed it, as did Tehreek-e-Labbaik Pakistan and Jamaat ul Ahrar. "
        "A major Pakistani militant group said so. Several separatist Baluch groups are active. "
        "Islamic State Sahel Province fighters, the SITE Intelligence Group says, and the Khorasan Province agree."
    )
    found = detect(text, index)
    names = [possible.name for possible in found.possible_names]
    assert sorted(names) == sorted(
        ["Al-Alami", "Tehreek-e-Labbaik Pakistan", "Jamaat ul Ahrar", "Islamic State Sahel Province", "SITE Intelligence Group"]
    )
    (al_alami,) = [possible for possible in found.possible_names if possible.name == "Al-Alami"]
    assert al_alami.sentences[0].text.startswith("The attack was carried out by the Al-Alami faction")


def test_the_seed_articles_suggest_the_names_a_reader_would_check():
    load_index = index_of(
        {
            **ISLAMIC_STATE,
            "Lashkar-e-Jhangvi": [("LeJ", "acronym")],
            "Lashkar-e-Jhangvi Al-Alami": ["LeJ Al-Alami"],
            "al-Qaeda": [],
            "Pakistani Taliban": [],
        }
    )
    assert [p.name for p in detect(article("e3ca868f480167ee"), load_index).possible_names] == ["Al-Alami"]


# --- The index in the database ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_index_is_rebuilt_when_a_name_changes_and_kept_when_other_data_does():
    user = UserFactory()
    group = GroupFactory(name="Islamic State")
    first = known_names_index()
    assert known_names_index() is first
    assert "IS" not in [m.written for m in find_mentions("IS claimed it.", first)]

    SourceFactory()  # another kind of record: the data version moves, the names do not
    assert known_names_index() is first

    record_save(instance=Alias(group=group, name="IS", kind="acronym"), user=user, reason="Name used in the article")
    second = known_names_index()
    assert second is not first
    assert [m.written for m in find_mentions("IS claimed it.", second)] == ["IS"]

    alias = Alias.objects.get()
    alias.name = "ISIS"
    record_save(instance=alias, user=user, reason="Spelling")
    assert [m.written for m in find_mentions("IS and ISIS.", known_names_index())] == ["ISIS"]


@pytest.mark.django_db
def test_draft_groups_and_aliases_are_found_too():
    group = GroupFactory(name="Tehreek-e-Labbaik Pakistan", slug="tlp", publication_status="draft")
    AliasFactory(group=group, name="TLP", kind="acronym", publication_status="draft")
    found = detect("Supporters of the TLP marched.", known_names_index())
    assert [(entry.group.slug, entry.group.publication_status) for entry in found.groups] == [("tlp", "draft")]
