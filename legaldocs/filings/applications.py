"""Applications after the complaint (申请书), each built from one
:class:`~legaldocs.filings.filing.Filing`: property preservation (财产保全申请书) with its list of
property leads (财产线索清单), renewal of seizures (续行查封（冻结、扣押）申请书) and the narrative
enforcement application (申请执行书, 2016 样式).

**Preservation** (财产保全规定 art 1; 民事诉讼法 2023 arts 103, 104): the applicant and every
respondent with the identity elements and contact details; the request, to seize, detain or
freeze (查封、扣押、冻结) the respondents' property up to the amount (default the amount in
dispute, "以…元为限"), naming each property lead; facts and reasons from the case (in suit: the
suit, its parties, cause and amount; before suit: the urgency the bank states); the security
offered, or for an in-suit application by a commercial bank or its branch the reason none is
needed (财产保全规定 art 9 ¶1 item 6). A pre-suit application must offer security of the full
amount (民事诉讼法 2023 art 104 ¶1; 财产保全规定 art 5 ¶2): without it the filing carries a
``blocking`` review item. Before suit, the applicant must sue within 30 days of the measure
(art 104 ¶3; the length is the rule of ``periods.toml`` for the application date).

The 财产线索清单 is its own template (``property_leads.docx``): the same table serves the
preservation and the enforcement stage (执行工作若干问题的规定 item 18: what the applicant knows
of the debtor's property), it is listed in the application's 附 and uploaded on its own in
online filing, and its wide table reads better apart from the narrative.

**Renewal** (民诉法解释 2022 art 485; 财产保全规定 art 18): one line per measure (the ``查封冻结``
events, the latest per property): the property, the ruling, the start (``executed_on`` or the
event date), the current expiry from the deadline engine's ``seizure_expiry`` clock, and the
renewal asked for: the longest term the rule of the renewal's first day allows (deposits 1 year,
movables 2 years, real property and other rights 3 years in 2022; ``periods.toml``). An
application less than 7 days before expiry is a ``blocking`` review item; a measure already
expired is a ``check``.

**Enforcement** (民事诉讼法 2023 arts 247, 250, 264; 执行工作若干问题的规定 items 16, 18; 法释〔2014〕8号):
the applicant with its account for payment, the respondents (``judgment.respondents``, default
every defendant), the judgment relied on, and requests that match the money the judgment awards:
principal, interest to ``interest_until`` and as it runs on; the doubled part of the interest for
delayed performance (:func:`delay_interest`: base = the money debt other than general interest =
``judgment.principal`` + ``judgment.costs``, × the daily rate of ``interest.toml`` (0.0175 %) from
the day after ``judgment.performance_due`` to the application date, and on until payment);
guarantors' liability and priority over collateral as adjudged; enforcement costs. The 2-year
application period (art 250) is the deadline engine's ``enforcement_application`` clock: past it,
a ``blocking`` review item.

:func:`enforcement_requests` and :func:`delay_interest` are shared with the element-style form.
Article numbers come from the rule tables for the date of the application; amounts are Decimal
元 written with :func:`~legaldocs.filings.claimed.money`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from legaldocs.case.model import (
    Event,
    EventKind,
    GuaranteeKind,
    Judgment,
    Preservation,
    PropertyLead,
)
from legaldocs.chinese import date_in_chinese, format_amount, money_text, percent
from legaldocs.deadlines.chain import Clock
from legaldocs.deadlines.procedure import procedure_clocks, seizure_clocks
from legaldocs.errors import CaseValidationError, LegalDocsError, RuleAbsentError, RuleNotFoundError
from legaldocs.filings.claimed import CAUSE_OF_ACTION, money, ordinal
from legaldocs.filings.complaint import agent_lines, creditor_lines, defendant_lines, resolved_mode
from legaldocs.filings.filing import Defendant, Filing, ReviewItem, party_roles
from legaldocs.law.periods import add_period
from legaldocs.law.rules import rule_for, rule_in_force
from legaldocs.money.delay import DelayInterest
from legaldocs.money.delay import delay_interest as _delay_interest

__all__ = [
    "DOCUMENTS",
    "Measure",
    "delay_interest",
    "delay_interest_text",
    "enforcement_base",
    "enforcement_context",
    "enforcement_period",
    "enforcement_requests",
    "enforcement_respondents",
    "is_financial_institution",
    "lead_line",
    "preservation_context",
    "preservation_of",
    "preservation_respondents",
    "property_leads_context",
    "renewal_context",
    "seizure_measures",
]

# Names of the institutions 财产保全规定 art 9 ¶1 item 6 means: commercial banks, insurers and the
# other financial institutions set up with the approval of the financial regulators, and their
# branches (a rural credit cooperative and an asset management company are such institutions).
FINANCIAL_WORDS = ("银行", "信用合作社", "信用社", "保险", "金融资产管理")

LEAD_KINDS = {  # kind -> (name in the list, measure, what its identifier is)
    "bank_account": ("银行存款", "冻结", "账号"),
    "real_property": ("不动产", "查封", "权属证书号"),
    "vehicle": ("机动车", "查封、扣押", "号牌号码"),
    "equity": ("股权", "冻结", "公司及持股比例"),
    "receivable": ("到期债权", "冻结", "凭证"),
    "other": ("其他财产", "查封、扣押、冻结", "识别信息"),
}
ASSET_MEASURES = {"deposit": "冻结", "movable": "查封、扣押", "real_property": "查封", "other_right": "冻结"}
SECURITY_NAMES = {"保全责任保险": "诉讼财产保全责任保险保单保函", "银行保函": "保函", "担保书": "担保书",
                  "现金": "保证金", "财产": "担保财产"}
DOCUMENT_NAMES = {"判决书": "民事判决书", "调解书": "民事调解书", "裁定书": "民事裁定书", "支付令": "支付令",
                  "仲裁裁决书": "仲裁裁决书", "公证债权文书": "具有强制执行效力的公证债权文书"}
DELAY_INTERPRETATION = "《最高人民法院关于执行程序中计算迟延履行期间的债务利息适用法律若干问题的解释》第一条"


# --- shared -----------------------------------------------------------------------------------------


def _add_review(filing: Filing, items: list[ReviewItem]) -> None:
    """Append review items to the filing once (a context may be built more than once)."""
    for item in items:
        if item not in filing.review:
            filing.review.append(item)


def _statute(kind: str, on: dt.date):
    """The row of ``statutes.toml`` of ``kind`` for an application made on ``on``, or None when
    the law of that day had no such rule."""
    try:
        return rule_for("statutes", kind, {"application_date": on}).row
    except RuleNotFoundError:
        return None


_CITATION = re.compile(r"^(.+?)((?:（[^）]*）)?(?:第.*)?)$")


def _cite(citation: str) -> str:
    """A citation from the rule tables as written in a document: the title of a judicial
    interpretation in 《》 (a title inside it in 〈〉): '最高人民法院关于适用《中华人民共和国民事诉讼法》的
    解释（2022年修正）第四百八十五条' -> '《最高人民法院关于适用〈中华人民共和国民事诉讼法〉的解释》（2022年修正）第四百八十五条'."""
    if citation.startswith("《"):
        return citation
    m = _CITATION.match(citation)
    name, rest = (m.group(1), m.group(2)) if m else (citation, "")
    return "《" + name.replace("《", "〈").replace("》", "〉") + "》" + rest


