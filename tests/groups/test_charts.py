import datetime
from types import SimpleNamespace

from django.template.loader import render_to_string

from groups.figures.charts import CHART_HEIGHT, attack_timeline


def test_no_attacks_no_timeline():
    assert attack_timeline([]) is None


def test_one_bar_per_year_including_empty_years_tallest_full_height():
    timeline = attack_timeline([datetime.date(2016, 10, 1), datetime.date(2019, 4, 12), datetime.date(2019, 1, 1), None])
    assert [(bar.year, bar.count) for bar in timeline.bars] == [(2016, 1), (2017, 0), (2018, 0), (2019, 2)]
    assert timeline.bars[-1].height == CHART_HEIGHT and timeline.bars[0].height == CHART_HEIGHT // 2 and timeline.bars[1].height == 0
    assert timeline.undated == 1 and timeline.total == 4
    assert all(bar.y + bar.height == timeline.baseline for bar in timeline.bars)
    assert timeline.bars[-1].x + timeline.bars[-1].width <= timeline.width


def test_only_undated_attacks_give_no_bars_but_a_count():
    timeline = attack_timeline([None, None])
    assert timeline.bars == [] and timeline.undated == 2


def test_the_charts_figures_are_written_as_svg_reads_them_whatever_the_locale(settings):
    """Where numbers are grouped for readers ("1,880"), the chart's figures are still written plain: SVG reads "1,880"
    as two numbers."""
    settings.USE_THOUSAND_SEPARATOR, settings.NUMBER_GROUPING = True, 3
    timeline = attack_timeline([datetime.date(year, 1, 1) for year in range(1970, 2022)] * 25)
    group = SimpleNamespace(name="Example Front", slug="example-front")
    svg = render_to_string("groups/includes/attack_timeline.html", {"timeline": timeline, "group": group}).split("</svg>")[0]
    assert timeline.width > 1000 and f'width="{timeline.width}"' in svg and ",0" not in svg and ",8" not in svg
    assert "1970: 25 attacks" in svg and 'year=2021"' in svg
