"""The theatre timeline's geometry: pure functions over unsaved records, no database."""

import datetime
import itertools
import re
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string

from groups.figures.graphs import ALLEGIANCE, COOPERATION, RIVALRY, STRUCTURE
from groups.figures.timelines import (
    FIRST_ROW,
    FONT_SIZE,
    LEAD,
    LEFT,
    ROW,
    date_span,
    label_box,
    row_order,
    theatre_timeline,
)
from groups.models import Affiliation, AffiliationKind, Group, GroupStatus
from kb.dates import DatePrecision

D = datetime.date


def group(pk, name, *, founded=None, founded_precision=None, dissolved=None, dissolved_precision=None, status=GroupStatus.ACTIVE):
    return Group(
        pk=pk,
        name=name,
        slug=f"g{pk}",
        founded=founded,
        founded_precision=founded_precision or (DatePrecision.UNKNOWN if founded is None else DatePrecision.DAY),
        dissolved=dissolved,
        dissolved_precision=dissolved_precision or (DatePrecision.UNKNOWN if dissolved is None else DatePrecision.DAY),
        status=status,
    )


def affiliation(pk, source, target, kind, started=None, precision=None, confidence="reported"):
    return Affiliation(
        pk=pk,
        from_group=source,
        to_group=target,
        kind=kind,
        started=started,
        started_precision=precision or (DatePrecision.UNKNOWN if started is None else DatePrecision.YEAR),
        confidence=confidence,
    )


def url(g):
    return f"/groups/{g.slug}/"


def timeline(groups, affiliations=(), start=2010, end=2019, **kwargs):
    return theatre_timeline(groups, affiliations, start_year=start, end_year=end, url_for=url, **kwargs)


def row_of(drawn, g):
    (row,) = [row for row in drawn.rows if row.group.pk == g.pk]
    return row


TTP = group(1, "Tehrik-e-Taliban Pakistan", founded=D(2007, 12, 1), founded_precision=DatePrecision.MONTH)
ISKP = group(2, "Islamic State Khorasan Province", founded=D(2015, 1, 1), founded_precision=DatePrecision.MONTH)
IS = group(3, "Islamic State")  # founding not known, still active
JUA = group(4, "Jamaat-ul-Ahrar", founded=D(2014, 1, 1), founded_precision=DatePrecision.YEAR, status=GroupStatus.MERGED)
TALIBAN = group(5, "Afghan Taliban", founded=D(1994, 1, 1), founded_precision=DatePrecision.YEAR)
DEFUNCT = group(6, "Defunct Front", founded=D(2011, 3, 14), dissolved=D(2016, 7, 1), dissolved_precision=DatePrecision.MONTH)


def test_no_groups_no_timeline():
    assert timeline([]) is None


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="cannot end"):
        timeline([IS], start=2020, end=2019)


def test_the_x_axis_is_the_period_with_a_tick_a_year():
    drawn = timeline([IS], start=2010, end=2019)
    assert [tick.year for tick in drawn.ticks] == list(range(2010, 2020))
    assert all(tick.labelled for tick in drawn.ticks)
    assert drawn.ticks[0].x == LEFT and drawn.ticks[1].x == LEFT + drawn.year_width
    assert drawn.ticks[0].label_x == pytest.approx(LEFT + drawn.year_width / 2)  # a year's label in the middle of its year
    assert drawn.plot_right == drawn.x_of(2020) == LEFT + 10 * drawn.year_width
    assert drawn.width >= drawn.x_of(2020)


def test_a_long_period_labels_every_fifth_year_and_stays_legible():
    drawn = timeline([IS], start=1950, end=2024)
    labelled = [tick.year for tick in drawn.ticks if tick.labelled]
    assert labelled == list(range(1950, 2025, 5))
    assert drawn.year_width * 5 >= 4 * 6.6 + 8  # a labelled year's four digits fit before the next label


