"""The search key of a name: where spellings and transliterations of one name meet.

"Tehreek-e-Taliban", "Tehrik-e Taliban" and "Tehrik-i-Taliban" all become
"tehriktaliban"; "al-Qaida", "Al Qaeda" and "al-Qa'ida" become "alqaida";
"Daesh" and "Daish" become "daish". The same function keys stored names and
search queries, so both always agree; `fold_word` keys one word of running text
the same way, so that names can be found in an article (`sources.mentions`).
"""

import functools
import re
import unicodedata

# Apostrophe-like marks inside transliterated Arabic names (Qa'ida, Qaʿida) join the letters around them.
JOINING_MARKS = "'\u2019\u2018\u02bf\u02be\u02bc`\u00b4"
_JOINING_MARKS = str.maketrans("", "", JOINING_MARKS)
_TOKEN_SPLIT = re.compile(r"[\W_]+")
# The Urdu/Persian izafat "-e-"/"-i-" between two words (Lashkar-e-Jhangvi) is a spelling choice, not a word.
IZAFAT = frozenset({"e", "i", "y"})
_MIN_WORD_LENGTH = 5
_TRANSLITERATION_RULES = (
    (re.compile(r"ee"), "i"),  # Tehreek / Tehrik
    (re.compile(r"oo"), "u"),
    (re.compile(r"ae"), "ai"),  # Qaeda / Qaida, Daesh / Daish
    (re.compile(r"(\w)\1+"), r"\1"),  # Muhammad / Muhamad, Jhangvi / Jhanggvi
)


def normalize_name(name: str) -> str:
    tokens = _tokens(name)
    if len(tokens) > 1 and tokens[0] == "the":
        tokens = tokens[1:]
    tokens = [t for i, t in enumerate(tokens) if not (0 < i < len(tokens) - 1 and t in IZAFAT)]
    return "".join(_fold_transliteration(token) for token in tokens)


@functools.lru_cache(maxsize=65536)
def fold_word(word: str) -> str:
    """One word as written in an article, folded as `normalize_name` folds each word of a name ("Tehreek" → "tehrik")."""
    return "".join(_fold_transliteration(token) for token in _tokens(word))


def _tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold().translate(_JOINING_MARKS)
    return [token for token in _TOKEN_SPLIT.split(text) if token]


def _fold_transliteration(token: str) -> str:
    # Acronyms (TTP, SSP, ISIS) are spelled one way; only words vary in transliteration.
    if len(token) < _MIN_WORD_LENGTH:
        return token
    for pattern, replacement in _TRANSLITERATION_RULES:
        token = pattern.sub(replacement, token)
    return token
