"""Which known groups an article names, in which sentences, and which names in it look like groups we do not know.

**Matching.** Every group's name and aliases are keyed by their search key (`groups.normalization.normalize_name`,
the key search uses), and the keys go into one Aho-Corasick automaton (pyahocorasick). The article is cut into
words by the tokenizer that makes those keys (`groups.normalization.name_words`: case, accents, transliteration; a
lone izafat "e"/"i" drops out; a name may end before a possessive "'s"), and the folded words are joined into one
string, with where each word starts and ends in it and in the article. One pass of the automaton finds every key; a
hit counts only when it starts and ends on word edges ("IS" in "this" never does), and where hits overlap the
leftmost, then longest, wins ("Islamic State Pakistan Province" over "Islamic State" and "Pakistan Province").

**Compounds.** Words joined by hyphens or an izafat ("ISIS-K", "Tehrik-i-Taliban") are one name or none: a known
name inside one counts only when the rest is lower-case words that qualify it ("al-Qaeda-inspired", "anti-Taliban").
Otherwise `groups.normalization.read_compound` reads the compound whole, as the public search reads the same
spelling: another name of the group at its front with the same rest ("ISIS-K" as "IS-K"), or the one group whose
names start with it ("Tehrik-i-Taliban Pakistan"); several such groups make it ambiguous, and a compound of a known
name that names no group we know is a possible new name, never the shorter name's group.

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
from itertools import islice
from typing import NamedTuple

import ahocorasick
from django.db.models import Max

from groups.models import Alias, AliasKind, Group
from groups.normalization import COMPOUND_CANDIDATES, NameWord, name_words, normalize_name, read_compound
from kb.cache import data_version
from sources.text import Sentence, split_sentences

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
        self.keys_by_group: dict[int, set[str]] = {}
        for key, known in by_key.items():
            self.automaton.add_word(key, (len(key), tuple(known)))
            for name in known:
                self.keys_by_group.setdefault(name.group_id, set()).add(key)
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

    # The lookups `groups.normalization.read_compound` reads compounds with, as search does in the database.

    def groups_named(self, keys: Iterable[str]) -> dict[str, set[int]]:
        found = {}
        for key in keys:
            if key in self.keys:
                found[key] = {name.group_id for name in self.automaton.get(key)[1]}
        return found

    def compounds(self, group_ids: Iterable[int], rest: str) -> set[str]:
        return {key + rest for group_id in group_ids for key in self.keys_by_group.get(group_id, ())}

    def names_starting_with(self, prefixes: Iterable[str]) -> Iterable[tuple[str, int]]:
        for prefix in prefixes:
            for key in islice(self.automaton.keys(prefix), COMPOUND_CANDIDATES + 1) if self.keys else ():
                for name in self.automaton.get(key)[1]:
                    yield key, name.group_id


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


def _compounds(words: list[NameWord]) -> list[tuple[int, int]]:
    """(first, last) word indexes of each compound: words joined by hyphens or an izafat ("Tehrik-i-Taliban")."""
    compounds: list[tuple[int, int]] = []
    for number, word in enumerate(words):
        if word.joined:
            if compounds and compounds[-1][1] == number - 1:
                compounds[-1] = (compounds[-1][0], number)
            else:
                compounds.append((number - 1, number))
    return compounds


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
    end: int  # where it ends in the text: the last word's end, or before its possessive "'s"
    names: tuple[KnownName, ...]
    accepted: dict[int, bool] = field(default_factory=dict)  # group id → accepted outright (False: needs a longer name nearby)


def find_mentions(text: str, index: MentionIndex, words: list[NameWord] | None = None) -> list[Mention]:
    """Every place the text names a known group, in order."""
    words = name_words(text) if words is None else words
    return _find(text, index, words)[0]


def _find(text: str, index: MentionIndex, words: list[NameWord]) -> tuple[list[Mention], list[tuple[int, int]]]:
    """The mentions, and the (start, end) of compounds that hold a known name but name no group we know ("ISIS-X")."""
    parts, starts, ends, stem_ends, position = [], {}, {}, {}, 0
    for number, word in enumerate(words):
        if word.key:
            starts[position] = number
            position += len(word.key)
            ends[position] = number
            if word.possessive:
                stem_ends[position - 1] = number
            parts.append(word.key)
    hits = []
    for end, (length, names) in index.search("".join(parts)):
        first = starts.get(end + 1 - length)
        if first is None:
            continue
        last = ends.get(end + 1)
        if last is not None:
            hits.append(_judge(_Hit(first, last, words[last].end, names), text, words))
        elif (last := stem_ends.get(end + 1)) is not None:
            hits.append(_judge(_Hit(first, last, words[last].end - 2, names), text, words))
    _confirm_short_names(hits, words)
    hits, unknown = _read_compounds([hit for hit in hits if hit.accepted], text, words, index)
    mentions = []
    for hit in _leftmost_longest(hits):
        start = words[hit.first].start
        ids = tuple(dict.fromkeys(hit.accepted))
        mentions.append(Mention(start, hit.end, " ".join(text[start : hit.end].split()), ids, ids))
    return _resolve_shared_names(mentions), [(start, end) for start, end in unknown if not _overlaps(start, end, mentions)]


def _read_compounds(hits: list[_Hit], text: str, words: list[NameWord], index: MentionIndex) -> tuple[list[_Hit], list[tuple[int, int]]]:
    """Hits that respect the compounds they touch, with compounds no name covers whole read as search reads them.

    A compound (words joined by hyphens or an izafat: "ISIS-K", "Tehrik-i-Taliban", "al-Qaeda-inspired") is one
    name or none. A known name inside it counts only when the rest of it is lower-case words that qualify the name
    ("al-Qaeda-inspired", "anti-Taliban"); otherwise the compound is read whole by `read_compound`, and what it does
    not explain is reported as an unknown name rather than given to the shorter name's group.
    """
    compounds = _compounds(words)
    first_of = {number: first for first, last in compounds for number in range(first, last + 1)}
    last_of = {number: last for first, last in compounds for number in range(first, last + 1)}
    kept, spans = [], {}  # spans: (first word, last word) of compounds to read → whether a known name stood inside
    for hit in hits:
        first, last = first_of.get(hit.first, hit.first), last_of.get(hit.last, hit.last)
        if _qualifies(text, words, first, hit.first, before=True) and _qualifies(text, words, hit.last + 1, last + 1, before=False):
            kept.append(hit)
        else:
            spans[(first, last)] = True
    for compound in compounds:
        spans.setdefault(compound, False)  # a compound no name touches may begin a longer name
    covered = {number for hit in kept for number in range(hit.first, hit.last + 1)}
    unknown = []
    for (first, last), held_a_name in spans.items():
        compound = words[first : last + 1]
        if covered.issuperset(range(first, last + 1)) if held_a_name else not covered.isdisjoint(range(first, last + 1)):
            continue  # names already cover it
        if not held_a_name and not any(text[word.start].isupper() for word in compound if word.key):
            continue  # "so-called", "first-ever": not a name
        group_ids = read_compound([word.key for word in compound], index)
        if group_ids:
            kept.append(_Hit(first, last, _stem_end(words[last]), (), dict.fromkeys(sorted(group_ids), True)))
        elif held_a_name:
            unknown.append((words[first].start, _stem_end(words[last])))
    return kept, unknown


def _qualifies(text: str, words: list[NameWord], begin: int, stop: int, *, before: bool) -> bool:
    """Whether words[begin:stop], the rest of a compound around a name, only qualify it: lower-case words, no name link."""
    if begin >= stop:
        return True
    next_to_name = words[stop - 1] if before else words[begin]
    return next_to_name.key not in _LINKS and all(text[word.start : word.end].islower() for word in words[begin:stop])


def _stem_end(word: NameWord) -> int:
    return word.end - 2 if word.possessive else word.end


def _overlaps(start: int, end: int, mentions: list[Mention]) -> bool:
    return any(mention.start < end and start < mention.end for mention in mentions)


def _judge(hit: _Hit, text: str, words: list[NameWord]) -> _Hit:
    written = None
    for name in hit.names:
        if not name.short:
            hit.accepted[name.group_id] = True
            continue
        if written is None:
            written = _letters(text[words[hit.first].start : hit.end])
        expected = _letters(name.name)
        if written == expected:
            outright = not _among_capitals(text, words, hit)
        elif written.isupper() and written == expected.upper():
            outright = False
        else:
            continue  # "is" for IS, "Lej" for LeJ
        hit.accepted[name.group_id] = hit.accepted.get(name.group_id, False) or outright
    return hit


def _among_capitals(text: str, words: list[NameWord], hit: _Hit) -> bool:
    """Whether the words around a hit, on its line, are all in capitals (or there are none): a headline or a menu, not prose."""
    line_start = text.rfind("\n", 0, words[hit.first].start) + 1
    line_end = text.find("\n", words[hit.last].end)
    line_end = len(text) if line_end == -1 else line_end
    around = [
        *(w for w in words[max(0, hit.first - _NEIGHBOURS) : hit.first] if w.start >= line_start),
        *(w for w in words[hit.last + 1 : hit.last + 1 + _NEIGHBOURS] if w.end <= line_end),
    ]
    return not any(ch.islower() for word in around for ch in text[word.start : word.end])


def _confirm_short_names(hits: list[_Hit], words: list[NameWord]) -> None:
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
    words = name_words(text)
    mentions, unknown = _find(text, index, words)
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
    return Detection(groups=groups, ambiguous=ambiguous, possible_names=possible_names(text, words, mentions, index, sentences_of, unknown))


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
_LINKS = _NAME_LINKS | {""}  # an izafat has no key
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


def possible_names(
    text: str, words: list[NameWord], mentions: list[Mention], index: MentionIndex, sentences_of, unknown: Iterable[tuple[int, int]] = ()
) -> list[PossibleName]:
    """Runs of capitalised words that look like a group's name and are not (all of) a known one, and `unknown` compounds.

    `unknown` are the (start, end) of compounds that hold a known name but name no known group ("ISIS-X").
    """
    found: dict[str, tuple[str, list[Mention]]] = {}
    seen = set()

    def add(start: int, end: int, name: str, key: str) -> None:
        if (start, end) not in seen:
            seen.add((start, end))
            found.setdefault(key, (name, []))[1].append(Mention(start, end, name, (), ()))

    for start, end in unknown:
        name = " ".join(text[start:end].split())
        add(start, end, name, normalize_name(name))
    words = [word._replace(end=word.end - 2) if word.possessive else word for word in words]  # a possessive "'s" ends a name
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
        add(start, end, name, key)
    return sorted(
        (PossibleName(name, places, sentences_of(places)) for name, places in found.values()),
        key=lambda possible: (-possible.count, possible.name.casefold()),
    )


def _capitalised_runs(text: str, words: list[NameWord]):
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


def _followed_by_group_word(text: str, words: list[NameWord], last: int) -> bool:
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
