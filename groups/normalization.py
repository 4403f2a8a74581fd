"""How names are cut into words and folded: where spellings and transliterations of one name meet.

"Tehreek-e-Taliban", "Tehrik-e Taliban" and "Tehrik-i-Taliban" all become
"tehriktaliban"; "al-Qaida", "Al Qaeda" and "al-Qa'ida" become "alqaida";
"Daesh" and "Daish" become "daish". One tokenizer (`name_words`) serves names,
search queries and running text: `normalize_name` keys stored names and queries
with it, and `intake.mentions` reads articles with it, so a spelling that search
takes for a name is cut and folded the same way in an article.

A spelling no name matches whole, such as "ISIS-K" or "Tehrik-i-Taliban", is read
by `read_compound`, the same way for search and for articles.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import NamedTuple, Protocol

# Apostrophe-like marks inside transliterated Arabic names (Qa'ida, Qaʿida) join the letters around them.
JOINING_MARKS = "'\u2019\u2018\u02bf\u02be\u02bc`\u00b4"
_JOINING_MARKS = str.maketrans("", "", JOINING_MARKS)
# Hyphens that make one compound of the words around them (ISIS-K, Tehrik-i-Taliban, al-Qaeda-inspired).
HYPHENS = "-\u2010\u2011"
_IN_NAME_MARKS = frozenset(HYPHENS + ".")
_TOKEN_SPLIT = re.compile(r"[\W_]+")
# Accents written as separate combining characters belong to the letter before them.
_COMBINING = "\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u064b-\u065f\u0670\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_LETTERS = rf"(?:[^\W_]|[{_COMBINING}])"
_WORD = re.compile(rf"{_LETTERS}+(?:[{re.escape(JOINING_MARKS)}]{_LETTERS}+)*")
_MARKS = frozenset(JOINING_MARKS)
# The Urdu/Persian izafat "-e-"/"-i-" between two words (Lashkar-e-Jhangvi) is a spelling choice, not a word.
IZAFAT = frozenset({"e", "i", "y"})
_MIN_WORD_LENGTH = 5
_TRANSLITERATION_RULES = (
    (re.compile(r"ee"), "i"),  # Tehreek / Tehrik
    (re.compile(r"oo"), "u"),
    (re.compile(r"ae"), "ai"),  # Qaeda / Qaida, Daesh / Daish
    (re.compile(r"(\w)\1+"), r"\1"),  # Muhammad / Muhamad, Jhangvi / Jhanggvi
)


class NameWord(NamedTuple):
    """A word of a name or of running text. `text[start:end]` is the word as written."""

    start: int
    end: int
    key: str  # folded as in search keys; "" for an izafat, which keys leave out
    joined: bool  # one compound with the word before: written with a hyphen between them, or across an izafat
    possessive: bool  # ends in "'s", which a name may leave out: the name can end at `end - 2` ("al-Qaeda's")


def name_words(text: str) -> list[NameWord]:
    """The words of `text`, each folded as search keys are, and which of them form one compound.

    An izafat ("e", "i", "y" standing alone between two words; not the pronoun "I") has no key and joins the words
    either side of it into one compound, as a hyphen does.
    """
    words: list[NameWord] = []
    izafat_before, previous_end = False, -2
    for match in _WORD.finditer(text):
        start, end = match.span()
        token = match.group()
        key, possessive = _fold_token(token)
        joined = izafat_before or (previous_end == start - 1 and text[previous_end] in HYPHENS)
        if key in IZAFAT and words and not (token == "I" and _stands_alone(text, start, end)):
            words.append(NameWord(start, end, "", True, possessive))
            izafat_before = True
        else:
            words.append(NameWord(start, end, key, joined, possessive))
            izafat_before = False
        previous_end = end
    if izafat_before:  # the last word: an izafat stands between two words
        start, end, _, _, possessive = words[-1]
        joined = words[-2].key == "" or (words[-2].end == start - 1 and text[start - 1] in HYPHENS)
        words[-1] = NameWord(start, end, fold_word(text[start:end]), joined, possessive)
    return words


@functools.lru_cache(maxsize=65536)
def _fold_token(token: str) -> tuple[str, bool]:
    """A word's key, and whether it ends in a possessive "'s" (then its key is the word's, then "s": "al-Qaeda's")."""
    if token[-1] in "sS" and len(token) > 2 and token[-2] in _MARKS:
        return fold_word(token[:-2]) + "s", True
    return fold_word(token), False


