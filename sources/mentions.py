"""Which known groups an article names, in which sentences, and which names in it look like groups we do not know.

**Matching.** Every group's name and aliases are keyed by their search key (`groups.normalization.normalize_name`,
the key search uses), and the keys go into one Aho-Corasick automaton (pyahocorasick). The article is cut into
words, each folded the same way (`fold_word`: case, accents, transliteration; a lone izafat "e"/"i" drops out as
it does in names; a possessive "'s" is a word of its own), and the folded words are joined into one string, with
where each word starts and ends in it and in the article. One pass of the automaton finds every key; a hit counts
only when it starts and ends on word edges ("IS" in "this" never does), and where hits overlap the leftmost, then
longest, wins ("Islamic State Pakistan Province" over "Islamic State" and "Pakistan Province").

**Short names.** A name whose key has at most four characters, or that is written in capitals (TTP, ISKP, LeJ),
must be written with the same capitals in the article: "IS" names the Islamic State, "is" and "Is" never do. Written
all in capitals where the name is not ("LEJ"), or standing among capitals (a shouted headline, a menu of "XS SM MD"),
it counts only when a longer name of the same group is within `CONTEXT_WINDOW` characters.

**Shared names.** A key that several groups share (acknowledged on the alias) makes an ambiguous mention. When
exactly one of those groups is named unambiguously elsewhere in the same text, the mention is given to it;
otherwise it is reported with every candidate.

**What is indexed.** Draft groups and aliases as well as published ones: mentions are shown to editors (the
admin) and researchers (commands) only, never on the public site, and an editor's draft from yesterday's article
should be found in today's.

**Cache.** The index is built once per process and kept while the curated data does not change: the data version of
`kb.cache` says when something may have changed, and then the high-water marks of the groups' and aliases' history
tables say whether a name did (every save and delete writes a history row), so citing a quote (which moves the
data version) does not rebuild the automaton.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

import ahocorasick
from django.db.models import Max

from groups.models import Alias, AliasKind, Group
from groups.normalization import IZAFAT, JOINING_MARKS, fold_word, normalize_name
from kb.cache import data_version

from .text import Sentence, split_sentences

SHORT_NAME_LENGTH = 4  # search-key characters
CONTEXT_WINDOW = 400  # characters either side of a short name written in capitals, to look for a longer name
_NEIGHBOURS = 2  # words either side that tell a shouted line from prose


# --- The index of known names -------------------------------------------------------------------------


class KnownGroup(NamedTuple):
    id: int
    slug: str
    name: str
    publication_status: str


class KnownName(NamedTuple):
    """One name of a group as recorded: its canonical name or an alias."""

    group_id: int
    name: str
    short: bool  # must be written with the same capitals (see the module docstring)


def is_short_name(name: str, key: str, kind: str = "") -> bool:
    """Whether a name must be written with its capitals: a short key (IS, TTP, LeJ), an acronym, or a short name in capitals."""
    return len(key) <= SHORT_NAME_LENGTH or kind == AliasKind.ACRONYM or (len(key) <= 2 * SHORT_NAME_LENGTH and name.isupper())


class MentionIndex:
    """The automaton over every known name's search key, and the groups those names belong to."""

    def __init__(self, groups: Iterable[KnownGroup], names: Iterable[tuple[str, KnownName]]):
        self.groups = {group.id: group for group in groups}
        by_key: dict[str, list[KnownName]] = {}
        for key, name in names:
            if key:
                by_key.setdefault(key, []).append(name)
        self.automaton = ahocorasick.Automaton()
        for key, known in by_key.items():
            self.automaton.add_word(key, (len(key), tuple(known)))
        if by_key:
            self.automaton.make_automaton()
        self.keys = frozenset(by_key)
        self.marks = None  # the names' history high-water marks it was built from
        self.version = None  # the data version it was last found current at

    def __len__(self) -> int:
        return len(self.keys)

    def search(self, stream: str):
        """(end, (key length, names)) for every occurrence of a key in `stream`."""
        return self.automaton.iter(stream) if self.keys else ()


