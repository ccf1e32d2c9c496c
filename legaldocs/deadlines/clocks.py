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
import re
from dataclasses import dataclass, field
from typing import Callable

from legaldocs.case.model import (
    PROCEEDING_ENDS,
    Case,
    Collateral,
    Event,
    EventKind,
    Guarantee,
    GuaranteeKind,
    LoanContract,
    NaturalPerson,
)
from legaldocs.errors import RuleAbsentError, RuleNotFoundError
from legaldocs.law.holidays import is_provisional, is_rest_day
from legaldocs.law.periods import PeriodEnd, add_months, add_period, period_end
from legaldocs.law.rules import rule_for, rule_in_force
from legaldocs.law.statutory import StatutoryPeriod, computation_citation, statutory_period

STATUS_ORDER = {"running": 0, "undetermined": 1, "expired": 2, "released": 3, "satisfied": 4}

# events that interrupt the main debt's limitation, by the ground they are (rules: periods.interruption)
_GROUNDS = {
    EventKind.demand_delivered: "demand",
    EventKind.acknowledgment: "acknowledgment",
    EventKind.partial_payment: "partial_payment",
    EventKind.acceleration: "acceleration",
    EventKind.suit_filed: "suit",
    EventKind.preservation_applied: "preservation",
    EventKind.enforcement_applied: "enforcement",
    EventKind.assignment_notice: "assignment",
    EventKind.payment_order_applied: "payment_order",
    EventKind.bankruptcy_claim_filed: "bankruptcy_claim",
}

# words in the note of an event recorded as 其他 that name a kind the engine knows
_SYNONYMS = {
    "撤诉": EventKind.suit_withdrawn, "撤回起诉": EventKind.suit_withdrawn, "驳回起诉": EventKind.suit_dismissed,
    "不予受理": EventKind.suit_not_accepted, "撤回执行": EventKind.enforcement_withdrawn,
    "撤回强制执行": EventKind.enforcement_withdrawn, "催收": EventKind.demand_delivered,
    "提前到期": EventKind.acceleration, "确认债务": EventKind.acknowledgment, "起诉": EventKind.suit_filed,
    "支付令": EventKind.payment_order_applied, "破产": EventKind.bankruptcy_claim_filed,
}


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


def _status(end: dt.date, as_of: dt.date, satisfied: bool) -> str:
    if satisfied:
        return "satisfied"
    return "expired" if as_of > end else "running"


def _period_link(p: StatutoryPeriod, when: dt.date, text: str, evidence: tuple[str, ...] = ()) -> Link:
    return Link(when, text, evidence, p.citation, p.rule_ids[0], p.governed_on)


def _roll_note(end: PeriodEnd) -> list[str]:
    return [end.rule] if end.alternative_date else []


def _undetermined(kind: str, obligor: str | None, exc: RuleNotFoundError, chain: list[Link] | None = None) -> Clock:
    """A clock the law of its date gives no period for, or whose rule is not loaded."""
    if isinstance(exc, RuleAbsentError):
        note = f"未计算：{exc.on}适用的规定没有此项期间（{exc}）"
    else:
        note = f"未计算：{exc}"
    return Clock(kind, obligor, None, None, "undetermined", False, list(chain or []), [note])


def _guarded(kind: str, obligor: str | None, build: Callable[[], list[Clock]]) -> list[Clock]:
    """Run one clock's computation; a missing or absent rule becomes an undetermined clock."""
    try:
        return build()
    except RuleNotFoundError as exc:
        return [_undetermined(kind, obligor, exc)]


def _concerns(e: Event, parties: set[str]) -> bool:
    return not e.parties or bool(parties & set(e.parties))


def _label(e: Event) -> str:
    return e.kind.value + (f"（{e.note}）" if e.note else "")


def interruption_citation(ground: str, on: dt.date) -> tuple[str, str]:
    """(citation, rule id) of an interruption of ``ground`` on ``on``: 民法通则 art 140 before
    2017-10-01, 民法总则 art 195 to 2020, 民法典 art 195 after, with the SPC provisions of the date."""
    r = rule_for("periods", "interruption", {"event_date": on})
    return r.row["grounds"][ground], r.id


