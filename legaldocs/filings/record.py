"""The record of what a court or the bank stated, against what the engines compute (核对记录).

A case file's ``stated`` entries hold the figures of a judgment, a ruling or the core system:
amounts owed as of a date, the acceptance fee, and the last days of clocks. Each is compared
with the engine's result, and each difference carries its cause where the engine can tell
(days counted, day basis, rate, base, rounding, fee schedule, period length, rest-day roll).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from legaldocs.case.model import Case, StatedFigures
from legaldocs.deadlines.clocks import case_clocks
from legaldocs.deadlines.reconcile import explain_date
from legaldocs.filings.claimed import acceptance_fee, claim_totals
from legaldocs.errors import LegalDocsError
from legaldocs.money.reconcile import ITEM_NAMES, amount_of, explain_amount, explain_fee
from legaldocs.money.statement import case_statement

__all__ = ["Comparison", "compare_stated"]

_BY = {"court": "法院", "bank": "银行"}
_AMOUNTS = ("principal", "interest", "penalty_interest", "compound_interest", "total")


@dataclass(frozen=True)
class Comparison:
    """One stated figure against the engine's: ``item`` (an amount item, ``acceptance_fee`` or a
    clock kind), ``stated`` and ``engine`` (Decimal in the claim's currency, or a date; ``engine``
    None when it could not be computed), whether they ``agree``, and the ``cause`` of a
    difference where the engine can tell."""

    by: str
    source: str | None
    item: str
    stated: Decimal | dt.date
    engine: Decimal | dt.date | None
    agree: bool
    cause: str | None

    @property
    def label(self) -> str:
        return ITEM_NAMES.get(self.item, self.item)

    def as_dict(self) -> dict:
        return {
            "by": self.by, "source": self.source, "item": self.item, "label": self.label,
            "stated": str(self.stated), "engine": None if self.engine is None else str(self.engine),
            "agree": self.agree, "cause": self.cause,
        }


def _latest(case: Case, s: StatedFigures) -> dt.date:
    """A date late enough for every event of the case and every stated day."""
    days = [case.claim.as_of, *(e.date for e in case.events), *s.dates.values()]
    if case.claim.filing_date:
        days.append(case.claim.filing_date)
    return max(days)


def _amounts(case: Case, s: StatedFigures) -> list[Comparison]:
    out = []
    wanted = [(i, getattr(s, i)) for i in _AMOUNTS if getattr(s, i) is not None]
    if not wanted:
        return out
    as_of = s.as_of or case.claim.as_of
    try:
        st = case_statement(case, as_of, explain=False)
    except LegalDocsError as exc:
        return [Comparison(s.by, s.source, item, value, None, False, f"未能计算：{exc}") for item, value in wanted]
    for item, value in wanted:
        engine = amount_of(st, item)
        cause = None if engine == value else explain_amount(case, item, value, as_of, st)
        out.append(Comparison(s.by, s.source, item, value, engine, engine == value, cause))
    return out


def _fee(case: Case, s: StatedFigures, filing_date: dt.date | None) -> list[Comparison]:
    if s.acceptance_fee is None:
        return []
    filed = filing_date or case.claim.filing_date or case.claim.as_of
    try:
        st = case_statement(case, case.claim.as_of, explain=False) if case.claim.amounts == "engine" else None
        totals = claim_totals(case, st)
        halved = case.claim.procedure == "simplified"
        fee = acceptance_fee(totals, case, filed).fee
    except LegalDocsError as exc:
        return [Comparison(s.by, s.source, "acceptance_fee", s.acceptance_fee, None, False, f"未能计算：{exc}")]
    bases = {"诉讼标的额": totals.fee_base}
    if totals.costs or totals.costs_cny:
        bases["不含实现债权费用的标的额"] = totals.fee_base - totals.costs - totals.costs_cny
    bases["本金"] = totals.principal
    cause = None if fee == s.acceptance_fee else explain_fee(s.acceptance_fee, bases, filed_on=filed, halved=halved,
                                                             rounding=case.claim.fee_rounding)
    return [Comparison(s.by, s.source, "acceptance_fee", s.acceptance_fee, fee, fee == s.acceptance_fee, cause)]


def _dates(case: Case, s: StatedFigures) -> list[Comparison]:
    if not s.dates:
        return []
    clocks = case_clocks(case, _latest(case, s))
    out = []
    for kind, stated in s.dates.items():
        mine = [c for c in clocks if c.kind == kind and c.date is not None]
        if not mine:
            open_ = [c for c in clocks if c.kind == kind]
            why = f"本工具未能确定此期限：{open_[0].notes[0]}" if open_ and open_[0].notes else "本工具没有此类期限（缺少相关事件）"
            out.append(Comparison(s.by, s.source, kind, stated, None, False, why))
            continue
        clock = min(mine, key=lambda c: abs((c.date - stated).days))
        cause = None if clock.date == stated else explain_date(clock, stated)
        out.append(Comparison(s.by, s.source, kind, stated, clock.date, clock.date == stated, cause))
    return out


def _claim_figures(case: Case) -> StatedFigures | None:
    """The balances given under ``claim`` (the bank's core system, or the figures the complaint
    claims), as stated figures."""
    c = case.claim
    given = {k: getattr(c, k) for k in ("principal", "interest", "penalty_interest", "compound_interest")
             if getattr(c, k) is not None}
    if not given:
        return None
    return StatedFigures(by="bank", source="claim（案件档案所载余额）", as_of=c.as_of, **given)


def compare_stated(case: Case, *, filing_date: dt.date | None = None) -> list[Comparison]:
    """The balances under ``claim`` and every figure in ``case.stated`` against the engines'
    results, in that order."""
    out: list[Comparison] = []
    claimed = _claim_figures(case)
    for s in ([claimed] if claimed else []) + list(case.stated):
        out += _amounts(case, s) + _fee(case, s, filing_date) + _dates(case, s)
    return out
