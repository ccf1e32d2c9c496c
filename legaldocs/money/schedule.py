"""Repayment schedules (还款计划) generated from a loan's terms.

Methods (还款方式):
- ``等额本息`` (equal instalments): monthly instalment A = P·r·(1+r)^n / ((1+r)^n − 1) with the monthly
  rate r = annual rate / 12; each month's interest = scheduled balance × r; the last instalment
  takes the rounding remainder.
- ``等额本金`` (equal principal): principal P/n a month; interest = scheduled balance × r.
- ``按月/按季/按年计息、到期一次性还本``: interest on the actual outstanding principal for the actual
  days of each period (day count per contract, 360 by default), due on each 结息日; principal at
  maturity.
- ``到期一次性还本付息`` (bullet): interest for the actual days and principal, both at maturity.

Due dates of monthly instalments are the draw's day of month (or the month's last day when the
month has none, 民法典 art 202), or, where the contract names a repayment day (每月20日还款), that
day of each month from the first one after the draw, the last instalment falling on the maturity
date (which replaces the repayment day of its month). A period that is not a whole month (the
first one from the draw to the first repayment day, the last one to maturity) bears interest for
its actual days at the annual rate / day basis; whole months bear balance x annual rate / 12.
Interest days (结息日) of periodic-interest loans default to the 20th, quarterly in March, June,
September and December (bank practice), and can be set per loan.
Amounts in the loan's currency (Decimal); rates annual fractions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from legaldocs.errors import LegalDocsError
from legaldocs.i18n import _
from legaldocs.law.periods import add_months

CENT = Decimal("0.01")

EQUAL_INSTALMENTS = "等额本息"
EQUAL_PRINCIPAL = "等额本金"
BULLET = "到期一次性还本付息"
MONTHLY_INTEREST = "按月计息、到期一次性还本"
QUARTERLY_INTEREST = "按季计息、到期一次性还本"
YEARLY_INTEREST = "按年计息、到期一次性还本"
INSTALMENT_METHODS = (EQUAL_INSTALMENTS, EQUAL_PRINCIPAL)
PERIODIC_METHODS = {MONTHLY_INTEREST: 1, QUARTERLY_INTEREST: 3, YEARLY_INTEREST: 12}


def cents(value: Decimal) -> Decimal:
    """Round half-up to 0.01 元."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Due:
    """One scheduled due date of a draw.

    ``principal``: principal falling due (元). ``interest``: a fixed interest amount (instalment
    loans), or None when interest is computed on actual days up to this date (periodic and bullet
    loans). ``number``: instalment number (期数), 1-based. ``broken``: an instalment period that is
    not a whole month, whose interest runs for its actual days.
    """

    date: dt.date
    principal: Decimal
    interest: Decimal | None
    number: int
    broken: bool = False


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from ``start`` to ``end`` (end on or after the corresponding day counts)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if add_months(start, months) > end:
        months -= 1
    return months


def _is_interest_month(month: int, step: int) -> bool:
    if step == 1:
        return True
    if step == 3:
        return month % 3 == 0
    return month == 12


def _interest_dates(start: dt.date, maturity: dt.date, step: int, interest_day: int) -> list[dt.date]:
    """结息日 strictly after ``start`` and before ``maturity``: day ``interest_day`` of every
    ``step``-th month (quarterly: March, June, September, December; yearly: December)."""
    dates = []
    year, month = start.year, start.month
    while True:
        if _is_interest_month(month, step):
            try:
                candidate = dt.date(year, month, interest_day)
            except ValueError:
                candidate = add_months(dt.date(year, month, 1), 1) - dt.timedelta(days=1)
            if candidate >= maturity:
                break
            if candidate > start:
                dates.append(candidate)
        month += 1
        if month > 12:
            month, year = 1, year + 1
        if dt.date(year, month, 1) > maturity:
            break
    return dates