@dataclass(frozen=True)
class _Parties:
    """Respondents in the shape :func:`~legaldocs.filings.complaint.defendant_lines` reads."""

    defendants: tuple[Defendant, ...]


def _resolve(filing: Filing, refs: list[str], role: str) -> tuple[Defendant, ...]:
    """The parties ``refs`` (in that order, each once) labelled ``role`` (被申请人, or 被申请人一,
    被申请人二 … when there are several), with their roles in the case."""
    refs = list(dict.fromkeys(refs))
    roles = party_roles(filing.recorded)
    out = []
    for i, ref in enumerate(refs):
        d = filing.defendant(ref)
        party = d.party if d else filing.recorded.parties[ref]
        label = role if len(refs) == 1 else f"{role}{ordinal(i + 1)}"
        out.append(Defendant(ref, party, d.roles if d else tuple(roles.get(ref, ())), label))
    return tuple(out)


def _lines(parties: tuple[Defendant, ...]) -> list[str]:
    return defendant_lines(_Parties(parties))


def _named(parties: tuple[Defendant, ...]) -> str:
    """'被申请人陈立' or '被申请人一陈立、被申请人二上海恒远贸易有限公司'."""
    return "、".join(f"{d.label}{d.name}" for d in parties)


def _all(parties: tuple[Defendant, ...], role: str) -> str:
    """'被申请人' for one, '各被申请人' for several."""
    return role if len(parties) == 1 else f"各{role}"


def is_financial_institution(filing: Filing) -> bool:
    """The creditor is a commercial bank, insurer or other financial institution set up with the
    regulators' approval, or a branch of one (财产保全规定 art 9 ¶1 item 6), read from its name."""
    return any(w in filing.case.creditor.name for w in FINANCIAL_WORDS)


def _applicant_lines(filing: Filing, role: str, *, account: bool = False) -> list[str]:
    """The creditor as ``role`` with its representative, its address for service and, for
    enforcement, its account for payment (收款账户)."""
    cr = filing.case.creditor
    lines = creditor_lines(filing.case, role)
    if cr.service:
        s = cr.service
        text = f"送达地址：{s.address}" + (f"（邮编：{s.postcode}）" if s.postcode else "") + f"，收件人：{s.recipient}，联系电话：{s.phone}"
        lines.append(text + "。")
    if account and cr.account:
        a = cr.account
        lines.append(f"收款账户：开户名{a.name}，账号{a.number}，开户行{a.bank}。")
    return lines


def _leads(filing: Filing, owners: tuple[Defendant, ...]) -> list[tuple[PropertyLead, Defendant]]:
    by_id = {d.id: d for d in owners}
    return [(lead, by_id[lead.owner]) for lead in filing.case.property_leads if lead.owner in by_id]


def lead_line(lead: PropertyLead, owner: Defendant, *, measure: bool = True) -> str:
    """One property lead as a request line: '冻结被申请人陈立名下在…开立的账户内的存款（账号：…）',
    or without the measure as a description ('被执行人陈立名下…'); its value when known."""
    name, verb, label = LEAD_KINDS[lead.kind]
    text = (verb if measure else "") + f"{owner.label}{owner.name}名下{lead.description}"
    if lead.identifier:
        text += f"（{label}：{lead.identifier}）"
    if lead.value:
        text += f"，价值约{money_text(lead.value)}"
    return text


def _lead_rows(leads: list[tuple[PropertyLead, Defendant]]) -> list[dict]:
    return [{"number": i, "owner": f"{owner.label}{owner.name}", "kind": LEAD_KINDS[lead.kind][0],
             "description": lead.description, "identifier": lead.identifier or "",
             "value": format_amount(lead.value) if lead.value else "不详"}
            for i, (lead, owner) in enumerate(leads, start=1)]


def _leads_left_out(filing: Filing, owners: tuple[Defendant, ...], role: str) -> list[ReviewItem]:
    ids = {d.id for d in owners}
    out = []
    for i, lead in enumerate(filing.case.property_leads):
        if lead.owner not in ids:
            name = filing.recorded.parties[lead.owner].name
            out.append(ReviewItem("check", "财产线索", f"{name}名下的{lead.description}未列入：{name}不是{role}",
                                  f"只能对{role}的财产采取措施；如需对其财产采取措施，请将其列为{role}",
                                  f"property_leads[{i}].owner"))
    return out


def _events(filing: Filing, kind: EventKind) -> list[Event]:
    return sorted((e for e in filing.case.events if e.kind is kind), key=lambda e: e.date)


def _signature(filing: Filing, role: str = "申请人") -> dict:
    """The addressee and the signature block: the court after 此致, the applicant as ``role`` with
    its representative's role (负责人, 法定代表人), the date."""
    cr = filing.case.creditor
    return {"applicant_role": role, "applicant_name": cr.name, "representative_role": cr.role,
            "court": filing.case.court, "date_cn": date_in_chinese(filing.filing_date)}


def _loan_paragraphs(filing: Filing, who: str) -> list[str]:
    """The loans, their security and the default, told from the case as the applicant ``who``
    (申请人, 申请执行人)."""
    case, t = filing.case, filing.totals
    out = []
    for loan in case.loans:
        borrowers = "、".join(filing.recorded.parties[r].name for r in loan.borrowers)
        text = (f"{date_in_chinese(loan.signed_on)}，{who}与{borrowers}签订《{loan.title}》（编号：{loan.number}），"
                f"约定{who}向{borrowers}提供借款{money_text(loan.principal, loan.currency)}。{who}依约发放借款"
                f"{money_text(loan.disbursed, loan.currency)}，最后一笔借款的到期日为{date_in_chinese(loan.maturity)}。")
        security = []
        for g in case.guarantees:
            if loan.id in g.secures:
                security.append(f"{filing.recorded.parties[g.guarantor].name}签订《{g.title}》（编号：{g.number}）提供"
                                f"{resolved_mode(g).value if resolved_mode(g) is not GuaranteeKind.unspecified else '保证'}")
        for c in case.collateral:
            if loan.id in c.secures:
                kind = "抵押" if c.kind == "mortgage" else "质押"
                security.append(f"{filing.recorded.parties[c.owner].name}以其名下{c.description}提供{kind}担保"
                                + (f"（登记证明号：{c.certificate_number}）" if c.certificate_number and c.registration_kind != "未登记" else ""))
        if security:
            text += "为担保上述借款，" + "；".join(security) + "。"
        out.append(text)
    borrowers = "、".join(filing.recorded.parties[r].name for r in case.borrower_ids())
    parts = [f"借款本金{money_text(t.principal, t.currency)}"]
    parts += [f"{n}{money_text(v, t.currency)}" for n, v in (("利息", t.interest), ("罚息", t.penalty_interest),
                                                            ("复利", t.compound_interest)) if v]
    owed = (f"借款发放后，{borrowers}未按约定履行还本付息义务。截至{date_in_chinese(t.as_of)}，{borrowers}尚欠{who}"
            + "、".join(parts) + (f"，合计{money_text(t.debt, t.currency)}" if len(parts) > 1 else "") + "。")
    demands = [e for e in case.events if e.kind in (EventKind.demand_delivered, EventKind.guarantee_demand_delivered,
                                                    EventKind.acceleration)]
    for e in sorted(demands, key=lambda e: e.date):
        whom = "、".join(filing.recorded.parties[p].name for p in e.parties if p in filing.recorded.parties)
        what = {EventKind.demand_delivered: "送达《催收通知书》", EventKind.guarantee_demand_delivered: "送达《履行保证责任通知书》",
                EventKind.acceleration: "宣布借款提前到期"}[e.kind]
        owed += f"{date_in_chinese(e.date)}，{who}" + (f"向{whom}" if whom else "") + what + (f"（{e.note}）" if e.note else "") + "。"
    if demands:
        owed += "经催收，至今未予清偿。"
    out.append(owed)
    return out


