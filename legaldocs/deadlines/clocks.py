"""Deadline clocks of a case (时效与期间): one clock per obligor and per right, each with the chain
of events that made it.

Clocks: main-debt limitation (诉讼时效, 民法典 arts 188, 189, 194, 195; 20-year bound),
guarantee periods (保证期间, arts 692, 693) with release, the guarantor's own limitation (art
694), collateral enforceable within the main claim's limitation (art 419), and the procedural
clocks that follow from events (appeal, retrial, suit after pre-suit preservation, enforcement
application, 民事诉讼法 arts 104, 171, 216, 250). Periods are computed by :mod:`legaldocs.law.periods`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from legaldocs.case.model import Case, Event, EventKind, Guarantee, GuaranteeKind, LoanContract
from legaldocs.law.holidays import is_provisional, is_rest_day
from legaldocs.law.periods import PeriodEnd, add_months, period_end
from legaldocs.law.rules import rule_in_force

CIVIL_CODE_START = dt.date(2021, 1, 1)

# events that interrupt the main debt's limitation (民法典 art 195; 诉讼时效规定 arts 8, 10, 11, 14, 17)
_INTERRUPTING = {
    EventKind.demand_delivered: "民法典第一百九十五条第（一）项；诉讼时效规定第八条",
    EventKind.acknowledgment: "民法典第一百九十五条第（二）项；诉讼时效规定第十四条",
    EventKind.partial_payment: "民法典第一百九十五条第（二）项；诉讼时效规定第十四条",
    EventKind.acceleration: "民法典第一百九十五条第（一）项（宣布提前到期通知送达）",
    EventKind.suit_filed: "民法典第一百九十五条第（三）项；诉讼时效规定第十条",
    EventKind.preservation_applied: "民法典第一百九十五条第（四）项；诉讼时效规定第十一条",
    EventKind.enforcement_applied: "民法典第一百九十五条第（四）项；诉讼时效规定第十一条",
    EventKind.assignment_notice: "诉讼时效规定第十七条",
    EventKind.payment_order_applied: "民法典第一百九十五条第（四）项；诉讼时效规定第十一条第（一）项",
    EventKind.bankruptcy_claim_filed: "民法典第一百九十五条第（四）项；诉讼时效规定第十一条第（二）项",
}


@dataclass(frozen=True)
class Link:
    """One link of a clock's chain: the event, its evidence, the rule it applied."""

    date: dt.date
    event: str
    evidence: tuple[str, ...]
    rule: str

    def as_dict(self) -> dict:
        return {"date": self.date.isoformat(), "event": self.event, "evidence": list(self.evidence), "rule": self.rule}


@dataclass
class Clock:
    """A deadline: ``kind`` (limitation, guarantee_period, guarantor_limitation, collateral,
    enforcement_application, suit_after_preservation, appeal, retrial), the party it runs against,
    the safe ``date`` and an arguable ``alternative_date``, its ``status`` on the as-of date
    (running, expired, satisfied, released), whether the calendar was provisional, and the chain."""

    kind: str
    obligor: str | None
    date: dt.date
    alternative_date: dt.date | None
    status: str
    provisional: bool
    chain: list[Link] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "obligor": self.obligor,
            "date": self.date.isoformat(),
            "alternative_date": self.alternative_date.isoformat() if self.alternative_date else None,
            "status": self.status,
            "provisional": self.provisional,
            "chain": [link.as_dict() for link in self.chain],
            "notes": list(self.notes),
        }


def rule_period(kind: str, anchor: dt.date, **options) -> tuple[PeriodEnd, str]:
    """The period of ``kind`` (law/data/periods.toml, version in force on ``anchor``) from
    ``anchor``, and its citation."""
    rule = rule_in_force("periods", kind, anchor)
    return period_end(anchor, int(rule["amount"]), rule["unit"], **options), rule["citation"]


def _link(e: Event, text: str, rule: str) -> Link:
    return Link(e.date, text, tuple(e.evidence), rule)


def _status(end: dt.date, as_of: dt.date, satisfied: bool) -> str:
    if satisfied:
        return "satisfied"
    return "expired" if as_of > end else "running"