def _stands_alone(text: str, start: int, end: int) -> bool:
    """The pronoun "I", as opposed to an izafat (Tehrik-I-Taliban) or a letter of an acronym (H.I.S.)."""
    return text[start - 1] not in _IN_NAME_MARKS and text[end : end + 1] not in _IN_NAME_MARKS


def name_keys(name: str) -> list[str]:
    """The keys of a name's words, as its search key joins them: no izafat, no leading "the"."""
    keys = [word.key for word in name_words(name) if word.key]
    return keys[1:] if len(keys) > 1 and keys[0] == "the" else keys


def normalize_name(name: str) -> str:
    """The search key of a name or a query."""
    return "".join(name_keys(name))


@functools.lru_cache(maxsize=65536)
def fold_word(word: str) -> str:
    """One word folded for search keys: case, accents, apostrophes, transliteration ("Tehreek" → "tehrik")."""
    word = unicodedata.normalize("NFKD", word)
    word = "".join(ch for ch in word if not unicodedata.combining(ch))
    word = word.casefold().translate(_JOINING_MARKS)
    return "".join(_fold_transliteration(token) for token in _TOKEN_SPLIT.split(word) if token)


def _fold_transliteration(token: str) -> str:
    # Acronyms (TTP, SSP, ISIS) are spelled one way; only words vary in transliteration.
    if len(token) < _MIN_WORD_LENGTH:
        return token
    for pattern, replacement in _TRANSLITERATION_RULES:
        token = pattern.sub(replacement, token)
    return token


# --- Compounds no name matches whole --------------------------------------------------------------------

MIN_PREFIX_LENGTH = 8  # key characters: a shorter compound ("Al-Ama", a person) is not read as the start of a longer name
COMPOUND_CANDIDATES = 20  # more groups than this for one compound: it is no name we can tell


class NameLookup(Protocol):
    """The known names, by search key: the mention index in memory, or the public names in the database."""

    def groups_named(self, keys: Iterable[str]) -> dict[str, set[int]]:
        """The groups known by each key, exactly."""

    def compounds(self, group_ids: Iterable[int], rest: str) -> set[str]:
        """`key + rest` for every key of these groups; or only those a known name's key is or starts with, the others
        naming nothing (fewer to look up)."""

    def names_starting_with(self, prefixes: Iterable[str]) -> Iterable[tuple[str, int]]:
        """(key, group id) for names whose key starts with one of the prefixes: `COMPOUND_CANDIDATES` names or more."""


def read_compound(parts: Sequence[str], lookup: NameLookup) -> set[int]:
    """The groups a compound spelling names when no known name is the whole of it; empty when it is none we know.

    `parts` are the keys of its words (no izafat). A known name at its front is the name of a group the rest
    qualifies: "ISIS-K" or "IS-Khorasan" is that group's name with the rest, so another name of the group with
    the same rest ("IS-K", "Islamic State-Khorasan") says which group is meant, as search finds it; "Taliban" at
    the end of "Tehrik-i-Taliban" is never read as the Afghan Taliban. Failing that, the names that start with the
    whole spelling ("Tehrik-i-Taliban" → "Tehrik-i-Taliban Pakistan"). A compound of a known name that neither
    explains is no group we know, not the shorter name's group.
    """
    parts = [part for part in parts if part]
    if len(parts) < 2:
        return set()
    whole = "".join(parts)
    heads = {"".join(parts[:n]): "".join(parts[n:]) for n in range(len(parts) - 1, 0, -1)}  # the longest known head wins
    named = lookup.groups_named(heads)
    head = next((head for head in heads if named.get(head)), None)
    if head is None:
        group_ids = _named_or_started({whole}, lookup)
    else:
        group_ids = _named_or_started(lookup.compounds(named[head], heads[head]) - {whole}, lookup)
    return group_ids if len(group_ids) <= COMPOUND_CANDIDATES else set()


def _named_or_started(keys: set[str], lookup: NameLookup) -> set[int]:
    exact: set[int] = set()
    for found in lookup.groups_named(keys).values():
        exact |= found
    if exact:
        return exact
    prefixes = [key for key in keys if len(key) >= MIN_PREFIX_LENGTH]
    return {group_id for _, group_id in lookup.names_starting_with(prefixes)} if prefixes else set()