def limitation_clock(case: Case, loan: LoanContract, as_of: dt.date) -> Clock:
    """诉讼时效 of one loan against its borrowers: from maturity (the last instalment), restarted by
    each interrupting event before expiry (restarting from the end of a proceeding that ended
    without a judgment: 撤诉, 驳回起诉 ...), extended by an obstacle in the last six months, bounded
    by 20 years from maturity. The length, the transition and each citation follow the law in
    force on the date that governs it (法释〔2018〕12号)."""
    borrowers = set(loan.borrowers)
    anchor = loan.maturity
    current = statutory_period("limitation", anchor)
    end = current.end
    chain = [_period_link(current, anchor, f"借款到期（{loan.number}）")]
    notes: list[str] = []
    provisional = end.provisional
    satisfied = False
    alternative: dt.date | None = None
    events = [e for e in case.events if e.date <= as_of and (not e.loans or loan.id in e.loans)]
    payments = [r for r in case.repayments if r.loan == loan.id and anchor < r.date <= as_of]
    items: list[tuple[dt.date, int, str, tuple[str, ...], EventKind, Event | None]] = []
    for e in events:
        if (e.kind in _GROUNDS or e.kind in PROCEEDING_ENDS) and _concerns(e, borrowers):
            items.append((e.date, 1 if e.kind in PROCEEDING_ENDS else 0, _label(e), tuple(e.evidence), e.kind, e))
    for r in payments:
        items.append((r.date, 0, f"还款{r.amount}元", tuple(r.evidence), EventKind.partial_payment, None))
    accel = sorted((e for e in events if e.kind is EventKind.acceleration), key=lambda e: e.date)
    if accel and accel[0].date < anchor:
        early = statutory_period("limitation", accel[0].date)
        notes.append("宣布提前到期：部分法院自提前到期日起算诉讼时效（安全日期），通行观点仍自原到期日起算")
        alternative = end.date
        end = early.end
        chain.append(_period_link(early, accel[0].date, "宣布提前到期（安全起算点）", tuple(accel[0].evidence)))
    pending: dict[EventKind, tuple[dt.date, str]] = {}  # proceedings counted and not yet ended
    for date, _, text, evidence, kind, event in sorted(items, key=lambda x: (x[0], x[1])):
        if kind in PROCEEDING_ENDS:
            start = pending.pop(PROCEEDING_ENDS[kind], None)
            if start is None:
                continue
            restart = rule_for("periods", "proceeding_restart", {"proceeding_end": date})
            anchor_day = date if restart.row["from"] == "end" else start[0]
            current = statutory_period("limitation", anchor_day)
            end = current.end
            provisional = provisional or end.provisional
            satisfied = EventKind.suit_filed in pending
            chain.append(Link(date, f"{text} -> 有关程序终结，诉讼时效自{anchor_day}重新计算", evidence,
                              f"{restart.citation}；{current.citation}", restart.id, date))
            if restart.row["from"] == "end":
                earlier = statutory_period("limitation", start[0]).end
                if earlier.date < end.date:
                    notes.append(f"{start[1]}后{text}：部分法院以起诉（申请）之日{start[0]}重新起算，届满日为{earlier.date}；"
                                 f"最保守的做法在{earlier.date}前采取中断措施")
            continue
        if date > end.date:
            if kind in (EventKind.acknowledgment, EventKind.demand_delivered):
                notes.append(f"{date} {text}：发生于时效届满后，如债务人签字确认，可能构成放弃时效抗辩（诉讼时效规定第十九条）")
            continue
        if date < anchor and kind is not EventKind.acceleration:
            continue
        cite, rule_id = interruption_citation(_GROUNDS[kind], date)
        current = statutory_period("limitation", date)
        end = current.end
        provisional = provisional or end.provisional
        chain.append(Link(date, text + " -> 中断，诉讼时效重新计算", evidence, f"{cite}；{current.citation}", rule_id, date))
        if kind in (EventKind.suit_filed, EventKind.enforcement_applied, EventKind.bankruptcy_claim_filed):
            pending[kind] = (date, text)
        if kind is EventKind.suit_filed:
            satisfied = True
    transition = current.rule.get("transition") or {}
    if current.notes and transition.get("on") and as_of >= transition["on"]:
        notes += list(current.notes)  # why the old, shorter period still applies
    end, provisional = _suspend(events, end, provisional, chain)
    cap = statutory_period("maximum_limitation", anchor, roll=False)
    if end.date > cap.end.date:
        notes.append(
            f"超过自到期日起二十年（{cap.end.date}）；最长诉讼时效不适用于诉讼时效多次中断且未届满的情形"
            "（指导性案例249号），但有不同观点（总则编解释第三十五条），以二十年届满日为安全日期"
        )
        alternative = end.date
        end = PeriodEnd(cap.end.date, cap.end.date, None, cap.citation, cap.end.provisional)
    obligor = "、".join(loan.borrowers)
    if alternative is None:
        alternative = end.alternative_date
    return Clock("limitation", obligor, end.date, alternative, _status(end.date, as_of, satisfied),
                 provisional, chain, notes + _roll_note(end))


