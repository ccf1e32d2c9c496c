"""Interest for delayed performance (迟延履行期间的债务利息), 民事诉讼法 art 264 (2023; art 253 of
2012) and 法释〔2014〕8号.

Total = general interest as the judgment orders + the doubled part. The doubled part is the unpaid
money debt fixed by the judgment (excluding running general interest) × 0.000175 a day × days of
delay (art 1), from the day after the last day of the performance period (art 2) to the day each
part is paid (art 3), less excluded periods (art 3: suspension for a review the debtor did not
request, retrial). Delay before 2014-08-01 falls under the old rule (art 7) and is flagged, not
computed. The daily rate and the start date of the regime are data (law/data/interest.toml).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from legaldocs.chinese import format_amount
from legaldocs.errors import LegalDocsError, RuleNotFoundError
from legaldocs.i18n import _
from legaldocs.law.rules import rule_in_force
from legaldocs.money.schedule import cents

ZERO = Decimal(0)


@dataclass(frozen=True)
class DelayStep:
    """One segment: ``base`` unpaid × daily rate × ``days`` (from the day after ``start`` to ``end``)."""

    start: dt.date
    end: dt.date
    days: int
    base: Decimal
    daily_rate: Decimal
    amount: Decimal
    text: str
    rule: str

    def as_dict(self) -> dict:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "days": self.days,
            "base": str(self.base),
            "daily_rate": str(self.daily_rate),
            "amount": str(self.amount),
            "text": self.text,
            "rule": self.rule,
        }


@dataclass(frozen=True)
class DelayInterest:
    """The doubled part of delayed-performance interest (元, to the 分) and its steps.

    ``days``: days of delay counted (each stretch of unpaid debt, less excluded days and days
    under the old rule).
    ``flags``: what needs a person's attention (old-rule periods, overpayment).
    """

    debt: Decimal
    due: dt.date
    until: dt.date
    days: int
    doubled_interest: Decimal
    steps: tuple[DelayStep, ...]
    flags: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        return {
            "debt": str(self.debt),
            "due": self.due.isoformat(),
            "until": self.until.isoformat(),
            "days": self.days,
            "doubled_interest": str(self.doubled_interest),
            "steps": [s.as_dict() for s in self.steps],
            "flags": list(self.flags),
        }


def _excluded_days(start: dt.date, end: dt.date, excluded: list[tuple[dt.date, dt.date]]) -> int:
    """Days of (start, end] that fall in any excluded period [from, to] (both inclusive)."""
    total = 0
    for a, b in excluded:
        lo = max(a, start + dt.timedelta(days=1))
        hi = min(b, end)
        if hi >= lo:
            total += (hi - lo).days + 1
    return total


def delay_interest(
    debt: Decimal,
    due: dt.date,
    until: dt.date,
    *,
    payments: list[tuple[dt.date, Decimal]] | None = None,
    excluded: list[tuple[dt.date, dt.date]] | None = None,
) -> DelayInterest:
    """Doubled-part interest on ``debt`` (元) unpaid after ``due``, the last day of the performance
    period, up to ``until`` (the day of full payment or the date it is reckoned to).

    ``payments``: (date, amount) paid on the money debt; each paid part stops accruing on its day
    (art 3). ``excluded``: (from, to) periods, both days inclusive, that do not count (art 3).
    Raises LegalDocsError for a non-positive debt, ``until`` before ``due``, overlapping or
    misordered periods, or payments outside (due, until].
    Source: 法释〔2014〕8号 arts 1-3, 7.
    """
    debt = Decimal(debt)
    if not debt.is_finite() or debt <= 0:
        raise LegalDocsError(_("debt must be a positive amount in 元, not {debt}").format(debt=debt))
    if until < due:
        raise LegalDocsError(_("until {until} is before the last day of the performance period {due}").format(
            until=until, due=due))
    payments = sorted(payments or [])
    excluded = sorted(excluded or [])
    for a, b in excluded:
        if b < a:
            raise LegalDocsError(_("excluded period {start}:{end} ends before it starts").format(start=a, end=b))
    for (a1, b1), (a2, _b2) in zip(excluded, excluded[1:]):
        if a2 <= b1:
            raise LegalDocsError(_("excluded periods overlap at {date}").format(date=a2))
    for day, amount in payments:
        if not (due < day <= until):
            raise LegalDocsError(_("payment on {date} is not within the delay period {due} to {until}").format(
                date=day, due=due, until=until))
        if amount <= 0:
            raise LegalDocsError(_("payment on {date} must be a positive amount, not {amount}").format(date=day, amount=amount))
    flags: list[str] = []
    steps: list[DelayStep] = []
    unpaid = debt
    cursor = due
    boundaries = [(d, a) for d, a in payments] + [(until, ZERO)]
    for day, paid in boundaries:
        if day > cursor and unpaid > 0:
            steps += _segment(cursor, day, unpaid, excluded, flags)
        cursor = max(cursor, day)
        if paid:
            if paid > unpaid:
                flags.append(_("{date}: payment {paid} exceeds the unpaid debt {unpaid}").format(
                    date=day, paid=format_amount(paid), unpaid=format_amount(unpaid)))
            unpaid = max(ZERO, unpaid - paid)
    days = sum(s.days for s in steps) if steps or payments else (until - due).days - _excluded_days(due, until, excluded)
    total = sum((s.amount for s in steps), ZERO)
    return DelayInterest(debt, due, until, days, total, tuple(steps), tuple(flags))


def _segment(start: dt.date, end: dt.date, base: Decimal, excluded, flags: list[str]) -> list[DelayStep]:
    """Steps of one stretch with a constant unpaid base, split where the rule in force changes."""
    out = []
    first_day = start + dt.timedelta(days=1)
    try:
        rule = rule_in_force("interest", "delay_interest", end)
    except RuleNotFoundError:  # the whole stretch is before 2014-08-01
        flags.append(_("{start} to {end}: delay before {regime} follows the old rule (法释〔2014〕8号 art 7); not computed").format(
            start=first_day, end=end, regime="2014-08-01"))
        return out
    regime_start = rule["effective_from"]
    if first_day < regime_start:
        flags.append(_("{start} to {end}: delay before {regime} follows the old rule (法释〔2014〕8号 art 7); not computed").format(
            start=first_day, end=regime_start - dt.timedelta(days=1), regime=regime_start))
        start = regime_start - dt.timedelta(days=1)
    days = (end - start).days - _excluded_days(start, end, excluded)
    rate = Decimal(rule["daily_rate"])
    amount = cents(base * rate * days)
    text = f"{format_amount(base)}元 × {rate} × {days}天 = {format_amount(amount)}元"
    skipped = (end - start).days - days
    if skipped:
        text += f"（已扣除不计算期间{skipped}天）"
    out.append(DelayStep(start, end, days, base, rate, amount, text, rule["citation"]))
    return out


__all__ = ["DelayInterest", "DelayStep", "delay_interest"]