def build_index(groups: Iterable[dict], aliases: Iterable[dict]) -> MentionIndex:
    """An index from rows: groups with id, slug, name (and publication_status), aliases with group (an id), name, kind.

    Search keys are taken from `normalized_name` when the row has it (as stored rows do), computed otherwise.
    """
    known_groups, names = [], []
    for row in groups:
        key = row.get("normalized_name") or normalize_name(row["name"])
        known_groups.append(KnownGroup(row["id"], row["slug"], row["name"], row.get("publication_status", "")))
        names.append((key, KnownName(row["id"], row["name"], is_short_name(row["name"], key))))
    for row in aliases:
        key = row.get("normalized_name") or normalize_name(row["name"])
        names.append((key, KnownName(row["group"], row["name"], is_short_name(row["name"], key, row.get("kind", "")))))
    return MentionIndex(known_groups, names)


_cache_lock = threading.Lock()
_cached_index: MentionIndex | None = None


def known_names_index() -> MentionIndex:
    """The index of every group and alias in the database, rebuilt only when a name has changed since it was built."""
    global _cached_index
    version = data_version()
    index = _cached_index
    if index is not None and index.version == version:
        return index
    with _cache_lock:
        marks = _name_history_marks()
        if _cached_index is None or _cached_index.marks != marks:
            groups = Group.objects.values("id", "slug", "name", "normalized_name", "publication_status")
            aliases = Alias.objects.values("group", "name", "kind", "normalized_name")
            _cached_index = build_index(groups.order_by("id"), aliases.order_by("id"))
            _cached_index.marks = marks
        _cached_index.version = version
        return _cached_index


def forget_known_names() -> None:
    """Drop the cached index. Tests call it: a rolled-back transaction takes its names away but not the data version."""
    global _cached_index
    with _cache_lock:
        _cached_index = None


def _name_history_marks() -> tuple:
    return (
        Group.history.aggregate(mark=Max("history_id"))["mark"],
        Alias.history.aggregate(mark=Max("history_id"))["mark"],
    )


# --- Words ----------------------------------------------------------------------------------------------

_WORD = re.compile(rf"[^\W_]+(?:[{re.escape(JOINING_MARKS)}][^\W_]+)*")


class Word(NamedTuple):
    start: int
    end: int
    key: str  # folded as in search keys; "" for an izafat, which names leave out


def article_words(text: str) -> list[Word]:
    words = []
    for match in _WORD.finditer(text):
        start, end = match.span()
        token = match.group()
        if len(token) > 2 and token[-1] in "sS" and token[-2] in JOINING_MARKS:  # "al-Qaeda's": the name, then "s"
            words.append(Word(start, end - 2, fold_word(token[:-2])))
            words.append(Word(end - 1, end, "s"))
            continue
        key = fold_word(token)
        if key in IZAFAT and (token.islower() or text[start - 1 : start] == "-" or text[end : end + 1] == "-"):
            key = ""  # Tehrik-e-Taliban, Tehrik i Taliban; the pronoun "I" stays a word
        words.append(Word(start, end, key))
    return words


def _letters(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


# --- Detection ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mention:
    """A place where the article names a group: `text[start:end]` is the name as written."""

    start: int
    end: int
    written: str
    group_ids: tuple[int, ...]  # the group it names; several when the name is shared and the text does not tell
    candidates: tuple[int, ...]  # every group known by this name

    @property
    def is_ambiguous(self) -> bool:
        return len(self.group_ids) > 1


@dataclass
class GroupMentions:
    group: KnownGroup
    mentions: list[Mention]
    sentences: list[Sentence]

    @property
    def spellings(self) -> list[tuple[str, int]]:
        """Each name as written, with how often, most frequent first."""
        counts = Counter(mention.written for mention in self.mentions)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold(), item[0]))


