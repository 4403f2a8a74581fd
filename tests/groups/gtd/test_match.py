"""Matching GTD perpetrator names to groups."""

from groups import gtd


def test_group_matcher_tries_gtd_names_then_names_then_aliases_and_drops_the_acronym_bracket():
    matcher = gtd.GroupMatcher(
        gtd_names=[(1, "Tehrik-i-Taliban Pakistan (TTP)")],
        names=[(2, "Lashkar-e-Jhangvi"), (3, "Islamic State")],
        aliases=[(3, "ISIL"), (3, "Islamic State of Iraq and the Levant"), (4, "Shared Name"), (5, "Shared Name")],
    )
    assert matcher.match("Tehreek-e-Taliban Pakistan (TTP)") == {1}
    assert matcher.match("Lashkar-i-Jhangvi") == {2}
    assert matcher.match("Islamic State of Iraq and the Levant (ISIL)") == {3}
    assert matcher.match("ISIL") == {3}
    assert matcher.match("Shared Name") == {4, 5}
    assert matcher.match("Made-up Front") == frozenset()
