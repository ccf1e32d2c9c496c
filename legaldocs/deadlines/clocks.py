"""Deadline clocks of a case (时效与期间): one clock per obligor and per right, each with the chain
of events that made it, every link citing the law in force on the date that governs it.

Clocks: main-debt limitation (诉讼时效: 民法通则 arts 135-140 before 2017-10-01, 民法总则 and
民法典 arts 188-195 after, with the 2017 transition of 法释〔2018〕12号), guarantee periods (保证期间:
担保法 arts 25-26 and 担保法解释 for guarantees made before 2021-01-01, 民法典 arts 692-693 after)
with release, the guarantor's own limitation (担保法解释 art 34 / 民法典 art 694), collateral
enforceable within the main claim's limitation (担保法解释 art 12 / 物权法 art 202 / 民法典 art
419), and the procedural clocks that follow from events (appeal, retrial, suit after pre-suit
preservation, enforcement application, seizure terms and their renewal, bankruptcy claims), each
under the Civil Procedure Law revision of its date.

Each clock is computed on its own: a rule missing for a date (the law then had no such period,
or none is loaded) makes that clock ``undetermined`` with a note, never a failure of the case.
Periods are computed by :mod:`legaldocs.law.statutory`.
"""

from __future__ import annotations

import datetime as dt

from legaldocs.case.model import Case, EventKind
from legaldocs.deadlines.chain import STATUS_ORDER, Clock, Link, guarded
from legaldocs.deadlines.limitation import SYNONYMS, limitation_clock
from legaldocs.deadlines.procedure import procedure_clocks
from legaldocs.deadlines.security import (
    agreed_end_date,
    agreed_months,
    collateral_clock,
    guarantee_clocks,
    guarantee_mode,
    until_repaid,
)

__all__ = [
    "Clock", "Link", "agreed_end_date", "agreed_months", "case_clocks", "collateral_clock", "guarantee_clocks",
    "guarantee_mode", "limitation_clock", "procedure_clocks", "released_guarantees", "until_repaid",
]


def _misfiled_events(case: Case) -> list[str]:
    """Notes on events recorded as 其他 whose note names a kind the engine counts."""
    notes = []
    for e in case.events:
        if e.kind is EventKind.other and e.note:
            for word, kind in SYNONYMS.items():
                if word in e.note:
                    notes.append(f"{e.date} 其他（{e.note}）未计入期限计算：如为{kind.value}，请将 kind 改为“{kind.value}”")
                    break
    return notes


def case_clocks(case: Case, as_of: dt.date) -> list[Clock]:
    """Every clock of ``case`` on ``as_of``, most urgent first (open clocks by date, then those that
    could not be determined, then ended ones). Never raises for a rule missing on a date: that
    clock is undetermined and says why."""
    clocks: list[Clock] = []
    limitation: dict[str, Clock] = {}
    for loan in case.loans:
        got = guarded("limitation", "、".join(loan.borrowers), lambda loan=loan: [limitation_clock(case, loan, as_of)])
        limitation[loan.id] = got[0]
        clocks += got
    misfiled = _misfiled_events(case)
    if misfiled and clocks:
        clocks[0].notes.extend(misfiled)
    for c in case.collateral:
        clocks += guarded("collateral", c.owner, lambda c=c: collateral_clock(case, c, limitation))
    for g in case.guarantees:
        clocks += guarded("guarantee_period", g.guarantor, lambda g=g: guarantee_clocks(case, g, as_of))
    clocks += procedure_clocks(case, as_of)
    return sorted(clocks, key=lambda k: (STATUS_ORDER.get(k.status, 9), k.date or dt.date.max))


def released_guarantees(case: Case, as_of: dt.date) -> dict[str, Clock]:
    """Guarantee ids whose guarantor the engine finds released (保证期间届满未主张), with the clock."""
    out = {}
    for g in case.guarantees:
        period = guarded("guarantee_period", g.guarantor, lambda g=g: guarantee_clocks(case, g, as_of))[0]
        if period.status == "released" and not g.override_release:
            out[g.id] = period
    return out
