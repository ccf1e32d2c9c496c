"""Clocks that follow from court events, each under the Civil Procedure Law revision of the date
that governs it: appeal, retrial, enforcement application (interrupted by an application,
restarted when it is withdrawn), suit after pre-suit preservation, seizure terms and their
renewal, and the bankruptcy claim filing window."""

from __future__ import annotations

import datetime as dt

from legaldocs.case.model import ASSET_NAMES, Case, Event, EventKind, NaturalPerson
from legaldocs.deadlines.chain import Clock, Link, guarded, period_link, roll_note, status_on, undetermined
from legaldocs.deadlines.limitation import Run, run_interruptions
from legaldocs.errors import RuleNotFoundError
from legaldocs.law.holidays import is_provisional, is_rest_day
from legaldocs.law.rules import rule_for
from legaldocs.law.statutory import StatutoryPeriod, statutory_period

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
        clocks += guarded(_PROCEDURE_KIND.get(e.kind, "procedure"), None, lambda e=e: _procedure_clock(case, e, suits, as_of))
    return clocks


_PROCEDURE_KIND = {
    EventKind.judgment_served: "appeal", EventKind.ruling_served: "appeal", EventKind.judgment_effective: "retrial",
    EventKind.preservation_ruling: "suit_after_preservation", EventKind.seizure: "seizure_expiry",
    EventKind.bankruptcy_accepted: "bankruptcy_claim",
}


def _simple(kind: str, p: StatutoryPeriod, e: Event, text: str, as_of: dt.date, satisfied: bool = False) -> Clock:
    return Clock(kind, None, p.end.date, p.end.alternative_date, status_on(p.end.date, as_of, satisfied),
                 p.end.provisional, [period_link(p, p.anchor, text, tuple(e.evidence))], list(p.notes) + roll_note(p.end))


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
        out = guarded("retrial", None, lambda: [_simple(
            "retrial", statutory_period("retrial", e.date, facts={"judgment_effective_date": e.date}), e, "判决生效", as_of)])
        out += guarded("enforcement_application", None, lambda: [_enforcement_clock(case, e, as_of)])
        return out
    if e.kind is EventKind.preservation_ruling and not any(s <= e.date for s in suits):
        taken = e.executed_on or e.date
        p = statutory_period("suit_after_preservation", taken, facts={"ruling_date": e.date})
        text = "诉前保全措施" + (f"（{e.date}裁定，{taken}实施）" if e.executed_on else "")
        return [_simple("suit_after_preservation", p, e, text, as_of, any(taken < s <= p.end.date for s in suits))]
    if e.kind is EventKind.seizure:
        if e.asset is None:
            return [Clock("seizure_expiry", None, None, None, "undetermined", False,
                          [Link(e.executed_on or e.date, f"查封/冻结（{e.note or '未注明财产类别'}）", tuple(e.evidence),
                                "查封、扣押、冻结的期限依财产类别而定")],
                          ["未计算：查封冻结事件未注明财产类别（asset: deposit、movable、real_property 或 other_right），无法确定期限"])]
        return seizure_clocks(e, as_of)
    if e.kind is EventKind.bankruptcy_accepted:
        facts = {"acceptance_date": e.date}
        low = statutory_period("bankruptcy_claim_min", e.date, facts=facts, roll=False)
        high = statutory_period("bankruptcy_claim_max", e.date, facts=facts, roll=False)
        chosen = e.until or high.end.date
        notes = list(low.notes)
        if not (low.end.date <= chosen <= high.end.date):
            notes.append(f"法院确定的申报期限{chosen}不在法定范围{low.end.date}至{high.end.date}内（{low.citation}）")
        chain = [period_link(low, e.date, "破产申请受理公告", tuple(e.evidence))]
        # the claim filed in this bankruptcy (the same debtor, or any when the events name none) ends the clock;
        # one filed after the deadline is still a claim (补充申报, 企业破产法第五十六条), noted as late
        filed = sorted((x for x in case.events if x.kind is EventKind.bankruptcy_claim_filed and e.date <= x.date <= as_of
                        and (not e.parties or not x.parties or set(e.parties) & set(x.parties))), key=lambda x: x.date)
        if filed:
            first = filed[0]
            chain.append(Link(first.date, "申报破产债权" + (f"（{first.case_number}）" if first.case_number else ""),
                              tuple(first.evidence), "《中华人民共和国企业破产法》第四十八条、第五十六条"))
            if first.date > chosen:
                notes.append(f"债权于申报期限{chosen}届满后的{first.date}补充申报（企业破产法第五十六条：可在破产财产最后分配前补充申报，"
                             "此前已进行的分配不再补充分配，审查和确认补充申报债权的费用由补充申报人承担）")
        return [Clock("bankruptcy_claim", None, chosen, None, status_on(chosen, as_of, bool(filed)), is_provisional(chosen),
                      chain, notes)]
    return []