def limitation_clock(case: Case, loan: LoanContract, as_of: dt.date) -> Clock:
    """诉讼时效 of one loan against its borrowers: 3 years from maturity (the last instalment, art
    189), restarted by each interrupting event before expiry, extended by an obstacle in the last
    six months (art 194), bounded by 20 years from maturity (art 188 ¶2; see 指导性案例249号)."""
    borrowers = set(loan.borrowers)
    anchor = loan.maturity
    end, _ = rule_period("limitation", anchor)
    chain = [Link(anchor, f"借款到期（{loan.number}）", (), "民法典第一百八十八条、第一百八十九条；诉讼时效规定第四条")]
    notes: list[str] = []
    provisional = end.provisional
    satisfied = False
    alternative = None
    events = [e for e in case.events if e.date <= as_of and (not e.loans or loan.id in e.loans)]
    payments = [r for r in case.repayments if r.loan == loan.id and r.date > anchor and r.date <= as_of]
    items: list[tuple[dt.date, str, tuple[str, ...], str, EventKind]] = []
    for e in events:
        if e.kind in _INTERRUPTING and (not e.parties or borrowers & set(e.parties)):
            items.append((e.date, e.kind.value + (f"（{e.note}）" if e.note else ""), tuple(e.evidence), _INTERRUPTING[e.kind], e.kind))
    for r in payments:
        items.append((r.date, f"还款{r.amount}元", tuple(r.evidence), _INTERRUPTING[EventKind.partial_payment], EventKind.partial_payment))
    accel = [e for e in events if e.kind is EventKind.acceleration]
    if accel and accel[0].date < anchor:
        early, _ = rule_period("limitation", accel[0].date)
        notes.append("宣布提前到期：部分法院自提前到期日起算诉讼时效（安全日期），通行观点仍自原到期日起算")
        alternative = end.date
        end = early
        chain.append(Link(accel[0].date, "宣布提前到期（安全起算点）", tuple(accel[0].evidence), "民法典第一百八十八条（提前到期起算存在争议）"))
    for date, text, evidence, rule, kind in sorted(items):
        if date > end.date:
            if kind in (EventKind.acknowledgment, EventKind.demand_delivered):
                notes.append(f"{date} {text}：发生于时效届满后，如债务人签字确认，可能构成放弃时效抗辩（诉讼时效规定第十九条）")
            continue
        if date < anchor and kind is not EventKind.acceleration:
            continue
        end, _ = rule_period("limitation", date)
        provisional = provisional or end.provisional
        chain.append(Link(date, text + " -> 中断，诉讼时效重新计算", evidence, rule))
        if kind is EventKind.suit_filed:
            satisfied = True
    for e in events:
        if e.kind is EventKind.obstacle and e.until:
            tail = rule_in_force("periods", "suspension_tail", e.date)
            window_start = add_months(end.date, -int(tail["amount"]))
            if e.until >= window_start and e.date <= end.date:
                end, cite = rule_period("suspension_tail", e.until)
                provisional = provisional or end.provisional
                chain.append(_link(e, f"中止事由至{e.until}（{e.note or '不可抗力等障碍'}） -> 障碍消除之日起重新计满", cite))
    cap, _ = rule_period("maximum_limitation", anchor, roll=False)
    if end.date > cap.date:
        notes.append(
            f"超过自到期日起二十年（{cap.date}）；最长诉讼时效不适用于诉讼时效多次中断且未届满的情形"
            "（指导性案例249号），但有不同观点（总则编解释第三十五条），以二十年届满日为安全日期"
        )
        alternative = end.date
        end = PeriodEnd(cap.date, cap.date, None, "民法典第一百八十八条第二款", cap.provisional)
    obligor = "、".join(loan.borrowers)
    if alternative is None:
        alternative = end.alternative_date
    return Clock("limitation", obligor, end.date, alternative, _status(end.date, as_of, satisfied),
                 provisional, chain, notes + ([end.rule] if end.alternative_date else []))


_CN_NUMBERS = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def agreed_months(text: str | None) -> int | None:
    """Months of an agreed guarantee period written as text ("主债务履行期限届满之日起三年",
    "六个月", "2年"); None when there is none or it cannot be read."""
    if not text:
        return None
    if agreed_end_date(text) is not None:
        return None
    m = re.search(r"(?<![0-9])([0-9]{1,2}|[一两二三四五六七八九十]+)\s*(个月|年)(?![0-9])", text)
    if not m:
        return None
    raw = m.group(1)
    n = int(raw) if raw.isdigit() else sum(_CN_NUMBERS[c] for c in raw) if raw != "十" else 10
    return n * 12 if m.group(2) == "年" else n


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


