"""Citation markers in prose: read, checked, and split into runs of words and footnotes."""

import pytest

from sources.markers import marker_ids, marker_problems, paragraphs, without_markers


def test_markers_are_read_in_order_each_once():
    assert marker_ids("A [cite:12]. B [cite:3][cite:12]. C [cite:0007].") == [12, 3, 7]
    assert marker_ids("No markers, and [cite: 4] is none.") == []


@pytest.mark.parametrize(
    "text", ["Claimed [cite 12].", "Claimed [Cite:12].", "Claimed [cite:].", "Claimed [cite:12", "Claimed [cite:abc]."]
)
def test_a_malformed_marker_is_named(text):
    (problem,) = marker_problems(text)
    assert "is not a citation marker" in problem and text[8:14] in problem


def test_html_is_refused_as_plain_text_is_asked_for():
    (problem,) = marker_problems("The group <b>claimed</b> it [cite:1].")
    assert "“<b>”" in problem
    assert marker_problems("Fewer than 5<10 attacks, 3 > 2 [cite:1].") == []


def test_paragraphs_keep_words_and_put_notes_where_markers_are():
    found = paragraphs(
        "First line\ncontinues [cite:1]. Next [cite:2][cite:1].\n\n  \nSecond [cite:9] paragraph.", lambda cid: [] if cid == 9 else [cid]
    )
    assert [[(run.text, run.notes) for run in paragraph] for paragraph in found] == [
        [("First line continues.", []), ("", [1]), (" Next.", []), ("", [2, 1])],  # markers after the full stop
        [("Second", []), (" paragraph.", [])],  # a marker without notes leaves nothing
    ]


def test_markers_readers_may_not_follow_are_taken_out_with_the_space_before_them():
    assert without_markers("Claimed [cite:1], drafted [cite:2].", keeping={1}) == "Claimed [cite:1], drafted."