@dataclass
class AmbiguousName:
    written: str
    candidates: list[KnownGroup]
    mentions: list[Mention]
    sentences: list[Sentence]


@dataclass
class PossibleName:
    """Words that look like a group's name (capitalised, around "group", "faction", "Lashkar"…) and match no known name."""

    name: str
    places: list[Mention]  # where the text writes it (no group: `group_ids` is empty)
    sentences: list[Sentence]

    @property
    def count(self) -> int:
        return len(self.places)


@dataclass
class Detection:
    groups: list[GroupMentions]  # in the order the article first names them
    ambiguous: list[AmbiguousName]
    possible_names: list[PossibleName]

    @property
    def group_ids(self) -> set[int]:
        return {entry.group.id for entry in self.groups}


@dataclass
class _Hit:
    first: int  # word indexes
    last: int
    names: tuple[KnownName, ...]
    accepted: dict[int, bool] = field(default_factory=dict)  # group id → accepted outright (False: needs a longer name nearby)


def find_mentions(text: str, index: MentionIndex, words: list[Word] | None = None) -> list[Mention]:
    """Every place the text names a known group, in order."""
    words = article_words(text) if words is None else words
    parts, starts, ends, position = [], {}, {}, 0
    for number, word in enumerate(words):
        if word.key:
            starts[position] = number
            position += len(word.key)
            ends[position] = number
            parts.append(word.key)
    hits = []
    for end, (length, names) in index.search("".join(parts)):
        first, last = starts.get(end + 1 - length), ends.get(end + 1)
        if first is not None and last is not None:
            hits.append(_judge(_Hit(first, last, names), text, words))
    _confirm_short_names(hits, words)
    hits = _leftmost_longest([hit for hit in hits if hit.accepted])
    mentions = []
    for hit in hits:
        start, end = words[hit.first].start, words[hit.last].end
        ids = tuple(dict.fromkeys(hit.accepted))
        mentions.append(Mention(start, end, " ".join(text[start:end].split()), ids, ids))
    return _resolve_shared_names(mentions)


def _judge(hit: _Hit, text: str, words: list[Word]) -> _Hit:
    written = None
    for name in hit.names:
        if not name.short:
            hit.accepted[name.group_id] = True
            continue
        if written is None:
            written = _letters(text[words[hit.first].start : words[hit.last].end])
        expected = _letters(name.name)
        if written == expected:
            outright = not _among_capitals(text, words, hit)
        elif written.isupper() and written == expected.upper():
            outright = False
        else:
            continue  # "is" for IS, "Lej" for LeJ
        hit.accepted[name.group_id] = hit.accepted.get(name.group_id, False) or outright
    return hit


def _among_capitals(text: str, words: list[Word], hit: _Hit) -> bool:
    """Whether the words around a hit, on its line, are all in capitals (or there are none): a headline or a menu, not prose."""
    line_start = text.rfind("\n", 0, words[hit.first].start) + 1
    line_end = text.find("\n", words[hit.last].end)
    line_end = len(text) if line_end == -1 else line_end
    around = [
        *(w for w in words[max(0, hit.first - _NEIGHBOURS) : hit.first] if w.start >= line_start),
        *(w for w in words[hit.last + 1 : hit.last + 1 + _NEIGHBOURS] if w.end <= line_end),
    ]
    return not any(ch.islower() for word in around for ch in text[word.start : word.end])


def _confirm_short_names(hits: list[_Hit], words: list[Word]) -> None:
    """A short name that needs confirming keeps its group only with a longer name of that group within the window."""
    long_names: dict[int, list[int]] = {}
    for hit in hits:
        for group_id, outright in hit.accepted.items():
            if outright and any(not name.short and name.group_id == group_id for name in hit.names):
                long_names.setdefault(group_id, []).append(words[hit.first].start)
    for hit in hits:
        for group_id, outright in list(hit.accepted.items()):
            if outright:
                continue
            positions = long_names.get(group_id, [])
            at = words[hit.first].start
            i = bisect.bisect_left(positions, at - CONTEXT_WINDOW)
            if i < len(positions) and positions[i] <= at + CONTEXT_WINDOW:
                hit.accepted[group_id] = True
            else:
                del hit.accepted[group_id]


