"""A group's attacks counted by year, laid out as a bar chart the template draws in SVG."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from operator import attrgetter

BAR_WIDTH = 28
BAR_GAP = 8
CHART_HEIGHT = 120
AXIS_SPACE = 22  # below the bars, for the year labels
TOP_SPACE = 16  # above the tallest bar, for its count


@dataclass(frozen=True)
class YearBar:
    year: int
    count: int
    x: int
    width: int
    y: int
    height: int
    label_x: int


@dataclass(frozen=True)
class AttackTimeline:
    bars: list[YearBar]
    undated: int
    width: int
    height: int
    baseline: int

    @property
    def total(self) -> int:
        return sum(bar.count for bar in self.bars) + self.undated


def attack_timeline(dates: Iterable[datetime.date | None]) -> AttackTimeline | None:
    """One bar per year from the first attack to the last (empty years included); None when there are no attacks."""
    dates = list(dates)
    known = [date for date in dates if date is not None]
    return year_timeline(Counter(map(attrgetter("year"), known)), undated=len(dates) - len(known))


def year_timeline(per_year: Counter[int], *, undated: int) -> AttackTimeline | None:
    """The same chart from counts already made (by the database, for a group with thousands of attacks)."""
    if not per_year and not undated:
        return None
    years = range(min(per_year), max(per_year) + 1) if per_year else range(0)
    tallest = max(per_year.values(), default=1)
    bars = []
    for index, year in enumerate(years):
        count = per_year.get(year, 0)
        height = round(CHART_HEIGHT * count / tallest)
        x = BAR_GAP + index * (BAR_WIDTH + BAR_GAP)
        bars.append(
            YearBar(
                year=year, count=count, x=x, width=BAR_WIDTH, y=TOP_SPACE + CHART_HEIGHT - height, height=height, label_x=x + BAR_WIDTH // 2
            )
        )
    width = BAR_GAP + len(bars) * (BAR_WIDTH + BAR_GAP)
    return AttackTimeline(
        bars=bars,
        undated=undated,
        width=max(width, 120),
        height=TOP_SPACE + CHART_HEIGHT + AXIS_SPACE,
        baseline=TOP_SPACE + CHART_HEIGHT,
    )
