"""The notices and the authority papers (催收通知书, 履行保证责任通知书, 授权委托书, 法定代表人 /
负责人身份证明书, 送达地址确认书), each built from one :class:`~legaldocs.filings.filing.Filing`.

**Notices.** A demand interrupts limitation only when it asks for performance and reaches the
obligor (民法典 art 195 item 1; 诉讼时效规定 art 8): a document handed over and signed or sealed,
or a letter that arrives. Each notice therefore names one addressee with every identity element,
states the debt (contracts and their numbers, 借据 numbers, draw dates, maturity, security) and
the amounts as of a stated date (截至…: the filing's totals, ``filing.as_of``), says that interest
runs on under the contract, and **demands** payment within ``case.notices.pay_within_days`` days
of receipt; it carries a tear-off receipt (回执) whose signature is the best proof of arrival and,
after limitation has run, may amount to a waiver (诉讼时效规定 art 19 ¶2). A separate notice goes
to each borrower and to each mortgagor or pledgor who is not a borrower (legal-rules §11.4).
A demand for part of the debt interrupts for the whole (诉讼时效规定 art 9).

A joint-liability guarantor is kept only by a **request that it assume guarantee liability**
made within the guarantee period (民法典 art 693 ¶2; 担保法 art 26 ¶2 for a guarantee made before
2021-01-01, as the rule tables choose by the guarantee's date); a general guarantor only by a suit
against the debtor (art 693 ¶1). One 履行保证责任通知书 goes to each guarantor, listing every
guarantee contract it signed: one receipt then proves that every contract's demand arrived on the
same day, and the guarantor's liability is stated once, as in the complaint. The notice date is
checked against each contract's guarantee period (the deadline engine's ``guarantee_period``
clock): after the end, the guarantor is released and the notice is useless (a ``blocking``
review item); less than :data:`PERIOD_MARGIN_DAYS` days before it, a ``check``.

The notice number is ``CS-<case id>-<yyyymmdd>-<party id>`` (催收) or ``BZ-…`` (保证): the same
case, addressee and date always give the same number, and two addressees never share one.

**Authority papers.** 授权委托书 (民事诉讼法 2023 arts 61-62; 民诉法解释 arts 86, 88, 89; in
enforcement 执行工作若干问题的规定 item 20): general powers and special powers are separate lists,
and the special list is empty unless the agent's authority is 特别授权, so a general authority can
never carry a special power. 法定代表人 / 负责人身份证明书 (民诉法解释 arts 50-52): by
``creditor.role``. 送达地址确认书 (法院专递送达规定 arts 3-5, 11; 民诉法解释 arts 136-137; electronic
service by the Civil Procedure Law of the filing date, ``law/data/service.toml``).

Each document is registered with the stage table (:mod:`legaldocs.filings.stages`) in
:data:`DOCUMENTS`, with the predicate that says whether the case needs it (no agent, no
授权委托书).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from legaldocs.case.model import Collateral, EventKind, Guarantee, GuaranteeKind, LoanContract, NaturalPerson
from legaldocs.chinese import capitals_text, date_in_chinese, money_text, percent
from legaldocs.deadlines.chain import guarded
from legaldocs.deadlines.clocks import Clock, guarantee_clocks
from legaldocs.errors import RuleAbsentError, RuleNotFoundError
from legaldocs.filings.claimed import CAUSE_OF_ACTION, money, ordinal
from legaldocs.filings.complaint import resolved_mode
from legaldocs.filings.filing import Filing, ReviewItem
from legaldocs.filings.stages import Document, Extras, register
from legaldocs.law.rules import rule_for

__all__ = [
    "DOCUMENTS",
    "PERIOD_MARGIN_DAYS",
    "demand_addressees",
    "demand_notice_context",
    "demand_notice_contexts",
    "guarantee_notice_context",
    "guarantee_notice_contexts",
    "guarantors",
    "notice_number",
    "power_of_attorney_context",
    "representative_certificate_context",
    "service_address_context",
]

#: Days before a guarantee period ends under which a notice dated then is flagged for review: it
#: must still *arrive* within the period (a clerk's margin for delivery, not a rule of law).
PERIOD_MARGIN_DAYS = 30

_ZERO = Decimal(0)
_CENT = Decimal("0.01")
_UNSAFE_IN_NAMES = re.compile(r'[\\/:*?"<>|\s]+')
TICKED, UNTICKED = "☑", "□"


def _add_review(filing: Filing, item: ReviewItem) -> None:
    """Add a review item once (a context may be built more than once for one filing)."""
    if item not in filing.review:
        filing.review.append(item)


def _we(filing: Filing) -> str:
    """How the creditor names itself in a letter: 我行 for a bank or branch, else 我单位."""
    return "我行" if "行" in filing.case.creditor.name else "我单位"


def notice_number(filing: Filing, kind: str, party: str) -> str:
    """The notice's number: ``CS`` (催收通知书) or ``BZ`` (履行保证责任通知书), the case id, the
    notice date (yyyymmdd) and the addressee's party id, e.g. ``CS-DEMO-2025-001-20250630-P1``.
    Stable (the same inputs give the same number) and distinct per addressee, kind and date."""
    return f"{kind}-{filing.case.case_id}-{filing.filing_date:%Y%m%d}-{party}"


def file_suffix(name: str) -> str:
    """A party's name as part of a file name: characters a file system refuses replaced, at most
    40 characters."""
    return _UNSAFE_IN_NAMES.sub("_", name).strip("._")[:40] or "当事人"


# --- who and what -------------------------------------------------------------------------------


def _identity(party) -> dict:
    """Addressee identity: entity by full name and registration numbers; person by name and
    公民身份号码; the address (and habitual residence) the notice is sent to."""
    if isinstance(party, NaturalPerson):
        ident = [f"公民身份号码：{party.id_number}"]
        address = party.address
        if party.habitual_residence and party.habitual_residence != party.address:
            address += f"（经常居住地：{party.habitual_residence}）"
        return {"name": party.name, "identity": "；".join(ident), "address": address, "person": True,
                "representative": ""}
    return {"name": party.name, "identity": "；".join(party.identifier_lines()), "address": party.address,
            "person": False, "representative": f"{party.representative_title}：{party.representative}"}


def _loan_facts(filing: Filing, loans: list[LoanContract], we: str) -> list[str]:
    """One paragraph per loan: parties, title and number, amount, each draw with its 借据 number,
    date and maturity."""
    case = filing.case
    out = []
    for loan in loans:
        who = "、".join(case.parties[b].name for b in loan.borrowers)
        text = (f"{date_in_chinese(loan.signed_on)}，{who}与{we}签订《{loan.title}》（编号：{loan.number}），"
                f"借款金额{money_text(loan.principal, loan.currency)}。{we}已依约发放借款")
        draws = []
        for d in loan.draws:
            receipt = f"借据编号{d.receipt_number}，" if d.receipt_number else ""
            draws.append(f"{receipt}{date_in_chinese(d.date)}发放{money_text(d.amount, loan.currency)}，"
                         f"到期日{date_in_chinese(d.maturity)}")
        text += ("：" + "；".join(draws) + "。") if len(draws) > 1 else ("（" + draws[0] + "）。")
        out.append(text)
    return out


def _security_facts(filing: Filing, loan_ids: set[str]) -> list[str]:
    """The security of the loans: each guarantee and collateral contract with its number."""
    case = filing.case
    parts = []
    for g in case.guarantees:
        if loan_ids & set(g.secures):
            mode = resolved_mode(g)
            what = mode.value if mode is not GuaranteeKind.unspecified else "保证"
            parts.append(f"{case.parties[g.guarantor].name}提供{what}（《{g.title}》编号：{g.number}）")
    for c in case.collateral:
        if loan_ids & set(c.secures):
            kind = "抵押" if c.kind == "mortgage" else "质押"
            parts.append(f"{case.parties[c.owner].name}以{c.description}提供{kind}担保"
                         f"（《{_collateral_title(c)}》编号：{c.contract_number}）")
    return ["上述借款的担保：" + "；".join(parts) + "。"] if parts else []


def _collateral_title(c: Collateral) -> str:
    kind = "抵押" if c.kind == "mortgage" else "质押"
    return c.contract_title or (f"最高额{kind}合同" if c.maximum_amount else f"{kind}合同")


def _default_fact(filing: Filing, loans: list[LoanContract], debtor: str, we: str) -> str:
    """What went wrong: default, and the acceleration the case records (before the notice date)."""
    ids = {l.id for l in loans}
    accel = sorted((e for e in filing.case.events if e.kind is EventKind.acceleration
                    and e.date <= filing.filing_date and (not e.loans or ids & set(e.loans))), key=lambda e: e.date)
    text = f"{debtor}未按合同约定履行还本付息义务，已构成违约"
    if accel:
        text += f"；{we}已于{date_in_chinese(accel[0].date)}宣布上述借款提前到期"
    return text + "。"


@dataclass(frozen=True)
class Owed:
    """What one addressee is asked to pay, as of ``as_of``, in ``currency``: the debt of the
    loans concerned (all of the case's when ``whole``), only the items in ``items`` (a guarantee's
    scope), and ``cap`` (a maximum amount, a liability cap) or ``share`` of it."""

    as_of: dt.date
    currency: str
    principal: Decimal
    interest: Decimal
    penalty_interest: Decimal
    compound_interest: Decimal
    costs: tuple[tuple[str, Decimal], ...]
    whole: bool
    continuing: str

    @property
    def total(self) -> Decimal:
        return (self.principal + self.interest + self.penalty_interest + self.compound_interest
                + sum((a for _, a in self.costs), _ZERO))

    def rows(self) -> list[dict]:
        rows = [("借款本金", self.principal), ("利息", self.interest), ("罚息", self.penalty_interest),
                ("复利", self.compound_interest), *((f"实现债权的费用（{n}）", a) for n, a in self.costs)]
        return [{"name": n, "amount": money_text(a, self.currency)} for n, a in rows if a]


_ITEMS = ("principal", "interest", "penalty_interest", "compound_interest", "costs")


def _owed(filing: Filing, loan_ids: set[str], items: set[str] = frozenset(_ITEMS)) -> Owed:
    """The amounts of ``filing`` for the loans ``loan_ids``: the filing's totals when they are
    every loan; else, with the engine's statement, the sum of those loans' balances (costs,
    which belong to the whole claim, then left out); with the bank's figures the totals of the
    whole case (``whole`` stays True and the caller says so)."""
    case, t = filing.case, filing.totals
    every = {l.id for l in case.loans}
    costs = tuple((c.name, c.amount) for c in case.claim.costs if c.currency == t.currency)
    if loan_ids >= every or filing.statement is None or t.source != "engine":
        values = {"principal": t.principal, "interest": t.interest, "penalty_interest": t.penalty_interest,
                  "compound_interest": t.compound_interest}
        whole, continuing = True, t.continuing
    else:
        balances = [b for b in filing.statement.loans if b.loan in loan_ids]
        values = {k: sum((getattr(b, k) for b in balances), _ZERO)
                  for k in ("principal", "interest", "penalty_interest", "compound_interest")}
        costs, whole, continuing = (), False, ""
    return Owed(t.as_of, t.currency, *(values[k] if k in items else _ZERO for k in _ITEMS[:4]),
                costs=costs if "costs" in items else (), whole=whole or loan_ids >= every, continuing=continuing)


def _owed_lines(owed: Owed, debtor: str, we: str) -> dict:
    """The amounts block of a notice: intro, rows, total in figures and capitals, how charges
    run on (the contract's terms, 计至实际清偿之日止)."""
    day = date_in_chinese(owed.as_of)
    after = date_in_chinese(owed.as_of + dt.timedelta(days=1))
    if owed.continuing:
        continuing = f"以上利息、罚息、复利暂计至{day}，此后按合同约定继续计收：{owed.continuing.rstrip('。；')}。"
    else:
        continuing = f"以上利息、罚息、复利暂计至{day}，自{after}起按各借款合同约定继续计收至实际清偿之日止。"
    return {
        "owed_intro": f"截至{day}，{debtor}尚欠{we}款项如下：",
        "owed_rows": owed.rows(),
        "owed_total": money_text(owed.total, owed.currency),
        "owed_total_capitals": capitals_text(owed.total, owed.currency),
        "continuing": continuing,
    }


def _payment_ways(filing: Filing, we: str) -> tuple[str, str]:
    """(where to pay, whom to contact) from ``creditor.account`` and ``case.notices``: the first
    follows '…清偿…' ('，款项汇入我行指定账户（…）', or nothing without an account)."""
    case = filing.case
    account = case.creditor.account
    pay = (f"，款项汇入{we}指定账户（户名：{account.name}；账号：{account.number}；开户行：{account.bank}）"
           if account else "")
    n = case.notices
    contact = ""
    if n.contact or n.contact_phone:
        contact = "联系人：" + (n.contact or "") + (f"，联系电话：{n.contact_phone}" if n.contact_phone else "")
    elif case.creditor.phone:
        contact = f"联系电话：{case.creditor.phone}"
    if not account and not (n.contact or n.contact_phone):
        _add_review(filing, ReviewItem(
            "check", "催收", "通知书未写明收款账户和联系人：债务人只能凭通知书上的银行名称、地址联系还款",
            "催收通知应明确请求履行的方式（向何处清偿、与谁联系），便于证明其为“主张权利”",
            "creditor.account；notices.contact；notices.contact_phone"))
    return pay, contact


def _receipt(filing: Filing, number: str, title: str, person: bool) -> dict:
    cr = filing.case.creditor
    return {
        "receipt_to": f"{cr.name}：",
        "receipt_text": (f"{'本人' if person else '本单位'}已收到{'贵行' if _we(filing) == '我行' else '贵单位'}"
                         f"于{date_in_chinese(filing.filing_date)}发出的"
                         f"编号为{number}的《{title}》。"),
        "receipt_sign": "签收人（签名并按手印）：" if person else "签收单位（盖章）：　　　　　　　　经办人（签名）：",
    }


def _consequences(we: str, security: bool) -> str:
    realise = "，依法行使担保物权" if security else ""
    return (f"逾期仍未清偿的，{we}将依法向人民法院提起诉讼，并申请对相关财产采取保全措施{realise}；"
            "由此产生的诉讼费、保全费、律师费等实现债权的费用，按合同约定由违约方承担。"
            "贵方的逾期信息将按规定报送金融信用信息基础数据库。")


def _limitation_note(filing: Filing, who: str, name: str) -> None:
    """A notice after the main limitation has run: only a signed receipt can help (a waiver)."""
    for c in filing.clocks:
        if c.kind == "limitation" and c.status == "expired" and c.obligor and who in c.obligor.split("、"):
            _add_review(filing, ReviewItem(
                "note", "催收", f"致{name}的催收通知书：主债务诉讼时效已于{date_in_chinese(c.date)}届满，通知本身不再中断时效",
                "债务人在催收通知书或回执上签名、盖章且表示愿意履行的，可视为放弃时效抗辩；请尽量当面送达并取得签章回执",
                "诉讼时效规定第十九条"))
            return


# --- 催收通知书 ----------------------------------------------------------------------------------


def demand_addressees(filing: Filing) -> list[str]:
    """Party ids a 催收通知书 goes to: every borrower, then every mortgagor or pledgor who is not
    a borrower (guarantors get a 履行保证责任通知书), each once."""
    case = filing.case
    out = case.borrower_ids()
    for c in case.collateral:
        if c.owner not in out:
            out.append(c.owner)
    return out


def demand_notice_context(filing: Filing, party: str) -> dict:
    """Variables of ``demand_notice.docx`` (see templates/catalogue.toml) for the addressee
    ``party`` (a party id): 催收通知书 with its number, the addressee's identity and address, the
    creditor, the basis (contracts, 借据 numbers, draws, maturity, security), the amounts as of
    ``filing.as_of`` (``filing.totals``), the demand to pay within ``notices.pay_within_days``
    days of receipt, the consequences, the seal line and the 回执.

    A borrower is asked to repay the loans it borrowed; a mortgagor or pledgor who is not a
    borrower is asked to perform within the security (代为清偿, or the bank realises the
    collateral). Sources: 民法典 art 195; 诉讼时效规定 arts 8, 9, 19. Raises KeyError for a party
    id the case does not have."""
    case = filing.case
    p = case.parties[party]
    we = _we(filing)
    borrowed = [l for l in case.loans if party in l.borrowers]
    pledged = [c for c in case.collateral if c.owner == party]
    loans = borrowed or [l for l in case.loans if any(l.id in c.secures for c in pledged)]
    ids = {l.id for l in loans}
    number = notice_number(filing, "CS", party)
    ident = _identity(p)
    days = case.notices.pay_within_days
    pay, contact = _payment_ways(filing, we)
    facts = _loan_facts(filing, loans, we) + _security_facts(filing, ids)
    owed = _owed(filing, ids)
    if borrowed:
        debtor = "贵方"
        facts.append(_default_fact(filing, loans, "贵方", we))
        demand = [f"现{we}依法向贵方主张上述债权，特此正式通知并要求贵方：自收到本通知书之日起{days}日内，"
                  f"向{we}清偿上述全部欠款{pay}。"]
        role = "借款人"
    else:
        cap = min((c.maximum_amount for c in pledged if c.maximum_amount), default=None)
        debtor = "债务人"
        borrowers = "、".join(dict.fromkeys(case.parties[b].name for l in loans for b in l.borrowers))
        facts.append(_default_fact(filing, loans, f"债务人{borrowers}", we))
        kinds = "、".join(dict.fromkeys("抵押" if c.kind == "mortgage" else "质押" for c in pledged))
        limit = f"（以最高债权额{money_text(cap, owed.currency)}为限）" if cap else ""
        demand = [f"贵方作为上述借款的{kinds}人，应在{kinds}担保范围内承担担保责任。现{we}依法向贵方主张担保权利，"
                  f"特此正式通知并要求贵方：自收到本通知书之日起{days}日内，代债务人清偿上述欠款{limit}"
                  f"{pay}；或与{we}协商以{kinds}财产折价清偿。逾期未清偿的，{we}将依法就{kinds}财产折价或者"
                  "以拍卖、变卖所得价款优先受偿。"]
        role = f"{kinds}人"
    if not owed.whole:
        _add_review(filing, ReviewItem(
            "note", "催收", f"致{p.name}的催收通知书只列其所涉借款（{'、'.join(l.number for l in loans)}）的欠款，未含实现债权的费用",
            "通知所列金额以该当事人负有义务的债务为限", "loans[].borrowers；collateral[].secures"))
    elif ids != {l.id for l in case.loans}:
        _add_review(filing, ReviewItem(
            "check", "催收", f"致{p.name}的催收通知书列出的是全案欠款：银行提供的余额无法按借款合同拆分，"
                             f"而{p.name}只涉及{'、'.join(l.number for l in loans)}",
            "请按该当事人所涉借款核对并改写通知书中的金额", "claim.amounts"))
    demand.append("本通知书即为" + we + "向贵方提出的履行请求。" + (f"如有疑问，请与{we}联系（{contact}）。" if contact else ""))
    _limitation_note(filing, party, p.name)
    context = {
        "title": "催收通知书",
        "number": number,
        "addressee": ident,
        "addressee_role": role,
        "creditor": {"name": case.creditor.name, "address": case.creditor.address},
        "facts": facts,
        **_owed_lines(owed, debtor, we),
        "demand": demand,
        "consequences": _consequences(we, bool(pledged) or not borrowed),
        "notice_date_cn": date_in_chinese(filing.filing_date),
        **_receipt(filing, number, "催收通知书", ident["person"]),
    }
    return context


def demand_notice_contexts(filing: Filing, extras: Extras | None = None) -> list[tuple[str, dict]]:  # noqa: ARG001
    """One (file-name suffix, variables) per addressee of :func:`demand_addressees`."""
    return [(file_suffix(filing.case.parties[p].name), demand_notice_context(filing, p))
            for p in demand_addressees(filing)]


# --- 履行保证责任通知书 ----------------------------------------------------------------------------


def guarantors(filing: Filing) -> list[str]:
    """Party ids of the guarantors of the case file as read (``filing.recorded``), in order of
    first appearance: a guarantor the engine finds released still gets its notice, with a
    blocking review item."""
    return list(dict.fromkeys(g.guarantor for g in filing.recorded.guarantees))


def _period_clock(filing: Filing, g: Guarantee) -> Clock:
    """The guarantee period of ``g`` on the notice date, from the events up to that date."""
    case = filing.recorded
    upto = case.model_copy(update={"events": [e for e in case.events if e.date <= filing.filing_date]})
    return guarded("guarantee_period", g.guarantor, lambda: guarantee_clocks(upto, g, filing.filing_date))[0]


def _scope_items(g: Guarantee) -> set[str]:
    """Items of the debt the guarantee covers, read from its scope (保证范围; 民法典 art 691:
    principal, interest, penalty, damages and costs unless agreed otherwise)."""
    s = g.scope
    if any(w in s for w in ("全部债务", "全部债权", "全部欠款")):
        return set(_ITEMS)
    out = {"principal"} if "本金" in s or "主债权" in s else set()
    if "利息" in s:
        out.add("interest")
    if "罚息" in s or "逾期利息" in s:
        out.add("penalty_interest")
    if "复利" in s:
        out.add("compound_interest")
    if "费用" in s:
        out.add("costs")
    return out


def _release_rule(g: Guarantee, mode: GuaranteeKind) -> str | None:
    """The article that makes a demand keep the guarantor (民法典 art 693 ¶2 / 担保法 art 26 ¶2),
    or for a general guarantee the one that asks for a suit against the debtor; None where the
    law of the guarantee's date had none."""
    try:
        row = rule_for("security", "guarantee_release", {"contract_date": g.signed_on}).row
    except RuleNotFoundError:
        return None
    return row["general" if mode is GuaranteeKind.general else "joint"]


def _period_review(filing: Filing, g: Guarantee, clock: Clock, name: str, rule: str | None) -> None:
    notice = filing.filing_date
    what = f"保证人{name}（保证合同{g.number}）"
    if clock.status == "undetermined" or clock.date is None:
        _add_review(filing, ReviewItem("check", "保证", f"{what}的保证期间无法确定，请人工核定通知是否在保证期间内送达",
                                       "；".join(clock.notes) or "规则缺失", "guarantees[].period"))
        return
    end = date_in_chinese(clock.date)
    if clock.status == "satisfied":
        if notice > clock.date:
            _add_review(filing, ReviewItem(
                "note", "保证", f"{what}的保证期间已于{end}届满，但此前已在期间内主张权利；本通知用于中断保证债务的诉讼时效",
                "保证期间内主张权利后，保证债务适用诉讼时效", "民法典第六百九十四条"))
        return
    if notice > clock.date:
        _add_review(filing, ReviewItem(
            "blocking", "保证", f"{what}的保证期间已于{end}届满，通知日{date_in_chinese(notice)}在其后："
            "保证人已免除保证责任，本通知不能使其承担保证责任",
            "债权人未在保证期间内依法主张权利的，保证人不再承担保证责任；保证期间不发生中止、中断和延长",
            rule or "民法典第六百九十二条、第六百九十三条"))
        return
    left = (clock.date - notice).days
    if left < PERIOD_MARGIN_DAYS:
        _add_review(filing, ReviewItem(
            "check", "保证", f"{what}的保证期间于{end}届满，距通知日仅剩{left}日：通知必须在届满前到达保证人",
            "以通知到达保证人之日为主张权利之日；请当面送达取得签收，或以可查询妥投记录的方式邮寄",
            (rule or "民法典第六百九十三条") + "；诉讼时效规定第八条"))


def _mode_text(g: Guarantee, mode: GuaranteeKind) -> str:
    text = mode.value if mode is not GuaranteeKind.unspecified else "保证（未约定保证方式）"
    if g.kind is GuaranteeKind.unspecified and mode is not GuaranteeKind.unspecified:
        text += "（合同未约定保证方式，依法认定）"
    return text


def _cap(group: list[Guarantee], owed: Owed) -> tuple[Decimal, str]:
    """(amount the guarantor is asked for, the words of its limit) over the guarantor's contracts:
    capped at the sum of their maximum amounts or liability caps when every contract has one, or
    its share when every contract gives the same (as the complaint claims)."""
    cur = owed.currency
    total = owed.total
    if all(g.maximum_amount for g in group):
        cap = sum((g.maximum_amount for g in group), _ZERO)
        return min(total, cap), f"以最高债权额{money_text(cap, cur)}为限"
    if all(g.liability_cap for g in group):
        cap = sum((g.liability_cap for g in group), _ZERO)
        return min(total, cap), f"以{money_text(cap, cur)}为限"
    shares = {g.share for g in group}
    if len(shares) == 1 and None not in shares:
        share = shares.pop()
        return (total * share).quantize(_CENT, rounding=ROUND_HALF_UP), f"按{percent(share)}的份额"
    return total, ""


def guarantee_notice_context(filing: Filing, guarantor: str) -> dict:
    """Variables of ``guarantee_notice.docx`` (see templates/catalogue.toml) for one guarantor
    (a party id): 履行保证责任通知书 listing each of its guarantee contracts (title, number, date,
    mode, maximum amount, the agreed period and its end from the deadline engine's
    ``guarantee_period`` clock), the main debt (borrowers, contracts, draws, default), the
    amounts as of ``filing.as_of`` within the guarantee's scope and cap, and the express request
    that the guarantor assume guarantee liability and pay within ``notices.pay_within_days``
    days of receipt, citing the law of the guarantee's date (民法典 art 693 ¶2; 担保法 art 26 ¶2
    before 2021); with its 回执.

    Adds review items to ``filing.review``: ``blocking`` when the notice date is after a
    guarantee period's end and the period was not kept (the guarantor is released), ``check``
    when fewer than :data:`PERIOD_MARGIN_DAYS` days remain, ``check`` for a general guarantee
    (only a suit against the debtor keeps it). Raises KeyError for a party id the case lacks."""
    recorded = filing.recorded
    party = recorded.parties[guarantor]
    group = [g for g in recorded.guarantees if g.guarantor == guarantor]
    if not group:
        raise KeyError(guarantor)
    we = _we(filing)
    days = recorded.notices.pay_within_days
    number = notice_number(filing, "BZ", guarantor)
    ident = _identity(party)
    contracts, modes, cites = [], [], []
    items: set[str] = set()
    within = True  # the notice is dated within every contract's guarantee period
    for g in group:
        mode = resolved_mode(g)
        clock = _period_clock(filing, g)
        within = within and clock.date is not None and filing.filing_date <= clock.date
        rule = _release_rule(g, mode)
        _period_review(filing, g, clock, party.name, rule)
        loans = [l for l in recorded.loans if l.id in g.secures]
        text = (f"{date_in_chinese(g.signed_on)}，贵方与{we}签订《{g.title}》（编号：{g.number}），"
                f"为{'、'.join(dict.fromkeys(recorded.parties[b].name for l in loans for b in l.borrowers))}"
                f"在编号{'、'.join(l.number for l in loans)}借款合同项下的债务提供{_mode_text(g, mode)}")
        if g.maximum_amount:
            text += f"，为最高额保证，最高债权额{money_text(g.maximum_amount, filing.totals.currency)}"
            if g.claims_fixed_on:
                text += f"，债权确定日{date_in_chinese(g.claims_fixed_on)}"
        if g.liability_cap:
            text += f"，贵方以{money_text(g.liability_cap, filing.totals.currency)}为限承担保证责任"
        if g.share:
            text += f"，贵方按{percent(g.share)}的份额承担保证责任"
        text += f"；保证范围为{g.scope}"
        period = g.period or "合同未约定（依法律规定确定）"
        if clock.date is not None:
            period += f"，保证期间至{date_in_chinese(clock.date)}届满"
        text += f"；保证期间：{period}。"
        contracts.append(text)
        scope = _scope_items(g)
        items |= scope
        if scope != set(_ITEMS):
            _add_review(filing, ReviewItem(
                "check", "保证", f"保证合同{g.number}的保证范围为“{g.scope}”，通知只要求保证人对范围内的款项承担责任",
                "保证人在约定的保证范围内承担责任", "民法典第六百九十一条；guarantees[].scope"))
        if mode not in modes:
            modes.append(mode)
        if rule and rule not in cites:
            cites.append(rule)
        if mode is GuaranteeKind.general:
            _add_review(filing, ReviewItem(
                "check", "保证", f"保证人{party.name}（保证合同{g.number}）为一般保证：本通知不能代替在保证期间内对债务人提起诉讼或申请仲裁",
                "一般保证的债权人未在保证期间对债务人提起诉讼或者申请仲裁的，保证人不再承担保证责任",
                rule or "民法典第六百九十三条第一款"))
    loan_ids = {l for g in group for l in g.secures}
    loans = [l for l in filing.case.loans if l.id in loan_ids]
    owed = _owed(filing, loan_ids, items)
    if owed.whole and loan_ids != {l.id for l in filing.case.loans}:
        _add_review(filing, ReviewItem(
            "check", "保证", f"致{party.name}的履行保证责任通知书列出的是全案欠款：银行提供的余额无法按借款合同拆分，"
                             f"而其保证的只是{'、'.join(l.number for l in loans)}",
            "请按其保证的借款核对并改写通知书中的金额", "claim.amounts"))
    demanded, limit = _cap(group, owed)
    pay, contact = _payment_ways(filing, we)
    borrowers = "、".join(dict.fromkeys(filing.recorded.parties[b].name for l in loans for b in l.borrowers))
    basis = "、".join(cites) + "及" if cites else ""
    amount = money(demanded, owed.currency)
    limit_words = f"（{limit}）" if limit else ""
    demand = []
    if GuaranteeKind.general in modes:
        demand.append(f"根据{basis}上述保证合同的约定，{we}现正式要求贵方承担保证责任：对债务人{borrowers}的上述债务，"
                      f"在其财产依法强制执行后仍不能履行的部分，向{we}承担清偿责任{limit_words}。")
    if any(m is not GuaranteeKind.general for m in modes):
        word = "连带保证责任" if GuaranteeKind.joint in modes else "保证责任"
        demand.append(f"根据{basis}上述保证合同的约定，{we}现正式要求贵方对上述债务承担{word}，"
                      f"自收到本通知书之日起{days}日内代债务人{borrowers}向{we}清偿{amount}{limit_words}{pay}。")
    demand.append(f"本通知书即为{we}{'在保证期间内' if within else ''}向贵方提出的承担保证责任的请求。"
                  + (f"如有疑问，请与{we}联系（{contact}）。" if contact else ""))
    facts = _loan_facts(filing, loans, we)
    facts.append(_default_fact(filing, loans, f"债务人{borrowers}", we))
    return {
        "title": "履行保证责任通知书",
        "number": number,
        "addressee": ident,
        "addressee_role": "保证人",
        "creditor": {"name": filing.case.creditor.name, "address": filing.case.creditor.address},
        "contracts": contracts,
        "facts": facts,
        **_owed_lines(owed, f"债务人{borrowers}", we),
        "demand": demand,
        "consequences": _consequences(we, False),
        "notice_date_cn": date_in_chinese(filing.filing_date),
        **_receipt(filing, number, "履行保证责任通知书", ident["person"]),
    }


def guarantee_notice_contexts(filing: Filing, extras: Extras | None = None) -> list[tuple[str, dict]]:  # noqa: ARG001
    """One (file-name suffix, variables) per guarantor of :func:`guarantors`."""
    return [(file_suffix(filing.recorded.parties[p].name), guarantee_notice_context(filing, p))
            for p in guarantors(filing)]


# --- 授权委托书 ----------------------------------------------------------------------------------

# Powers by stage: (general, special). Special powers need express authorisation: to admit,
# waive or change claims, settle, counterclaim or appeal (民事诉讼法 2023 art 62 ¶2; a POA saying
# only 全权代理 gives none of them, 民诉法解释 art 89); in enforcement to waive or change rights,
# settle, or receive the money (执行工作若干问题的规定 item 20).
POWERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "suit": (
        ("代为提起诉讼，递交、签收诉讼文书及法律文书",
         "代为提交证据，申请调查收集证据，参加证据交换和质证",
         "代为申请财产保全、证据保全，提供担保",
         "代为参加庭审，陈述事实，进行辩论，发表代理意见",
         "代为申请回避、申请延期审理，核对并签署笔录"),
        ("代为承认、放弃、变更诉讼请求",
         "代为进行和解，参加调解，签署调解协议",
         "代为提起反诉",
         "代为提起上诉",
         "代为申请撤诉",
         "代为申请执行",
         "代为收取、领取案款"),
    ),
    "preservation": (
        ("代为提出财产保全申请，递交、签收法律文书",
         "代为提供担保及担保材料，提供被申请人的财产线索",
         "代为申请续行查封、扣押、冻结",
         "代为参加听证，陈述意见"),
        ("代为撤回保全申请、申请解除保全",
         "代为变更保全标的、同意置换保全财产"),
    ),
    "enforcement": (
        ("代为申请强制执行，递交、签收法律文书",
         "代为提供被执行人的财产线索，申请查询、查封、扣押、冻结、划拨、拍卖、变卖被执行人的财产",
         "代为申请续行查封、扣押、冻结，申请追加、变更被执行人",
         "代为参加执行听证、约谈，查阅、复制执行案卷材料",
         "代为对执行行为提出异议"),
        ("代为放弃、变更民事权利",
         "代为进行执行和解，签署执行和解协议",
         "代为接受以物抵债",
         "代为撤回执行申请",
         "代为收取执行款项及财物"),
    ),
}
_STAGE_ROLES = {"suit": ("原告", "被告"), "preservation": ("申请人", "被申请人"), "enforcement": ("申请执行人", "被执行人")}