def _leftmost_longest(hits: list[_Hit]) -> list[_Hit]:
    chosen, covered_to = [], -1
    for hit in sorted(hits, key=lambda hit: (hit.first, -hit.last)):
        if hit.first > covered_to:
            chosen.append(hit)
            covered_to = hit.last
    return chosen


def _resolve_shared_names(mentions: list[Mention]) -> list[Mention]:
    named = {mention.group_ids[0] for mention in mentions if not mention.is_ambiguous}
    resolved = []
    for mention in mentions:
        if mention.is_ambiguous:
            known = [group_id for group_id in mention.candidates if group_id in named]
            if len(known) == 1:
                mention = Mention(mention.start, mention.end, mention.written, (known[0],), mention.candidates)
        resolved.append(mention)
    return resolved


def detect(text: str, index: MentionIndex | None = None) -> Detection:
    """The groups the text names (with their sentences), the names it leaves ambiguous, and possible new names."""
    index = known_names_index() if index is None else index
    words = article_words(text)
    mentions = find_mentions(text, index, words)
    sentences = split_sentences(text)
    sentence_starts = [sentence.start for sentence in sentences]

    def sentences_of(found: list[Mention]) -> list[Sentence]:
        picked = {}
        for mention in found:
            i = bisect.bisect_right(sentence_starts, mention.start) - 1
            if i >= 0 and mention.start < sentences[i].end:
                picked[i] = sentences[i]
        return [picked[i] for i in sorted(picked)]

    by_group, by_shared_name = _grouped(mentions)
    groups = [GroupMentions(index.groups[group_id], found, sentences_of(found)) for group_id, found in by_group.items()]
    ambiguous = [
        AmbiguousName(found[0].written, [index.groups[group_id] for group_id in group_ids], found, sentences_of(found))
        for (_, group_ids), found in by_shared_name.items()
    ]
    return Detection(groups=groups, ambiguous=ambiguous, possible_names=possible_names(text, words, mentions, index, sentences_of))


def mentioned_groups(text: str, index: MentionIndex | None = None) -> list[GroupMentions]:
    """Only the groups the text names for sure, with their mentions (no sentences, shared names or possible names)."""
    index = known_names_index() if index is None else index
    by_group, _ = _grouped(find_mentions(text, index))
    return [GroupMentions(index.groups[group_id], found, []) for group_id, found in by_group.items()]


def _grouped(mentions: list[Mention]) -> tuple[dict[int, list[Mention]], dict[tuple, list[Mention]]]:
    """Mentions by the group they name, and ambiguous ones by their name and candidates."""
    by_group: dict[int, list[Mention]] = {}
    by_shared_name: dict[tuple, list[Mention]] = {}
    for mention in mentions:
        if mention.is_ambiguous:
            by_shared_name.setdefault((mention.written.casefold(), mention.group_ids), []).append(mention)
        else:
            by_group.setdefault(mention.group_ids[0], []).append(mention)
    return by_group, by_shared_name


# --- Possible new names ---------------------------------------------------------------------------------