def _suspend(events: list[Event], end: PeriodEnd, provisional: bool, chain: list[Link]) -> tuple[PeriodEnd, bool]:
    """Apply obstacles (中止事由) in the last six months: under 民法通则 art 139 the rest of the period
    runs on after the obstacle; under 民法总则/民法典 art 194 it ends six months after it (the law in
    force when the obstacle ended decides: 法释〔2018〕12号 art 4)."""
    for e in sorted((x for x in events if x.kind is EventKind.obstacle and x.until), key=lambda x: x.date):
        rule = rule_for("periods", "suspension_tail", {"obstacle_end": e.until})
        window_start = add_months(end.date, -int(rule.row["amount"]))
        if e.until < window_start or e.date > end.date:
            continue
        label = f"中止事由至{e.until}（{e.note or '不可抗力等障碍'}）"
        if rule.row["method"] == "continue":
            suspended = (min(e.until, end.date) - max(e.date, window_start)).days + 1
            nominal = end.nominal + dt.timedelta(days=suspended)
            new = period_end(nominal, 0, "days", computation=computation_citation("civil", nominal))
            chain.append(Link(e.date, f"{label} -> 中止{suspended}日，障碍消除后继续计算", tuple(e.evidence),
                              rule.citation, rule.id, e.until))
        else:
            p = statutory_period("suspension_tail", e.until, facts={"obstacle_end": e.until})
            new = p.end
            chain.append(Link(e.date, f"{label} -> 障碍消除之日起满六个月届满", tuple(e.evidence), p.citation, rule.id, e.until))
        end = new
        provisional = provisional or end.provisional
    return end, provisional


_CN_NUMBERS = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_UNTIL_REPAID = re.compile(r"(还清|清偿完毕|全部清偿|偿还完毕|履行完毕)(时|之日)?(为止|止)")


def agreed_months(text: str | None) -> int | None:
    """Months of an agreed guarantee period written as text ("主债务履行期限届满之日起三年",
    "六个月", "2年"); None when there is none or it cannot be read."""
    if not text:
        return None
    if agreed_end_date(text) is not None or until_repaid(text):
        return None
    m = re.search(r"(?<![0-9])([0-9]{1,2}|[一两二三四五六七八九十]+)\s*(个月|年)(?![0-9])", text)
    if not m:
        return None
    raw = m.group(1)
    n = int(raw) if raw.isdigit() else sum(_CN_NUMBERS[c] for c in raw) if raw != "十" else 10
    return n * 12 if m.group(2) == "年" else n


def until_repaid(text: str | None) -> bool:
    """The agreed period reads "直至主债务本息还清时为止" or the like (担保法解释 art 32 ¶2;
    担保制度解释 art 32): an unclear agreement."""
    return bool(text and _UNTIL_REPAID.search(text))