def guarantee_clocks(case: Case, g: Guarantee, limitation: dict[str, Clock], as_of: dt.date) -> list[Clock]:
    """保证期间 of one guarantee and, once the creditor kept the guarantor, the guarantor's own
    limitation (民法典 arts 692-694; guarantees made before 2021-01-01 follow 担保法 and say so)."""
    loans = [l for l in case.loans if l.id in g.secures]
    maturity = max(l.maturity for l in loans)
    months = agreed_months(g.period)
    old_law = g.signed_on < CIVIL_CODE_START
    law = "《担保法》第二十五条、第二十六条（民法典施行前的担保）" if old_law else "民法典第六百九十二条"
    notes = []
    if g.period and months is None and agreed_end_date(g.period) is None:
        notes.append(f"约定保证期间“{g.period}”无法识别，按未约定（六个月）计算，请核对")
    end_date = agreed_end_date(g.period)
    if months is not None:
        nominal = period_end(maturity, months, "months", guarantee=True)
        if nominal.date <= maturity:
            months = None
            notes.append("约定的保证期间早于或等于主债务履行期限届满，视为没有约定（民法典第六百九十二条第二款）")
    if end_date is not None and end_date <= maturity:
        notes.append(f"约定的保证期间至{end_date}止，早于或等于主债务履行期限届满，视为没有约定（民法典第六百九十二条第二款）")
        end_date = None
    if end_date is not None:
        period = period_end(end_date, 0, "days", guarantee=True)
        months = -1  # agreed as a date
    elif months:
        period = period_end(maturity, months, "months", guarantee=True)
    else:
        period, _ = rule_period("guarantee_default", maturity, guarantee=True)
    agreed = f"约定至{end_date}" if end_date else f"约定{months}个月" if months else "未约定（法定期间）"
    chain = [Link(maturity, f"主债务履行期限届满；保证期间{agreed}", (), law)]
    if g.maximum_amount is not None:
        notes.append("最高额保证：保证期间自债权确定之日或主债务履行期限届满之日起算（担保制度解释第三十条），请核对债权确定日")
    kept_by: Event | None = None
    for e in sorted(case.events, key=lambda e: e.date):
        if e.date > period.date or e.date > as_of:
            continue
        if g.kind is GuaranteeKind.joint and e.kind in (EventKind.guarantee_demand_delivered, EventKind.demand_delivered,
                                                        EventKind.suit_filed) and g.guarantor in e.parties:
            kept_by = e
            chain.append(_link(e, f"{e.kind.value}（保证人） -> 保证期间内主张权利", "民法典第六百九十三条第二款"))
            break
        if g.kind is GuaranteeKind.general and e.kind is EventKind.suit_filed and (
            not e.parties or set(e.parties) & set(l for loan in loans for l in loan.borrowers)
        ):
            kept_by = e
            chain.append(_link(e, "对债务人提起诉讼 -> 保证期间内主张权利", "民法典第六百九十三条第一款"))
            break
    if kept_by is not None:
        status = "satisfied"
    elif g.override_release:
        status = "running" if as_of <= period.date else "released"
        notes.append(f"案件档案说明：{g.override_release}")
    else:
        status = "running" if as_of <= period.date else "released"
    clocks = [Clock("guarantee_period", g.guarantor, period.date, period.alternative_date, status,
                    period.provisional, chain, notes + ([period.rule] if period.alternative_date else []))]
    if kept_by is not None:
        if g.kind is GuaranteeKind.joint:
            end, _ = rule_period("limitation", kept_by.date)
            clocks.append(Clock("guarantor_limitation", g.guarantor, end.date, end.alternative_date,
                                _status(end.date, as_of, False), end.provisional,
                                [_link(kept_by, "债权人请求保证人承担保证责任", "民法典第六百九十四条第二款")]))
        else:
            notes.append("一般保证：保证债务的诉讼时效自保证人拒绝承担保证责任的权利消灭之日起算（民法典第六百九十四条第一款；担保制度解释第二十八条）")
    return clocks


