"""Group names built from parts, and the other names a source may give the same group.

A name is a list of pieces (a word, an izafat "-e-", an Arabic article "al-"…), so that each
spelling operation (Tehreek → Tehrik, -e- → -i-, al- → ash-, a doubled letter) acts on the right
piece, and translations, acronyms and the Arabic-script form can be read from the same parts.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field

from groups.models import AliasKind

from .vocabulary import (
    ARABIC,
    ARABIC_HEADS,
    ARABIC_PLACES,
    ARABIC_TAILS,
    ENGLISH,
    ENGLISH_ADJECTIVES,
    ENGLISH_NOUNS,
    LONG_VOWELS,
    MARTYRS,
    PEJORATIVES,
    SPANISH,
    SPANISH_ADJECTIVES,
    SPANISH_COMPLEMENTS,
    SPANISH_NOUNS,
    SPELLINGS,
    SUN_LETTERS,
    URDU,
    URDU_HEADS,
    URDU_TAILS,
    Country,
)

WORD, SEP, SMALL, IZAFAT, UL, ARTICLE, WAL = "word", "sep", "small", "izafat", "ul", "article", "wal"
IZAFAT_FORMS = ("-e-", "-i-", " e ", " i ", "-e ", "-i ")
UL_FORMS = ("-ul-", " ul ", "-ul ", " ul-")
WAL_FORMS = ("wal-", "wa al-", "wa'l-", "wal ")
VOWELS = set("aeiouAEIOU")
SPELLING_CHANCE = 0.4  # per piece: most variants differ from the name in one or two places


@dataclass
class Name:
    style: str
    pieces: list[tuple[str, str]]
    translation: str = ""
    arabic: str = ""
    place: str = ""
    without_place: list[tuple[str, str]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return render(self.pieces)


def render(pieces: list[tuple[str, str]]) -> str:
    return "".join(text for _, text in pieces)


def _words(text: str, kind: str = WORD) -> list[tuple[str, str]]:
    pieces: list[tuple[str, str]] = []
    for index, word in enumerate(text.split(" ")):
        if index:
            pieces.append((SEP, " "))
        pieces.append((SMALL if word in {"de", "del", "la", "los", "of", "for", "the", "ibn", "in", "fi"} else kind, word))
    return pieces


def make_name(rng: random.Random, style: str, country: Country) -> Name:
    return {URDU: _urdu, ARABIC: _arabic, ENGLISH: _english, SPANISH: _spanish}[style](rng, country)


def _urdu(rng: random.Random, country: Country) -> Name:
    head, tail = rng.choice(list(URDU_HEADS)), rng.choice(list(URDU_TAILS))
    ul = rng.random() < 0.2
    pieces = [(WORD, head), (UL, "-ul-") if ul else (IZAFAT, "-e-"), (WORD, tail)]
    meaning = f"{URDU_HEADS[head]} of {URDU_TAILS[tail]}"
    if rng.random() < 0.1:
        second = rng.choice([t for t in URDU_TAILS if t != tail])
        pieces += [(IZAFAT, "-e-"), (WORD, second)]
        meaning += f" and {URDU_TAILS[second]}"
    name = Name(URDU, pieces, without_place=list(pieces))
    if rng.random() < 0.45:
        name.place = rng.choice(country.places)
        name.pieces = pieces + [(SEP, " "), *_words(name.place)]
        meaning += f" in {name.place}"
    name.translation = meaning
    return name


def _arabic(rng: random.Random, country: Country) -> Name:
    head = rng.choice(list(ARABIC_HEADS))
    head_meaning, head_arabic = ARABIC_HEADS[head]
    if rng.random() < 0.08:  # a brigade named after a figure: no article, no Arabic form here
        pieces = [*_words(head), (SEP, " "), *_words(rng.choice(MARTYRS))]
        return Name(ARABIC, pieces, without_place=list(pieces))
    tail = rng.choice(list(ARABIC_TAILS))
    tail_meaning, tail_arabic = ARABIC_TAILS[tail]
    pieces = [*_words(head), (SEP, " "), (ARTICLE, "al-"), (WORD, tail)]
    meaning, arabic = f"{head_meaning} of {tail_meaning}", f"{head_arabic} {tail_arabic}"
    if rng.random() < 0.1:
        second = rng.choice([t for t in ARABIC_TAILS if t != tail])
        pieces += [(SEP, " "), (WAL, "wal-"), (WORD, second)]
        meaning += f" and {ARABIC_TAILS[second][0]}"
        arabic += f" و{ARABIC_TAILS[second][1]}"
    name = Name(ARABIC, pieces, without_place=list(pieces))
    draw = rng.random()
    if draw < 0.35:
        name.place = rng.choice(country.places)
        preposition = "fi" if draw < 0.15 else "in"
        name.pieces = pieces + [(SEP, " "), (SMALL, preposition), (SEP, " "), *_words(name.place)]
        meaning += f" in {name.place}"
        arabic = f"{arabic} في {ARABIC_PLACES[name.place]}" if name.place in ARABIC_PLACES else ""
    name.translation, name.arabic = meaning, arabic
    return name


def _english(rng: random.Random, country: Country) -> Name:
    people, place = rng.choice(country.peoples), rng.choice(country.places)
    adjective, noun = rng.choice(ENGLISH_ADJECTIVES), rng.choice(ENGLISH_NOUNS)
    if rng.random() < 0.2:
        adjective = f"{rng.choice([a for a in ENGLISH_ADJECTIVES if a != adjective])} {adjective}"
    draw = rng.random()
    if draw < 0.5:
        text = f"{people} {adjective} {noun}"
    elif draw < 0.75:
        text = f"{adjective} {noun} {rng.choice(('for the Liberation of', 'for the Independence of', 'of'))} {place}"
    elif draw < 0.88:
        text = f"{rng.choice(MARTYRS)} Martyrs {rng.choice(('Brigade', 'Battalion', 'Group'))}"
    else:
        text = rng.choice((f"New {people} Army", f"{place} Resistance Movement", f"{place} Defence Forces", f"{people} {noun} of {place}"))
    pieces = _words(text)
    return Name(ENGLISH, pieces, without_place=list(pieces))


def _spanish(rng: random.Random, country: Country) -> Name:
    noun = rng.choice(list(SPANISH_NOUNS))
    gender, noun_meaning = SPANISH_NOUNS[noun]
    form = {"m": 0, "f": 1, "fp": 2}[gender]
    adjectives = rng.sample(list(SPANISH_ADJECTIVES), 2 if rng.random() < 0.3 else 1)
    if rng.random() < SPELLING_CHANCE:
        complement = rng.choice(list(SPANISH_COMPLEMENTS))
        complement_meaning = SPANISH_COMPLEMENTS[complement]
    else:
        place = rng.choice(country.places)
        complement, complement_meaning = f"de {place}", f"of {place.removeprefix('los ')}"
    text = " ".join([noun, *(adjective[form] for adjective in adjectives), complement])
    meaning = " ".join([*(SPANISH_ADJECTIVES[adjective] for adjective in adjectives), noun_meaning, complement_meaning])
    pieces = _words(text)
    return Name(SPANISH, pieces, translation=meaning, without_place=list(pieces))


# Spellings of one name, as sources write it.


def spelling_variant(rng: random.Random, name: Name) -> str:
    """One way a source might spell `name`: each spelling choice is made or not at random."""
    pieces = list(name.pieces)
    for index, (kind, text) in enumerate(pieces):
        if kind == WORD and text in SPELLINGS and rng.random() < SPELLING_CHANCE:
            pieces[index] = (kind, rng.choice(SPELLINGS[text]))
        elif kind == IZAFAT and rng.random() < SPELLING_CHANCE:
            pieces[index] = (kind, rng.choice(IZAFAT_FORMS))
        elif kind == UL and rng.random() < SPELLING_CHANCE:
            pieces[index] = (kind, rng.choice(UL_FORMS))
        elif kind == WAL and rng.random() < SPELLING_CHANCE:
            pieces[index] = (kind, rng.choice(WAL_FORMS))
        elif kind == ARTICLE and rng.random() < SPELLING_CHANCE:
            pieces[index] = (kind, _article_form(rng, pieces[index + 1][1]))
    words = [index for index, (kind, text) in enumerate(pieces) if kind == WORD and len(text) >= 5 and text.isalpha()]
    if words and rng.random() < (0.15 if name.style in (URDU, ARABIC) else 0.05):  # Jhangvi / Jhanggvi
        index = rng.choice(words)
        pieces[index] = (WORD, _double_a_letter(rng, pieces[index][1]))
    if words and name.style in (URDU, ARABIC) and rng.random() < 0.05:  # Nusra / Nusrā: scholarly spelling
        index = rng.choice(words)
        pieces[index] = (WORD, _long_vowel(rng, pieces[index][1]))
    text = render(pieces)
    if name.style == ENGLISH and rng.random() < 0.3:
        text = f"The {text}"
    if name.style == SPANISH and rng.random() < 0.4:
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return text


def _article_form(rng: random.Random, word: str) -> str:
    forms = ["al-", "al ", "el-"]
    lowered = word.lower()
    sun = next((letters for letters in sorted(SUN_LETTERS, key=len, reverse=True) if lowered.startswith(letters)), None)
    if sun and sun != "l":
        forms.append(f"a{sun}-")
    return rng.choice(forms)


def _double_a_letter(rng: random.Random, word: str) -> str:
    positions = [i for i in range(1, len(word) - 1) if word[i] not in VOWELS and word[i] != word[i + 1] and word[i] != word[i - 1]]
    if not positions:
        return word
    i = rng.choice(positions)
    return word[: i + 1] + word[i] + word[i + 1 :]


def _long_vowel(rng: random.Random, word: str) -> str:
    positions = [i for i in range(1, len(word)) if word[i] in LONG_VOWELS]
    if not positions:
        return word
    i = rng.choice(positions)
    return word[:i] + LONG_VOWELS[word[i]] + word[i + 1 :]


def acronym(rng: random.Random, name: Name) -> str:
    """TTP, LeJ, HuM, JaN, BLA, ELN: the initials of the words, with the izafat or article in lower case when sources keep it."""
    letters = []
    keep_connectors = rng.random() < 0.5
    for kind, text in name.pieces:
        if kind == WORD:
            letters.extend(part[0].upper() for part in text.split("-") if part and part[0].isalpha())
        elif kind == IZAFAT and keep_connectors:
            letters.append("e")
        elif kind == UL:
            letters.append("u")
        elif kind == ARTICLE and keep_connectors:
            letters.append("a")
        elif kind == WAL:
            letters.append("w")
    return "".join(letters)


@dataclass(frozen=True)
class Candidate:
    name: str
    kind: str
    language: str = ""
    script: str = ""


def other_names(rng: random.Random, name: Name, *, adjective: str, former: Name | None) -> list[Candidate]:
    """The names a group may be recorded under, most common first; the caller keeps as many as it needs."""
    candidates: list[Candidate] = []
    initials = acronym(rng, name)
    if len(initials) >= 3:
        candidates.append(Candidate(initials, AliasKind.ACRONYM))
    for _ in range(3):
        candidates.append(Candidate(spelling_variant(rng, name), AliasKind.VARIANT))
    if name.translation:
        candidates.append(Candidate(name.translation, AliasKind.TRANSLATION, "en", "Latn"))
    if name.arabic:
        candidates.append(Candidate(name.arabic, AliasKind.SELF_DESIGNATION, "ar", "Arab"))
    if name.place:
        candidates.append(Candidate(render(name.without_place), AliasKind.SHORT_FORM))
    if former is not None:
        candidates.append(Candidate(former.text, AliasKind.FORMER_NAME))
    if len(initials) >= 3 and rng.random() < 0.5:
        candidates.append(Candidate(".".join(initials) + ".", AliasKind.ACRONYM))
    if name.place and name.style in (URDU, ARABIC) and rng.random() < 0.08:
        tail = next(text for kind, text in reversed(name.without_place) if kind == WORD)
        candidates.append(Candidate(f"the {adjective} {tail}", AliasKind.EXONYM))
    if rng.random() < 0.03:
        candidates.append(Candidate(rng.choice(PEJORATIVES[name.style]), AliasKind.PEJORATIVE))
    for _ in range(40):
        candidates.append(Candidate(spelling_variant(rng, name), AliasKind.VARIANT))
    return candidates