@pytest.mark.parametrize(
    "value, precision, span",
    [
        (D(2015, 1, 1), DatePrecision.YEAR, (2015.0, 2016.0)),
        (D(2015, 1, 1), DatePrecision.EARLY, (2015.0, 2015 + 1 / 3)),
        (D(2015, 1, 1), DatePrecision.MID, (2015 + 1 / 3, 2015 + 2 / 3)),
        (D(2015, 1, 1), DatePrecision.LATE, (2015 + 2 / 3, 2016.0)),
        (D(2015, 7, 1), DatePrecision.MONTH, (2015.5, 2015 + 7 / 12)),
        (D(2016, 7, 2), DatePrecision.DAY, (2016 + 183 / 366, 2016 + 183 / 366)),  # a leap year: 2 July is day 184
        (None, DatePrecision.UNKNOWN, None),
    ],
)
def test_a_partial_date_spans_the_months_it_may_fall_in(value, precision, span):
    assert date_span(value, precision) == (pytest.approx(span) if span else None)


def test_a_line_starts_and_ends_at_its_dates_by_their_precision():
    drawn = timeline([ISKP, DEFUNCT, JUA, IS, TALIBAN], start=2010, end=2019)

    iskp = row_of(drawn, ISKP)  # January 2015: a short bar, solid from the start of January, active: an open arrow at the end
    assert (iskp.start, iskp.x_start, iskp.end, iskp.x_end) == ("known", drawn.x_of(2015), "active", drawn.x_of(2020))
    assert iskp.start_bar and iskp.arrow_end and not iskp.arrow_start
    assert [(s.x1, s.faint) for s in iskp.segments] == [(drawn.x_of(2015), True), (drawn.x_of(2015 + 1 / 12), False)]

    defunct = row_of(drawn, DEFUNCT)  # 14 March 2011 to July 2016
    assert defunct.x_start == drawn.x_of(2011 + 72 / 365)
    assert (defunct.end, defunct.end_bar, defunct.x_end) == ("known", True, drawn.x_of(2016 + 7 / 12))
    solid = [s for s in defunct.segments if not s.faint]
    assert [(s.x1, s.x2) for s in solid] == [(defunct.x_start, drawn.x_of(2016.5))]

    jua = row_of(drawn, JUA)  # "2014" only: faint over the year, solid after; merged, end not known: a faint dashed tail
    assert (jua.start, jua.start_bar, jua.x_start) == ("approximate", False, drawn.x_of(2014))
    assert jua.segments[0].faint and (jua.segments[0].x1, jua.segments[0].x2) == (drawn.x_of(2014), drawn.x_of(2015))
    assert (jua.end, jua.arrow_end) == ("unknown", False)
    assert jua.segments[-1].faint and jua.segments[-1].dashed and jua.segments[-1].x2 == drawn.x_of(2020)
    assert "date approximate" in jua.title and "end date unknown" in jua.title

    islamic_state = row_of(drawn, IS)  # founding unknown: a faint dashed lead-in from the start of the period
    assert (islamic_state.start, islamic_state.x_start) == ("unknown", LEFT)
    assert islamic_state.segments[0].dashed and islamic_state.segments[0].x2 == LEFT + LEAD
    assert "founding date unknown" in islamic_state.title

    taliban = row_of(drawn, TALIBAN)  # formed before the period: an open arrow at its start
    assert (taliban.start, taliban.arrow_start, taliban.x_start) == ("before", True, LEFT)
    assert "formed 1994, before the period" in taliban.title


def test_every_group_appears_exactly_once_one_row_apart():
    groups = [TTP, ISKP, IS, JUA, TALIBAN, DEFUNCT]
    drawn = timeline([*groups, ISKP], [affiliation(1, ISKP, IS, AffiliationKind.BRANCH_OF)])
    assert sorted(row.group.pk for row in drawn.rows) == sorted(g.pk for g in groups)
    assert [row.y for row in drawn.rows] == [FIRST_ROW + i * ROW for i in range(len(groups))]
    assert drawn.height >= drawn.rows[-1].y