def _enforcement_clock(case: Case, e: Event, as_of: dt.date) -> Clock:
    """申请执行期间 from the last day of performance (or, where the judgment sets none, the day it
    took effect), by the procedure law of that day (one year for a natural person and six months
    between organisations before 2008-04-01; two years after). Interrupted as limitation is (民事
    诉讼法 art 250; 执行程序解释 art 20: an application, a demand, an acknowledgment, a payment),
    satisfied by an application while it is pending, restarted when it is withdrawn."""
    natural = _natural_person(case, e.parties)
    anchor = e.until or e.date
    p = statutory_period("enforcement_application", anchor, natural_person=natural)
    text = f"判决确定的履行期间最后一日{e.until}" if e.until else "判决生效（未规定履行期间，自生效之日起算）"
    run = Run(p, [period_link(p, anchor, text, tuple(e.evidence))], notes=list(p.notes), provisional=p.end.provisional)
    if "natural_person" in p.rule:
        run.notes.append("一方当事人是公民的为一年，双方是法人或者其他组织的为六个月：已按" +
                         ("公民" if natural else "法人或者其他组织") + "计算")
    obligors = set(e.parties) or set(case.borrower_ids())
    run = run_interruptions(case, run, kind="enforcement_application", anchor=anchor, obligors=obligors, as_of=as_of,
                            natural_person=natural, satisfied_by=frozenset({EventKind.enforcement_applied}))
    end = run.end
    return Clock("enforcement_application", None, end.date, end.alternative_date, status_on(end.date, as_of, run.satisfied),
                 run.provisional, run.chain, run.notes + roll_note(end))


def seizure_clocks(e: Event, as_of: dt.date) -> list[Clock]:
    """Seizure expiry and the last day to apply for renewal (at least 7 days before expiry from
    2016-12-01), on a working day, for one ``查封冻结`` event with its ``asset`` set:
    ``[seizure_expiry, seizure_renewal]`` (the second undetermined when the law of the expiry
    date has no renewal rule). Courts state the term counting the day the measure was carried
    out (冻结一年，自2024年6月20日起至2025年6月19日止) and do not roll it over rest days, so that
    day is the safe last day; the period counted as under 民事诉讼法 art 85 is the arguable one.
    The court's notice governs: enter its date under ``stated`` to compare."""
    taken = e.executed_on or e.date
    p = statutory_period(f"seizure_{e.asset}", taken, facts={"measure_date": taken})
    last = p.end.nominal - dt.timedelta(days=1)
    label = f"查封/冻结（{e.note or ASSET_NAMES.get(e.asset, e.asset)}）" + (f"，{taken}实施" if e.executed_on else "")
    expiry = Clock("seizure_expiry", None, last, p.end.date, status_on(last, as_of, False), is_provisional(last),
                   [period_link(p, taken, label, tuple(e.evidence))],
                   list(p.notes) + [f"期限自采取措施之日起算（含当日），至{last}止，不因法定休假日顺延（安全日期）；"
                                    f"按不含当日并顺延计算为{p.end.date}；以法院协助执行通知书载明的期限为准"])
    clocks = [expiry]
    try:
        lead = rule_for("periods", "seizure_renewal_lead", {"expiry_date": last})
    except RuleNotFoundError as exc:
        return clocks + [undetermined("seizure_renewal", None, exc)]
    due = last - dt.timedelta(days=int(lead.row["amount"]) or 1)
    while is_rest_day(due):  # apply on a working day, never later than the lead allows
        due -= dt.timedelta(days=1)
    clocks.append(Clock("seizure_renewal", None, due, None, status_on(due, as_of, False), is_provisional(due),
                        [Link(taken, f"查封/冻结期限届满{last}，续行申请应于届满{int(lead.row['amount'])}日前提出"
                              if int(lead.row["amount"]) else f"查封/冻结期限届满{last}，应于届满前申请续行",
                              tuple(e.evidence), lead.citation, lead.id, last)]))
    return clocks