def _agent_line(a) -> str:
    """受委托人 line: lawyer with firm; employee with unit and position; phone."""
    what = a.employer
    if a.kind == "lawyer":
        what += a.position if a.position and "律师" in a.position else "律师"
    elif a.position:
        what += a.position
    return f"{a.name}，{what}" + (f"，联系电话：{a.phone}" if a.phone else "")


def power_of_attorney_context(filing: Filing, stage: str = "suit") -> dict:
    """Variables of ``power_of_attorney.docx`` (see templates/catalogue.toml): 授权委托书 for the
    case's agents (at most two, 民事诉讼法 art 61) in ``stage`` (``suit``, ``preservation`` or
    ``enforcement``): the 委托单位 and its 负责人 / 法定代表人, each agent with unit or law firm and
    phone, the case (parties, cause, court), and per agent its authority with the general powers
    and, only for 特别授权, the special powers as a separate list (民事诉讼法 art 62 ¶2; 民诉法解释
    art 89; 执行工作若干问题的规定 item 20, which also asks the enforcement POA for a term).

    Raises ValueError for an unknown stage and for a case without agents (no 授权委托书 then:
    see ``DOCUMENTS['power_of_attorney'].needed``)."""
    if stage not in POWERS:
        raise ValueError(f"unknown stage {stage!r}; one of {', '.join(POWERS)}")
    case = filing.case
    if not case.agents:
        raise ValueError("the case has no agent (agents): no 授权委托书 is produced")
    cr = case.creditor
    general, special = POWERS[stage]
    ours, theirs = _STAGE_ROLES[stage]
    respondents = filing.defendant_names
    if stage == "enforcement" and case.judgment and case.judgment.respondents:
        respondents = "、".join(case.parties[r].name for r in case.judgment.respondents if r in case.parties)
    if stage == "suit":
        matter = f"{ours}{cr.name}诉{theirs}{respondents}{CAUSE_OF_ACTION}一案"
    elif stage == "preservation":
        matter = f"{ours}{cr.name}与{theirs}{respondents}{CAUSE_OF_ACTION}财产保全一案"
    else:
        matter = f"{ours}{cr.name}与{theirs}{respondents}{CAUSE_OF_ACTION}执行一案"
        if case.judgment:
            matter += f"（执行依据：{case.judgment.court}{case.judgment.case_number}{case.judgment.kind}）"
    names = "、".join(a.name for a in case.agents)
    role = "委托诉讼代理人" if stage == "suit" else "委托代理人"
    agents = []
    for i, a in enumerate(case.agents):
        special_powers = list(special) if a.authority == "特别授权" else []
        agents.append({
            "heading": f"受委托人（{ordinal(i + 1)}）" if len(case.agents) > 1 else "受委托人",
            "line": _agent_line(a),
            "name": a.name,
            "authority": a.authority,
            "general_powers": list(general),
            "special_powers": special_powers,
            "authority_line": f"受委托人{a.name}的代理权限为{a.authority}，代理事项如下：",
        })
    term = (f"委托期限：自本委托书签署之日起至本案执行程序终结之日止。" if stage == "enforcement" else "")
    return {
        "title": "授权委托书",
        "principal_lines": [
            f"委托单位：{cr.name}",
            f"住所：{cr.address}",
            f"{cr.role}：{cr.representative}，职务：{cr.representative_title}" + (f"，联系电话：{cr.phone}" if cr.phone else ""),
        ],
        "agents": agents,
        "appointment": f"现委托上列受委托人{names}在{case.court}审理（办理）的{matter}中，作为我单位的{role}。",
        "term": term,
        "principal_name": cr.name,
        "role": cr.role,
        "date_cn": date_in_chinese(filing.filing_date),
    }


