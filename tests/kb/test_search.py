"""Word search (kb/search.py): each word begins a word of the record, accents and case ignored, through the GIN indexes."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from groups.filtersets import AttackFilterSet, GroupSectionFilterSet
from groups.models import Attack, GroupSection
from kb.dates import DatePrecision
from kb.search import MAX_QUERY_LENGTH, SNIPPET_WORDS, KeyProbe, SnippetPart, matching, search_text, snippet
from kb.services import record_save, records_bulk_create, records_bulk_update
from sources.filtersets import CitationFilterSet, SourceFilterSet
from sources.models import Citation, Source
from tests.factories import AttackFactory, CitationFactory, GroupSectionFactory, SourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def records():
    AttackFactory(
        slug="quetta",
        title="Attack on the Balochistan Police College",
        locality="Quetta",
        date=datetime.date(2016, 10, 1),
        date_precision=DatePrecision.MONTH,
        description="Gunmen stormed the college; the Al-Alami faction was named by officials.",
    )
    AttackFactory(slug="sehwan", title="Bombing of the Lal Shahbaz Qalandar shrine", locality="Sehwan Sharīf")
    source = SourceFactory(slug="dawn", title="Daesh’s Khorasan province", outlet="Dawn")
    CitationFactory(source=source, quote="fighters of the Islamic State of Iraq and the Levant – Khorasan Province")
    GroupSectionFactory(text="Sectarian killings [cite:1] in Quetta.")


def attacks(q):
    return sorted(AttackFilterSet({"q": q}, queryset=Attack.objects.all()).qs.values_list("slug", flat=True))


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("police college", ["quetta"]),
        ("POLICE quétta", ["quetta"]),  # case and accents
        ("pol coll", ["quetta"]),  # each word may begin a word
        ("gunmen officials", ["quetta"]),  # words of the description
        ("al-alami", ["quetta"]),  # a hyphenated word: each part
        ("sharif", ["sehwan"]),  # the record's accents too
        ("shrine police", []),  # every word, not any
        ("lice", []),  # inside a word is not the beginning of one
        ("%_'\"", []),  # no letters, no match, no error
        ("balo:* | zzz", []),  # query syntax is read as words: "zzz" must match too
    ],
)
def test_attack_words(records, query, found):
    assert attacks(query) == found


def test_source_and_quote_words(records):
    assert [s.slug for s in SourceFilterSet({"q": "daesh khoras"}, queryset=Source.objects.all()).qs] == ["dawn"]
    assert [s.slug for s in SourceFilterSet({"q": "dawn"}, queryset=Source.objects.all()).qs] == ["dawn"]
    assert CitationFilterSet({"q": "levant khorasan"}, queryset=Citation.objects.all()).qs.count() == 1


@pytest.mark.parametrize(
    ("queryset", "index"),
    [
        (lambda: AttackFilterSet({"q": "quetta police"}, queryset=Attack.objects.all()).qs, "attack_search_document"),
        (lambda: SourceFilterSet({"q": "khorasan"}, queryset=Source.objects.all()).qs, "source_search_document"),
        (lambda: CitationFilterSet({"q": "khorasan"}, queryset=Citation.objects.all()).qs, "citation_search_document"),
        (lambda: GroupSectionFilterSet({"q": "sectarian"}, queryset=GroupSection.objects.all()).qs, "groupsection_search_document"),
    ],
)
def test_each_search_can_use_its_index(records, queryset, index):
    """The filter's expression must be the indexed one, or Postgres would read every row at GTD scale."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")  # tiny tables: leave the bitmap scans that large tables choose
    assert f"Bitmap Index Scan on {index}" in queryset().explain()


SEARCHED = [Attack, GroupSection, Source, Citation]


@pytest.mark.parametrize("model", SEARCHED, ids=lambda model: model.__name__)
def test_a_search_reads_the_stored_words(records, model):
    """The words are a column PostgreSQL keeps up to date, not an expression each search computes again for every row
    it reads (6 µs a quote: 230 ms for a page of `/api/v1/citations/?q=police` at GTD scale)."""
    sql = str(matching(model.objects.all(), ["quetta"]).query)
    assert f'"{model._meta.db_table}"."search_document" @@' in sql
    assert "to_tsvector" not in sql
    assert model._meta.get_field("search_document").generated


def test_the_stored_words_follow_each_write(records, reviewer):
    attack = Attack.objects.get(slug="sehwan")
    attack.title = "Bombing of a Sufi shrine"
    record_save(instance=attack, user=reviewer, reason="A plainer title")
    assert attacks("sufi") == ["sehwan"]
    assert attacks("qalandar") == []

    records_bulk_update(
        model=Attack, fields=["locality"], rows=[(attack.pk, "Jamshoro")], user=reviewer, reason="Import", moment=timezone.now()
    )
    assert attacks("jamshoro") == ["sehwan"]
    assert attacks("sharif") == []


def test_records_written_in_bulk_are_found(reviewer):
    """A GTD import writes attacks by COPY (`records_bulk_create`): the column is computed for them too."""
    records_bulk_create(
        model=Attack,
        fields=["slug", "title"],
        rows=[("bulk", "Raid on a customs post")],
        user=reviewer,
        reason="Import",
        moment=timezone.now(),
    )
    assert attacks("customs") == ["bulk"]


