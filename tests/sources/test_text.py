import pytest

from sources.text import canonicalize_url, check_quote, fold_text, split_sentences, text_fingerprint

TEXT = "He added the group has been focusing attacks on “the police only.”\n\nPakistani   media reported it."


@pytest.mark.parametrize(
    "quote",
    [
        "focusing attacks on “the police only.”",
        'focusing attacks on "the police only."',  # straight quotes for curly ones
        "the police only.”\nPakistani media reported",  # whitespace differs
        "  Pakistani media reported it.  ",
    ],
)
def test_verbatim_quotes_are_found(quote):
    assert check_quote(quote, TEXT).found


@pytest.mark.parametrize(
    "quote",
    [
        "focusing attacks on the police",  # dropped quotation mark
        "Focusing attacks",  # case differs
        "the group focused attacks on the police",  # paraphrase
        "focusing attacks ... police only",  # elision
    ],
)
def test_altered_quotes_are_not_found(quote):
    assert not check_quote(quote, TEXT).found


def test_mismatch_says_where_the_quote_diverges():
    check = check_quote("He added the group has been targeting soldiers", TEXT)
    assert check.matched_prefix == "He added the group has been "
    assert "differs after that" in check.mismatch_hint


def test_fold_text():
    assert fold_text("  a\u00a0 “b”\t‘c’ ") == "a \"b\" 'c'"


@pytest.mark.parametrize(
    "url, canonical",
    [
        ("HTTPS://WWW.Example.com:443/news/story/?utm_source=x&b=2&a=1#top", "https://www.example.com/news/story?a=1&b=2"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("https://example.com", "https://example.com/"),
        ("", ""),
    ],
)
def test_canonical_urls(url, canonical):
    assert canonicalize_url(url) == canonical


def test_sentences_split_at_full_stops_and_lines_but_not_after_titles_or_initials():
    text = (
        "IS emerging in Karachi?\n\n"
        "“We received reports,” sources said. Maj. Gen. Saeed said so in the U.S. capital. He added more!\n"
        "  • Sources say IS working since July 2014  \n"
        "The letter reads, “It has been reported.” No. 3 was next."
    )
    sentences = [sentence.text for sentence in split_sentences(text)]
    assert sentences == [
        "IS emerging in Karachi?",
        "“We received reports,” sources said.",
        "Maj. Gen. Saeed said so in the U.S. capital.",
        "He added more!",
        "• Sources say IS working since July 2014",
        "The letter reads, “It has been reported.”",
        "No. 3 was next.",
    ]
    for sentence in split_sentences(text):
        assert text[sentence.start : sentence.end] == sentence.text and check_quote(sentence.text, text).found


def test_the_same_text_has_the_same_fingerprint_whatever_its_spacing_and_quote_marks():
    assert text_fingerprint("He said “no.”\n\nThen  left.") == text_fingerprint('He said "no." Then left.  ')
    assert text_fingerprint("He said no.") != text_fingerprint("He said yes.")
