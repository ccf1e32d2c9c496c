"""The official rest-day calendar (法定休假日 and 调休) from the maintained ``chinesecalendar`` package.

Years covered by a loaded State Council notice are exact: weekends, public holidays and the
make-up working days (调休上班) of each year's notice. Outside them a day is judged on the weekly
rest and the fixed-date public holidays of its date, and marked **provisional** (lunar holidays and
swaps are unknown):

- weekly rest (国务院关于职工工作时间的规定): Sunday only before 1994-03-01; from then to
  1995-04-30 every other Saturday was also a rest day, which cannot be told from the date, so
  Saturdays count as working days (the safe, earlier reading); Saturday and Sunday from
  1995-05-01;
- fixed-date holidays (全国年节及纪念日放假办法): 1 Jan, 1 May, 1-2 Oct before 1999-09-18; 1 Jan,
  1-3 May, 1-3 Oct from then (1999 revision); past the last year loaded, 1 Jan, 1-2 May, 1-3 Oct
  (2024 revision, in force 2025-01-01).

Update the package, or add the year's data, when a new notice is published.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar
from chinese_calendar import constants as _constants

# eras of the weekly rest and of the fixed-date holidays for days outside the loaded notices
_SIX_DAY_WEEK_UNTIL = dt.date(1995, 4, 30)
_HOLIDAYS_1949 = frozenset({(1, 1), (5, 1), (10, 1), (10, 2)})
_HOLIDAYS_1999 = frozenset({(1, 1), (5, 1), (5, 2), (5, 3), (10, 1), (10, 2), (10, 3)})
_HOLIDAYS_1999_FROM = dt.date(1999, 9, 18)
_HOLIDAYS_2025 = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})


@lru_cache(maxsize=1)
def loaded_years() -> tuple[int, int]:
    """The first and last years whose State Council holiday notices are in the loaded data."""
    years = [d.year for d in _constants.holidays]
    return min(years), max(years)


def last_loaded_year() -> int:
    """The last year whose State Council holiday notice is in the loaded data."""
    return loaded_years()[1]


def _loaded(day: dt.date) -> bool:
    first, last = loaded_years()
    return first <= day.year <= last


def is_provisional(day: dt.date) -> bool:
    """True when ``day`` lies outside the years whose notices are loaded (see module notes)."""
    return not _loaded(day)


def _fixed_holidays(day: dt.date) -> frozenset[tuple[int, int]]:
    if day.year > last_loaded_year():
        return _HOLIDAYS_2025
    return _HOLIDAYS_1999 if day >= _HOLIDAYS_1999_FROM else _HOLIDAYS_1949


def is_rest_day(day: dt.date) -> bool:
    """法定休假日: a weekend not swapped to a working day, or a public holiday (or its swapped
    rest day). Outside the loaded data: the weekly rest and fixed-date holidays of the date."""
    if _loaded(day):
        return not chinese_calendar.is_workday(day)
    weekly = day.weekday() == 6 or (day.weekday() == 5 and day > _SIX_DAY_WEEK_UNTIL)
    return weekly or (day.month, day.day) in _fixed_holidays(day)


def is_makeup_workday(day: dt.date) -> bool:
    """调休上班: a Saturday or Sunday made a working day by the year's notice."""
    if not _loaded(day):
        return False
    return day.weekday() >= 5 and chinese_calendar.is_workday(day)


def holiday_name(day: dt.date) -> str | None:
    """Name of the public holiday on ``day`` (e.g. 'National Day'), or None."""
    if not _loaded(day):
        return None
    on_holiday, name = chinese_calendar.get_holiday_detail(day)
    return name if on_holiday and name else None