def agreed_end_date(text: str | None) -> dt.date | None:
    """An agreed guarantee period written as an end date ("保证期间至2024年6月28日止"), or None."""
    if not text:
        return None
    m = re.search(r"(\d{4})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})", text)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def guarantee_mode(g: Guarantee) -> tuple[GuaranteeKind, str | None]:
    """The guarantee's mode (保证方式) and, when the contract left it unspecified, the rule that
    decided it by the contract's date (担保法 art 19: joint; 民法典 art 686 ¶2: general).
    Raises RuleAbsentError for an unspecified mode before 1995-10-01."""
    if g.kind is not GuaranteeKind.unspecified:
        return g.kind, None
    rule = rule_for("security", "guarantee_mode_default", {"contract_date": g.signed_on})
    kind = GuaranteeKind.joint if rule.row["mode"] == "joint" else GuaranteeKind.general
    return kind, f"合同未约定保证方式，按{kind.value}（{rule.citation}）"


def _guarantee_anchor(case: Case, g: Guarantee, maturity: dt.date, notes: list[str]) -> tuple[dt.date, str]:
    """The day a guarantee period runs from: the main debt's maturity, or for a maximum-amount
    guarantee the day the secured claims were fixed where the law of the contract says so."""
    if g.maximum_amount is None:
        return maturity, "主债务履行期限届满"
    rule = rule_for("security", "maximum_guarantee_start", {"contract_date": g.signed_on})
    if rule.row["start"] == "later_of_fixing_and_maturity" and g.claims_fixed_on is not None:
        if g.claims_fixed_on >= maturity:
            return g.claims_fixed_on, f"债权确定（{rule.citation}）"
        return maturity, f"最后到期债权履行期限届满（{rule.citation}）"
    notes.append(f"最高额保证：保证期间的起算日请核对（{rule.citation}）" +
                 ("；请在 claims_fixed_on 填写债权确定日" if g.claims_fixed_on is None else ""))
    return maturity, "主债务履行期限届满"


def _agreed_period(g: Guarantee, anchor: dt.date, notes: list[str]) -> tuple[PeriodEnd, str, str | None, str | None] | None:
    """The agreed 保证期间, or None when there is none or it counts as none (担保法解释 art 32 ¶1;
    民法典 art 692 ¶2). Returns (end, description, citation, rule id)."""
    if not g.period or until_repaid(g.period):
        return None
    end_date = agreed_end_date(g.period)
    months = agreed_months(g.period)
    if end_date is None and months is None:
        notes.append(f"约定保证期间“{g.period}”无法识别，按未约定（法定期间）计算，请核对")
        return None
    if end_date is not None:
        if end_date <= anchor:
            notes.append(f"约定的保证期间至{end_date}止，早于或等于主债务履行期限届满，视为没有约定")
            return None
        end = period_end(end_date, 0, "days", guarantee=True, computation=computation_citation("civil", end_date))
        return end, f"约定至{end_date}", None, None
    nominal = add_period(anchor, months, "months")
    end = period_end(anchor, months, "months", guarantee=True, computation=computation_citation("civil", nominal))
    return end, f"约定{months}个月", None, None


