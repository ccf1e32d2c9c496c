"""Clocks of the security: guarantee periods (保证期间) with release and the guarantor's own
limitation, and the period to enforce collateral, by the law of each security contract's date
(担保法, 担保法解释 and 物权法 before 2021-01-01; 民法典 and 担保制度解释 after)."""

from __future__ import annotations

import datetime as dt
import re

from legaldocs.case.model import Case, Collateral, Event, EventKind, Guarantee, GuaranteeKind
from legaldocs.deadlines.chain import Clock, Link, label, period_link, roll_note, status_on
from legaldocs.deadlines.limitation import Run, run_interruptions, suspend
from legaldocs.chinese import dates_in_digits, number_from_text
from legaldocs.errors import LegalDocsError, RuleNotFoundError
from legaldocs.law.periods import PeriodEnd, add_period, period_end
from legaldocs.law.rules import rule_for
from legaldocs.law.statutory import computation_citation, statutory_period

_UNTIL_REPAID = re.compile(r"(还清|清偿完毕|全部清偿|偿还完毕|履行完毕)(时|之日)?(为止|止)")
_DATE = r"(\d{4})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})\s*日?"
# a date is the period's end only when the text says so: 至/到/截至 … or … 止/届满
_END_DATE = re.compile(rf"(?:至|到|截至|截止)\s*{_DATE}|{_DATE}\s*(?:止|为止|届满)")
_LONGEST_AGREED_MONTHS = 240  # a longer reading is taken for a misreading, not an agreement
_NUMBER = r"[0-9]+|[零〇一二两三四五六七八九十百]+"
_LENGTH = re.compile(rf"(?P<n>{_NUMBER})\s*(?P<unit>个月|年)(?P<half>半)?|(?P<halfyear>半年)")


def agreed_months(text: str | None) -> int | None:
    """Months of an agreed guarantee period written as text ("主债务履行期限届满之日起三年",
    "三十六个月", "两年零六个月", "一年半", "2年"); None when there is none, it is an end date or
    "until repaid", or it cannot be read. Dates in the text are not lengths."""
    if not text or agreed_end_date(text) is not None or until_repaid(text):
        return None
    text = dates_in_digits(text)
    months = 0
    found = False
    for m in _LENGTH.finditer(re.sub(_DATE, " ", text)):
        found = True
        if m.group("halfyear"):
            months += 6
            continue
        try:
            n = number_from_text(m.group("n"))
        except LegalDocsError:
            return None
        months += n * 12 + (6 if m.group("half") else 0) if m.group("unit") == "年" else n
    return months if found and months > 0 else None


def until_repaid(text: str | None) -> bool:
    """The agreed period reads "直至主债务本息还清时为止" or the like (担保法解释 art 32 ¶2;
    担保制度解释 art 32): an unclear agreement."""
    return bool(text and _UNTIL_REPAID.search(text))


def agreed_end_date(text: str | None) -> dt.date | None:
    """An agreed guarantee period written as an end date ("保证期间至2024年6月28日止"), or None. A
    date that only names the start ("自2022年3月1日起三年") is not an end date."""
    if not text:
        return None
    m = _END_DATE.search(dates_in_digits(text))
    if not m:
        return None
    y, mo, d = [g for g in m.groups() if g is not None][:3]
    try:
        return dt.date(int(y), int(mo), int(d))
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
    agreed = rule_for("security", "guarantee_agreed", {"contract_date": g.signed_on})
    if months is not None and months > _LONGEST_AGREED_MONTHS:
        notes.append(f"约定保证期间“{g.period}”读作{months}个月，过长，按未约定（法定期间）计算，请核对")
        return None
    if end_date is not None:
        if end_date <= anchor:
            notes.append(f"约定的保证期间至{end_date}止，早于或等于主债务履行期限届满，视为没有约定（{agreed.citation}）")
            return None
        end = period_end(end_date, 0, "days", guarantee=True, computation=computation_citation("civil", end_date))
        return end, f"约定至{end_date}", agreed.citation, agreed.id
    nominal = add_period(anchor, months, "months")
    end = period_end(anchor, months, "months", guarantee=True, computation=computation_citation("civil", nominal))
    return end, f"约定{months}个月", agreed.citation, agreed.id


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
        period, described, citation, rule_id = agreed
        first = Link(anchor, f"{anchor_text}；保证期间{described}", (), citation, rule_id, g.signed_on)
    else:
        kind = "guarantee_until_repaid" if until_repaid(g.period) else "guarantee_default"
        p = statutory_period(kind, anchor, facts=facts, guarantee=True)
        period = p.end
        described = "约定至主债务本息还清时为止（视为约定不明）" if kind == "guarantee_until_repaid" else "未约定（法定期间）"
        first = period_link(p, anchor, f"{anchor_text}；保证期间{described}")
    chain = [first]
    later = None
    accel = sorted(e.date for e in case.events if e.kind is EventKind.acceleration and e.date <= as_of
                   and (not e.loans or set(e.loans) & set(g.secures)))
    if accel and accel[0] < anchor and g.maximum_amount is None and agreed_end_date(g.period) is None:
        # some courts run the period from the accelerated due date: the earlier end is the safe one
        early = _agreed_period(g, accel[0], [])
        early_end = early[0] if agreed is not None and early is not None else (
            statutory_period("guarantee_until_repaid" if until_repaid(g.period) else "guarantee_default", accel[0],
                             facts=facts, guarantee=True).end)
        if early_end.date < period.date:
            later, period = period.date, early_end
            notes.append(f"宣布提前到期（{accel[0]}）：部分法院自提前到期日起算保证期间，以{period.date}为安全日期；"
                         f"自原到期日起算为{later}")
            chain.append(Link(accel[0], "宣布提前到期（保证期间的安全起算点）", (), first.rule, first.rule_id, first.governed_on))
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
            # the suit against the debtor ended without a judgment (a withdrawal against the guarantor
            # alone leaves it standing)
            ended = [x for x in case.events if x.kind in (EventKind.suit_withdrawn, EventKind.suit_dismissed,
                                                          EventKind.suit_not_accepted) and e.date <= x.date <= as_of
                     and (not x.parties or set(x.parties) & borrowers)]
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
    clocks = [Clock("guarantee_period", g.guarantor, period.date, later or period.alternative_date, status,
                    period.provisional, chain, notes + roll_note(period))]
    if kept_by is not None:
        clocks += _guarantor_limitation(case, g, mode, kept_by, borrowers, as_of, facts)
    return clocks