# --- preservation (财产保全申请书) -------------------------------------------------------------------


def preservation_of(filing: Filing) -> Preservation:
    """The case's preservation request, or one by default: in suit unless the case records an
    application for preservation (申请财产保全) before any suit (then before suit)."""
    if filing.case.preservation is not None:
        return filing.case.preservation
    applied = _events(filing, EventKind.preservation_applied)
    suits = [e.date for e in _events(filing, EventKind.suit_filed)]
    before = bool(applied) and not any(s <= applied[-1].date for s in suits)
    return Preservation(stage="before_suit" if before else "in_suit")


def preservation_respondents(filing: Filing) -> tuple[Defendant, ...]:
    """被申请人: ``preservation.respondents`` in order, default every defendant of the filing."""
    p = preservation_of(filing)
    return _resolve(filing, p.respondents or [d.id for d in filing.defendants], "被申请人")


def _preservation_amount(filing: Filing, p: Preservation) -> Decimal:
    t = filing.totals
    return p.amount or (t.total if t.currency == "CNY" else t.fee_base)


def _preservation_requests(respondents, leads, amount: Decimal) -> tuple[str, list[str], str]:
    """(request, one line per property lead, what follows the lines)."""
    who = _named(respondents)
    if not leads:
        return f"请求依法查封、扣押、冻结{who}名下价值{money(amount)}的财产，以{money_text(amount)}为限。", [], ""
    request = f"请求依法查封、扣押、冻结{who}名下价值{money(amount)}的财产，以{money_text(amount)}为限，具体为："
    lines = [lead_line(lead, owner) + "；" for lead, owner in leads]
    lines[-1] = lines[-1].rstrip("；") + "。"
    rest = f"上述财产价值不足{money_text(amount)}的，请求查封、扣押、冻结{_all(respondents, '被申请人')}名下其他相应价值的财产。"
    return request, lines, rest


def _security(filing: Filing, p: Preservation, amount: Decimal) -> tuple[str, list[ReviewItem]]:
    """The security paragraph and its review items (民事诉讼法 2023 arts 103, 104; 财产保全规定 arts
    5, 9)."""
    on = filing.filing_date
    rules = _statute("preservation_security", on)
    review: list[ReviewItem] = []
    before = p.stage == "before_suit"
    law = _statute("preservation_before_suit", on) if before else None
    if p.security:
        provider = p.security_provider or ("申请人" if p.security in ("现金", "财产") else None)
        what = SECURITY_NAMES[p.security]
        text = "申请人" + (f"提供{provider}出具的{what}" if provider and provider != "申请人" else f"以{what}")
        if p.security_document:
            text += f"（编号：{p.security_document}）"
        secured = p.security_amount
        text += f"为本次保全提供担保，担保数额为{money(secured)}。" if secured else "为本次保全提供担保。"
        if not secured:
            review.append(ReviewItem("check", "保全担保", "保全担保未写明担保数额",
                                     "担保数额应与法院要求一致（诉前保全应相当于请求保全数额）", "preservation.security_amount"))
        elif before and secured < amount:
            review.append(ReviewItem(
                "blocking", "保全担保",
                f"诉前保全的担保数额{money_text(secured)}低于请求保全数额{money_text(amount)}",
                "申请诉前财产保全，应当提供相当于请求保全数额的担保；不提供担保的，裁定驳回申请",
                "；".join(x for x in ((law or {}).get("security"), (rules or {}).get("before_suit")) if x)))
        if not provider:
            review.append(ReviewItem("check", "保全担保", f"{p.security}未写明出具人",
                                     "担保书、保函、保单应写明出具的机构", "preservation.security_provider"))
        return text, review
    if before:
        review.append(ReviewItem(
            "blocking", "保全担保", "诉前财产保全申请没有提供担保",
            "诉前保全申请人应当提供担保（一般相当于请求保全数额），不提供担保的，人民法院裁定驳回申请；"
            "金融机构免予担保的规定只适用于诉讼中的保全",
            "；".join(x for x in ((law or {}).get("security") or "民事诉讼法第一百零四条第一款",
                                  (rules or {}).get("before_suit")) if x)))
        return f"申请人将按照贵院的要求，提供相当于请求保全数额{money_text(amount)}的担保。", review
    if rules and is_financial_institution(filing):
        branch = filing.case.creditor.role == "负责人"
        kind = "商业银行" if "银行" in filing.case.creditor.name else "金融机构"
        text = (f"申请人系经金融监管部门批准设立的{kind}{'的分支机构' if branch else ''}，具有独立偿付债务的能力，"
                f"依照{_cite(rules['bank_exemption'])}的规定，请求贵院不要求申请人提供担保。")
        return text, review
    cap = (rules or {}).get("in_suit")
    review.append(ReviewItem(
        "check", "保全担保", "诉讼中财产保全未提供担保",
        "人民法院可以责令申请人提供担保（不超过请求保全数额的百分之三十）；申请人不是可免予担保的金融机构"
        if rules else "申请之日尚无金融机构免予担保的司法解释规定，人民法院可以责令申请人提供担保",
        cap or "民事诉讼法关于诉讼中财产保全的规定"))
    return "如贵院责令提供担保，申请人将按照贵院的要求提供担保。", review


