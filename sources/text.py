"""Comparing quotes with article text, and canonical URLs."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TYPOGRAPHIC_QUOTES = str.maketrans(
    {
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    }
)  # fmt: skip
_WHITESPACE = re.compile(r"\s+")


def fold_text(text: str) -> str:
    """Text as quotes are compared: whitespace runs as one space, curly quotes as straight ones."""
    return _WHITESPACE.sub(" ", text.translate(_TYPOGRAPHIC_QUOTES)).strip()


def text_fingerprint(text: str) -> str:
    """The same article pasted twice has the same fingerprint, whatever its whitespace and quote marks."""
    return hashlib.sha256(fold_text(text).encode()).hexdigest()


@dataclass(frozen=True)
class QuoteCheck:
    found: bool
    matched_prefix: str  # the longest start of the quote that the text does contain

    @property
    def mismatch_hint(self) -> str:
        if not self.matched_prefix:
            return "Not even its first words appear in the article."
        tail = self.matched_prefix[-60:]
        return f"The article matches up to “…{tail}” and differs after that."


def check_quote(quote: str, text: str) -> QuoteCheck:
    folded_quote, folded_text = fold_text(quote), fold_text(text)
    if folded_quote and folded_quote in folded_text:
        return QuoteCheck(True, folded_quote)
    # Binary search for the longest prefix the text contains, to tell the editor where it diverges.
    low, high = 0, len(folded_quote)
    while low < high:
        middle = (low + high + 1) // 2
        if folded_quote[:middle] in folded_text:
            low = middle
        else:
            high = middle - 1
    return QuoteCheck(False, folded_quote[:low])


_TRACKING_PARAMETERS = re.compile(r"^(utm_[a-z]+|fbclid|gclid|mc_cid|mc_eid|ocid|cmpid)$", re.IGNORECASE)
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def canonicalize_url(url: str) -> str:
    """One spelling per article URL: lower-case scheme and host, no default port, fragment or tracking parameters."""
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if parts.port and str(parts.port) != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{parts.port}"
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING_PARAMETERS.match(k)))
    return urlunsplit((scheme, host, path, query, ""))


@dataclass(frozen=True)
class Sentence:
    """A sentence of an article: `text` is `article[start:end]`, so it passes `check_quote` as it is."""

    start: int
    end: int
    text: str


# Where a sentence may end: . ! ? or … (with closing quotes or brackets), then space and a capital, digit or opening quote.
_SENTENCE_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=[ \t]+[\"'\u201c\u2018(\[]?[A-Z0-9])")
# A full stop after these does not end a sentence ("Maj. Gen. Saeed", "U.S. officials", "No. 3").
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof gen maj col lt capt cpt sgt brig adm gov sen rep st mt no nos vs etc approx dept univ inc ltd co corp "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
_LAST_WORD = re.compile(r"([^\W\d_]+(?:\.[^\W\d_]+)*)$")
_LINE = re.compile(r"[^\n]+")


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of an article, in order: every line (headline, caption, paragraph) and every sentence within it.

    A small rule-based splitter is enough here: a sentence is only the unit an editor quotes, and a missed split just
    makes a longer quote. Titles, initials and dotted acronyms before a full stop do not end a sentence.
    """
    sentences = []
    for line in _LINE.finditer(text):
        start = line.start()
        for end in _SENTENCE_END.finditer(text, line.start(), line.end()):
            if end.group().startswith(".") and _is_abbreviation(text[start : end.start()]):
                continue
            sentences.extend(_sentence(text, start, end.end()))
            start = end.end()
        sentences.extend(_sentence(text, start, line.end()))
    return sentences


def _is_abbreviation(before: str) -> bool:
    word = _LAST_WORD.search(before[-40:])
    if word is None:
        return False
    word = word.group()
    return len(word) == 1 or "." in word or word.casefold() in _ABBREVIATIONS


def _sentence(text: str, start: int, end: int) -> list[Sentence]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return [Sentence(start, end, text[start:end])] if start < end else []