def schedule(
    amount: Decimal,
    start: dt.date,
    maturity: dt.date,
    method: str,
    annual_rate: Decimal,
    *,
    interest_day: int | None = None,
    day_count: int = 360,
) -> list[Due]:
    """The schedule of one draw (提款) from ``start`` to ``maturity``. ``interest_day``: the 结息日
    of periodic-interest loans, or the repayment day (还款日) of instalment loans.

    Returns the dues in date order; the principal of all dues adds up to ``amount``.
    Raises LegalDocsError for an unknown method, a maturity not after the start, or an
    instalment loan shorter than one month.
    """
    if maturity <= start:
        raise LegalDocsError(_("maturity {maturity} is not after the draw date {date}").format(maturity=maturity, date=start))
    if method in INSTALMENT_METHODS:
        dates = _repayment_days(start, maturity, interest_day) if interest_day else None
        return _instalments(amount, start, maturity, method, annual_rate, dates, day_count)
    if method in PERIODIC_METHODS:
        day = interest_day or 20
        dates = _interest_dates(start, maturity, PERIODIC_METHODS[method], day)
        dues = [Due(d, Decimal(0), None, i + 1) for i, d in enumerate(dates)]
        dues.append(Due(maturity, amount, None, len(dues) + 1))
        return dues
    if method == BULLET:
        return [Due(maturity, amount, None, 1)]
    raise LegalDocsError(_(
        "repayment method {method} has no generated schedule; compute the balances elsewhere and set "
        "claim.amounts to 'bank' with the bank's figures").format(method=repr(method)))


def _day_of(year: int, month: int, day: int) -> dt.date:
    """Day ``day`` of the month, or the month's last day when it has none."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        return add_months(dt.date(year, month, 1), 1) - dt.timedelta(days=1)


def _repayment_days(start: dt.date, maturity: dt.date, day: int) -> list[tuple[dt.date, bool]]:
    """(due date, broken period) of each instalment on repayment day ``day``: every such day after
    ``start`` and before the month of ``maturity``, then ``maturity``."""
    out: list[tuple[dt.date, bool]] = []
    previous = start
    year, month = start.year, start.month
    while True:
        candidate = _day_of(year, month, day)
        if (candidate.year, candidate.month) >= (maturity.year, maturity.month):
            break
        if candidate > start:
            whole = previous != start or add_months(start, 1) == candidate
            out.append((candidate, not whole))
            previous = candidate
        month += 1
        if month > 12:
            month, year = 1, year + 1
    last_whole = bool(out) and _day_of(maturity.year, maturity.month, day) == maturity
    out.append((maturity, not (last_whole or (not out and add_months(start, 1) == maturity))))
    return out


def _instalments(amount: Decimal, start: dt.date, maturity: dt.date, method: str, annual_rate: Decimal,
                 dates: list[tuple[dt.date, bool]] | None = None, day_count: int = 360) -> list[Due]:
    if dates is None:
        n = months_between(start, maturity)
        if n < 1:
            raise LegalDocsError(_("{method}: term from {start} to {maturity} is shorter than one month").format(
                method=method, start=start, maturity=maturity))
        dates = [(add_months(start, k) if k < n else maturity, False) for k in range(1, n + 1)]
    n = len(dates)
    r = annual_rate / 12
    dues: list[Due] = []
    balance = amount
    if method == EQUAL_INSTALMENTS:
        growth = (1 + r) ** n
        payment = cents(amount * r * growth / (growth - 1)) if r else cents(amount / n)
    previous = start
    for k, (day, broken) in enumerate(dates, start=1):
        if broken:
            interest = cents(balance * annual_rate * (day - previous).days / day_count)
        else:
            interest = cents(balance * r)
        if k == n:
            principal = balance
        elif method == EQUAL_INSTALMENTS:
            principal = min(max(payment - interest, Decimal(0)), balance)
        else:
            principal = cents(amount / n)
        dues.append(Due(day, principal, interest, k, broken))
        balance -= principal
        previous = day
    return dues