def test_history_leaves_the_stored_words_out(records, reviewer):
    """Derived from the other fields, never edited: the history tables do not keep them, and an old version read back
    from them costs no query for them."""
    for model in SEARCHED:
        assert "search_document" not in {field.name for field in model.history.model._meta.get_fields()}
    attack = Attack.objects.get(slug="quetta")
    attack.title = "Assault on the police college"
    record_save(instance=attack, user=reviewer, reason="Retitled")
    old = attack.history.earliest().instance
    record_save(instance=old, user=reviewer, reason="Back to the first title")
    assert attacks("balochistan") == ["quetta"]
    assert attacks("assault") == []


# One character can stand for many once spelled out (NFKC), and searches read the spelled-out form.
EXPANDING = {
    "ﷺ (18 characters)": "\ufdfa" * 12,  # 216
    "㉐ (3 characters)": "\u3250" * 67,  # 201
    "㉑ (2 characters)": "\u3251" * 101,  # 202
    "ﬃ (3 characters)": "\ufb03" * 67,  # 201
}


@pytest.mark.parametrize("query", EXPANDING.values(), ids=EXPANDING.keys())
def test_the_length_limit_counts_characters_spelled_out(query):
    assert len(query) <= MAX_QUERY_LENGTH
    with pytest.raises(ValidationError, match=rf"limited to {MAX_QUERY_LENGTH} characters; this one has .* spelled out"):
        search_text(query)
    fits = query[: MAX_QUERY_LENGTH // len(search_text(query[0]))]
    assert len(search_text(fits)) <= MAX_QUERY_LENGTH


def test_searches_read_the_spelled_out_form(records):
    assert search_text(" ﬁghters ㉐ ") == "fighters PTE"
    assert CitationFilterSet({"q": "ﬁghters"}, queryset=Citation.objects.all()).qs.count() == 1


LIMITED = [
    ("/search/", "q"),
    ("/groups/", "q"),
    ("/attacks/", "q"),
    ("/sources/", "q"),
    ("/api/v1/groups/", "q"),
    ("/api/v1/groups/", "alias"),
    ("/api/v1/aliases/", "name"),
    ("/api/v1/attacks/", "q"),
    ("/api/v1/sources/", "q"),
    ("/api/v1/citations/", "q"),
]


@pytest.mark.parametrize(("path", "parameter"), LIMITED)
def test_every_search_and_name_filter_refuses_a_query_too_long_once_spelled_out(client, path, parameter):
    response = client.get(path, {parameter: "\ufdfa" * (MAX_QUERY_LENGTH // 18 + 1)})
    assert response.status_code == 400
    message = "Searches are limited to 200 characters; this one has 216 once ligatures and signs such as “ﷺ” are spelled out."
    if path.startswith("/api/"):
        assert response.json() == {parameter: [message]}
    else:
        assert message in response.content.decode()
    assert client.get(path, {parameter: "\ufdfa" * (MAX_QUERY_LENGTH // 18)}).status_code == 200


def marked(parts: list[SnippetPart]) -> list[str]:
    return [part.text for part in parts if part.mark]


def test_a_snippet_marks_each_word_that_begins_with_a_query_word_accents_and_case_folded():
    parts = snippet("The Sipah-e-Sahaba's sectarianism reached Quétta;\n\nSECTS split.", ["sect", "quetta", "sahaba"])
    assert "".join(part.text for part in parts) == "The Sipah-e-Sahaba's sectarianism reached Quétta; SECTS split."
    assert marked(parts) == ["Sahaba", "sectarianism", "Quétta", "SECTS"]
    assert marked(snippet("insect", ["sect"])) == []  # the beginning of a word, not inside one


def test_a_long_text_is_cut_round_the_first_word_found_with_an_ellipsis_where_it_goes_on():
    words = [f"w{n}" for n in range(200)]
    words[100] = "sectarian"
    parts = snippet(" ".join(words), ["sectarian"])
    text = "".join(part.text for part in parts)
    assert text.startswith("… w90 ") and text.endswith(" …") and marked(parts) == ["sectarian"]
    assert len(text.split()) == SNIPPET_WORDS + 2  # the words and the two ellipses
    opening = "".join(part.text for part in snippet(" ".join(words), ["absent"]))
    assert opening.startswith("w0 w1 ") and opening.endswith(" …")  # found elsewhere (its heading): the opening
    assert snippet("", ["x"]) == []


def test_a_key_probe_is_written_once_and_read_with_any_keys():
    """`KeyProbe`: the querysets' SQL is written on the first call and kept; each call gives its own keys (one array),
    and a ranked probe its own limit."""
    dawn, reuters = SourceFactory(slug="dawn-report"), SourceFactory(slug="reuters-report")
    written = []

    def sources():
        written.append(True)
        return (Source.objects.order_by().values_list("slug", "id"),)

    by_slug = KeyProbe(sources, "slug")
    assert by_slug(["dawn-report"]) == [("dawn-report", dawn.pk)]
    assert sorted(by_slug(["reuters-report", "dawn-report", "dawn-report", "unknown"])) == [
        ("dawn-report", dawn.pk),
        ("reuters-report", reuters.pk),
    ]
    assert by_slug([]) == [] and len(written) == 1

    ranked = KeyProbe(sources, "slug", then=("id",))
    assert ranked(["reuters-report", "unknown", "dawn-report"], limit=5) == [("reuters-report", reuters.pk), ("dawn-report", dawn.pk)]
    assert ranked(["reuters-report", "dawn-report"], limit=1) == [("reuters-report", reuters.pk)]
    with pytest.raises(TypeError, match="limit"):
        ranked(["dawn-report"])

    starting = KeyProbe(sources, "slug", starting=True, limit=1)
    assert starting(["dawn", "reuters"]) in ([("dawn-report", dawn.pk)], [("reuters-report", reuters.pk)])
    assert len(written) == 3  # once each probe