def guarantee_clocks(case: Case, g: Guarantee, as_of: dt.date) -> list[Clock]:
    """保证期间 of one guarantee and, once the creditor kept the guarantor, the guarantor's own
    limitation. Every rule is that of the guarantee's date: 担保法 arts 19, 25, 26 and 担保法解释
    arts 32, 34, 36, 37 before 2021-01-01; 民法典 arts 686, 692-694 and 担保制度解释 after."""
    loans = [l for l in case.loans if l.id in g.secures]
    maturity = max(l.maturity for l in loans)
    facts = {"contract_date": g.signed_on}
    notes: list[str] = []
    mode, decided = guarantee_mode(g)
    if decided:
        notes.append(decided)
    anchor, anchor_text = _guarantee_anchor(case, g, maturity, notes)
    agreed = _agreed_period(g, anchor, notes)
    if agreed is not None:
        period, described, _, _ = agreed
        first = Link(anchor, f"{anchor_text}；保证期间{described}", (), period.rule)
    else:
        kind = "guarantee_until_repaid" if until_repaid(g.period) else "guarantee_default"
        p = statutory_period(kind, anchor, facts=facts, guarantee=True)
        period = p.end
        described = "约定至主债务本息还清时为止（视为约定不明）" if kind == "guarantee_until_repaid" else "未约定（法定期间）"
        first = _period_link(p, anchor, f"{anchor_text}；保证期间{described}")
    chain = [first]
    release = rule_for("security", "guarantee_release", facts)
    borrowers = {b for loan in loans for b in loan.borrowers}
    kept_by: Event | None = None
    ended: list[Event] = []
    for e in sorted(case.events, key=lambda e: e.date):
        if e.date > period.date or e.date > as_of:
            continue
        if mode is GuaranteeKind.joint and e.kind in (EventKind.guarantee_demand_delivered, EventKind.demand_delivered,
                                                      EventKind.suit_filed) and g.guarantor in e.parties:
            kept_by = e
            chain.append(Link(e.date, f"{e.kind.value}（保证人） -> 保证期间内主张权利", tuple(e.evidence),
                              release.row["joint"], release.id, g.signed_on))
            break
        if mode is GuaranteeKind.general and e.kind is EventKind.suit_filed and (not e.parties or set(e.parties) & borrowers):
            ended = [x for x in case.events if x.kind in (EventKind.suit_withdrawn, EventKind.suit_dismissed,
                                                          EventKind.suit_not_accepted) and e.date <= x.date <= as_of]
            if ended:
                notes.append(f"{e.date}对债务人的起诉已于{ended[0].date}{ended[0].kind.value}，不视为在保证期间内主张权利"
                             "（担保制度解释第三十一条第一款）；须在保证期间内重新起诉")
                continue
            kept_by = e
            chain.append(Link(e.date, "对债务人提起诉讼 -> 保证期间内主张权利", tuple(e.evidence),
                              release.row["general"], release.id, g.signed_on))
            break
    if kept_by is not None:
        status = "satisfied"
    else:
        status = "running" if as_of <= period.date else "released"
        if status == "released":
            chain.append(Link(period.date, "保证期间届满未主张权利 -> 保证人免除保证责任", (),
                              release.row["joint" if mode is GuaranteeKind.joint else "general"], release.id, g.signed_on))
        if g.override_release:
            notes.append(f"案件档案说明：{g.override_release}")
    clocks = [Clock("guarantee_period", g.guarantor, period.date, period.alternative_date, status,
                    period.provisional, chain, notes + _roll_note(period))]
    if kept_by is not None:
        clocks += _guarantor_limitation(case, g, mode, kept_by, borrowers, as_of, facts)
    return clocks