# --- 法定代表人 / 负责人身份证明书 ----------------------------------------------------------------


def representative_certificate_context(filing: Filing, extras: Extras | None = None) -> dict:  # noqa: ARG001
    """Variables of ``representative_certificate.docx`` (see templates/catalogue.toml): the title
    by ``creditor.role`` (负责人身份证明书 for a branch, an other organisation represented by its
    principal officer; 法定代表人身份证明书 for a legal person: 民诉法解释 arts 50-52), the
    certifying sentence, the unit's name, address and identifiers, the seal line and the date."""
    cr = filing.case.creditor
    role = cr.role
    return {
        "title": f"{role}身份证明书",
        "role": role,
        "unit_lines": [f"单位名称：{cr.name}", f"住所：{cr.address}", *cr.identifier_lines()],
        "sentence": f"{cr.representative}在我单位任{cr.representative_title}职务，系我单位的{role}。",
        "attachment": f"附：{role}身份证明文件复印件、营业执照及金融许可证复印件",
        "unit": cr.name,
        "date_cn": date_in_chinese(filing.filing_date),
    }


# --- 送达地址确认书 --------------------------------------------------------------------------------


def _service_notes(filing: Filing) -> list[str]:
    """告知事项, paraphrasing the court's notice with electronic service as the law of the filing
    date allows it (民事诉讼法 2012 art 87; 2021 and 2023 art 90; 民诉法解释 arts 136, 137)."""
    notes = [
        "为便于当事人及时收到人民法院的诉讼文书，保证诉讼程序顺利进行，当事人应当如实提供确切的送达地址"
        "（《最高人民法院关于以法院专递方式邮寄送达民事诉讼文书的若干规定》第三条、第四条）。",
        "当事人拒不提供送达地址的，自然人以其户籍登记的住所地或者经常居住地、法人或者其他组织以其登记的住所地为送达地址"
        "（同规定第五条）。",
        "因受送达人提供或者确认的送达地址不准确、拒不提供送达地址、送达地址变更未及时告知人民法院，或者受送达人本人、"
        "其指定的代收人拒绝签收，导致诉讼文书未能被受送达人实际接收的，文书退回之日视为送达之日；"
        "受送达人能够证明自己在诉讼文书送达的过程中没有过错的除外（同规定第十一条）。",
    ]
    try:
        row = rule_for("service", "electronic_service", {"filing_date": filing.filing_date}).row
    except RuleAbsentError:
        row = None
    carry = (f"（{row['carries_over']}）" if row and row["carries_over"] else "")
    notes.append("当事人在第一审、第二审和执行终结前变更送达地址的，应当及时以书面方式告知人民法院；"
                 "未书面变更的，第一审程序中确认的送达地址适用于第二审程序、审判监督程序和执行程序" + carry + "。")
    if row:
        consent = f"，并应当在本确认书中予以确认（{row['consent_in_form']}）" if row["consent_in_form"] else ""
        if row["judgments"]:
            notes.append(f"经受送达人同意，人民法院可以采用能够确认其收悉的电子方式送达诉讼文书，包括判决书、裁定书、调解书"
                         f"{consent}；通过电子方式送达的判决书、裁定书、调解书，受送达人提出需要纸质文书的，人民法院应当提供；"
                         f"以送达信息到达受送达人特定系统的日期为送达日期（{row['cpl']}）。")
        else:
            notes.append(f"经受送达人同意，人民法院可以采用传真、电子邮件等能够确认其收悉的方式送达诉讼文书，"
                         f"但判决书、裁定书、调解书除外{consent}；以到达受送达人特定系统的日期为送达日期（{row['cpl']}）。")
    return notes


