"""The main debt's limitation (诉讼时效) of one loan against its borrowers, under the law of each
date: 民法通则 arts 135-140 before 2017-10-01 (with the transition of 法释〔2018〕12号), 民法总则 and
民法典 arts 188-195 after; interruptions cite the ground and the SPC provisions of their day; a
proceeding ended without a judgment restarts the period; obstacles in the last six months
suspend it; twenty years from maturity bound it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from legaldocs.case.model import PROCEEDING_ENDS, Case, Event, EventKind, LoanContract
from legaldocs.deadlines.chain import Clock, Link, concerns, label, period_link, roll_note, status_on
from legaldocs.law.periods import PeriodEnd, add_months, period_end
from legaldocs.law.rules import rule_for
from legaldocs.law.statutory import StatutoryPeriod, computation_citation, statutory_period

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
SYNONYMS = {
    "撤诉": EventKind.suit_withdrawn, "撤回起诉": EventKind.suit_withdrawn, "驳回起诉": EventKind.suit_dismissed,
    "不予受理": EventKind.suit_not_accepted, "撤回执行": EventKind.enforcement_withdrawn,
    "撤回强制执行": EventKind.enforcement_withdrawn, "催收": EventKind.demand_delivered,
    "提前到期": EventKind.acceleration, "确认债务": EventKind.acknowledgment, "起诉": EventKind.suit_filed,
    "支付令": EventKind.payment_order_applied, "破产": EventKind.bankruptcy_claim_filed,
}


def interruption_citation(ground: str, on: dt.date) -> tuple[str, str]:
    """(citation, rule id) of an interruption of ``ground`` on ``on``: 民法通则 art 140 before
    2017-10-01, 民法总则 art 195 to 2020, 民法典 art 195 after, with the SPC provisions of the date."""
    r = rule_for("periods", "interruption", {"event_date": on})
    return r.row["grounds"][ground], r.id


@dataclass
class Run:
    """The state of a period restarted by interruptions: the period in force, its chain, notes,
    whether a pending proceeding satisfies it, and whether any date was provisional."""

    current: StatutoryPeriod
    chain: list[Link]
    notes: list[str] = field(default_factory=list)
    satisfied: bool = False
    provisional: bool = False

    @property
    def end(self) -> PeriodEnd:
        return self.current.end


def run_interruptions(case: Case, run: Run, *, kind: str, anchor: dt.date, obligors: set[str], as_of: dt.date,
                      loans: list[LoanContract] | None = None, payments: bool = True, named_only: bool = False,
                      natural_person: bool = False, strictly_after: bool = False,
                      satisfied_by: frozenset[EventKind] = frozenset({EventKind.suit_filed}),
                      pending: dict[EventKind, tuple[dt.date, str]] | None = None,
                      extra: dict[EventKind, str] | None = None) -> Run:
    """Restart the period of ``kind`` (``limitation`` or ``enforcement_application``) at each event
    that interrupts it (民法典 art 195 and its predecessors, applied to enforcement by 民事诉讼法
    art 250 and 执行程序解释 art 20): demands, acknowledgments, payments, suits and applications of
    equal effect concerning ``obligors`` (``named_only``: only events naming one of them) and
    ``loans`` (default: all; their repayments too unless ``payments`` is False), from ``anchor``
    (``strictly_after``: not on it) to ``as_of``; a proceeding ended without a judgment restarts
    it from that end. An event of ``satisfied_by`` keeps the clock satisfied while its proceeding
    is pending; ``pending`` seeds proceedings already started."""
    grounds = {**_GROUNDS, **(extra or {})}
    ids = None if loans is None else {loan.id for loan in loans}
    events = [e for e in case.events if e.date <= as_of and (ids is None or not e.loans or ids & set(e.loans))]
    items: list[tuple[dt.date, int, str, tuple[str, ...], EventKind]] = []
    for e in events:
        names = bool(obligors & set(e.parties)) if named_only else concerns(e, obligors)
        if (e.kind in grounds or e.kind in PROCEEDING_ENDS) and names:
            items.append((e.date, 1 if e.kind in PROCEEDING_ENDS else 0, label(e), tuple(e.evidence), e.kind))
    if payments:
        for r in case.repayments:
            if (ids is None or r.loan in ids) and anchor < r.date <= as_of:
                items.append((r.date, 0, f"还款{r.amount}元", tuple(r.evidence), EventKind.partial_payment))
    pending = dict(pending or {})  # proceedings counted and not yet ended
    what = "诉讼时效" if kind == "limitation" else "申请执行期间"
    for date, _, text, evidence, event_kind in sorted(items, key=lambda x: (x[0], x[1])):
        if event_kind in PROCEEDING_ENDS:
            start = pending.pop(PROCEEDING_ENDS[event_kind], None)
            if start is None:
                continue
            restart = rule_for("periods", "proceeding_restart", {"proceeding_end": date})
            anchor_day = date if restart.row["from"] == "end" else start[0]
            run.current = statutory_period(kind, anchor_day, natural_person=natural_person)
            run.provisional = run.provisional or run.end.provisional
            run.satisfied = any(k in pending for k in satisfied_by)
            run.chain.append(Link(date, f"{text} -> 有关程序终结，{what}自{anchor_day}重新计算", evidence,
                                  f"{restart.citation}；{run.current.citation}", restart.id, date))
            if restart.row["from"] == "end":
                earlier = statutory_period(kind, start[0], natural_person=natural_person).end
                if earlier.date < run.end.date:
                    run.notes.append(f"{start[1]}后{text}：部分法院以起诉（申请）之日{start[0]}重新起算，届满日为"
                                     f"{earlier.date}；最保守的做法在{earlier.date}前采取中断措施")
            continue
        if date > run.end.date:
            if event_kind in (EventKind.acknowledgment, EventKind.demand_delivered):
                run.notes.append(f"{date} {text}：发生于期间届满后，如义务人签字确认，可能构成放弃时效抗辩（诉讼时效规定第十九条）")
            continue
        if (date < anchor or (strictly_after and date == anchor)) and event_kind is not EventKind.acceleration:
            continue
        cite, rule_id = interruption_citation(grounds[event_kind], date)
        run.current = statutory_period(kind, date, natural_person=natural_person)
        run.provisional = run.provisional or run.end.provisional
        run.chain.append(Link(date, f"{text} -> 中断，{what}重新计算", evidence, f"{cite}；{run.current.citation}", rule_id, date))
        if event_kind in (EventKind.suit_filed, EventKind.enforcement_applied, EventKind.bankruptcy_claim_filed):
            pending[event_kind] = (date, text)
        if event_kind in satisfied_by:
            run.satisfied = True
    return run


def limitation_clock(case: Case, loan: LoanContract, as_of: dt.date) -> Clock:
    """诉讼时效 of one loan against its borrowers: from maturity (the last instalment), restarted by
    each interrupting event before expiry (restarting from the end of a proceeding that ended
    without a judgment: 撤诉, 驳回起诉 ...), extended by an obstacle in the last six months, bounded
    by 20 years from maturity. The length, the transition and each citation follow the law in
    force on the date that governs it (法释〔2018〕12号)."""
    borrowers = set(loan.borrowers)
    anchor = loan.maturity
    current = statutory_period("limitation", anchor)
    run = Run(current, [period_link(current, anchor, f"借款到期（{loan.number}）")], provisional=current.end.provisional)
    alternative: dt.date | None = None
    events = [e for e in case.events if e.date <= as_of and (not e.loans or loan.id in e.loans)]
    accel = sorted((e for e in events if e.kind is EventKind.acceleration), key=lambda e: e.date)
    if accel and accel[0].date < anchor:
        early = statutory_period("limitation", accel[0].date)
        run.notes.append("宣布提前到期：部分法院自提前到期日起算诉讼时效（安全日期），通行观点仍自原到期日起算")
        alternative = run.end.date
        run.current = early
        run.chain.append(period_link(early, accel[0].date, "宣布提前到期（安全起算点）", tuple(accel[0].evidence)))
    run = run_interruptions(case, run, kind="limitation", anchor=anchor, obligors=borrowers, as_of=as_of, loans=[loan])
    transition = run.current.rule.get("transition") or {}
    if run.current.notes and transition.get("on") and as_of >= transition["on"]:
        run.notes += list(run.current.notes)  # why the old, shorter period still applies
    end, provisional = suspend(events, run.end, run.provisional, run.chain)
    cap = statutory_period("maximum_limitation", anchor, roll=False)
    if end.date > cap.end.date:
        run.notes.append(
            f"超过自到期日起二十年（{cap.end.date}）；最长诉讼时效不适用于诉讼时效多次中断且未届满的情形"
            "（指导性案例249号），但有不同观点（总则编解释第三十五条），以二十年届满日为安全日期"
        )
        alternative = end.date
        end = PeriodEnd(cap.end.date, cap.end.date, None, cap.citation, cap.end.provisional)
    obligor = "、".join(loan.borrowers)
    if alternative is None:
        alternative = end.alternative_date
    return Clock("limitation", obligor, end.date, alternative, status_on(end.date, as_of, run.satisfied),
                 provisional, run.chain, run.notes + roll_note(end))


def suspend(events: list[Event], end: PeriodEnd, provisional: bool, chain: list[Link]) -> tuple[PeriodEnd, bool]:
    """Apply obstacles (中止事由) in the last six months: under 民法通则 art 139 the rest of the period
    runs on after the obstacle; under 民法总则/民法典 art 194 it ends six months after it (the law in
    force when the obstacle ended decides: 法释〔2018〕12号 art 4)."""
    for e in sorted((x for x in events if x.kind is EventKind.obstacle and x.until is None), key=lambda x: x.date):
        rule = rule_for("periods", "suspension_tail", {"obstacle_end": e.date})
        if add_months(end.date, -int(rule.row["amount"])) <= e.date <= end.date:
            after = "障碍消除后继续计算" if rule.row["method"] == "continue" else "自障碍消除之日起满六个月届满"
            chain.append(Link(e.date, f"中止事由（{e.note or '不可抗力等障碍'}）尚未消除 -> 诉讼时效中止，{after}；"
                                      f"届满日暂按{end.date}为安全日期，障碍消除后请填写 until", tuple(e.evidence),
                              rule.citation, rule.id, e.date))
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