def _guarantor_limitation(case: Case, g: Guarantee, mode: GuaranteeKind, kept_by: Event, borrowers: set[str],
                          as_of: dt.date, facts: dict) -> list[Clock]:
    """The guarantor's own limitation (保证债务诉讼时效), by the law of the guarantee's date."""
    start = rule_for("security", "guarantor_limitation_start", facts)
    link_rule = rule_for("security", "guarantee_interruption", facts)
    notes: list[str] = []
    if mode is GuaranteeKind.joint:
        p = statutory_period("limitation", kept_by.date)
        chain = [Link(kept_by.date, "债权人请求保证人承担保证责任 -> 保证债务诉讼时效起算", tuple(kept_by.evidence),
                      f"{start.row['joint']}；{p.citation}", start.id, g.signed_on)]
        notes.append(link_rule.row["notes"])
        return [Clock("guarantor_limitation", g.guarantor, p.end.date, p.end.alternative_date,
                      _status(p.end.date, as_of, False), p.end.provisional, chain, notes + _roll_note(p.end))]
    if start.row["general_start"] == "judgment_effective":
        judged = [e for e in case.events if e.kind is EventKind.judgment_effective and e.date <= as_of
                  and (not e.parties or set(e.parties) & borrowers)]
        if judged:
            e = judged[0]
            p = statutory_period("limitation", e.date)
            chain = [Link(e.date, "对债务人的判决生效 -> 一般保证的保证债务诉讼时效起算", tuple(e.evidence),
                          f"{start.row['general']}；{p.citation}", start.id, g.signed_on)]
            if link_rule.row.get("general"):
                notes.append(f"主债务诉讼时效中断的，一般保证的保证债务诉讼时效同时中断（{link_rule.citation}）")
            return [Clock("guarantor_limitation", g.guarantor, p.end.date, p.end.alternative_date,
                          _status(p.end.date, as_of, False), p.end.provisional, chain, notes + _roll_note(p.end))]
    if start.row["general_start"] == "judgment_effective":
        why = f"未计算：一般保证的保证债务诉讼时效自对债务人的判决生效之日起算（{start.row['general']}），判决尚未生效"
    else:
        why = (f"未计算：一般保证的保证债务诉讼时效自保证人拒绝承担保证责任的权利消灭之日起算（{start.row['general']}），"
               "请记录终结本次执行裁定送达等事件后复核")
    return [Clock("guarantor_limitation", g.guarantor, None, None, "undetermined", False,
                  [Link(kept_by.date, "对债务人提起诉讼（一般保证）", tuple(kept_by.evidence), start.row["general"], start.id, g.signed_on)],
                  [why])]


def collateral_clock(case: Case, c: Collateral, limitation: dict[str, Clock]) -> list[Clock]:
    """The period to enforce a mortgage or pledge: within the main claim's limitation (物权法 art
    202; 民法典 art 419), or two years after it under 担保法解释 art 12 ¶2 for security given before
    2007-10-01 (the earlier date is the safe one). An unregistered mortgage is noted."""
    related = [limitation[l] for l in c.secures if l in limitation and limitation[l].date is not None]
    if not related:
        return []
    base = min(related, key=lambda k: k.date)
    facts = {"contract_date": c.signed_on}
    rule = rule_for("security", "collateral_enforcement", facts)
    notes = [rule.row["notes"]]
    alternative = base.alternative_date
    if "grace" in rule.row:
        grace = rule.row["grace"]
        alternative = period_end(base.date, int(grace["amount"]), grace["unit"],
                                 computation=computation_citation("civil", base.date)).date
    if c.kind == "mortgage" and c.registration_kind == "未登记":
        try:
            reg = rule_for("security", "mortgage_registration", facts)
            notes.append(f"抵押未登记：{reg.row['notes']}（{reg.citation}）")
        except RuleNotFoundError as exc:
            notes.append(f"抵押未登记：{exc}")
    chain = list(base.chain) + [Link(base.date, "主债权诉讼时效届满 -> 抵押（质）权行使期间", (), rule.citation, rule.id, c.signed_on)]
    return [Clock("collateral", c.owner, base.date, alternative, base.status, base.provisional, chain, notes)]


def _natural_person(case: Case, parties: list[str]) -> bool:
    refs = parties or case.borrower_ids()
    return any(isinstance(case.parties.get(r), NaturalPerson) for r in refs)


def procedure_clocks(case: Case, as_of: dt.date) -> list[Clock]:
    """Clocks that follow from court events: appeal (after a judgment or ruling is served), retrial
    (after it takes effect), enforcement application (from the last day of performance,
    interrupted by an application and restarted when it is withdrawn), suit after pre-suit
    preservation, seizure expiry by asset kind and its renewal application, and the bankruptcy
    claim filing window; each under the procedure law of the date that governs it."""
    clocks: list[Clock] = []
    suits = [e.date for e in case.events if e.kind is EventKind.suit_filed]
    for e in case.events:
        if e.date > as_of:  # not yet happened on the as-of date
            continue
        clocks += _guarded(_PROCEDURE_KIND.get(e.kind, "procedure"), None, lambda e=e: _procedure_clock(case, e, suits, as_of))
    return clocks


