"""Comparing quotes with article text, and canonical URLs."""

from __future__ import annotations

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
