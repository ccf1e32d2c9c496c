"""Period arithmetic (期间计算) under 民法典 arts 200-204 and 民事诉讼法 art 85.

The anchor day (event, due date, delivery, last day of a performance period) is not counted;
day periods end on anchor + N days; month and year periods end on the corresponding day of the
last month, or that month's last day when it has none (art 202); a last day that is a statutory
rest day moves to the first day after the rest run (art 203; CPL art 85).

Where the law is unsettled the result carries both dates:
- a last day on a make-up working Saturday (调休上班): the prevailing reading treats it as a
  working day (safe, earliest date); a reading on weekends alone would roll it (arguable date);
- guarantee periods (保证期间): whether art 203's roll applies is disputed, so the nominal last day
  is the safe date and the rolled day the arguable one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

from legaldocs.errors import LegalDocsError
from legaldocs.i18n import _
from legaldocs.law.holidays import is_makeup_workday, is_provisional, is_rest_day

UNITS = ("days", "months", "years")


@dataclass(frozen=True)
class PeriodEnd:
    """The last day of a period.

    ``date``: the safe (earliest) last day; ``alternative_date``: a later date arguable under an
    unsettled rule, or None; ``nominal``: the corresponding day before any roll; ``rule``: what
    separates the two dates (or how the date was reached); ``provisional``: the calendar for the
    year is not loaded yet, so rest days were judged on weekends and fixed holidays alone.
    """

    date: dt.date
    nominal: dt.date
    alternative_date: dt.date | None
    rule: str
    provisional: bool


def add_months(day: dt.date, months: int) -> dt.date:
    """The corresponding day ``months`` later (earlier when negative), or that month's last day
    when it has none (民法典 art 202)."""
    return day + relativedelta(months=months)


def add_period(anchor: dt.date, amount: int, unit: str) -> dt.date:
    """Corresponding last day, without any rest-day roll (民法典 arts 201, 202)."""
    if amount < 0:
        raise LegalDocsError(_("a period cannot be negative ({amount} {unit})").format(amount=amount, unit=unit))
    if unit == "days":
        return anchor + dt.timedelta(days=amount)
    if unit == "months":
        return add_months(anchor, amount)
    if unit == "years":
        return add_months(anchor, 12 * amount)
    raise LegalDocsError(_("period unit must be one of {choices}, not {unit}").format(choices=", ".join(UNITS), unit=repr(unit)))


def next_working_day(day: dt.date) -> dt.date:
    """``day`` itself when it is not a rest day, else the first day after the rest run."""
    while is_rest_day(day):
        day += dt.timedelta(days=1)
    return day


def _weekend_roll(day: dt.date) -> dt.date:
    """The roll a weekends-and-holidays reading would give, ignoring make-up working days."""
    day += dt.timedelta(days=1)
    while is_rest_day(day) or day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


DEFAULT_COMPUTATION = "民法典第二百零一条至第二百零三条、民事诉讼法第八十五条"


def period_end(
    anchor: dt.date,
    amount: int,
    unit: str,
    *,
    roll: bool = True,
    guarantee: bool = False,
    computation: str = DEFAULT_COMPUTATION,
) -> PeriodEnd:
    """Last day of a period of ``amount`` ``unit`` from ``anchor`` (not counted).

    ``roll``: apply the rest-day roll (民法典 art 203, 民事诉讼法 art 85); ``guarantee``: a
    保证期间, whose roll is disputed: the nominal day is returned as the safe date and the rolled
    day as the alternative. ``computation``: the citation of the period-computation rule of the
    period's date (e.g. 民法通则第一百五十四条 before 2017-10-01), used in ``rule``.
    Raises LegalDocsError for a negative amount or an unknown unit.
    """
    nominal = add_period(anchor, amount, unit)
    provisional = is_provisional(nominal)
    if not roll:
        return PeriodEnd(nominal, nominal, None, _("no rest-day roll"), provisional)
    rolled = next_working_day(nominal)
    provisional = provisional or is_provisional(rolled)
    if guarantee:
        if rolled == nominal:
            return PeriodEnd(nominal, nominal, None, computation, provisional)
        return PeriodEnd(
            nominal, nominal, rolled,
            f"保证期间末日为法定休假日时是否顺延（{computation}）存在争议：取末日为安全日期，顺延日为可争辩日期",
            provisional,
        )
    if is_makeup_workday(nominal):
        return PeriodEnd(
            nominal, nominal, _weekend_roll(nominal),
            "末日为调休上班日：通行做法视为工作日不顺延（安全日期）；按周末计算则顺延（可争辩日期）",
            provisional,
        )
    rule = f"{computation}：末日为法定休假日的，以休假日结束的次日为末日" if rolled != nominal else computation
    return PeriodEnd(rolled, nominal, None, rule, provisional)
