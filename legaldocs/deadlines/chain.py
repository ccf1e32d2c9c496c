"""The parts of a deadline (期限): a :class:`Clock` per obligor and right, and the chain of
:class:`Link` s that made it, each citing the rule it applied, with the helpers every kind of
clock uses (status on a date, an undetermined clock when the law of a date has no such rule)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

from legaldocs.case.model import Event
from legaldocs.errors import RuleAbsentError, RuleNotFoundError
from legaldocs.law.periods import PeriodEnd
from legaldocs.law.statutory import StatutoryPeriod

KIND_NAMES = {
    "limitation": "诉讼时效",
    "guarantee_period": "保证期间",
    "guarantor_limitation": "保证债务诉讼时效",
    "collateral": "抵押权行使期间",
    "enforcement_application": "申请执行期间",
    "seizure_expiry": "查封冻结期限",
    "seizure_renewal": "续封申请期限",
    "suit_after_preservation": "诉前保全后起诉期限",
    "appeal": "上诉期间",
    "retrial": "申请再审期间",
    "bankruptcy_claim": "破产债权申报期限",
}
STATUS_NAMES = {"running": "进行中", "expired": "已届满", "satisfied": "已主张", "released": "保证人已免责",
                "undetermined": "待人工核定"}
STATUS_ORDER = {"running": 0, "undetermined": 1, "expired": 2, "released": 3, "satisfied": 4}

@dataclass(frozen=True)
class Link:
    """One link of a clock's chain: the event, its evidence, the rule it applied; ``rule_id`` and
    ``governed_on`` (the date that chose the rule's version) when the rule comes from the rule
    tables."""

    date: dt.date
    event: str
    evidence: tuple[str, ...]
    rule: str
    rule_id: str | None = None
    governed_on: dt.date | None = None

    def as_dict(self) -> dict:
        return {
            "date": self.date.isoformat(),
            "event": self.event,
            "evidence": list(self.evidence),
            "rule": self.rule,
            "rule_id": self.rule_id,
            "governed_on": self.governed_on.isoformat() if self.governed_on else None,
        }


@dataclass
class Clock:
    """A deadline: ``kind`` (limitation, guarantee_period, guarantor_limitation, collateral,
    enforcement_application, suit_after_preservation, appeal, retrial, seizure_expiry,
    seizure_renewal, bankruptcy_claim), the party it runs against, the safe ``date`` and an
    arguable ``alternative_date``, its ``status`` on the as-of date (running, expired, satisfied,
    released, or undetermined when the law of the date gives no period: ``date`` is then None
    and the notes say why), whether the calendar was provisional, and the chain."""

    kind: str
    obligor: str | None
    date: dt.date | None
    alternative_date: dt.date | None
    status: str
    provisional: bool
    chain: list[Link] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "obligor": self.obligor,
            "date": self.date.isoformat() if self.date else None,
            "alternative_date": self.alternative_date.isoformat() if self.alternative_date else None,
            "status": self.status,
            "provisional": self.provisional,
            "chain": [link.as_dict() for link in self.chain],
            "notes": list(self.notes),
        }


def status_on(end: dt.date, as_of: dt.date, satisfied: bool) -> str:
    if satisfied:
        return "satisfied"
    return "expired" if as_of > end else "running"


def period_link(p: StatutoryPeriod, when: dt.date, text: str, evidence: tuple[str, ...] = ()) -> Link:
    return Link(when, text, evidence, p.citation, p.rule_ids[0], p.governed_on)


def roll_note(end: PeriodEnd) -> list[str]:
    return [end.rule] if end.alternative_date else []


def undetermined(kind: str, obligor: str | None, exc: RuleNotFoundError, chain: list[Link] | None = None) -> Clock:
    """A clock the law of its date gives no period for, or whose rule is not loaded."""
    if isinstance(exc, RuleAbsentError):
        note = f"未计算：{exc.on}适用的规定没有此项期间（{exc}）"
    else:
        note = f"未计算：{exc}"
    return Clock(kind, obligor, None, None, "undetermined", False, list(chain or []), [note])


def guarded(kind: str, obligor: str | None, build: Callable[[], list[Clock]]) -> list[Clock]:
    """Run one clock's computation; a missing or absent rule becomes an undetermined clock."""
    try:
        return build()
    except RuleNotFoundError as exc:
        return [undetermined(kind, obligor, exc)]


def concerns(e: Event, parties: set[str]) -> bool:
    return not e.parties or bool(parties & set(e.parties))


def label(e: Event) -> str:
    return e.kind.value + (f"（{e.note}）" if e.note else "")


def obligor_names(case, clock: Clock) -> str:
    """The names of the parties a clock runs against (its ``obligor`` holds their ids)."""
    if not clock.obligor:
        return ""
    return "、".join(case.parties[p].name if p in case.parties else p for p in clock.obligor.split("、"))