def _preservation_facts(filing: Filing, p: Preservation, respondents) -> tuple[list[str], list[ReviewItem]]:
    case, t = filing.case, filing.totals
    on = filing.filing_date
    review: list[ReviewItem] = []
    who = _all(respondents, "被申请人")
    if p.stage == "in_suit":
        suits = [e for e in _events(filing, EventKind.suit_filed)]
        opening = f"申请人{case.creditor.name}与{filing.defendant_names}{CAUSE_OF_ACTION}一案"
        if suits:
            s = suits[-1]
            opening += (f"（案号：{s.case_number}）" if s.case_number else "") + f"，申请人已于{date_in_chinese(s.date)}向贵院提起诉讼"
        else:
            opening += "，申请人已向贵院提起诉讼"
        borrowers = "、".join(filing.recorded.parties[r].name for r in case.borrower_ids())
        opening += (f"，请求判令{borrowers}偿还借款本金{money_text(t.principal, t.currency)}及利息等，"
                    f"诉讼标的额暂计至{date_in_chinese(t.as_of)}合计{money(t.total, t.currency)}。")
        out = [opening, *_loan_paragraphs(filing, "申请人")]
        rule = _statute("preservation_in_suit", on)
        reason = (p.reason.rstrip("。") + "。") if p.reason else ""
        out.append(reason + f"为防止{who}转移、隐匿、处分财产，致使将来的判决难以执行或者造成申请人其他损害，"
                    f"申请人依照{rule['citation'] if rule else '民事诉讼法关于诉讼中财产保全的规定'}的规定，向贵院申请财产保全。")
        return out, review
    opening = (f"申请人{case.creditor.name}与{filing.defendant_names}因{CAUSE_OF_ACTION}发生争议，申请人将向有管辖权的人民法院提起诉讼。"
               f"截至{date_in_chinese(t.as_of)}，申请人主张的债权合计{money(t.total, t.currency)}。")
    out = [opening, *_loan_paragraphs(filing, "申请人")]
    rule = _statute("preservation_before_suit", on)
    if p.reason:
        urgency = p.reason.rstrip("。") + "。情况紧急，不立即申请保全将会使申请人的合法权益受到难以弥补的损害。"
    else:
        urgency = "情况紧急，不立即申请保全将会使申请人的合法权益受到难以弥补的损害。"
        review.append(ReviewItem("check", "保全理由", "诉前保全申请没有写明情况紧急的具体事实",
                                 "诉前保全须以情况紧急、不立即保全将使合法权益受到难以弥补的损害为条件；请在 preservation.reason 写明"
                                 "（如被申请人正在转移、处分财产）", rule["citation"] if rule else "preservation.reason"))
    if rule is None:
        review.append(ReviewItem("blocking", "保全", f"{date_in_chinese(on)}适用的民事诉讼法没有诉前财产保全的规定",
                                 "诉前财产保全自1991年民事诉讼法起才有规定", "statutes.preservation_before_suit"))
    out.append(urgency + f"申请人依照{rule['citation'] if rule else '民事诉讼法'}的规定，在起诉前向贵院申请财产保全。")
    return out, review


def _suit_deadline(filing: Filing) -> tuple[str, str]:
    """The days to sue after a pre-suit measure and their citation (periods.toml, by the date of
    the application)."""
    try:
        row = rule_for("periods", "suit_after_preservation", {"ruling_date": filing.filing_date}).row
    except RuleNotFoundError:
        return "", ""
    return f"{ordinal(int(row['amount']))}日", row["citation"]


def preservation_context(filing: Filing, extras=None) -> dict:
    """Variables of ``templates/preservation.docx`` (财产保全申请书; 财产保全规定 art 1; 民事诉讼法
    2023 arts 103, 104; 2016 样式 申请书（申请诉讼财产保全用 / 诉前财产保全用）) for ``filing``.

    ``extras``: the stage's :class:`~legaldocs.filings.stages.Extras` (its ``attachments``, the
    documents the packet attaches, are listed under 附). Appends review items to
    ``filing.review`` (a pre-suit application without security is ``blocking``). Raises nothing
    beyond what building the filing raised.
    """
    p = preservation_of(filing)
    respondents = preservation_respondents(filing)
    amount = _preservation_amount(filing, p)
    leads = _leads(filing, respondents)
    request, property_lines, request_rest = _preservation_requests(respondents, leads, amount)
    facts, review = _preservation_facts(filing, p, respondents)
    security, more = _security(filing, p, amount)
    review += more + _leads_left_out(filing, respondents, "被申请人")
    before = p.stage == "before_suit"
    deadline = ""
    if before:
        days, cite = _suit_deadline(filing)
        if days:
            deadline = f"申请人将在贵院采取保全措施后{days}内依法提起诉讼或者申请仲裁（{cite}）。"
    if not leads:
        review.append(ReviewItem(
            "check" if before else "note", "财产线索", "没有列明被申请人的财产或财产线索",
            "申请书应当写明明确的被保全财产信息或者具体的财产线索；诉讼中确实无法提供明确信息的，可以提供具体的财产线索",
            "财产保全规定第一条第一款第四项、第十条；property_leads"))
    if amount > filing.totals.fee_base and p.amount:
        review.append(ReviewItem("check", "保全数额", f"请求保全数额{money_text(amount)}超过诉讼请求的数额"
                                 f"{money_text(filing.totals.fee_base)}", "保全范围应当限于请求的范围，超标的查封可能被裁定解除",
                                 "preservation.amount"))
    _add_review(filing, review)
    attachments = []
    if not before:
        attachments.append("民事起诉状副本（或受理案件通知书）1份")
    else:
        attachments.append("证明债权的证据材料")
    if p.security:
        attachments.append(f"{SECURITY_NAMES[p.security]}" + (f"（编号：{p.security_document}）" if p.security_document else "") + "1份")
    produced = list(getattr(extras, "attachments", None) or (["财产线索清单1份"] if leads else []))
    attachments += [a for a in produced if a not in attachments]
    return {
        "title": "诉前财产保全申请书" if before else "财产保全申请书",
        "applicant_lines": _applicant_lines(filing, "申请人"),
        "agent_lines": agent_lines(filing.case),
        "respondent_lines": _lines(respondents),
        "request": request,
        "property_lines": property_lines,
        "request_rest": request_rest,
        "facts": facts,
        "security": security,
        "deadline": deadline,
        "attachments": attachments,
        **_signature(filing),
    }


def property_leads_context(filing: Filing, extras=None) -> dict:
    """Variables of ``templates/property_leads.docx`` (财产线索清单; 财产保全规定 arts 1, 10;
    执行工作若干问题的规定 item 18): one row per lead whose owner is a respondent (被申请人, or
    被执行人 at the enforcement stage: ``extras.stage``)."""
    enforcement = getattr(extras, "stage", None) == "enforcement"
    if enforcement:
        respondents, role, applicant = enforcement_respondents(filing), "被执行人", "申请执行人"
    else:
        respondents, role, applicant = preservation_respondents(filing), "被申请人", "申请人"
    leads = _leads(filing, respondents)
    _add_review(filing, _leads_left_out(filing, respondents, role))
    return {
        "case_title": f"{filing.case.creditor.name}与{filing.defendant_names}{CAUSE_OF_ACTION}",
        "respondent_role": role,
        "respondent_names": "、".join(d.name for d in respondents),
        "leads": _lead_rows(leads),
        **_signature(filing, applicant),
    }


