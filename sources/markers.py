"""Citation markers in prose: `[cite:123]` in a text stands for citation 123, drawn for readers as its footnote.

A text is plain paragraphs separated by blank lines; `paragraphs` splits it into runs of words and markers, which a
template draws (the words escaped, each marker through the `footnotes` tags). `marker_problems` says what in a text
is not a marker that can be read: a `[cite…` written any other way, or HTML, which would be shown as typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

MARKER = re.compile(r"\[cite:(\d{1,18})\]")
# Anything an editor may have meant as a marker: "[cite 12]", "[Cite:12]", "[cite:]", "[cite:12".
_MARKER_LIKE = re.compile(r"\[\s*cite\b[^\[\]\n]{0,30}\]?", re.IGNORECASE)
_HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(\s[^<>]*)?/?>|<!--")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def marker_for(citation_id: int) -> str:
    """What an editor writes in a text to cite citation `citation_id`."""
    return f"[cite:{citation_id}]"


def marker_ids(text: str) -> list[int]:
    """The citation ids the text's markers name, each once, in the order they first appear."""
    return list(dict.fromkeys(int(match.group(1)) for match in MARKER.finditer(text or "")))


def without_markers(text: str, *, keeping: set[int]) -> str:
    """`text` without the markers of citations not in `keeping` (nor the space before them)."""
    return re.sub(r"\s*" + MARKER.pattern, lambda match: match.group(0) if int(match.group(1)) in keeping else "", text or "")


def marker_problems(text: str) -> list[str]:
    """What in `text` cannot be read as plain paragraphs with markers, each as a sentence for the editor."""
    problems = []
    for match in _MARKER_LIKE.finditer(text or ""):
        if not MARKER.match(text, match.start()):
            problems.append(f"“{match.group(0)}” is not a citation marker: write it as [cite:123], with the citation's number.")
    if tag := _HTML_TAG.search(text or ""):
        problems.append(f"Write plain paragraphs, separated by a blank line: “{tag.group(0)[:40]}” would be shown as typed, not as HTML.")
    return problems


@dataclass
class Run:
    """Words of a paragraph, or (with `notes`) the footnote markers standing where the text has citation markers."""

    text: str = ""
    notes: list = field(default_factory=list)


def paragraphs(text: str, notes_for: Callable[[int], list]) -> list[list[Run]]:
    """The text's paragraphs, each a list of runs: words as written (a line break is a space), and the notes
    `notes_for(citation_id)` gives for each marker (markers next to each other make one run), drawn after the
    punctuation that follows them. A marker whose citation gives no notes (not public, or not of this record) leaves no
    trace: nor does the space before it."""
    found = []
    for block in _PARAGRAPH_BREAK.split((text or "").strip()):
        runs: list[Run] = []
        position = 0
        for match in MARKER.finditer(block):
            words = block[position : match.start()].replace("\n", " ").rstrip()
            position = match.end()
            notes = notes_for(int(match.group(1)))
            if words.strip():
                runs.append(Run(text=words))
            if notes:
                if runs and runs[-1].notes:
                    runs[-1].notes.extend(note for note in notes if note not in runs[-1].notes)
                else:
                    runs.append(Run(notes=list(notes)))
        rest = block[position:].replace("\n", " ")
        if rest.strip():
            runs.append(Run(text=rest))
        if runs:
            found.append(_punctuation_first(runs))
    return found


_CLOSING = re.compile(r"^[.,;:!?)]+")


def _punctuation_first(runs: list[Run]) -> list[Run]:
    """Footnotes after the punctuation that ends their words ("…in Karachi.[1] It…"), as the reference list reads, whether
    the editor wrote the marker before the full stop or after it."""
    ordered: list[Run] = []
    for index, run in enumerate(runs):
        following = runs[index + 1] if index + 1 < len(runs) else None
        if run.notes and following is not None and (closing := _CLOSING.match(following.text)):
            following.text = following.text[closing.end() :]
            if ordered and not ordered[-1].notes:
                ordered[-1].text += closing.group(0)
            else:
                ordered.append(Run(text=closing.group(0)))
        ordered.append(run)
    return [run for run in ordered if run.notes or run.text]