def procedure_clocks(case: Case, as_of: dt.date) -> list[Clock]:
    """Clocks that follow from court events: appeal (after a judgment is served), retrial (after
    it takes effect), enforcement application (from the last day of performance), suit after
    pre-suit preservation, seizure expiry by asset kind and its renewal application, and the
    bankruptcy claim filing window. Lengths from law/data/periods.toml."""
    clocks = []
    suits = [e.date for e in case.events if e.kind is EventKind.suit_filed]

    def add(kind: str, e: Event, rule_kind: str, text: str, satisfied: bool = False, anchor: dt.date | None = None) -> Clock:
        end, cite = rule_period(rule_kind, anchor or e.date)
        clock = Clock(kind, None, end.date, end.alternative_date, _status(end.date, as_of, satisfied),
                      end.provisional, [_link(e, text, cite)], [end.rule] if end.alternative_date else [])
        clocks.append(clock)
        return clock

    for e in case.events:
        if e.date > as_of:  # not yet happened on the as-of date
            continue
        if e.kind is EventKind.judgment_served:
            add("appeal", e, "appeal_judgment", "判决书送达").notes.append(
                "在中华人民共和国领域内没有住所的当事人，上诉期间为三十日（民事诉讼法第二百八十六条）")
        elif e.kind is EventKind.ruling_served:
            add("appeal", e, "appeal_ruling", "裁定书送达（可上诉的裁定）")
        elif e.kind is EventKind.judgment_effective:
            add("retrial", e, "retrial", "判决生效")
            if e.until:
                applied = any(x.kind is EventKind.enforcement_applied and x.date >= e.until for x in case.events)
                add("enforcement_application", e, "enforcement_application",
                    f"判决确定的履行期间最后一日{e.until}", applied, anchor=e.until)
        elif e.kind is EventKind.preservation_ruling and not any(s <= e.date for s in suits):
            end, _ = rule_period("suit_after_preservation", e.date)
            add("suit_after_preservation", e, "suit_after_preservation", "诉前保全措施",
                any(e.date < s <= end.date for s in suits))
        elif e.kind is EventKind.seizure:
            if e.asset is None:
                continue
            expiry = add("seizure_expiry", e, f"seizure_{e.asset}", f"查封/冻结（{e.note or e.asset}）")
            lead = rule_in_force("periods", "seizure_renewal_lead", e.date)
            due = expiry.date - dt.timedelta(days=int(lead["amount"]))
            while is_rest_day(due):  # apply on a working day, never later than the lead allows
                due -= dt.timedelta(days=1)
            clocks.append(Clock("seizure_renewal", None, due, None, _status(due, as_of, False), is_provisional(due),
                                [_link(e, f"查封/冻结期限届满{expiry.date}，续行申请应于届满七日前提出", lead["citation"])]))
        elif e.kind is EventKind.bankruptcy_accepted:
            low, cite = rule_period("bankruptcy_claim_min", e.date, roll=False)
            high, _ = rule_period("bankruptcy_claim_max", e.date, roll=False)
            chosen = e.until or high.date
            notes = []
            if not (low.date <= chosen <= high.date):
                notes.append(f"法院确定的申报期限{chosen}不在法定范围{low.date}至{high.date}内（企业破产法第四十五条）")
            clocks.append(Clock("bankruptcy_claim", None, chosen, None, _status(chosen, as_of, False), is_provisional(chosen),
                                [_link(e, "破产申请受理公告", cite)], notes))
    return clocks


def case_clocks(case: Case, as_of: dt.date) -> list[Clock]:
    """Every clock of ``case`` on ``as_of``, most urgent first (earliest date among the open ones)."""
    clocks: list[Clock] = []
    limitation: dict[str, Clock] = {}
    for loan in case.loans:
        clock = limitation_clock(case, loan, as_of)
        limitation[loan.id] = clock
        clocks.append(clock)
    for c in case.collateral:
        related = [limitation[l] for l in c.secures if l in limitation]
        if related:
            base = min(related, key=lambda k: k.date)
            clocks.append(Clock("collateral", c.owner, base.date, base.alternative_date, base.status, base.provisional,
                                list(base.chain), ["抵押权人应当在主债权诉讼时效期间行使抵押权（民法典第四百一十九条）"]))
    for g in case.guarantees:
        clocks += guarantee_clocks(case, g, limitation, as_of)
    clocks += procedure_clocks(case, as_of)
    order = {"expired": 1, "released": 2, "running": 0, "satisfied": 3}
    return sorted(clocks, key=lambda k: (order.get(k.status, 9), k.date))


def released_guarantees(case: Case, as_of: dt.date) -> dict[str, Clock]:
    """Guarantee ids whose guarantor the engine finds released (保证期间届满未主张), with the clock."""
    out = {}
    for g in case.guarantees:
        period = guarantee_clocks(case, g, {}, as_of)[0]
        if period.status == "released" and not g.override_release:
            out[g.id] = period
    return out