# A capitalised word among these makes a run of capitalised words look like a group's name.
_NAME_WORDS = frozenset(
    "Lashkar Laskar Jaish Tehreek Tehrik Tahreek Tahrik Harkat Harakat Harkatul Jamaat Jamaah Jamiat Jammat Sipah Ansar Ansaar "
    "Hizb Hezb Hizbul Jund Jundallah Tanzeem Tanzim Mujahideen Mujahidin Mujahedin Fedayeen Wilayat Wilayah Katibat Katiba "
    "Province Front Brigade Brigades Battalion Battalions Movement Group Faction Organisation Organization Liberation Militia "
    "Emirate Army".split()
)
# ...and so does one of these, in lower case, right after it (possibly after a word like "militant").
_FOLLOWING_WORDS = frozenset("group faction outfit organisation organization militia chapter wing offshoot network splinter".split())
_DESCRIBING_WORDS = frozenset(
    "militant terrorist extremist jihadist jihadi armed insurgent separatist rebel sectarian banned proscribed outlawed "
    "breakaway Islamist Sunni Shia Shiite".split()
)
# Lower-case words that may stand inside a name: Lashkar-e-Jhangvi, Jamaat ul Ahrar, Ansar al-Sharia, Movement of…
_NAME_LINKS = frozenset("al el ul ud e i wal wa bin ibn of the for fi de la".split())
# Capitalised words that open a sentence or a phrase rather than a name: left off the front of a run.
_OPENERS = frozenset(
    "The A An This That These Those Its It Their His Her Our Both Several Many Some Other Another Such Each Every Any No One".split()
)
# Words that say who a group is rather than what it is called: a run made only of these is no name.
_NOT_NAMES = frozenset(
    "New Major Main Rival Local Foreign Militant Terrorist Armed Banned Pak Pakistani Afghan Indian Iranian Iraqi Syrian "
    "Kashmiri Baluch Baloch Pashtun Punjabi Sindhi Arab Muslim Islamic Islamist Jihadi Sunni Shia Shiite Western "
    "Pakistan Afghanistan India Iran Iraq Syria".split()
)
_JOINER = re.compile(r"[ \t]*-?[ \t]*")


def possible_names(text: str, words: list[Word], mentions: list[Mention], index: MentionIndex, sentences_of) -> list[PossibleName]:
    """Runs of capitalised words that look like a group's name and are not (all of) a known one."""
    found: dict[str, tuple[str, list[Mention]]] = {}
    for first, last in _capitalised_runs(text, words):
        names_group = any(text[w.start : w.end] in _NAME_WORDS for w in words[first : last + 1])
        if not names_group and not _followed_by_group_word(text, words, last):
            continue
        while first <= last and text[words[first].start : words[first].end] in _OPENERS:
            first += 1
        if first > last or all(text[w.start : w.end] in _NAME_WORDS | _NOT_NAMES for w in words[first : last + 1]):
            continue
        start, end = words[first].start, words[last].end
        name = " ".join(text[start:end].split())
        key = normalize_name(name)
        if not key or key in index.keys or any(m.start <= start and end <= m.end for m in mentions):
            continue
        spelling, places = found.setdefault(key, (name, []))
        places.append(Mention(start, end, name, (), ()))
    return sorted(
        (PossibleName(name, places, sentences_of(places)) for name, places in found.values()),
        key=lambda possible: (-possible.count, possible.name.casefold()),
    )


def _capitalised_runs(text: str, words: list[Word]):
    """(first, last) word indexes of each run of capitalised words, joined by spaces or hyphens and linking words."""
    run_first = run_last = chain_last = None
    for number, word in enumerate(words):
        token = text[word.start : word.end]
        if chain_last is not None and _joined(text, words[chain_last].end, word.start):
            if token[:1].isupper():
                run_last = chain_last = number
                continue
            if token in _NAME_LINKS:
                chain_last = number  # part of the name only if a capitalised word follows
                continue
        if run_first is not None:
            yield run_first, run_last
        run_first = run_last = chain_last = number if token[:1].isupper() else None
    if run_first is not None:
        yield run_first, run_last


def _joined(text: str, end: int, start: int) -> bool:
    return _JOINER.fullmatch(text, end, start) is not None


def _followed_by_group_word(text: str, words: list[Word], last: int) -> bool:
    previous = words[last]
    for word in words[last + 1 : last + 3]:
        token = text[word.start : word.end]
        if not text[previous.end : word.start].isspace():
            return False
        previous = word
        if token in _FOLLOWING_WORDS:
            return True
        if token not in _DESCRIBING_WORDS:
            return False
    return False