def service_address_context(filing: Filing, extras: Extras | None = None) -> dict:
    """Variables of ``service_address.docx`` (see templates/catalogue.toml): 送达地址确认书 of the
    creditor: 案号 (blank for a new suit), 案由, 告知事项 (:func:`_service_notes`), 送达地址及方式
    from ``creditor.service`` (指定签收人, 证件, address, postcode, phone, 是否接受电子送达 with the
    channels ticked), 受送达人确认, signature and date. Without ``creditor.service`` the creditor's
    own address and phone are used, the rest left blank to fill in, and a ``check`` review item
    is added (法院专递送达规定 arts 3-5, 11; 民诉法解释 arts 136, 137)."""
    cr = filing.case.creditor
    s = cr.service
    stage = extras.stage if extras is not None else "suit"
    case_number = ""
    if stage == "enforcement" and filing.case.judgment:
        case_number = f"（执行依据：{filing.case.judgment.case_number}）"
    if s is None:
        _add_review(filing, ReviewItem(
            "check", "送达", "案件档案未填写送达地址（creditor.service）：送达地址确认书暂用原告住所地和电话，指定签收人、证件和电子送达待填写",
            "当事人起诉时应当向人民法院提供或者确认准确的送达地址，填写送达地址确认书",
            "法院专递送达规定第三条、第四条；creditor.service"))
        recipient, id_type, id_number, address, postcode, phone, email = "", "", "", cr.address, "", cr.phone or "", ""
        yes = no = by_phone = by_email = UNTICKED
    else:
        recipient, address, postcode, phone, email = s.recipient, s.address, s.postcode or "", s.phone, s.email or ""
        id_type, id_number = ("居民身份证", s.id_number) if s.id_number else ("", "")
        yes, no = (TICKED, UNTICKED) if s.electronic else (UNTICKED, TICKED)
        by_phone = TICKED if s.electronic and s.phone else UNTICKED
        by_email = TICKED if s.electronic and s.email else UNTICKED
    return {
        "title": "送达地址确认书",
        "case_number": case_number,
        "cause": CAUSE_OF_ACTION,
        "notes": _service_notes(filing),
        "party": cr.name,
        "recipient": recipient,
        "id_type": id_type,
        "id_number": id_number,
        "address": address,
        "postcode": postcode,
        "phone": phone,
        "email": email,
        "electronic_yes": yes,
        "electronic_no": no,
        "by_phone": by_phone,
        "by_email": by_email,
        "confirmation": "我已经阅读本确认书的告知事项，保证上述送达地址及联系方式准确、有效；如有变更，将及时以书面方式告知人民法院。",
        "date_cn": date_in_chinese(filing.filing_date),
    }


