from groups.models import Group
from sources.models import Citation
from sources.references import References, field_label


def citation(pk, source_id, quote, field="", locator=""):
    return Citation(pk=pk, source_id=source_id, quote=quote, field=field, locator=locator)


def test_numbers_follow_the_order_facts_are_shown_and_repeat_for_the_same_quote():
    references = References()
    first = references.notes_for([citation(1, 1, "alpha"), citation(2, 1, "beta")], supports="the summary")
    again = references.notes_for([citation(3, 1, "alpha  "), citation(4, 2, "alpha")], supports="an alias")
    assert [note.number for note in first] == [1, 2]
    assert [note.number for note in again] == [1, 3]  # same words from the same source; another source is another note
    assert [entry.anchor for entry in references.entries] == ["ref-1", "ref-2", "ref-3"]
    assert references.entries[0].supports == ["the summary", "an alias"]


def test_a_fact_lists_a_note_once():
    references = References()
    notes = references.notes_for([citation(1, 1, "alpha"), citation(2, 1, "alpha")])
    assert [note.number for note in notes] == [1]


def test_notes_by_field_key_whole_record_citations_as_record():
    references = References()
    group = Group(name="Islamic State")
    notes = references.notes_by_field(group, [citation(1, 1, "alpha"), citation(2, 1, "beta", field="founded")])
    assert [n.number for n in notes["record"]] == [1] and [n.number for n in notes["founded"]] == [2]
    assert references.entries[1].supports == ["Islamic State — founded"]


def test_field_labels():
    assert field_label(Group, "countries") == "countries of operation"
    assert field_label(Group, "") == ""
    from groups.models import Attack

    assert field_label(Attack, "place") == "place"
