"""Repricing of a loan's rate (利率重定价): the days the contract names, the LPR applied on each,
and whether the new rate applies.

An LPR-linked loan (贷款市场报价利率 + spread) reprices on the anniversary of its first draw, on
each 1 January, or on the days listed in the contract; the LPR used is the one in force on the
repricing day (last published on or before it). After final maturity (or acceleration) the
contract decides what the penalty rate follows: with ``penalty_rate_basis: rate_at_maturity``
(the usual clause, 罚息利率为借款执行利率上浮…%) the rate in force on the due date stays, so a
repricing on or after that day does not apply (a4: the anniversary falling on the maturity day);
with ``floating`` the rate keeps repricing. Explicit ``rate_changes`` follow the same basis.
Every repricing, applied or not, is a :class:`Repricing` line of the statement.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from legaldocs.chinese import percent
from legaldocs.case.model import LoanContract
from legaldocs.errors import LegalDocsError, RuleNotFoundError
from legaldocs.i18n import _
from legaldocs.law.lpr import lpr_fixing
from legaldocs.law.periods import add_months

__all__ = ["Repricing", "repricings"]


@dataclass(frozen=True)
class Repricing:
    """One repricing day of a loan: the new annual ``rate`` (fraction), from the LPR of
    ``lpr_term`` published on ``lpr_published`` (``lpr`` value) plus ``spread`` (both None for an
    explicit rate change), whether it ``applied`` and why not."""

    loan: str
    date: dt.date
    rate: Decimal
    applied: bool
    lpr_term: str | None = None
    lpr: Decimal | None = None
    lpr_published: dt.date | None = None
    spread: Decimal | None = None
    note: str = ""

    @property
    def text(self) -> str:
        """The line as printed, e.g. '一年期LPR 3.85%（2020-04-20公布）+ 7.15% = 11.00%'."""
        if self.lpr is None:
            head = f"合同约定调整为{percent(self.rate)}"
        else:
            term = "一年期" if self.lpr_term == "1y" else "五年期以上"
            head = f"{term}LPR {percent(self.lpr)}（{self.lpr_published}公布）{'+' if self.spread >= 0 else '-'} " \
                   f"{percent(abs(self.spread))} = {percent(self.rate)}"
        return head + ("" if self.applied else f"；未适用：{self.note}")

    def as_dict(self) -> dict:
        return {
            "loan": self.loan,
            "date": self.date.isoformat(),
            "rate": str(self.rate),
            "applied": self.applied,
            "lpr_term": self.lpr_term,
            "lpr": str(self.lpr) if self.lpr is not None else None,
            "lpr_published": self.lpr_published.isoformat() if self.lpr_published else None,
            "spread": str(self.spread) if self.spread is not None else None,
            "note": self.note,
            "text": self.text,
        }


def _days(loan: LoanContract, until: dt.date) -> list[dt.date]:
    """The repricing days the contract names, after the first draw and up to ``until``."""
    first = loan.term_start
    pricing = loan.lpr
    if pricing.repricing == "dates":
        return [d for d in sorted(pricing.dates) if first < d <= until]
    out = []
    k = 1
    while True:
        day = add_months(first, 12 * k) if pricing.repricing == "anniversary" else dt.date(first.year + k, 1, 1)
        if day > until:
            return out
        out.append(day)
        k += 1


def repricings(loan: LoanContract, as_of: dt.date, flags: list[str], *,
               ends: dt.date | None = None) -> tuple[Decimal, tuple[tuple[dt.date, Decimal], ...], list[Repricing]]:
    """(initial rate, rate changes the engine applies, every repricing line) of ``loan`` up to
    ``as_of``. ``ends``: the day the loan fell due as a whole (maturity, or acceleration if
    earlier); with ``rate_at_maturity`` no change on or after it applies. Past-LPR-data and
    initial-rate mismatches are added to ``flags``."""
    cutoff = min(ends or loan.maturity, loan.maturity)
    frozen = loan.penalty_rate_basis == "rate_at_maturity"
    reason = f"{cutoff}借款已到期，罚息按到期时的执行利率计算（penalty_rate_basis: rate_at_maturity）"
    lines: list[Repricing] = []
    if loan.lpr is None:
        for c in sorted(loan.rate_changes, key=lambda c: c.date):
            if c.date > as_of:
                break
            applied = not (frozen and c.date >= cutoff)
            lines.append(Repricing(loan.id, c.date, c.annual_rate, applied, note="" if applied else reason))
    else:
        try:
            start = lpr_fixing(loan.lpr.term, loan.term_start)
        except RuleNotFoundError as exc:
            flags.append(f"{loan.id}: {exc}")
            start = None
        if start is not None and start.rate + loan.lpr.spread != loan.annual_rate:
            flags.append(_("{loan}: annual_rate {rate} differs from the LPR on the first draw {lpr} ({published}) "
                           "+ spread {spread}").format(loan=loan.id, rate=percent(loan.annual_rate), lpr=percent(start.rate),
                                                       published=start.published, spread=percent(loan.lpr.spread)))
        for day in _days(loan, as_of):
            fixing = lpr_fixing(loan.lpr.term, day)
            if fixing.provisional:
                flags.append(_("{loan}: LPR on {date} is past the last publication loaded; the last known {rate} is used "
                               "— add newer values to law/data/lpr.toml").format(loan=loan.id, date=day, rate=percent(fixing.rate)))
            applied = not (frozen and day >= cutoff)
            if applied and fixing.rate + loan.lpr.spread <= 0:
                raise LegalDocsError(_("{loan}: on {date} the LPR {lpr} plus the spread {spread} is {rate}, not a rate; "
                                       "check loans[].lpr.spread").format(
                    loan=loan.id, date=day, lpr=percent(fixing.rate), spread=percent(loan.lpr.spread),
                    rate=percent(fixing.rate + loan.lpr.spread)))
            lines.append(Repricing(loan.id, day, fixing.rate + loan.lpr.spread, applied, loan.lpr.term, fixing.rate,
                                   fixing.published, loan.lpr.spread, "" if applied else reason))
    return loan.annual_rate, tuple((r.date, r.rate) for r in lines if r.applied), lines