def _guarantor_limitation(case: Case, g: Guarantee, mode: GuaranteeKind, kept_by: Event, borrowers: set[str],
                          as_of: dt.date, facts: dict) -> list[Clock]:
    """The guarantor's own limitation (保证债务诉讼时效), by the law of the guarantee's date."""
    start = rule_for("security", "guarantor_limitation_start", facts)
    link_rule = rule_for("security", "guarantee_interruption", facts)
    if mode is GuaranteeKind.joint:
        due = max(l.maturity for l in case.loans if l.id in g.secures)
        notes = [link_rule.row["notes"]]
        if kept_by.date < due:  # a claim before the debt is due starts nothing before it is
            notes.append(f"{kept_by.date}的请求早于主债务履行期限届满（{due}），保证债务诉讼时效自届满之日起算")
        return [_own_limitation(case, g, kept_by, max(kept_by.date, due), "债权人请求保证人承担保证责任 -> 保证债务诉讼时效起算",
                                start.row["joint"], start.id, as_of, notes)]
    if start.row["general_start"] == "judgment_effective":
        judged = [e for e in case.events if e.kind is EventKind.judgment_effective and e.date <= as_of
                  and (not e.parties or set(e.parties) & borrowers)]
        if judged:
            notes = []
            if link_rule.row.get("general"):
                notes.append(f"主债务诉讼时效中断的，一般保证的保证债务诉讼时效同时中断（{link_rule.citation}）")
            return [_own_limitation(case, g, judged[0], judged[0].date, "对债务人的判决生效 -> 一般保证的保证债务诉讼时效起算",
                                    start.row["general"], start.id, as_of, notes)]
    if start.row["general_start"] == "judgment_effective":
        why = f"未计算：一般保证的保证债务诉讼时效自对债务人的判决生效之日起算（{start.row['general']}），判决尚未生效"
    else:
        why = (f"未计算：一般保证的保证债务诉讼时效自保证人拒绝承担保证责任的权利消灭之日起算（{start.row['general']}），"
               "请记录终结本次执行裁定送达等事件后复核")
    return [Clock("guarantor_limitation", g.guarantor, None, None, "undetermined", False,
                  [Link(kept_by.date, "对债务人提起诉讼（一般保证）", tuple(kept_by.evidence), start.row["general"], start.id, g.signed_on)],
                  [why])]


def _own_limitation(case: Case, g: Guarantee, event: Event, anchor: dt.date, text: str, cite: str, rule_id: str,
                    as_of: dt.date, notes: list[str]) -> Clock:
    """The guarantor's own limitation from ``anchor``, restarted by each later demand to, or
    acknowledgment or suit by or against, the guarantor (民法典 art 195 and its predecessors):
    the guarantee debt's limitation is tracked on its own."""
    p = statutory_period("limitation", anchor)
    run = Run(p, [Link(anchor, text, tuple(event.evidence), f"{cite}；{p.citation}", rule_id, g.signed_on)],
              notes=list(notes), provisional=p.end.provisional)
    seeded = {EventKind.suit_filed: (event.date, label(event))} if event.kind is EventKind.suit_filed else {}
    run.satisfied = bool(seeded)
    run = run_interruptions(case, run, kind="limitation", anchor=anchor, obligors={g.guarantor}, as_of=as_of,
                            payments=False, named_only=True, strictly_after=True, pending=seeded,
                            extra={EventKind.guarantee_demand_delivered: "demand"})
    events = [e for e in case.events if e.date <= as_of and (not e.parties or g.guarantor in e.parties)]
    end, provisional = suspend(events, run.end, run.provisional, run.chain)
    return Clock("guarantor_limitation", g.guarantor, end.date, end.alternative_date, status_on(end.date, as_of, run.satisfied),
                 provisional, run.chain, run.notes + roll_note(end))


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