# --- renewal of seizures (续行查封（冻结、扣押）申请书) ---------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """One seizure or freeze to renew: the ``event`` (查封冻结), what is seized (``property``), the
    ``measure`` (查封, 冻结 …), the ruling it executes, its ``start`` (day carried out), its
    current ``expiry`` (the deadline engine's seizure_expiry clock; None when the asset kind is
    not given), and the renewal asked for: from ``renewal_from`` to ``renewal_to``, ``term`` in
    words, ``cap_citation``; ``lead_days`` (days before expiry the application is due, 财产保全规定
    art 18) and ``days_left`` (expiry − application date)."""

    event: Event
    property: str
    measure: str
    ruling: str | None
    start: dt.date
    expiry: dt.date | None
    renewal_from: dt.date | None
    renewal_to: dt.date | None
    term: str
    cap_citation: str
    lead_days: int
    lead_citation: str
    days_left: int | None


def _term_words(amount: int, unit: str) -> str:
    return f"{ordinal(amount)}" + {"years": "年", "months": "个月", "days": "日"}[unit]


def seizure_measures(filing: Filing) -> list[Measure]:
    """The measures to renew: every ``查封冻结`` event up to the application date (a later one of
    the same property replaces an earlier: it is the renewal already made), oldest first."""
    on = filing.filing_date
    latest: dict[str, Event] = {}
    for i, e in enumerate(_events(filing, EventKind.seizure)):
        latest[e.property or f"#{i}"] = e
    rulings = _events(filing, EventKind.preservation_ruling)
    out = []
    for e in sorted(latest.values(), key=lambda e: (e.executed_on or e.date, e.date)):
        start = e.executed_on or e.date
        ruling = e.case_number or next((r.case_number for r in reversed(rulings) if r.date <= e.date and r.case_number), None)
        expiry = renewal_from = renewal_to = None
        term, cap_citation, lead_days, lead_citation = "", "", 0, ""
        if e.asset is not None:
            try:
                clocks = seizure_clocks(e, on)
            except RuleNotFoundError:
                clocks = []
            expiry = next((c.date for c in clocks if c.kind == "seizure_expiry"), None)
            if expiry is not None:
                renewal_from = expiry + dt.timedelta(days=1)
                try:
                    cap = rule_for("periods", f"seizure_{e.asset}", {"measure_date": renewal_from}).row
                    amount, unit = int(cap["amount"]), cap["unit"]
                    renewal_to = add_period(renewal_from, amount, unit) - dt.timedelta(days=1)
                    term, cap_citation = _term_words(amount, unit), cap["citation"]
                except RuleNotFoundError:
                    renewal_from = None
                try:
                    lead = rule_for("periods", "seizure_renewal_lead", {"expiry_date": expiry}).row
                    lead_days, lead_citation = int(lead["amount"]), lead["citation"]
                except RuleNotFoundError:
                    pass
        out.append(Measure(e, e.property or e.note or "", ASSET_MEASURES.get(e.asset or "", "查封、扣押、冻结"), ruling,
                           start, expiry, renewal_from, renewal_to, term, cap_citation, lead_days, lead_citation,
                           (expiry - on).days if expiry else None))
    return out


def _measure_review(filing: Filing, m: Measure, index: int) -> list[ReviewItem]:
    where = f"events（查封冻结，{m.start}）"
    what = f"{m.measure}{m.property or '（未写明财产）'}"
    out = []
    if not m.property:
        out.append(ReviewItem("check", "续行查封", f"{m.start}实施的{m.measure}措施未写明被查封、冻结的财产",
                              "续行申请应逐项写明财产名称及账号、证号等识别信息", f"{where}.property"))
    if not m.ruling:
        out.append(ReviewItem("check", "续行查封", f"{what}未写明所依据的裁定书文号",
                              "续行申请应写明原保全（执行）裁定书的文号", f"{where}.case_number"))
    if m.expiry is None:
        out.append(ReviewItem("check", "续行查封", f"{what}的期限届满日无法计算：未注明财产类别",
                              "查封、扣押、冻结的期限依财产类别而定；请以协助执行通知书载明的期限为准并在 asset 中注明",
                              f"{where}.asset"))
        return out
    if m.days_left is not None and m.days_left < 0:
        out.append(ReviewItem("check", "续行查封", f"{what}已于{date_in_chinese(m.expiry)}届满，申请日为"
                              f"{date_in_chinese(filing.filing_date)}",
                              "期限届满未续行的，查封、冻结效力消灭，不能再续行，应重新申请查封、冻结；如法院已依职权续行，请录入续行后的查封冻结事件",
                              m.cap_citation or "民诉法解释第四百八十五条"))
    elif m.lead_days and m.days_left is not None and m.days_left < m.lead_days:
        out.append(ReviewItem("blocking", "续行查封", f"{what}将于{date_in_chinese(m.expiry)}届满，申请日"
                              f"{date_in_chinese(filing.filing_date)}距届满不足{ordinal(m.lead_days)}日",
                              f"续行保全应当在保全期限届满{ordinal(m.lead_days)}日前提出；逾期申请的，自行承担不能续行的后果：请立即提交并与承办法官联系",
                              m.lead_citation))
    if m.renewal_from is None:
        out.append(ReviewItem("check", "续行查封", f"{what}续行期限无法依规定确定",
                              "续行期限以法院裁定为准", m.cap_citation or "periods.toml"))
    return out


def _stage_of(filing: Filing) -> str:
    if _events(filing, EventKind.enforcement_applied):
        return "enforcement"
    if filing.case.judgment is not None or _events(filing, EventKind.judgment_effective):
        return "judgment"
    return "suit"


def renewal_context(filing: Filing, extras=None) -> dict:
    """Variables of ``templates/seizure_renewal.docx`` (续行查封（冻结、扣押）申请书; 民诉法解释 2022
    art 485; 财产保全规定 art 18) for ``filing``: the case numbers, one line per measure with its
    current term and the renewal asked for, the case's status and the reason.

    Appends review items to ``filing.review`` (blocking: less than 7 days before expiry; check:
    already expired). Raises CaseValidationError when the case records no 查封冻结 event up to the
    application date.
    """
    measures = seizure_measures(filing)
    if not measures:
        raise CaseValidationError("case", [("events", "续行查封申请需要至少一个查封冻结事件（kind: 查封冻结），且不晚于申请日")])
    stage = _stage_of(filing)
    applicant_role, role = ("申请执行人", "被执行人") if stage == "enforcement" else ("申请人", "被申请人")
    owners = [p for m in measures for p in m.event.parties]
    respondents = _resolve(filing, owners or [d.id for d in filing.defendants], role)
    by_id = {d.id: d for d in respondents}
    review: list[ReviewItem] = []
    lines = []
    for i, m in enumerate(measures):
        owners = [by_id[p] for p in m.event.parties if p in by_id]
        owner = "、".join(f"{d.label}{d.name}" for d in owners)
        named = any(d.name in m.property for d in owners)  # the property already says whose it is
        text = f"续行{m.measure}" + (f"{owner}名下" if owner and not named else "") + (m.property or "（财产名称待补）")
        term = f"原{m.measure}期限自{date_in_chinese(m.start)}起"
        term += f"至{date_in_chinese(m.expiry)}止" if m.expiry else "（届满日以协助执行通知书为准）"
        if m.ruling:
            term += f"，依据{m.ruling}裁定"
        text += f"（{term}）"
        if m.renewal_from and m.renewal_to:
            text += f"，续行期限{m.term}，自{date_in_chinese(m.renewal_from)}起至{date_in_chinese(m.renewal_to)}止；"
        else:
            text += "，续行期限以法律规定的最长期限为准；"
        lines.append(text)
        review += _measure_review(filing, m, i)
    if lines:
        lines[-1] = lines[-1].rstrip("；") + "。"
    numbers = _case_numbers(filing)
    case = filing.case
    who = _named(respondents)
    opening = f"申请人{case.creditor.name}与{filing.defendant_names}{CAUSE_OF_ACTION}一案"
    if numbers:
        opening += "（" + "；".join(numbers) + "）"
    rulings = list(dict.fromkeys(m.ruling for m in measures if m.ruling))
    opening += ("，贵院依申请人的申请作出" + "、".join(rulings) + "民事裁定，" if rulings else "，贵院依申请人的申请，")
    opening += f"对{who}名下的财产采取了查封、扣押、冻结措施，共{len(measures)}项，详见请求事项。"
    status = {
        "enforcement": f"现本案正在执行中，{_all(respondents, role)}至今未履行生效法律文书确定的义务，申请人的债权尚未实现。",
        "judgment": f"现本案判决已经发生法律效力，{_all(respondents, role)}至今未履行判决确定的义务，申请人的债权尚未实现。",
        "suit": f"现本案尚在审理中，申请人的债权尚未实现。",
    }[stage]
    expiries = [m.expiry for m in measures if m.expiry and m.expiry >= filing.filing_date]
    reason = ""
    if expiries:
        reason = f"上述措施最早将于{date_in_chinese(min(expiries))}届满，"
    reason += (f"如不续行，{_all(respondents, role)}可能转移、处分上述财产，致使申请人的债权难以实现。为此，申请人依照"
               + "、".join(dict.fromkeys(_cite(c) for c in [*(m.cap_citation for m in measures), *(m.lead_citation for m in measures)] if c))
               + f"的规定，申请续行{'、'.join(dict.fromkeys(m.measure for m in measures))}。")
    _add_review(filing, review)
    attachments = ["原保全（执行）裁定书复印件", "协助执行通知书回执复印件"]
    produced = list(getattr(extras, "attachments", None) or [])
    attachments += [a for a in produced if a not in attachments]
    return {
        "applicant_lines": _applicant_lines(filing, applicant_role),
        "agent_lines": agent_lines(filing.case),
        "respondent_lines": _lines(respondents),
        "case_numbers": numbers,
        "requests": lines,
        "facts": [opening, status + reason],
        "attachments": attachments,
        **_signature(filing, applicant_role),
    }


def _case_numbers(filing: Filing) -> list[str]:
    """'审理案号：…', '执行案号：…', '判决书：…' as the case records them."""
    out = []
    for kind, name in ((EventKind.suit_filed, "诉讼案号"), (EventKind.enforcement_applied, "执行案号")):
        for e in _events(filing, kind):
            if e.case_number:
                out.append(f"{name}：{e.case_number}")
    j = filing.case.judgment
    if j is not None and f"诉讼案号：{j.case_number}" not in out:
        out.append(f"生效{DOCUMENT_NAMES[j.kind]}：{j.case_number}")
    return list(dict.fromkeys(out))


# --- enforcement (申请执行书) --------------------------------------------------------------------------


def _judgment(filing: Filing) -> Judgment:
    if filing.case.judgment is None:
        raise CaseValidationError("case", [("judgment", "申请执行需要所依据的生效法律文书（judgment：法院、案号、生效日期、履行期限、判项、金额）")])
    return filing.case.judgment


def enforcement_respondents(filing: Filing) -> tuple[Defendant, ...]:
    """被执行人: ``judgment.respondents`` in order, default every defendant of the filing.
    Raises CaseValidationError when the case has no judgment."""
    j = _judgment(filing)
    return _resolve(filing, j.respondents or [d.id for d in filing.defendants], "被执行人")


def enforcement_base(filing: Filing) -> Decimal:
    """The money debt other than general interest the doubled interest runs on: the judgment's
    principal plus its other sums (``judgment.costs``), in 元 (法释〔2014〕8号 art 1)."""
    j = _judgment(filing)
    return j.principal + j.costs


def _payments_after(filing: Filing, j: Judgment, until: dt.date) -> list[tuple[dt.date, Decimal]]:
    return [(r.date, r.amount) for r in filing.case.repayments if j.performance_due < r.date <= until]


def delay_interest(filing: Filing, until: dt.date | None = None) -> DelayInterest | None:
    """The doubled part of the interest for delayed performance (加倍部分债务利息) from the day
    after ``judgment.performance_due`` to ``until`` (default the application date,
    ``filing.filing_date``): :func:`enforcement_base` × the daily rate in force (0.0175 %) × days,
    each payment after the performance period stopping its part (法释〔2014〕8号 arts 1-3;
    民事诉讼法 2023 art 264). None when ``until`` is not after the last day of performance.
    Raises CaseValidationError when the case has no judgment."""
    j = _judgment(filing)
    until = until or filing.filing_date
    if until <= j.performance_due:
        return None
    try:
        return _delay_interest(enforcement_base(filing), j.performance_due, until,
                               payments=_payments_after(filing, j, until))
    except LegalDocsError as exc:
        raise CaseValidationError("case", [("judgment", f"迟延履行期间的债务利息无法计算：{exc}")]) from exc


def _per_ten_thousand(rate: Decimal) -> str:
    """A daily rate in words: 0.000175 -> '万分之一点七五'."""
    value = (rate * 10000).normalize()
    whole, _, decimals = format(value, "f").partition(".")
    digits = "零一二三四五六七八九"
    text = ordinal(int(whole)) if int(whole) else "零"
    return "万分之" + text + ("点" + "".join(digits[int(c)] for c in decimals) if decimals else "")


def delay_interest_text(filing: Filing, until: dt.date | None = None) -> str:
    """The formula of the doubled interest and its figure to ``until`` (default the application
    date), in words for a request: '以…为基数，按日万分之一点七五计算，自…起至实际履行之日止；暂计至…'."""
    j = _judgment(filing)
    until = until or filing.filing_date
    doc = DOCUMENT_NAMES[j.kind]
    base = enforcement_base(filing)
    first = j.performance_due + dt.timedelta(days=1)
    parts = f"本金{money_text(j.principal)}" + (f"＋其他款项{money_text(j.costs)}＝{money_text(base)}" if j.costs else "")
    try:
        row = rule_in_force("interest", "delay_interest", max(first, until))
    except RuleNotFoundError as exc:  # the whole delay so far is under the old rule (法释〔2014〕8号 art 7)
        return (f"以{doc}确定的金钱债务（{parts}）为基数，自{date_in_chinese(first)}起至实际履行之日止加倍计算；"
                f"{date_in_chinese(until)}前的迟延履行期间适用原规定（{exc.row['citation'] if isinstance(exc, RuleAbsentError) else exc}），"
                "数额另行计算")
    rate = Decimal(row["daily_rate"])
    text = (f"以{doc}确定的除一般债务利息之外的金钱债务（{parts}）为基数，按日{_per_ten_thousand(rate)}（{percent(rate)}）"
            f"计算，自{date_in_chinese(first)}起至实际履行之日止")
    d = delay_interest(filing, until)
    if d is None:
        return text
    if len(d.steps) == 1 and not d.flags and d.steps[0].base == base:
        s = d.steps[0]
        text += (f"；暂计至{date_in_chinese(until)}共{s.days}日，为{format_amount(base)}元×{percent(rate)}×{s.days}日"
                 f"＝{money_text(d.doubled_interest)}")
    else:
        text += f"；暂计至{date_in_chinese(until)}为{money_text(d.doubled_interest)}（" + "；".join(
            f"{date_in_chinese(s.start + dt.timedelta(days=1))}至{date_in_chinese(s.end)}：{s.text}" for s in d.steps) + "）"
    return text


def _operative_item(j: Judgment, *needles: str) -> int | None:
    """The number (1-based) of the first operative paragraph holding every needle."""
    for i, text in enumerate(j.operative, start=1):
        if all(n in text for n in needles if n):
            return i
    return None


def _item_ref(doc: str, n: int | None) -> str:
    return f"{doc}第{ordinal(n)}项" if n else f"{doc}确定的范围"


def enforcement_requests(filing: Filing) -> list[str]:
    """The requests (申请执行事项) of an enforcement application, matching the money duties of the
    judgment relied on: principal, interest to ``interest_until`` and as it runs on; other sums;
    the doubled interest for delayed performance with its formula and figure to the application
    date (民事诉讼法 2023 art 264; 法释〔2014〕8号 art 1); each guarantor's liability and the priority
    over collateral as adjudged (the operative paragraph is cited where it names them); the
    enforcement costs. Raises CaseValidationError when the case has no judgment."""
    j = _judgment(filing)
    case = filing.case
    doc = DOCUMENT_NAMES[j.kind]
    respondents = enforcement_respondents(filing)
    by_id = {d.id: d for d in respondents}
    borrowers = [by_id[r] for r in case.borrower_ids() if r in by_id]
    debtors = borrowers or list(respondents)
    who = "、".join(f"{d.label}{d.name}" for d in debtors)
    out = []
    first = f"{who}向申请执行人支付借款本金{money_text(j.principal)}"
    if j.interest:
        first += f"、利息{money_text(j.interest)}" + (f"（计至{date_in_chinese(j.interest_until)}）" if j.interest_until else "")
    if j.continuing:
        first += f"，以及{doc}确定的此后利息：{j.continuing.rstrip('。；;')}"
    out.append(first + "；")
    if j.costs:
        out.append(f"{who}向申请执行人支付{doc}确定由其负担的其他款项（实现债权的费用、诉讼费用等）{money_text(j.costs)}；")
    delay_rule = _statute("delay_performance", filing.filing_date)
    cite = (delay_rule["citation"] + "、" if delay_rule else "") + DELAY_INTERPRETATION
    out.append(f"{who}加倍支付迟延履行期间的债务利息（{cite}）：{delay_interest_text(filing)}，此后继续计算至实际履行之日止；")
    for g in case.guarantees:
        d = by_id.get(g.guarantor)
        if d is None or d in debtors:
            continue
        n = _operative_item(j, d.name, "责任")
        mode = resolved_mode(g)
        liability = "连带清偿责任" if mode is GuaranteeKind.joint else "保证责任"
        out.append(f"{d.label}{d.name}在{_item_ref(doc, n)}确定的范围内对上述债务承担{liability}；"
                   if n else f"{d.label}{d.name}在{doc}确定的范围内对上述债务承担{liability}；")
    for c in case.collateral:
        d = by_id.get(c.owner)
        if d is None or (c.kind == "mortgage" and c.registration_kind == "未登记"):
            continue
        n = _operative_item(j, "优先受偿", c.certificate_number or "") or _operative_item(j, "优先受偿", d.name)
        kind = "抵押" if c.kind == "mortgage" else "质押"
        cert = f"（登记证明号：{c.certificate_number}）" if c.certificate_number else ""
        out.append(f"依法拍卖、变卖{d.label}{d.name}{kind}的{c.description}{cert}，申请执行人依照{_item_ref(doc, n)}"
                   f"就所得价款优先受偿；")
    out.append(f"本案执行费用由{_all(respondents, '被执行人')}负担。")
    return out


def enforcement_period(filing: Filing) -> Clock | None:
    """The enforcement application period (申请执行期间, 民事诉讼法 2023 art 250: two years from the
    last day of performance) of the judgment relied on, from the deadline engine: the clock of
    the ``判决生效`` event whose last day of performance is ``judgment.performance_due`` (one is
    assumed on ``judgment.effective_on`` when the case records none). None when the law of that
    date gives no period."""
    j = _judgment(filing)
    for c in filing.clocks:
        if c.kind == "enforcement_application" and c.chain and c.chain[0].date == j.performance_due:
            return c
    event = Event(date=j.effective_on, kind=EventKind.judgment_effective, until=j.performance_due,
                  parties=list(j.respondents), case_number=j.case_number)
    case = filing.case.model_copy(update={"events": [*filing.case.events, event]})
    for c in procedure_clocks(case, filing.filing_date):
        if c.kind == "enforcement_application" and c.chain and c.chain[0].date == j.performance_due:
            return c
    return None


def _enforcement_review(filing: Filing, j: Judgment, d: DelayInterest | None) -> list[ReviewItem]:
    on = filing.filing_date
    out = []
    clock = enforcement_period(filing)
    if clock is None or clock.date is None:
        out.append(ReviewItem("check", "申请执行期间", "申请执行期间无法依履行期限届满时的法律确定",
                              "；".join(clock.notes) if clock else "规则缺失", "judgment.performance_due"))
    elif clock.status == "expired":
        out.append(ReviewItem(
            "blocking", "申请执行期间",
            f"申请执行期间已于{date_in_chinese(clock.date)}届满，申请日为{date_in_chinese(on)}",
            "超过申请执行期间的，人民法院仍应受理，但被执行人提出异议且异议成立的，裁定不予执行；"
            "如有中断、中止的证据（申请执行、催收、债务人确认、部分履行），请录入该事件",
            clock.chain[0].rule if clock.chain else "民事诉讼法第二百五十条"))
    if not any(e.until == j.performance_due for e in _events(filing, EventKind.judgment_effective)):
        out.append(ReviewItem("note", "申请执行期间", "案件档案中没有与生效法律文书对应的“判决生效”事件，已按 judgment 计算申请执行期间",
                              "录入“判决生效”事件（until 为履行期间最后一日）后，期限提醒会列入 deadlines", "events"))
    if on <= j.performance_due:
        out.append(ReviewItem("blocking", "申请执行", f"履行期间至{date_in_chinese(j.performance_due)}尚未届满",
                              "申请执行须在法律文书确定的履行期间届满后、被执行人未履行时提出",
                              "执行工作若干问题的规定第十六条"))
    if d is not None:
        for flag in d.flags:
            out.append(ReviewItem("check", "迟延履行利息", flag, "2014年8月1日前的迟延履行期间适用原规定，未计算",
                                  "法释〔2014〕8号第七条"))
        if any(p for p in _payments_after(filing, j, on)):
            out.append(ReviewItem("check", "迟延履行利息", "履行期间届满后的还款已从加倍部分债务利息的计算基数中扣减",
                                  "部分履行的，相应部分自履行之日起停止计算；还款先抵充何项债务请按约定或法律规定核对",
                                  "法释〔2014〕8号第三条、第四条"))
    if not filing.case.creditor.account:
        out.append(ReviewItem("check", "收款账户", "没有写明申请执行人的收款账户",
                              "执行款项的收款账户（开户名、账号、开户行）", "creditor.account"))
    if not any(e.identity_of == "creditor" for e in filing.case.evidence):
        out.append(ReviewItem("check", "执行材料", "没有申请执行人的主体资格证明（营业执照、负责人或法定代表人身份证明）",
                              "申请执行应提交申请执行人的身份证明", "执行工作若干问题的规定第十八条；evidence[].identity_of"))
    doc = DOCUMENT_NAMES[j.kind]
    respondents = enforcement_respondents(filing)
    for g in filing.case.guarantees:
        d_ = next((x for x in respondents if x.id == g.guarantor), None)
        if d_ is not None and d_.id not in filing.case.borrower_ids() and _operative_item(j, d_.name, "责任") is None:
            out.append(ReviewItem("check", "执行事项", f"{doc}判项中未找到保证人{d_.name}承担责任的内容",
                                  "申请执行的事项应与生效法律文书确定的内容一致", "judgment.operative"))
    return out


def enforcement_context(filing: Filing, extras=None) -> dict:
    """Variables of ``templates/enforcement.docx`` (申请执行书, 2016 样式 申请书（申请执行用）;
    民事诉讼法 2023 arts 247, 250, 264; 执行工作若干问题的规定 item 18) for ``filing`` (its
    ``filing_date`` is the application date).

    Appends review items to ``filing.review`` (blocking: the two-year application period has
    run, or the performance period has not). Raises CaseValidationError when the case has no
    judgment.
    """
    j = _judgment(filing)
    case = filing.case
    doc = DOCUMENT_NAMES[j.kind]
    respondents = enforcement_respondents(filing)
    d = delay_interest(filing)
    basis = _statute("enforcement_basis", filing.filing_date)
    paid = _payments_after(filing, j, filing.filing_date)
    opening = (f"申请执行人{case.creditor.name}与被执行人{'、'.join(x.name for x in respondents)}{CAUSE_OF_ACTION}一案，"
               f"{j.court}作出的{j.case_number}{doc}已于{date_in_chinese(j.effective_on)}发生法律效力。"
               f"该{doc}确定的履行期间于{date_in_chinese(j.performance_due)}届满，{_all(respondents, '被执行人')}"
               f"{'仅部分履行' if paid else '至今未履行'}{doc}确定的给付义务。依照"
               f"{basis['citation'] if basis else '民事诉讼法'}的规定，申请执行人特向贵院申请强制执行。")
    leads = _leads(filing, respondents)
    lead_lines = [f"{LEAD_KINDS[lead.kind][0]}：" + lead_line(lead, owner, measure=False) + "。" for lead, owner in leads]
    if not lead_lines:
        lead_lines = [f"申请执行人暂未掌握{_all(respondents, '被执行人')}的具体财产线索，请求贵院通过网络执行查控系统查询"
                      f"{_all(respondents, '被执行人')}的存款、不动产、车辆、股权等财产。"]
    review = _enforcement_review(filing, j, d) + _leads_left_out(filing, respondents, "被执行人")
    _add_review(filing, review)
    copies = [f"{doc}副本1份"]
    if j.kind in ("判决书", "裁定书"):
        copies.append("生效证明1份")
    if j.kind == "公证债权文书":
        copies.append("执行证书1份")
    ids = {"creditor", *(x.id for x in respondents)}
    copies += [f"{e.title}" for e in case.evidence if e.identity_of in ids]
    produced = list(getattr(extras, "attachments", None) or [])
    attachments = copies + [a for a in produced if a not in copies]
    t = d.doubled_interest if d else Decimal(0)
    return {
        "applicant_lines": _applicant_lines(filing, "申请执行人", account=True),
        "agent_lines": agent_lines(filing.case, role="委托代理人"),  # enforcement: no 诉讼 any more
        "respondent_lines": _lines(respondents),
        "opening": opening,
        "requests": enforcement_requests(filing),
        "summary": (f"以上金钱债务合计{money(j.principal + j.interest + j.costs)}（不含此后的利息），"
                    f"迟延履行期间的加倍部分债务利息暂计至{date_in_chinese(filing.filing_date)}为{money(t)}。"),
        "lead_lines": lead_lines,
        "attachments": attachments,
        **_signature(filing, "申请执行人"),
    }


DOCUMENTS = {
    "preservation": ("财产保全申请书", "preservation.docx", preservation_context),
    "property_leads": ("财产线索清单", "property_leads.docx", property_leads_context),
    "seizure_renewal": ("续行查封（冻结、扣押）申请书", "seizure_renewal.docx", renewal_context),
    "enforcement": ("申请执行书", "enforcement.docx", enforcement_context),
}


def _register() -> None:
    """Make the documents known to the stage table (:mod:`legaldocs.filings.stages`)."""
    from legaldocs.filings.stages import Document, register

    register(
        Document("preservation", *DOCUMENTS["preservation"][:3], needed=lambda f: f.case.preservation is not None,
                 attached=False, upload="财产保全申请书"),
        Document("property_leads", *DOCUMENTS["property_leads"][:3],
                 needed=lambda f: bool(f.case.property_leads), upload="财产线索清单"),
        Document("seizure_renewal", *DOCUMENTS["seizure_renewal"][:3],
                 needed=lambda f: bool(_events(f, EventKind.seizure)), attached=False, upload="续行查封申请书"),
        Document("enforcement", *DOCUMENTS["enforcement"][:3],
                 needed=lambda f: f.case.judgment is not None and f.form == "narrative", attached=False,
                 upload="强制执行申请书"),
    )


_register()
