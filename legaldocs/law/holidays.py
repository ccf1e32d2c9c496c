"""The official rest-day calendar (法定休假日 and 调休) from the maintained ``chinesecalendar`` package.

Years covered by a loaded State Council notice are exact: weekends, public holidays and the
make-up working days (调休上班) of each year's notice. Past the last year loaded, a day is judged
on weekends and the fixed-date public holidays alone (元旦 1 Jan; 劳动节 1-2 May; 国庆节 1-3 Oct,
全国年节及纪念日放假办法 2024 revision) and marked **provisional**: lunar holidays and swaps are
unknown until the notice is published (update the package, or add the year's data).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar
from chinese_calendar import constants as _constants

_FIXED_HOLIDAYS = {(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)}


@lru_cache(maxsize=1)
def last_loaded_year() -> int:
    """The last year whose State Council holiday notice is in the loaded data."""
    return max(d.year for d in _constants.holidays)


def is_provisional(day: dt.date) -> bool:
    """True when ``day`` lies past the last year whose notice is loaded."""
    return day.year > last_loaded_year()


def is_rest_day(day: dt.date) -> bool:
    """法定休假日: a weekend not swapped to a working day, or a public holiday (or its swapped
    rest day). Past the loaded data: weekends and fixed-date holidays only (see module notes)."""
    if not is_provisional(day) and day.year >= 2004:
        return not chinese_calendar.is_workday(day)
    return day.weekday() >= 5 or (day.month, day.day) in _FIXED_HOLIDAYS


def is_makeup_workday(day: dt.date) -> bool:
    """调休上班: a Saturday or Sunday made a working day by the year's notice."""
    if is_provisional(day) or day.year < 2004:
        return False
    return day.weekday() >= 5 and chinese_calendar.is_workday(day)


def holiday_name(day: dt.date) -> str | None:
    """Name of the public holiday on ``day`` (e.g. 'National Day'), or None."""
    if is_provisional(day) or day.year < 2004:
        return None
    on_holiday, name = chinese_calendar.get_holiday_detail(day)
    return name if on_holiday and name else None
