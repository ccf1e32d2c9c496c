"""Clocks of the security: guarantee periods (保证期间) with release and the guarantor's own
limitation, and the period to enforce collateral, by the law of each security contract's date
(担保法, 担保法解释 and 物权法 before 2021-01-01; 民法典 and 担保制度解释 after)."""

from __future__ import annotations

import datetime as dt
import re

from legaldocs.case.model import Case, Collateral, Event, EventKind, Guarantee, GuaranteeKind
from legaldocs.deadlines.chain import Clock, Link, period_link, roll_note, status_on
from legaldocs.errors import RuleNotFoundError
from legaldocs.law.periods import PeriodEnd, add_period, period_end
from legaldocs.law.rules import rule_for
from legaldocs.law.statutory import computation_citation, statutory_period

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
        first = period_link(p, anchor, f"{anchor_text}；保证期间{described}")
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
                    period.provisional, chain, notes + roll_note(period))]
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
                      status_on(p.end.date, as_of, False), p.end.provisional, chain, notes + roll_note(p.end))]
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
                          status_on(p.end.date, as_of, False), p.end.provisional, chain, notes + roll_note(p.end))]
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
