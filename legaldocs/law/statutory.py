"""Statutory periods by the law in force (法定期间): the length of a period of a kind, chosen by
the date that governs it (``law/data/periods.toml``), computed under the period-computation rule
of its last day, with the transitions the law provides when it changed while a period ran.

Transitions (data in the rule row, see the table's header):

- ``extend_if_running``: a 民法通则 limitation not yet ended on 2017-10-01 runs three years from
  the same start (法释〔2018〕12号 art 2); one already ended stays ended (art 3);
- ``cap_if_running``: a retrial period under the 2007 Civil Procedure Law still running on
  2013-06-30 ends that day (法释〔2012〕23号 art 6);
- ``arguable_if_running``: no provision, but a later law lengthened the period: the old length
  gives the safe date and the new one the arguable date (enforcement applications, 2008).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from legaldocs.errors import RuleNotFoundError
from legaldocs.law.periods import DEFAULT_COMPUTATION, PeriodEnd, add_period, next_working_day, period_end
from legaldocs.law.rules import Governs, rule_for, rule_in_force

__all__ = ["StatutoryPeriod", "computation_citation", "statutory_period"]

_TABLE = "periods"


@dataclass(frozen=True)
class StatutoryPeriod:
    """A period of a statutory kind from an anchor (not counted).

    ``end``: the last day (safe date, arguable date, provisional flag); ``rule``: the rule row
    whose length was applied; ``citation``: what to cite for it (with the transition, when one
    applied); ``governed_on``: the date that chose the version and ``governs`` why that date;
    ``rule_ids``: every rule row used; ``notes``: what a person should know (a transition not
    applied, an old rule cited from memory).
    """

    kind: str
    anchor: dt.date
    end: PeriodEnd
    rule: Mapping[str, Any]
    citation: str
    governed_on: dt.date
    governs: Governs
    rule_ids: tuple[str, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)


def computation_citation(computation: str | None, last_day: dt.date) -> str:
    """The period-computation rule in force on ``last_day`` (民法通则第一百五十四条 ... 民法典第二百零一条至
    第二百零三条; 民事诉讼法第七十五条 ... 第八十五条) for ``computation`` ``civil`` or ``procedural``."""
    if computation is None:
        return DEFAULT_COMPUTATION
    try:
        return rule_in_force(_TABLE, f"{computation}_computation", last_day)["citation"]
    except RuleNotFoundError:
        return DEFAULT_COMPUTATION


def _length(row: Mapping[str, Any], natural_person: bool) -> tuple[int, str]:
    variant = row.get("natural_person")
    if natural_person and variant:
        return int(variant["amount"]), variant["unit"]
    return int(row["amount"]), row["unit"]


def _end(anchor: dt.date, amount: int, unit: str, computation: str | None, *, roll: bool, guarantee: bool) -> PeriodEnd:
    nominal = add_period(anchor, amount, unit)
    return period_end(anchor, amount, unit, roll=roll, guarantee=guarantee,
                      computation=computation_citation(computation, nominal))


def statutory_period(
    kind: str,
    anchor: dt.date,
    *,
    facts: Mapping[str, dt.date | None] | None = None,
    natural_person: bool = False,
    roll: bool = True,
    guarantee: bool = False,
) -> StatutoryPeriod:
    """The period of ``kind`` from ``anchor`` under the law chosen by its governing date.

    ``facts``: dates by name (``contract_date``, ``judgment_effective_date`` ...) from which the
    governing date is taken; ``period_start`` defaults to ``anchor``. ``natural_person``: the
    obligor is a natural person (where the length differs, as under the 1991 Civil Procedure
    Law art 219). ``roll`` and ``guarantee`` as :func:`legaldocs.law.periods.period_end`.

    Raises RuleAbsentError when the law of the governing date had no such period, and
    RuleNotFoundError when no version covers it.
    """
    resolved = rule_for(_TABLE, kind, {"period_start": anchor, **(facts or {})})
    row = resolved.row
    computation = resolved.governs.computation
    amount, unit = _length(row, natural_person)
    end = _end(anchor, amount, unit, computation, roll=roll, guarantee=guarantee)
    citation = row["citation"]
    used = [row["id"]]
    notes: list[str] = []
    transition = row.get("transition")
    if transition:
        kind_of = transition["kind"]
        if kind_of in ("extend_if_running", "arguable_if_running"):
            on = transition["on"]
            if end.date >= on:
                later = rule_in_force(_TABLE, kind, on)
                used.append(later["id"])
                longer = _end(anchor, *_length(later, natural_person), computation, roll=roll, guarantee=guarantee)
                if kind_of == "extend_if_running":
                    end = longer
                    citation = f"{later['citation']}（{transition['citation']}）"
                    row = later
                else:
                    end = replace(end, alternative_date=longer.date, rule=transition["citation"])
                    notes.append(transition["citation"])
            elif transition.get("expired_citation"):
                notes.append(f"按{row['citation']}于{end.date}届满，早于{on}：{transition['expired_citation']}")
        elif kind_of == "cap_if_running":
            cutoff = transition["cutoff"]
            if end.date > cutoff:
                rolled = next_working_day(cutoff) if roll else cutoff
                rule = transition["citation"]
                if rolled != cutoff:
                    rule += f"；截止日为法定休假日，是否顺延至{rolled}存在争议：取截止日为安全日期"
                end = PeriodEnd(cutoff, cutoff, rolled if rolled != cutoff else None, rule, end.provisional)
                citation = f"{citation}（{transition['citation']}）"
    return StatutoryPeriod(kind, anchor, end, row, citation, resolved.governed_on, resolved.governs,
                           tuple(used), tuple(notes))