_PROCEDURE_KIND = {
    EventKind.judgment_served: "appeal", EventKind.ruling_served: "appeal", EventKind.judgment_effective: "retrial",
    EventKind.preservation_ruling: "suit_after_preservation", EventKind.seizure: "seizure_expiry",
    EventKind.bankruptcy_accepted: "bankruptcy_claim",
}


def _simple(kind: str, p: StatutoryPeriod, e: Event, text: str, as_of: dt.date, satisfied: bool = False) -> Clock:
    return Clock(kind, None, p.end.date, p.end.alternative_date, _status(p.end.date, as_of, satisfied),
                 p.end.provisional, [_period_link(p, p.anchor, text, tuple(e.evidence))], list(p.notes) + _roll_note(p.end))


def _procedure_clock(case: Case, e: Event, suits: list[dt.date], as_of: dt.date) -> list[Clock]:
    if e.kind is EventKind.judgment_served:
        p = statutory_period("appeal_judgment", e.date, facts={"service_date": e.date})
        clock = _simple("appeal", p, e, "判决书送达", as_of)
        clock.notes.append("在中华人民共和国领域内没有住所的当事人，上诉期间为三十日")
        return [clock]
    if e.kind is EventKind.ruling_served:
        p = statutory_period("appeal_ruling", e.date, facts={"service_date": e.date})
        return [_simple("appeal", p, e, "裁定书送达（可上诉的裁定）", as_of)]
    if e.kind is EventKind.judgment_effective:
        out = _guarded("retrial", None, lambda: [_simple(
            "retrial", statutory_period("retrial", e.date, facts={"judgment_effective_date": e.date}), e, "判决生效", as_of)])
        if e.until:
            out += _guarded("enforcement_application", None, lambda: [_enforcement_clock(case, e, as_of)])
        return out
    if e.kind is EventKind.preservation_ruling and not any(s <= e.date for s in suits):
        taken = e.executed_on or e.date
        p = statutory_period("suit_after_preservation", taken, facts={"ruling_date": e.date})
        text = "诉前保全措施" + (f"（{e.date}裁定，{taken}实施）" if e.executed_on else "")
        return [_simple("suit_after_preservation", p, e, text, as_of, any(taken < s <= p.end.date for s in suits))]
    if e.kind is EventKind.seizure and e.asset is not None:
        return _seizure_clocks(e, as_of)
    if e.kind is EventKind.bankruptcy_accepted:
        facts = {"acceptance_date": e.date}
        low = statutory_period("bankruptcy_claim_min", e.date, facts=facts, roll=False)
        high = statutory_period("bankruptcy_claim_max", e.date, facts=facts, roll=False)
        chosen = e.until or high.end.date
        notes = list(low.notes)
        if not (low.end.date <= chosen <= high.end.date):
            notes.append(f"法院确定的申报期限{chosen}不在法定范围{low.end.date}至{high.end.date}内（{low.citation}）")
        return [Clock("bankruptcy_claim", None, chosen, None, _status(chosen, as_of, False), is_provisional(chosen),
                      [_period_link(low, e.date, "破产申请受理公告", tuple(e.evidence))], notes)]
    return []