def test_no_label_overlaps_another_and_every_label_fits_in_the_figure():
    long_name = group(7, "Lashkar-e-Jhangvi Al-Alami and a very long name that reaches far", founded=D(2019, 6, 1))
    groups = [TTP, ISKP, IS, JUA, TALIBAN, DEFUNCT, long_name]
    drawn = timeline(groups, [affiliation(1, long_name, TTP, AffiliationKind.SPLINTER_FROM)])
    boxes = [label_box(row) for row in drawn.rows]
    for (l1, t1, r1, b1), (l2, t2, r2, b2) in itertools.combinations(boxes, 2):
        assert r1 <= l2 or r2 <= l1 or b1 <= t2 or b2 <= t1
    for left, top, right, _bottom in boxes:
        assert 0 <= left and right <= drawn.width and top >= drawn.axis_y
    assert ROW - FONT_SIZE >= 12  # a label never reaches the line of the row above


def test_a_parent_is_followed_by_its_splinters_and_branches():
    splinter = group(8, "Splinter of TTP", founded=D(2014, 8, 1), founded_precision=DatePrecision.MONTH)
    affiliations = [
        affiliation(1, JUA, TTP, AffiliationKind.SPLINTER_FROM),
        affiliation(2, splinter, TTP, AffiliationKind.FORMED_BY_FORMER_MEMBERS_OF),
        affiliation(3, ISKP, IS, AffiliationKind.BRANCH_OF),
        affiliation(4, TTP, TALIBAN, AffiliationKind.ALLIED_WITH),  # not a parent: order by founding
    ]
    order = [g.name for g in row_order([IS, JUA, ISKP, TALIBAN, splinter, TTP], affiliations)]
    assert order == [
        "Afghan Taliban",  # founded 1994
        "Tehrik-e-Taliban Pakistan",  # 2007, then its splinters in order of founding
        "Jamaat-ul-Ahrar",  # 2014
        "Splinter of TTP",  # August 2014
        "Islamic State",  # founding unknown: after those with a date, then its branch
        "Islamic State Khorasan Province",
    ]


def test_a_loop_of_parents_still_draws_every_group_once():
    affiliations = [
        affiliation(1, ISKP, IS, AffiliationKind.BRANCH_OF),
        affiliation(2, IS, ISKP, AffiliationKind.FACTION_OF),
    ]
    order = row_order([IS, ISKP], affiliations)
    assert sorted(g.pk for g in order) == sorted([IS.pk, ISKP.pk])


def test_a_relationship_is_a_link_at_its_start_between_the_two_rows_coloured_by_family():
    affiliations = [
        affiliation(1, ISKP, IS, AffiliationKind.PLEDGED_ALLEGIANCE_TO, D(2015, 1, 1), DatePrecision.MONTH),
        affiliation(2, ISKP, TALIBAN, AffiliationKind.RIVAL_OF, D(2017, 1, 1), DatePrecision.YEAR),
        affiliation(3, TTP, TALIBAN, AffiliationKind.ALLIED_WITH, D(2012, 1, 1), DatePrecision.YEAR, confidence="alleged"),
    ]
    drawn = timeline([IS, ISKP, TTP, TALIBAN], affiliations)
    by_pk = {link.affiliation.pk: link for link in drawn.links}
    pledge, rivalry, alliance = by_pk[1], by_pk[2], by_pk[3]
    assert (pledge.x, pledge.y_from, pledge.y_to) == (drawn.x_of(2015), row_of(drawn, ISKP).y, row_of(drawn, IS).y)
    assert (pledge.family, pledge.directed) == (ALLEGIANCE, True)
    assert pledge.title == "Islamic State Khorasan Province pledged allegiance to Islamic State, Jan 2015"
    assert (rivalry.x, rivalry.family, rivalry.directed) == (drawn.x_of(2017), RIVALRY, False)
    assert {rivalry.y_from, rivalry.y_to} == {row_of(drawn, ISKP).y, row_of(drawn, TALIBAN).y}
    assert alliance.family is COOPERATION and alliance.title.endswith("2012 (alleged)")
    assert pledge.path == f"M{pledge.x:.1f} {pledge.y_from:.1f} V{pledge.y_to:.1f}"


