"""TIMEX3 value -> [begin, end): every granularity, intervals, and what stays NULL."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.temporal.bounds import bounds
from pipeline.temporal.timex import granularity, resolve

D = datetime


@pytest.mark.parametrize("value,begin,end", [
    ("2018-11-08", D(2018, 11, 8), D(2018, 11, 9)),
    ("2019-01", D(2019, 1, 1), D(2019, 2, 1)),
    ("2019-12", D(2019, 12, 1), D(2020, 1, 1)),
    ("2017", D(2017, 1, 1), D(2018, 1, 1)),
    ("198", D(1980, 1, 1), D(1990, 1, 1)),  # die 1980er Jahre
    ("19", D(1900, 1, 1), D(2000, 1, 1)),  # das 20. Jahrhundert
    ("2018-W45", D(2018, 11, 5), D(2018, 11, 12)),
    ("2018-W45-3", D(2018, 11, 7), D(2018, 11, 8)),
    ("2018-W45-WE", D(2018, 11, 10), D(2018, 11, 12)),
    ("2019-Q2", D(2019, 4, 1), D(2019, 7, 1)),
    ("2019-H2", D(2019, 7, 1), D(2020, 1, 1)),
    ("2019-SU", D(2019, 6, 1), D(2019, 9, 1)),
    ("2019-WI", D(2019, 12, 1), D(2020, 3, 1)),
    ("2025-03-01T16:00", D(2025, 3, 1, 16), D(2025, 3, 1, 16, 1)),
    ("2025-03-01T16", D(2025, 3, 1, 16), D(2025, 3, 1, 17)),
    ("2025-03-01T24:00", D(2025, 3, 2), D(2025, 3, 2, 0, 1)),
    ("2025-03-01TEV", D(2025, 3, 1, 18), D(2025, 3, 1, 22)),
    ("2025-03-01TNI", D(2025, 3, 1, 22), D(2025, 3, 2, 6)),
    ("2018-11-08/2018-11-11", D(2018, 11, 8), D(2018, 11, 12)),
    ("2003/2013", D(2003, 1, 1), D(2014, 1, 1)),
    ("2019-WXX-1", D(2019, 1, 1), D(2020, 1, 1)),  # jeden Montag 2019: the set's anchor
])
def test_bounds(value, begin, end):
    assert bounds(value) == (begin, end)


@pytest.mark.parametrize("value", [
    "", None, "P3Y", "PT2H", "PAST_REF", "FUTURE_REF", "PRESENT_REF", "XXXX-12-25", "XXXX-WXX-1",
    "T16:00", "TMO", "2019-02-30", "2018-W53", "2019-11/2019-02", "REF-1Y", "kein Datum",
])
def test_unanchorable_values_give_null(value):
    assert bounds(value) == (None, None)


def test_resolved_relative_dates_get_bounds():
    value, _ = resolve("REF-1M", "2018-11-11")  # im vergangenen Monat
    assert bounds(value) == (D(2018, 10, 1), D(2018, 11, 1))


days = st.dates(min_value=date(1, 1, 1), max_value=date(9998, 12, 30))


@given(days)
def test_a_day_is_midnight_to_midnight(d):
    begin, end = bounds(d.isoformat())
    assert begin == D(d.year, d.month, d.day) and end - begin == timedelta(days=1)


@given(days)
def test_a_day_lies_in_its_month_year_week_and_quarter(d):
    day_begin, day_end = bounds(d.isoformat())
    y, w, _ = d.isocalendar()
    for value in (f"{d.year:04d}-{d.month:02d}", f"{d.year:04d}", f"{y:04d}-W{w:02d}",
                  f"{d.year:04d}-Q{(d.month - 1) // 3 + 1}", f"{d.year:04d}-H{(d.month - 1) // 6 + 1}"):
        begin, end = bounds(value)
        assert begin <= day_begin < day_end <= end, value


@given(days, days)
def test_an_interval_spans_from_its_first_begin_to_its_last_end(a, b):
    a, b = min(a, b), max(a, b)
    assert bounds(f"{a.isoformat()}/{b.isoformat()}") == (bounds(a.isoformat())[0], bounds(b.isoformat())[1])


@given(st.text(max_size=30))
def test_never_raises_and_begin_precedes_end(value):
    begin, end = bounds(value)
    assert (begin is None) == (end is None)
    if begin is not None:
        assert begin < end


@given(st.integers(min_value=1000, max_value=9998), st.sampled_from(
    ["", "-01", "-12", "-Q1", "-Q4", "-H1", "-SP", "-SU", "-FA", "-WI", "-W01", "-W20", "-W20-7", "-W20-WE"]))
def test_every_granularity_of_a_known_year_is_anchored(year, rest):
    begin, end = bounds(f"{year}{rest}")
    assert begin is not None and begin.year in (year - 1, year) and granularity(f"{year}{rest}") is not None
