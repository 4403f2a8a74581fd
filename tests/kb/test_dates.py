import datetime

import pytest

from kb.dates import DatePrecision, format_partial_date, format_period


@pytest.mark.parametrize(
    "value, precision, expected",
    [
        (datetime.date(2016, 10, 26), DatePrecision.DAY, "26 Oct 2016"),
        (datetime.date(2016, 10, 1), DatePrecision.MONTH, "Oct 2016"),
        (datetime.date(2017, 1, 1), DatePrecision.EARLY, "early 2017"),
        (datetime.date(2017, 1, 1), DatePrecision.MID, "mid-2017"),
        (datetime.date(2017, 1, 1), DatePrecision.LATE, "late 2017"),
        (datetime.date(2015, 1, 1), DatePrecision.YEAR, "2015"),
        (None, DatePrecision.UNKNOWN, "date unknown"),
    ],
)
def test_partial_dates_render_with_their_precision(value, precision, expected):
    assert format_partial_date(value, precision) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ((datetime.date(2016, 10, 1), "month"), (None, "unknown"), "since Oct 2016"),
        ((datetime.date(2014, 1, 1), "year"), (datetime.date(2017, 1, 1), "late"), "2014 – late 2017"),
        ((None, "unknown"), (datetime.date(2017, 1, 1), "year"), "until 2017"),
        ((None, "unknown"), (None, "unknown"), ""),
    ],
)
def test_periods_read_as_a_researcher_would_say_them(start, end, expected):
    assert format_period(*start, *end) == expected


def test_every_month_is_written_as_strftime_writes_it():
    for month in range(1, 13):
        value = datetime.date(2016, month, 26)
        assert format_partial_date(value, DatePrecision.DAY) == f"26 {value:%b %Y}"
        assert format_partial_date(value, DatePrecision.MONTH) == f"{value:%b %Y}"