# --- registry -----------------------------------------------------------------------------------


def _has_guarantors(filing: Filing) -> bool:
    return bool(filing.recorded.guarantees)


def _has_agents(filing: Filing) -> bool:
    return bool(filing.case.agents)


def _power_of_attorney(filing: Filing, extras: Extras) -> dict:
    stage = extras.stage if extras.stage in POWERS else "suit"
    return power_of_attorney_context(filing, stage)


#: The documents of this module as the stage table knows them (kind -> Document). The two
#: notices are one document per addressee (``per_party``); the 授权委托书 only when the case has
#: an agent; the certificate's title follows ``creditor.role`` (``title_for(filing)``: 负责人身份证明书
#: for a branch).
DOCUMENTS: dict[str, Document] = {
    "demand_notice": Document("demand_notice", "催收通知书", "demand_notice.docx", demand_notice_contexts,
                              per_party=True),
    "guarantee_notice": Document("guarantee_notice", "履行保证责任通知书", "guarantee_notice.docx",
                                 guarantee_notice_contexts, needed=_has_guarantors, per_party=True),
    "power_of_attorney": Document("power_of_attorney", "授权委托书", "power_of_attorney.docx", _power_of_attorney,
                                  needed=_has_agents),
    "representative_certificate": Document("representative_certificate", "法定代表人身份证明书",
                                           "representative_certificate.docx", representative_certificate_context,
                                           titled=lambda f: f"{f.case.creditor.role}身份证明书"),
    "service_address": Document("service_address", "送达地址确认书", "service_address.docx", service_address_context,
                                upload="送达地址确认书"),
}
register(*DOCUMENTS.values())
