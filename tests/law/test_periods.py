"""Period arithmetic against legal-rules.md §14 TC1-TC9 (the parts that are pure period
computation; the clocks built on them come with the deadline engine)."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldocs.law.holidays import is_provisional, is_rest_day, last_loaded_year
from legaldocs.law.periods import period_end

d = dt.date.fromisoformat


@pytest.mark.parametrize(
    "source,anchor,amount,unit,expected",
    [
        ("TC1 limitation", "2022-05-20", 3, "years", "2025-05-20"),
        ("TC2 first interruption", "2023-02-10", 3, "years", "2026-02-10"),
        ("TC3 Golden Week", "2022-10-03", 3, "years", "2025-10-09"),
        ("TC5 suspension", "2025-07-15", 6, "months", "2026-01-15"),
        ("TC7 month-end", "2024-08-30", 6, "months", "2025-02-28"),
        ("TC7(a) guarantor limitation", "2025-01-10", 3, "years", "2028-01-10"),
        ("TC8 follow-on", "2026-03-02", 3, "years", "2029-03-02"),
        ("TC9(a) appeal vs judgment", "2025-09-23", 15, "days", "2025-10-09"),
        ("TC9(b) appeal vs ruling", "2025-09-26", 10, "days", "2025-10-09"),
        ("TC9(c) suit after preservation", "2025-09-05", 30, "days", "2025-10-09"),
        ("TC9(d) enforcement application", "2024-03-11", 2, "years", "2026-03-11"),
        ("TC9(e) retrial", "2025-04-30", 6, "months", "2025-10-30"),
        ("TC9(f) bankruptcy window, 45 days", "2025-03-10", 45, "days", "2025-04-24"),
    ],
)
def test_worked_periods(source, anchor, amount, unit, expected):
    assert period_end(d(anchor), amount, unit).date == d(expected), source


def test_tc4_makeup_saturday_gives_safe_and_arguable_dates():
    end = period_end(d("2023-02-14"), 3, "years")
    assert end.date == d("2026-02-14")
    assert end.alternative_date == d("2026-02-24")
    assert "调休" in end.rule


def test_tc8_guarantee_period_roll_is_flagged():
    end = period_end(d("2024-06-28"), 6, "months", guarantee=True)
    assert (end.date, end.alternative_date) == (d("2024-12-28"), d("2024-12-30"))


def test_past_the_loaded_calendar_is_provisional():
    year = last_loaded_year() + 1
    end = period_end(dt.date(year - 3, 6, 28), 3, "years")
    assert end.provisional and is_provisional(end.date)
    assert not is_rest_day(end.date)


@settings(max_examples=300, deadline=None)
@given(anchor=st.dates(min_value=dt.date(2005, 1, 1), max_value=dt.date(2026, 12, 31)),
       amount=st.integers(0, 40), unit=st.sampled_from(["days", "months", "years"]))
def test_every_date_returned_is_a_working_day_unless_flagged(anchor, amount, unit):
    end = period_end(anchor, amount % 4 if unit == "years" else amount, unit)
    assert not is_rest_day(end.date) or end.provisional or end.alternative_date is not None
