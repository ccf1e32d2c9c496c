"""Why a last day someone stated (a court, the bank) differs from the engine's clock (期限核对).

The candidates are the conventions that commonly separate two dates: the arguable date the clock
already carries (a make-up working day, a disputed roll of a guarantee period), the rest-day roll
left out, another length of the period from the same start (two years under 民法通则, three under
民法总则/民法典; six months or one year before 2008 for enforcement), and a start counted one day
apart.
"""

from __future__ import annotations

import datetime as dt

from legaldocs.deadlines.clocks import Clock
from legaldocs.law.periods import add_period, next_working_day
from legaldocs.law.rules import rule_history

__all__ = ["explain_date"]

# the period kinds a clock's length may come from
_PERIOD_KINDS = {
    "limitation": ("limitation",),
    "guarantor_limitation": ("limitation",),
    "collateral": ("limitation",),
    "guarantee_period": ("guarantee_default", "guarantee_until_repaid"),
    "enforcement_application": ("enforcement_application",),
    "appeal": ("appeal_judgment", "appeal_ruling"),
    "retrial": ("retrial",),
    "suit_after_preservation": ("suit_after_preservation",),
    "seizure_expiry": ("seizure_deposit", "seizure_movable", "seizure_real_property", "seizure_other_right"),
}
_UNITS = {"days": "日", "months": "个月", "years": "年"}


def _lengths(kind: str) -> list[tuple[int, str, str]]:
    """Distinct (amount, unit, citation) of every version of the clock's period."""
    out: dict[tuple[int, str], str] = {}
    for period_kind in _PERIOD_KINDS.get(kind, ()):
        for row in rule_history("periods", period_kind):
            if row.get("in_force", True) is False:
                continue
            out.setdefault((int(row["amount"]), row["unit"]), row["citation"])
            variant = row.get("natural_person")
            if variant:
                out.setdefault((int(variant["amount"]), variant["unit"]), row["citation"])
    return [(a, u, c) for (a, u), c in out.items()]


def explain_date(clock: Clock, stated: dt.date) -> str | None:
    """Why ``clock``'s last day differs from ``stated``: the convention that gives ``stated``, or
    None when the dates agree or nothing explains it."""
    if clock.date == stated:
        return None
    if clock.alternative_date == stated:
        why = "；".join(clock.notes[-1:]) if clock.notes else ""
        return "所述日期为本工具列出的可争辩日期" + (f"（{why}）" if why else "")
    if not clock.chain:
        return None
    anchor = clock.chain[-1].date if clock.kind in ("limitation", "guarantor_limitation", "collateral") else clock.chain[0].date
    for amount, unit, citation in _lengths(clock.kind):
        nominal = add_period(anchor, amount, unit)
        rolled = next_working_day(nominal)
        length = f"{amount}{_UNITS[unit]}"
        if stated == rolled:
            return f"自{anchor}起按{length}计算（{citation}），得{stated}，与所述一致"
        if stated == nominal:
            return f"自{anchor}起按{length}计算且末日未因法定休假日顺延，得{stated}，与所述一致"
    if clock.date is not None and abs((stated - clock.date).days) == 1:
        return "相差一日：起算日或末日是否计入的口径不同"
    return None
