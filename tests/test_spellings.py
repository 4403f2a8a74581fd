"""One table of spellings researchers and articles use, and the group each names: the mention detector and the public
search must both answer it, so the two cannot drift apart. Spellings come from the seed articles and their variants."""

import pytest

from groups.selectors import search_groups
from intake.mentions import detect, known_names_index
from sampledata.demo_data import load_demo_data

pytestmark = pytest.mark.django_db

SPELLINGS = {
    # Tehrik-e-Taliban Pakistan: izafat and transliteration variants, and the name without "Pakistan"
    "Tehrik-e-Taliban Pakistan": "tehrik-e-taliban-pakistan",
    "Tehreek-e-Taliban Pakistan": "tehrik-e-taliban-pakistan",
    "Tehrik-e Taliban Pakistan": "tehrik-e-taliban-pakistan",
    "Tehrik-i-Taliban Pakistan": "tehrik-e-taliban-pakistan",
    "tehreek e taliban pakistan": "tehrik-e-taliban-pakistan",
    "Tehrik-i-Taliban": "tehrik-e-taliban-pakistan",
    "Tehreek-e-Taliban": "tehrik-e-taliban-pakistan",
    "Tehrik-e Taliban": "tehrik-e-taliban-pakistan",
    "tehreek e taliban": "tehrik-e-taliban-pakistan",
    "Pakistani Taliban": "tehrik-e-taliban-pakistan",
    "Taliban": "afghan-taliban",
    # Islamic State Khorasan Province: another name of the Islamic State with the province's suffix
    "IS-K": "islamic-state-khorasan-province",
    "IS-KP": "islamic-state-khorasan-province",
    "ISIS-K": "islamic-state-khorasan-province",
    "ISIL-K": "islamic-state-khorasan-province",
    "ISIS-KP": "islamic-state-khorasan-province",
    "IS-Khorasan": "islamic-state-khorasan-province",
    "ISIS-Khorasan": "islamic-state-khorasan-province",
    "Daesh-Khorasan": "islamic-state-khorasan-province",
    "Islamic State-Khorasan": "islamic-state-khorasan-province",
    "Islamic State Khorasan": "islamic-state-khorasan-province",
    # the provinces announced in 2019
    "IS-Hind": "islamic-state-hind-province",
    "IS-Pakistan": "islamic-state-pakistan-province",
    "Islamic State Pakistan Province": "islamic-state-pakistan-province",
    # the Islamic State itself
    "ISIS": "islamic-state",
    "Daish": "islamic-state",
    "DAESH": "islamic-state",
    # al-Qaeda and its friends
    "al-Qa'ida": "al-qaeda",
    "Al Qaeda": "al-qaeda",
    "al-Qāʿida": "al-qaeda",
    "Ansar-al-Sharia": "ansar-al-sharia-pakistan",
    "Ansar al-Sharia Pakistan": "ansar-al-sharia-pakistan",
    "Lashkar-i-Jhangvi": "lashkar-e-jhangvi",
    "Lashkar e Jhangvi": "lashkar-e-jhangvi",
    "Lashkar-e-Jhangvi Al-Alami": "lashkar-e-jhangvi-al-alami",
    "Lashkar-e-Jhangvi-al-Alami": "lashkar-e-jhangvi-al-alami",
    "Sipah-e-Sahaba Pakistan": "sipah-sahaba-pakistan",
    "Sipah-e-Sahaba": "sipah-sahaba-pakistan",
    "Jaish-e-Muhammad": "jaish-e-muhammad",
}


def named_in_a_sentence(spelling: str, index) -> str:
    """The group a sentence holding the spelling names, as the detector reports it; anything else says what it found."""
    found = detect(f"Officials said {spelling} fighters attacked the post.", index)
    named = [(entry.group.slug, [m.written for m in entry.mentions]) for entry in found.groups]
    if len(named) == 1 and named[0][1] == [spelling] and not found.ambiguous and not found.possible_names:
        return named[0][0]
    return f"{named}, ambiguous {[a.written for a in found.ambiguous]}, possible {[p.name for p in found.possible_names]}"


def test_an_article_names_the_group_of_each_spelling():
    load_demo_data()
    index = known_names_index()
    assert {spelling: named_in_a_sentence(spelling, index) for spelling in SPELLINGS} == SPELLINGS


def test_the_search_finds_the_group_of_each_spelling_first():
    load_demo_data()
    assert {spelling: search_groups(spelling)[0].group.slug for spelling in SPELLINGS} == SPELLINGS