def test_a_split_without_a_date_of_its_own_is_drawn_at_the_founding_of_the_new_group_pointing_at_it():
    split = affiliation(1, ISKP, TTP, AffiliationKind.FORMED_BY_FORMER_MEMBERS_OF)
    drawn = timeline([TTP, ISKP], [split])
    (link,) = drawn.links
    assert link.family is STRUCTURE and link.x == row_of(drawn, ISKP).x_start
    assert (link.y_from, link.y_to) == (row_of(drawn, TTP).y, row_of(drawn, ISKP).y)  # from the parent to the new group
    assert link.when == "Jan 2015 (when Islamic State Khorasan Province was formed)"


def test_a_dated_merger_ends_the_merged_line_at_the_other():
    merger = affiliation(1, JUA, TTP, AffiliationKind.MERGED_INTO, D(2018, 8, 1), DatePrecision.MONTH)
    drawn = timeline([TTP, JUA], [merger])
    jua = row_of(drawn, JUA)
    (link,) = drawn.links
    assert (jua.end, jua.end_bar, jua.x_end) == ("merged", True, drawn.x_of(2018 + 7 / 12))
    assert (link.x, link.y_from, link.y_to) == (jua.x_end, jua.y, row_of(drawn, TTP).y)
    assert "merged Aug 2018" in jua.title


def test_undated_relationships_and_those_outside_the_period_are_listed_not_drawn():
    affiliations = [
        affiliation(1, TTP, TALIBAN, AffiliationKind.AFFILIATED_WITH),
        affiliation(2, TTP, TALIBAN, AffiliationKind.RIVAL_OF, D(2001, 1, 1)),
        affiliation(3, ISKP, IS, AffiliationKind.BRANCH_OF, D(2015, 1, 1)),
    ]
    drawn = timeline([TTP, TALIBAN, ISKP, IS], affiliations)
    assert [link.affiliation.pk for link in drawn.links] == [3]
    assert [(item.affiliation.pk, item.reason) for item in drawn.undrawn] == [
        (2, "began 2001, outside the period"),
        (1, "no known date"),
    ]
    assert "2 not drawn" in drawn.description


def test_relationships_with_groups_off_the_map_are_left_out():
    drawn = timeline([ISKP], [affiliation(1, ISKP, IS, AffiliationKind.BRANCH_OF, D(2015, 1, 1))])
    assert drawn.links == [] and drawn.undrawn == []


def test_links_at_the_same_date_over_the_same_rows_stand_apart():
    affiliations = [
        affiliation(1, ISKP, IS, AffiliationKind.BRANCH_OF, D(2015, 1, 1)),
        affiliation(2, ISKP, IS, AffiliationKind.PLEDGED_ALLEGIANCE_TO, D(2015, 1, 1)),
    ]
    first, second = timeline([IS, ISKP], affiliations).links
    assert abs(first.x - second.x) >= 6


def test_a_link_leads_to_its_reference_and_says_which():
    link_pledge = affiliation(1, ISKP, IS, AffiliationKind.PLEDGED_ALLEGIANCE_TO, D(2015, 1, 1))
    (link,) = timeline([IS, ISKP], [link_pledge], cite=lambda a: ("#ref-3", "reference 3")).links
    assert link.href == "#ref-3" and link.title.endswith("; reference 3")
    (uncited,) = timeline([IS, ISKP], [link_pledge]).links
    assert uncited.href == "/groups/g2/"  # without a reference, the profile of its first group


def test_the_figures_are_written_as_svg_reads_them_whatever_the_locale(settings):
    """Where numbers are grouped for readers ("1,950"), the drawing's coordinates and years are still written plain."""
    settings.USE_THOUSAND_SEPARATOR, settings.NUMBER_GROUPING = True, 3
    drawn = timeline([TTP, ISKP, IS, TALIBAN], start=1950, end=2024)
    html = render_to_string("groups/includes/theatre_timeline.html", {"timeline": drawn, "theatre": SimpleNamespace(name="Af-Pak")})
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert f'width="{drawn.width}"' in svg and ">1950</text>" in svg and "Af-Pak, 1950–2024" in svg
    assert not re.search(r'="-?\d+,\d', svg), "no number in an attribute is grouped"