def _enforcement_clock(case: Case, e: Event, as_of: dt.date) -> Clock:
    """申请执行期间 from the last day of performance, by the procedure law of that day (one year for
    a natural person and six months between organisations before 2008-04-01; two years after),
    satisfied by an application, restarted when an application is withdrawn."""
    natural = _natural_person(case, e.parties)
    p = statutory_period("enforcement_application", e.until, natural_person=natural)
    chain = [_period_link(p, e.until, f"判决确定的履行期间最后一日{e.until}", tuple(e.evidence))]
    notes = list(p.notes)
    if "natural_person" in p.rule:
        notes.append("一方当事人是公民的为一年，双方是法人或者其他组织的为六个月：已按" +
                     ("公民" if natural else "法人或者其他组织") + "计算")
    end = p.end
    satisfied = False
    later = sorted((x for x in case.events if x.date <= as_of and x.date >= e.until and x.kind in
                    (EventKind.enforcement_applied, EventKind.enforcement_withdrawn)), key=lambda x: x.date)
    applied: Event | None = None
    for x in later:
        if x.kind is EventKind.enforcement_applied and x.date <= end.date:
            applied, satisfied = x, True
            chain.append(Link(x.date, "申请强制执行 -> 申请执行期间内提出", tuple(x.evidence), p.citation, p.rule_ids[0], p.governed_on))
        elif x.kind is EventKind.enforcement_withdrawn and applied is not None:
            restart = rule_for("periods", "proceeding_restart", {"proceeding_end": x.date})
            anchor = x.date if restart.row["from"] == "end" else applied.date
            again = statutory_period("enforcement_application", anchor, natural_person=natural)
            end, satisfied, applied = again.end, False, None
            chain.append(Link(x.date, f"撤回执行申请 -> 申请执行期间自{anchor}重新计算", tuple(x.evidence),
                              f"{restart.citation}；{again.citation}", restart.id, x.date))
    return Clock("enforcement_application", None, end.date, end.alternative_date, _status(end.date, as_of, satisfied),
                 end.provisional, chain, notes + _roll_note(end))


def _seizure_clocks(e: Event, as_of: dt.date) -> list[Clock]:
    """Seizure expiry from the day the measure was carried out, and the last day to apply for
    renewal (at least 7 days before expiry from 2016-12-01), on a working day."""
    taken = e.executed_on or e.date
    p = statutory_period(f"seizure_{e.asset}", taken, facts={"measure_date": taken})
    label = f"查封/冻结（{e.note or e.asset}）" + (f"，{taken}实施" if e.executed_on else "")
    expiry = _simple("seizure_expiry", p, e, label, as_of)
    clocks = [expiry]
    try:
        lead = rule_for("periods", "seizure_renewal_lead", {"expiry_date": expiry.date})
    except RuleNotFoundError as exc:
        return clocks + [_undetermined("seizure_renewal", None, exc)]
    due = expiry.date - dt.timedelta(days=int(lead.row["amount"]) or 1)
    while is_rest_day(due):  # apply on a working day, never later than the lead allows
        due -= dt.timedelta(days=1)
    clocks.append(Clock("seizure_renewal", None, due, None, _status(due, as_of, False), is_provisional(due),
                        [Link(taken, f"查封/冻结期限届满{expiry.date}，续行申请应于届满{int(lead.row['amount'])}日前提出"
                              if int(lead.row["amount"]) else f"查封/冻结期限届满{expiry.date}，应于届满前申请续行",
                              tuple(e.evidence), lead.citation, lead.id, expiry.date)]))
    return clocks


def _misfiled_events(case: Case) -> list[str]:
    """Notes on events recorded as 其他 whose note names a kind the engine counts."""
    notes = []
    for e in case.events:
        if e.kind is EventKind.other and e.note:
            for word, kind in _SYNONYMS.items():
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
        got = _guarded("limitation", "、".join(loan.borrowers), lambda loan=loan: [limitation_clock(case, loan, as_of)])
        limitation[loan.id] = got[0]
        clocks += got
    misfiled = _misfiled_events(case)
    if misfiled and clocks:
        clocks[0].notes.extend(misfiled)
    for c in case.collateral:
        clocks += _guarded("collateral", c.owner, lambda c=c: collateral_clock(case, c, limitation))
    for g in case.guarantees:
        clocks += _guarded("guarantee_period", g.guarantor, lambda g=g: guarantee_clocks(case, g, as_of))
    clocks += procedure_clocks(case, as_of)
    return sorted(clocks, key=lambda k: (STATUS_ORDER.get(k.status, 9), k.date or dt.date.max))


def released_guarantees(case: Case, as_of: dt.date) -> dict[str, Clock]:
    """Guarantee ids whose guarantor the engine finds released (保证期间届满未主张), with the clock."""
    out = {}
    for g in case.guarantees:
        period = _guarded("guarantee_period", g.guarantor, lambda g=g: guarantee_clocks(case, g, as_of))[0]
        if period.status == "released" and not g.override_release:
            out[g.id] = period
    return out
