"""The courts' element-style forms (要素式文书) of 法〔2025〕82号, filled from a filing.

The Supreme People's Court, the Ministry of Justice and the All China Lawyers Association issued
the forms on 2025-05-28 (in force 2025-07-14): a title, an instructions box (说明) that is part
of the form and is printed as the form has it, and a two-column table of elements (label | what
the party fills in), with □ boxes the party ticks. Every heading and every row of the form is
printed in the form's order even when nothing applies; rows of contracts are repeated per
contract as the form's 说明 item 4 allows.

- :func:`complaint_element_context`: 民事起诉状（金融借款合同纠纷）, variables of
  ``templates/complaint_element.docx``. The amounts are the filing's (:attr:`Filing.totals`), the
  claims, facts and the laws relied on are those of the narrative complaint
  (:mod:`legaldocs.filings.complaint`), so that the two forms cannot disagree.
- :func:`enforcement_element_context`: 强制执行申请书（申请执行用）, variables of
  ``templates/enforcement_element.docx``: the judgment relied on (执行依据), the money to enforce
  with the interest for delayed performance computed to the application date (民事诉讼法 2023 art
  264; 法释〔2014〕8号 art 1: the unpaid money debt other than general interest x 0.0175 % a day),
  the preservation measures with the earliest day one lapses, and the property leads.

Ticks: ☑ for a box the case decides, □ otherwise; the boxes of 对纠纷解决方式的意愿 are the
party's own choice and stay unticked. What a clerk must decide is added to ``filing.review``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from legaldocs.case.model import (
    Case,
    Collateral,
    EventKind,
    Guarantee,
    GuaranteeKind,
    LoanContract,
    NaturalPerson,
)
from legaldocs.chinese import date_in_chinese, money_text, percent, unit
from legaldocs.errors import RuleNotFoundError
from legaldocs.filings.applications import (
    DELAY_INTERPRETATION,
    DOCUMENT_NAMES,
    delay_interest,
    delay_interest_text,
    enforcement_period,
    enforcement_requests,
    enforcement_respondents,
    lead_line,
    seizure_measures,
)
from legaldocs.filings.claimed import CAUSE_OF_ACTION, ordinal
from legaldocs.filings.complaint import claims, facts, legal_basis, resolved_mode, security_claims
from legaldocs.filings.filing import Filing, ReviewItem
from legaldocs.law.rules import rule_for

TICKED, EMPTY = "☑", "□"

# 类型 of a legal person or unincorporated organisation, in the form's order (key, label)
ENTITY_TYPES = (
    ("llc", "有限责任公司"), ("jsc", "股份有限公司"), ("listed", "上市公司"), ("other_enterprise", "其他企业法人"),
    ("institution", "事业单位"), ("social_group", "社会团体"), ("foundation", "基金会"),
    ("social_service", "社会服务机构"), ("organ", "机关法人"), ("rural_collective", "农村集体经济组织法人"),
    ("cooperative", "城镇农村的合作经济组织法人"), ("grassroots", "基层群众性自治组织法人"),
    ("sole", "个人独资企业"), ("partnership", "合伙企业"), ("professional", "不具有法人资格的专业服务机构"),
)
# words of a name that tell the type, tried in order (a name says it only for these)
_TYPE_BY_NAME = (
    ("股份有限公司", "jsc"), ("有限责任公司", "llc"), ("有限公司", "llc"), ("合伙）", "partnership"),
    ("合伙)", "partnership"), ("合伙企业", "partnership"), ("个人独资", "sole"), ("基金会", "foundation"),
    ("专业合作社", "cooperative"), ("合作社", "cooperative"), ("村民委员会", "grassroots"),
    ("居民委员会", "grassroots"), ("律师事务所", "professional"), ("会计师事务所", "professional"),
)
_TYPE_SYNONYMS = {"有限公司": "llc", "股份公司": "jsc", "一人有限责任公司": "llc", "国有独资公司": "llc"}

REPAYMENT_METHODS = (
    ("equal_instalments", "等额本息"), ("equal_principal", "等额本金"), ("bullet", "到期一次性还本付息"),
    ("monthly_interest", "按月计息、到期一次性还本"), ("quarterly_interest", "按季计息、到期一次性还本"),
    ("yearly_interest", "按年计息、到期一次性还本"), ("other", "其他"),
)

# 文书类型 of the enforcement form (key, label); the judgment's kind ticks one
DOCUMENT_KINDS = (
    ("civil_judgment", "判决书"), ("civil_ruling", "裁定书"), ("civil_mediation", "调解书"),
    ("civil_sanction", "制裁决定"), ("civil_payment_order", "支付令"),
    ("criminal_judgment", "刑事附带民事判决书"), ("criminal_ruling", "刑事附带民事裁定书"),
    ("criminal_mediation", "刑事附带民事调解书"),
    ("admin_judgment", "判决书"), ("admin_ruling", "裁定书"), ("admin_mediation", "调解书"),
    ("admin_penalty", "行政处罚决定"), ("admin_decision", "行政处理决定"),
    ("arbitral_award", "裁决书"), ("arbitral_mediation", "调解书"), ("property_preservation", "财产保全裁定"),
    ("evidence_preservation", "证据保全裁定"), ("notarial", "赋予强制执行效力的债权文书"), ("other", "其他"),
)
_KIND_OF_JUDGMENT = {"判决书": "civil_judgment", "裁定书": "civil_ruling", "调解书": "civil_mediation",
                     "支付令": "civil_payment_order", "仲裁裁决书": "arbitral_award", "公证债权文书": "notarial"}

BLANK_DATE = "    年    月    日"


def box(ticked: bool) -> str:
    """'☑' for a ticked box, '□' for an empty one."""
    return TICKED if ticked else EMPTY


def _boxes(options, chosen: set[str]) -> dict[str, str]:
    return {key: box(key in chosen) for key, _ in options}


def _add_review(filing: Filing, item: ReviewItem) -> None:
    """Add ``item`` to the filing's review once (a document may be built more than once)."""
    if item not in filing.review:
        filing.review.append(item)


def _date(day: dt.date | None) -> str:
    return date_in_chinese(day) if day else BLANK_DATE


# --- parties -----------------------------------------------------------------------------------

def entity_type_key(name: str, entity_type: str | None) -> tuple[str | None, bool]:
    """The 类型 box of an organisation: (key of :data:`ENTITY_TYPES` or None, inferred from the
    name). ``entity_type`` (the case file's words) decides when it names an option; otherwise
    the name does where it says the type (…股份有限公司, …有限公司 under 公司法 arts 7, 8)."""
    if entity_type:
        text = entity_type.strip()
        for key, label in ENTITY_TYPES:
            if text == label:
                return key, False
        if text in _TYPE_SYNONYMS:
            return _TYPE_SYNONYMS[text], False
        return None, False
    for word, key in _TYPE_BY_NAME:
        if word in name:
            return key, True
    return None, True


def ownership_boxes(ownership: str | None) -> dict[str, str]:
    """所有制性质 boxes: 国有 (控股 / 参股), 民营, 其他 with its words (``other_text``)."""
    text = (ownership or "").strip()
    state = text.startswith("国有")
    return {
        "state": box(state), "controlling": box(state and "控股" in text), "minority": box(state and "参股" in text),
        "private": box(text == "民营"), "other": box(bool(text) and not state and text != "民营"),
        "other_text": text if text and not state and text != "民营" else "",
    }


def _blank_person(account: bool = False) -> dict:
    out = {"name": "", "male": EMPTY, "female": EMPTY, "birth_date": BLANK_DATE, "ethnicity": "", "employer": "",
           "position": "", "phone": "", "domicile": "", "residence": "", "id_type": "", "id_number": ""}
    if account:
        out.update(account_number="", account_name="", account_bank="")
    return out


def _person(p: NaturalPerson) -> dict:
    return {"name": p.name, "male": box(p.gender == "男"), "female": box(p.gender == "女"),
            "birth_date": date_in_chinese(p.birth_date), "ethnicity": p.ethnicity, "employer": p.employer or "",
            "position": "", "phone": p.phone or "", "domicile": p.address, "residence": p.habitual_residence or "",
            "id_type": "居民身份证", "id_number": p.id_number}


def _identifier(o) -> str:
    """The 统一社会信用代码, or for an entity registered before it the older numbers."""
    if o.uscc:
        return o.uscc
    return "无（" + "；".join(o.identifier_lines()) + "）"


def _blank_entity(*, listed: bool = True, account: bool = False) -> dict:
    options = ENTITY_TYPES if listed else tuple(o for o in ENTITY_TYPES if o[0] != "listed")
    out = {"name": "", "domicile": "", "registered": "", "representative": "", "title": "", "phone": "", "uscc": "",
           "type": _boxes(options, set()), "own": ownership_boxes(None)}
    if account:
        out.update(account_number="", account_name="", account_bank="")
    return out


def _entity(filing: Filing, o, *, listed: bool = True) -> dict:
    """An organisation's block; reviews its 类型 when the case file does not name an option."""
    options = ENTITY_TYPES if listed else tuple(x for x in ENTITY_TYPES if x[0] != "listed")
    key, inferred = entity_type_key(o.name, o.entity_type)
    if key == "listed" and not listed:
        key = "jsc"  # a listed company is a 股份有限公司 (公司法 art 120); the form has no 上市公司 box
    label = dict(ENTITY_TYPES).get(key or "", "")
    if key is None:
        _add_review(filing, ReviewItem(
            "check", "要素式文书", f"{o.name}的“类型”未能确定（案件材料：{o.entity_type or '未填写'}），表中未勾选",
            "要素式文书列明主体类型，请按营业执照勾选", "entity_type"))
    elif inferred:
        _add_review(filing, ReviewItem(
            "check", "要素式文书", f"{o.name}的“类型”按名称勾选为{label}",
            "案件材料未填写 entity_type；请按营业执照核对", "entity_type"))
    return {"name": o.name, "domicile": o.address, "registered": o.address, "representative": o.representative,
            "title": o.representative_title, "phone": o.phone or "", "uscc": _identifier(o),
            "type": _boxes(options, {key} if key else set()), "own": ownership_boxes(o.ownership)}


def _creditor_block(filing: Filing, *, listed: bool = True, account: bool = False) -> dict:
    cr = filing.case.creditor
    out = _entity(filing, cr, listed=listed)
    out["phone"] = cr.phone or ""
    out["title"] = cr.representative_title
    if account:
        acc = cr.account
        out.update(account_number=acc.number if acc else "", account_name=acc.name if acc else "",
                   account_bank=acc.bank if acc else "")
    return out


def _agents(case: Case) -> dict:
    """委托诉讼代理人: 有 / 无 and one block per agent (a blank block when there is none)."""
    blocks = [{"name": a.name, "employer": a.employer, "position": a.position or "", "phone": a.phone or "",
               "general": box(a.authority == "一般授权"), "special": box(a.authority == "特别授权")}
              for a in case.agents]
    if not blocks:
        blocks = [{"name": "", "employer": "", "position": "", "phone": "", "general": EMPTY, "special": EMPTY}]
    return {"present": box(bool(case.agents)), "absent": box(not case.agents), "blocks": blocks}


def party_blocks(filing: Filing, parties, role: str, *, listed: bool = True) -> list[dict]:
    """One block per party sued (``parties``: :class:`~legaldocs.filings.filing.Defendant` s in
    the filing's order), labelled as the claims and facts call them (被告一, 被执行人二 …) with
    their roles; then a blank block of the kind nobody is of (the form keeps both the natural-
    person and the organisation block). Each: {label, roles, is_person, p, o}, the block of the
    other kind blank."""
    out = []
    for d in parties:
        person = isinstance(d.party, NaturalPerson)
        out.append({"label": d.label, "roles": f"（{'、'.join(d.roles)}）" if d.roles else "", "is_person": person,
                    "p": _person(d.party) if person else _blank_person(),
                    "o": _blank_entity(listed=listed) if person else _entity(filing, d.party, listed=listed)})
    for person in (True, False):
        if not any(b["is_person"] is person for b in out):
            out.append({"label": role, "roles": "", "is_person": person, "p": _blank_person(),
                        "o": _blank_entity(listed=listed)})
    return out


# --- the complaint -----------------------------------------------------------------------------

def _accelerated_on(case: Case, loan: LoanContract, on: dt.date) -> dt.date | None:
    days = [e.date for e in case.events if e.kind is EventKind.acceleration and e.date <= on
            and (not e.loans or loan.id in e.loans)]
    return min(days) if days else None


def _balance(filing: Filing, loan: LoanContract):
    st = filing.statement
    return next((b for b in st.loans if b.loan == loan.id), None) if st is not None else None


def _rate_lines(loan: LoanContract) -> list[str]:
    """借款利率: contract rate, 逾期上浮 (the penalty rate), 复利, 罚息（违约金）, each with its clause."""
    def clause(text: str | None) -> str:
        return f"（合同条款：{text}）" if text else "（合同条款：第    条）"

    rate = f"利率{TICKED} {percent(loan.annual_rate)}/年"
    if loan.lpr is not None:
        spread = percent(abs(loan.lpr.spread))
        sign = "加" if loan.lpr.spread >= 0 else "减"
        rate += f"（{'一年期' if loan.lpr.term == '1y' else '五年期以上'}贷款市场报价利率{sign}{spread}，按合同约定重新定价）"
    for change in loan.rate_changes:
        rate += f"（{date_in_chinese(change.date)}起调整为{percent(change.annual_rate)}/年）"
    penalty = loan.penalty_uplift > 0
    compound_rate = loan.compound_rate or loan.penalty_rate
    return [
        rate + clause(loan.rate_clause),
        f"逾期上浮{box(penalty)} {percent(loan.penalty_rate) if penalty else '    %'}/年"
        + (f"（在借款利率基础上加收{percent(loan.penalty_uplift)}）" if penalty else "") + clause(loan.penalty_clause),
        f"复利{box(loan.compound_interest)}" + (f" 按年利率{percent(compound_rate)}计收" if loan.compound_interest else "")
        + clause(loan.compound_clause if loan.compound_interest else None),
        f"罚息（违约金）{box(penalty)} {percent(loan.penalty_rate) if penalty else '    %'}/年" + clause(loan.penalty_clause),
    ]


def _paid_interest_to(balance, paid: Decimal) -> dt.date | None:
    """The end of the last interest period the interest paid covers in full (还息至)."""
    covered, until = Decimal(0), None
    for line in balance.lines:
        if line.kind != "interest":
            continue
        covered += line.amount
        if covered > paid:
            break
        until = line.end
    return until


def _repaid(filing: Filing, loan: LoanContract, balance) -> tuple[Decimal, Decimal, dt.date | None]:
    """(principal repaid, interest repaid, interest paid to) of ``loan`` up to the cut-off date."""
    t, case = filing.totals, filing.case
    if balance is not None:
        interest = sum((amount for a in balance.allocations if a.date <= t.as_of
                        for part, amount in a.parts if part == "interest"), Decimal(0))
    else:
        interest = sum((r.amount for r in case.repayments if r.loan == loan.id and r.date <= t.as_of
                        and r.applied_to == "interest"), Decimal(0))
    if t.source == "engine" and balance is not None:
        principal = loan.disbursed - balance.principal
    elif len(case.loans) == 1:
        principal = loan.disbursed - t.principal
    else:
        principal = sum((r.amount for r in case.repayments if r.loan == loan.id and r.date <= t.as_of
                         and r.applied_to == "principal"), Decimal(0))
    until = _paid_interest_to(balance, interest) if balance is not None and interest > 0 else None
    return max(principal, Decimal(0)), interest, until


def _overdue(filing: Filing, loan: LoanContract, balance) -> tuple[dt.date | None, dt.date | None]:
    """(first due date missed, due date of the principal missed): the days after these are overdue."""
    principal_due = balance.overdue_since if balance is not None else None
    first = principal_due
    if balance is not None:
        starts = [l.start for l in balance.lines if l.kind in ("penalty_interest", "compound_interest")]
        if starts:
            first = min([*starts, *([principal_due] if principal_due else [])])
    if first is None and filing.filing_date > loan.maturity:
        first = principal_due = loan.maturity
    return first, principal_due


def _loan_rows(filing: Filing, loan: LoanContract, several: bool) -> dict:
    """事实与理由 items 1-9 of one loan contract."""
    case, cur = filing.case, filing.case.claim.currency
    head = f"《{loan.title}》（编号：{loan.number}）"
    tag = f"{head}：" if several else ""
    parties = filing.recorded.parties
    balance = _balance(filing, loan)
    accelerated = _accelerated_on(case, loan, filing.filing_date)
    matured = filing.filing_date > loan.maturity or accelerated is not None
    term = f"{date_in_chinese(loan.term_start)}起至{date_in_chinese(loan.maturity)}止"
    if accelerated is not None and filing.filing_date <= loan.maturity:
        term += f"（原告已于{date_in_chinese(accelerated)}宣布提前到期）"
    principal, interest, until = _repaid(filing, loan, balance)
    first, principal_due = _overdue(filing, loan, balance)
    overdue_text = ""
    if first is not None:
        days = (filing.filing_date - first).days
        overdue_text = f"{date_in_chinese(first + dt.timedelta(days=1))}起，至起诉时已逾期{days}天"
        if principal_due is not None and principal_due != first:
            overdue_text += f"（欠付利息自{date_in_chinese(first + dt.timedelta(days=1))}起逾期，借款本金自" \
                            f"{date_in_chinese(principal_due + dt.timedelta(days=1))}起逾期）"
    method = loan.repayment_method.name
    return {
        "contract": tag + f"{date_in_chinese(loan.signed_on)}，" + (f"在{loan.signed_at}" if loan.signed_at else "")
        + f"签订{head}",
        "lender": case.creditor.name,
        "borrowers": "、".join(parties[r].name for r in loan.borrowers),
        "tag": tag,
        "agreed": money_text(loan.principal, cur),
        "disbursed": money_text(loan.disbursed, cur),
        "matured": box(matured), "not_matured": box(not matured),
        "term": term,
        "rates": _rate_lines(loan),
        "draws": [f"{date_in_chinese(d.date)}，发放{money_text(d.amount, cur)}"
                  + (f"（借据编号：{d.receipt_number}，" if d.receipt_number else "（")
                  + f"到期日{date_in_chinese(d.maturity)}）" for d in loan.draws],
        "method": _boxes(REPAYMENT_METHODS, {method}),
        "repaid_principal": money_text(principal, cur),
        "repaid_interest": money_text(interest, cur),
        "interest_paid_to": _date(until),
        "overdue": box(first is not None), "not_overdue": box(first is None),
        "overdue_text": overdue_text,
    }


def _collateral_rows(filing: Filing, c: Collateral) -> dict:
    """事实与理由 items 10-13 of one collateral."""
    kind = "抵押" if c.kind == "mortgage" else "质押"
    title = c.contract_title or ("最高额抵押合同" if c.maximum_amount and c.kind == "mortgage" else f"{kind}合同")
    registered = c.registration_kind != "未登记"
    detail = []
    if c.certificate_number:
        detail.append(f"登记证明号：{c.certificate_number}")
    if c.registered_on:
        detail.append(f"登记日期：{date_in_chinese(c.registered_on)}")
    return {
        "signed": TICKED, "not_signed": EMPTY,
        "signed_on": f"{date_in_chinese(c.signed_on)}（《{title}》，编号：{c.contract_number}）",
        "provider": filing.recorded.parties[c.owner].name,
        "collateral": c.description,
        "maximum": box(c.maximum_amount is not None), "not_maximum": box(c.maximum_amount is None),
        "fixed_on": "",
        "limit": money_text(c.maximum_amount, filing.case.claim.currency) if c.maximum_amount else "",
        "registered": box(registered), "formal": box(c.registration_kind == "正式登记"),
        "advance": box(c.registration_kind == "预告登记"), "not_registered": box(not registered),
        "registration": "（" + "；".join(detail) + "）" if detail and registered else "",
    }


_NO_COLLATERAL = {"signed": EMPTY, "not_signed": TICKED, "signed_on": "", "provider": "", "collateral": "",
                  "maximum": EMPTY, "not_maximum": TICKED, "fixed_on": "", "limit": "", "registered": EMPTY,
                  "formal": EMPTY, "advance": EMPTY, "not_registered": TICKED, "registration": ""}


def _guarantee_rows(filing: Filing, g: Guarantee) -> dict:
    """事实与理由 items 14-15 of one guarantee."""
    case, cur = filing.case, filing.case.claim.currency
    mode = resolved_mode(g)
    numbers = "、".join(l.number for l in case.loans if l.id in g.secures)
    text = f"《{g.title}》（编号：{g.number}），为编号{numbers}借款合同项下债务提供保证"
    if g.maximum_amount:
        text += f"，最高债权额{money_text(g.maximum_amount, cur)}"
        if g.claims_fixed_on:
            text += f"，债权确定日{date_in_chinese(g.claims_fixed_on)}"
    if g.liability_cap:
        text += f"，以{money_text(g.liability_cap, cur)}为限"
    if g.share:
        text += f"，按{percent(g.share)}的份额承担"
    text += f"；保证范围：{g.scope}；保证期间：{g.period or '未约定'}"
    note = ""
    if g.kind is GuaranteeKind.unspecified:
        note = (f"（合同未约定保证方式，依签订时的法律按{mode.value}）" if mode is not GuaranteeKind.unspecified
                else "（合同未约定保证方式）")
    return {"signed": TICKED, "not_signed": EMPTY, "signed_on": date_in_chinese(g.signed_on),
            "guarantor": filing.recorded.parties[g.guarantor].name, "summary": text,
            "general": box(mode is GuaranteeKind.general), "joint": box(mode is GuaranteeKind.joint), "note": note}


def _released_rows(filing: Filing, g: Guarantee) -> dict:
    """Items 14-15 of a guarantee signed but found released: the contract stated, with why the
    guarantor is not sued."""
    row = _guarantee_rows(filing, g)
    clock = filing.released[g.id]
    end = f"于{date_in_chinese(clock.date)}" if clock.date else ""
    row["summary"] += f"（保证期间已{end}届满，原告未在保证期间内主张权利，保证人已免除保证责任，本案未将其列为被告）"
    return row


_NO_GUARANTEE = {"signed": EMPTY, "not_signed": TICKED, "signed_on": "", "guarantor": "", "summary": "",
                 "general": EMPTY, "joint": EMPTY, "note": ""}


def _interest_method(filing: Filing) -> str:
    """计算方式 of item 2: each loan's rates, where the figures come from, how they run on."""
    t = filing.totals
    parts = []
    for loan in filing.case.loans:
        text = f"《{loan.title}》（编号：{loan.number}）：期内利息按年利率{percent(loan.annual_rate)}"
        if loan.penalty_uplift > 0:
            text += f"，逾期罚息按年利率{percent(loan.penalty_rate)}"
        if loan.compound_interest:
            text += f"，对欠付利息按年利率{percent(loan.compound_rate or loan.penalty_rate)}计收复利"
        parts.append(text)
    source = "，计算明细见《欠款明细表》" if filing.statement_is_basis else "，金额依原告核算"
    return "；".join(parts) + source + "。" + (f"此后：{t.continuing}。" if t.continuing else "")


def _pre_suit_preservation(filing: Filing) -> list[dict]:
    """Pre-suit preservation rulings (财产保全裁定 before any suit), as 是否已经诉前保全 lists them."""
    case = filing.case
    suits = [e.date for e in case.events if e.kind is EventKind.suit_filed]
    out = []
    for e in sorted(case.events, key=lambda e: e.date):
        if e.kind is EventKind.preservation_ruling and not any(s <= e.date for s in suits):
            out.append({"court": case.court, "date": date_in_chinese(e.executed_on or e.date),
                        "number": e.case_number or ""})
            _add_review(filing, ReviewItem(
                "check", "要素式文书", f"诉前保全（{date_in_chinese(e.date)}裁定）的保全法院按受诉法院{case.court}填写",
                "诉前保全可以向被保全财产所在地、被申请人住所地或者有管辖权的人民法院申请，请核对", "events[].kind"))
            if not e.case_number:
                _add_review(filing, ReviewItem(
                    "check", "要素式文书", f"诉前保全（{date_in_chinese(e.date)}裁定）未录入保全案号",
                    "要素式起诉状载明保全案号", "events[].case_number"))
    if not out and case.preservation is not None and case.preservation.stage == "before_suit":
        _add_review(filing, ReviewItem(
            "check", "要素式文书", "案件材料为诉前保全，但未录入财产保全裁定，“是否已经诉前保全”勾选为“否”",
            "已经采取诉前保全的，请录入财产保全裁定事件（案号、日期）", "preservation.stage"))
    return out


def _jurisdiction(filing: Filing) -> tuple[bool, str]:
    clauses = [f"《{l.title}》（编号：{l.number}）{l.jurisdiction_clause}" for l in filing.case.loans
               if l.jurisdiction_clause]
    if not clauses:
        _add_review(filing, ReviewItem(
            "check", "要素式文书", "“有无仲裁、法院管辖约定”按案件材料勾选为“无”",
            "案件材料未录入管辖条款（loans[].jurisdiction_clause），请核对合同", "loans[].jurisdiction_clause"))
    return bool(clauses), "；".join(clauses)


def _contract_basis(filing: Filing) -> str:
    """合同约定 of item 17: each contract, with the clauses of the loans on rates and charges."""
    case = filing.case
    out = []
    for loan in case.loans:
        clauses = list(dict.fromkeys(c for c in (loan.rate_clause, loan.penalty_clause, loan.compound_clause) if c))
        out.append(f"《{loan.title}》（编号：{loan.number}）" + "、".join(clauses))
    out += [f"《{g.title}》（编号：{g.number}）" for g in case.guarantees]
    for c in case.collateral:
        kind = "抵押" if c.kind == "mortgage" else "质押"
        title = c.contract_title or ("最高额抵押合同" if c.maximum_amount and c.kind == "mortgage" else f"{kind}合同")
        out.append(f"《{title}》（编号：{c.contract_number}）")
    return "，".join(out)


def _later_payments(filing: Filing) -> list[str]:
    t, case = filing.totals, filing.case
    later = sorted((r for r in case.repayments if t.as_of < r.date <= filing.filing_date), key=lambda r: r.date)
    names = "、".join(filing.recorded.parties[b].name for b in case.borrower_ids())
    return [f"{date_in_chinese(r.date)}，{names}偿还{money_text(r.amount, t.currency)}"
            + {"principal": "用于归还本金", "interest": "用于归还利息"}.get(r.applied_to, "")
            + f"，原告同意在上述债务中予以扣减（诉讼请求金额暂计至{date_in_chinese(t.as_of)}）。" for r in later]


def complaint_element_context(filing: Filing, extras=None) -> dict:
    """Variables of ``templates/complaint_element.docx`` (民事起诉状（金融借款合同纠纷）, the
    element-style form of 法〔2025〕82号; see templates/catalogue.toml) for a
    :class:`~legaldocs.filings.filing.Filing`.

    ``extras``: an object with ``evidence_no`` (evidence id -> number in the 证据目录) for the
    references of the narrative facts; optional. Every amount is the filing's
    (:attr:`Filing.totals`); the claims and facts in full are the narrative complaint's; item 17
    cites the laws of each contract's date (:func:`~legaldocs.filings.complaint.legal_basis`).
    Adds to ``filing.review`` what a clerk must check (types inferred from names, a court of a
    pre-suit preservation, a jurisdiction clause not recorded).
    """
    case, t = filing.case, filing.totals
    cur = t.currency
    evidence_no = getattr(extras, "evidence_no", None) or {}
    as_of = date_in_chinese(t.as_of)
    currency_note = "人民币，下同" if cur == "CNY" else f"外币：{unit(cur)}，下同"
    debt_item = 2 if case.claim.acceleration else 1
    items = f"第{debt_item}项" if not case.claim.costs else f"第{debt_item}、{debt_item + 1}项"
    securities = [s.rstrip("；。") for s in security_claims(filing, f"上述{items}债务")]
    costs = "；".join(f"{c.name}{money_text(c.amount, c.currency)}" + (f"（合同{c.clause}）" if c.clause else "")
                     for c in case.claim.costs)
    total = f"{money_text(t.total, cur)}（暂计至{as_of}）"
    if cur != "CNY":
        total += f"，折合人民币{money_text(t.fee_base)}（{date_in_chinese(t.exchange_rate_on)}汇率{t.exchange_rate}）"
    preservations = _pre_suit_preservation(filing)
    agreed, clauses = _jurisdiction(filing)
    several = len(case.loans) > 1
    later = _later_payments(filing)
    basis = legal_basis(filing)
    cr = case.creditor
    return {
        "plaintiff_person": _blank_person(),
        "plaintiff": _creditor_block(filing),
        "agents": _agents(case),
        "defendants": party_blocks(filing, filing.defendants, "被告"),
        "third_person": _blank_person(),
        "third_entity": _blank_entity(),
        "claims_text": claims(filing),
        "principal": {"as_of": as_of, "amount": money_text(t.principal, cur), "currency": currency_note},
        "interest": {
            "as_of": as_of, "total": money_text(t.interest + t.penalty_interest + t.compound_interest, cur),
            "contract": money_text(t.interest, cur), "compound": money_text(t.compound_interest, cur),
            "penalty": money_text(t.penalty_interest, cur), "method": _interest_method(filing),
            "continuing": box(bool(t.continuing)), "not_continuing": box(not t.continuing),
        },
        "acceleration": {"yes": box(case.claim.acceleration), "early": box(case.claim.acceleration),
                         "termination": EMPTY, "no": box(not case.claim.acceleration)},
        "security": {"yes": box(bool(securities)), "no": box(not securities), "claims": securities},
        "costs": {"yes": box(bool(case.claim.costs)), "no": box(not case.claim.costs), "detail": costs},
        "court_costs": {"yes": box(case.claim.claim_court_costs), "no": box(not case.claim.claim_court_costs)},
        "other_claims": "无",
        "total": total,
        "jurisdiction": {"yes": box(agreed), "no": box(not agreed), "clauses": clauses},
        "preservation": {"yes": box(bool(preservations)), "no": box(not preservations),
                         "measures": preservations or [{"court": "", "date": "", "number": ""}]},
        "facts_text": facts(filing, evidence_no),
        "loans": [_loan_rows(filing, loan, several) for loan in case.loans],
        "collateral": [_collateral_rows(filing, c) for c in case.collateral] or [dict(_NO_COLLATERAL)],
        # a guarantee signed but released is still a fact of item 14; it is not claimed on
        "guarantees": [_guarantee_rows(filing, g) if g.id not in filing.released else _released_rows(filing, g)
                       for g in filing.recorded.guarantees] or [dict(_NO_GUARANTEE)],
        "other_security": {"yes": EMPTY, "no": TICKED},
        "basis": {"contracts": _contract_basis(filing),
                  "laws": "，".join(f"《{law}》" + "、".join(articles) for law, articles in basis.items())},
        "other_facts": later or ["无"],
        "evidence": "见《证据目录》",
        "signer": f"{cr.representative}　{cr.name}",
        "date": date_in_chinese(filing.filing_date),
    }


# --- the enforcement application ---------------------------------------------------------------

def _enforcement_review(filing: Filing, measures) -> None:
    """What a clerk must check before filing the form: no judgment, no account for payment, the
    application period run or the performance period not yet, the seizures that lapse."""
    case, applied = filing.case, filing.filing_date
    j = case.judgment
    if j is None:
        _add_review(filing, ReviewItem("blocking", "执行依据", "未录入执行依据（判决书等生效法律文书），强制执行申请书相应栏目为空",
                                       "申请执行须提交生效法律文书副本及生效证明", "judgment"))
    else:
        clock = enforcement_period(filing)
        if clock is not None and clock.date is not None and clock.status == "expired":
            _add_review(filing, ReviewItem(
                "blocking", "申请执行期间", f"申请执行期间已于{date_in_chinese(clock.date)}届满，申请日为{date_in_chinese(applied)}",
                "被执行人提出异议且异议成立的，裁定不予执行；如有中断、中止的证据，请录入该事件",
                clock.chain[0].rule if clock.chain else "民事诉讼法第二百五十条"))
        if applied <= j.performance_due:
            _add_review(filing, ReviewItem("blocking", "申请执行", f"履行期间至{date_in_chinese(j.performance_due)}尚未届满",
                                           "申请执行须在法律文书确定的履行期间届满后、被执行人未履行时提出",
                                           "执行工作若干问题的规定第十六条"))
    if case.creditor.account is None:
        _add_review(filing, ReviewItem("check", "收款账户", "没有写明申请执行人的收款账户",
                                       "强制执行申请书载明银行账号、开户名、开户行，执行款汇入该账户", "creditor.account"))
    if any(a.authority == "一般授权" for a in case.agents):
        _add_review(filing, ReviewItem("check", "执行", "委托代理人为一般授权：代为领取执行款须有特别授权",
                                       "执行中放弃、变更权利，和解，领取执行款须有特别授权", "执行工作若干问题的规定第二十条"))
    for m in measures:
        what = f"{m.measure}{m.property or '（未写明财产）'}"
        if m.expiry is None:
            _add_review(filing, ReviewItem("check", "保全", f"{what}的到期日无法计算：未注明财产类别",
                                           "强制执行申请书须写明保全措施最早到期时间；请以协助执行通知书为准并在 asset 中注明",
                                           "events[].asset"))
        elif m.days_left is not None and m.days_left < 0:
            _add_review(filing, ReviewItem("check", "保全", f"{what}已于{date_in_chinese(m.expiry)}届满",
                                           "期限届满未续行的，查封、冻结效力消灭；如已续行，请录入续行后的查封冻结事件",
                                           m.cap_citation or "民诉法解释第四百八十五条"))
        elif m.lead_days and m.days_left is not None and m.days_left < m.lead_days:
            _add_review(filing, ReviewItem("blocking", "保全", f"{what}将于{date_in_chinese(m.expiry)}届满，距申请日不足"
                                           f"{m.lead_days}日：请立即申请续行", "续行保全应当在保全期限届满七日前提出",
                                           m.lead_citation))


def _preservation(filing: Filing, measures) -> dict:
    """是否有诉前 / 诉讼保全: the case numbers of the preservation rulings and seizures, the
    earliest expiry of a measure still in force (or the earliest lapsed one, marked), and one line
    per measure."""
    applied = filing.filing_date
    rulings = [e for e in filing.case.events if e.kind is EventKind.preservation_ruling and e.date <= applied]
    numbers = list(dict.fromkeys([*(e.case_number for e in rulings if e.case_number),
                                  *(m.ruling for m in measures if m.ruling)]))
    expiries = sorted(m.expiry for m in measures if m.expiry)
    current = [d for d in expiries if d >= applied]
    earliest = (date_in_chinese(current[0]) if current
                else date_in_chinese(expiries[0]) + "（已届满）" if expiries else BLANK_DATE)
    lines = []
    for m in measures:
        until = f"至{date_in_chinese(m.expiry)}止" if m.expiry else "期限以协助执行通知书为准"
        lines.append((f"{m.ruling}：" if m.ruling else "") + f"{m.measure}{m.property or '（未写明财产）'}，"
                     f"自{date_in_chinese(m.start)}起{until}")
    present = bool(rulings or measures)
    return {"yes": box(present), "no": box(not present), "numbers": "、".join(numbers), "earliest": earliest,
            "measures": lines}


def enforcement_element_context(filing: Filing, extras=None) -> dict:  # noqa: ARG001 - same shape as the others
    """Variables of ``templates/enforcement_element.docx`` (强制执行申请书（申请执行用）, the
    element-style form of 法〔2025〕82号; see templates/catalogue.toml) for a
    :class:`~legaldocs.filings.filing.Filing` whose ``filing_date`` is the application date.

    The applicant is the creditor with its account (``creditor.account``: 银行账号, 开户名, 开户行);
    the respondents, the requests and the interest for delayed performance are those of the
    narrative application (:mod:`legaldocs.filings.applications`: ``judgment.respondents``,
    default the defendants; the doubled part = the money debt other than general interest x the
    daily rate of 法释〔2014〕8号 art 1 from the day after ``judgment.performance_due``, 民事诉讼法
    2023 art 264, written with its formula and figure); the judgment relied on (执行依据) with its
    operative paragraphs; the preservation measures with the earliest day one lapses (the
    deadline engine's seizure_expiry clocks); the property leads (执行工作若干问题的规定 item 18).
    Without a judgment the judgment's fields stay blank and a blocking review item says so.
    """
    case, applied = filing.case, filing.filing_date
    j = case.judgment
    measures = seizure_measures(filing)
    _enforcement_review(filing, measures)
    if j is not None:
        respondents = enforcement_respondents(filing)
    else:
        respondents = tuple(replace(d, label="被执行人" if len(filing.defendants) == 1 else f"被执行人{ordinal(i + 1)}")
                            for i, d in enumerate(filing.defendants))
    by_id = {d.id: d for d in respondents}
    leads = [lead_line(lead, by_id[lead.owner], measure=False) for lead in case.property_leads if lead.owner in by_id]
    money = {"yes": EMPTY, "principal_box": EMPTY, "principal": "", "interest_box": EMPTY, "interest": "",
             "delay_box": EMPTY, "delay": "", "costs_box": EMPTY, "costs": ""}
    summary, requests, other = "", [], []
    if j is not None:
        doc = DOCUMENT_NAMES[j.kind]
        requests = enforcement_requests(filing)
        interest = []
        if j.interest:
            interest.append(money_text(j.interest) + (f"（计至{date_in_chinese(j.interest_until)}）" if j.interest_until else ""))
        if j.continuing:
            interest.append(f"此后按{doc}确定的标准计算：{j.continuing.rstrip('。；;')}")
        delay = delay_interest(filing)
        law = _citation("delay_performance", applied)
        money.update(
            yes=TICKED, principal_box=TICKED, principal=money_text(j.principal),
            interest_box=box(bool(interest)), interest="；".join(interest),
            delay_box=box(delay is not None),
            delay=(delay_interest_text(filing) + "，此后继续计算至实际履行之日止（依据："
                   + "、".join(x for x in (law, DELAY_INTERPRETATION) if x) + "）") if delay is not None else "",
            costs_box=box(bool(j.costs)),
            costs=(f"{doc}确定由被执行人负担的其他款项{money_text(j.costs)}；" if j.costs else "") + "执行费用由被执行人负担")
        other = [r.rstrip("；。") for r in requests if r.startswith("依法拍卖") or "承担连带清偿责任" in r or "承担保证责任" in r]
        names = "、".join(d.name for d in respondents)
        summary = (f"{j.court}作出的{j.case_number}{doc}已于{date_in_chinese(j.effective_on)}发生法律效力，"
                   f"履行期间于{date_in_chinese(j.performance_due)}届满，被执行人{names}未履行{doc}确定的给付义务，"
                   f"申请执行人请求强制执行：")
    cr = case.creditor
    return {
        "applicant_person": _blank_person(account=True),
        "applicant": _creditor_block(filing, listed=False, account=True),
        "agents": _agents(case),
        "respondents": party_blocks(filing, respondents, "被执行人", listed=False),
        "document_kind": _boxes(DOCUMENT_KINDS, {_KIND_OF_JUDGMENT[j.kind]} if j is not None else set()),
        "issuer": j.court if j is not None else "",
        "cause": CAUSE_OF_ACTION,
        "case_number": j.case_number if j is not None else "",
        "effective_on": _date(j.effective_on if j is not None else None),
        "operative": list(j.operative) if j is not None else [],
        "summary": summary,
        "requests": [f"{i}. {r}" for i, r in enumerate(requests, start=1)],
        "money": money,
        "conduct": EMPTY, "delivery": EMPTY,
        "other": {"box": box(bool(other)), "lines": other},
        "preservation": _preservation(filing, measures),
        "leads": [f"{i}. {x}。" for i, x in enumerate(leads, start=1)],
        "signer": f"{cr.representative}　{cr.name}",
        "date": date_in_chinese(applied),
    }


def _citation(kind: str, on: dt.date) -> str | None:
    try:
        return rule_for("statutes", kind, {"application_date": on}).row["citation"]
    except RuleNotFoundError:
        return None


# document kind -> (Chinese title, the file name in a packet; template; context function)
DOCUMENTS = {
    "complaint_element": ("民事起诉状", "complaint_element.docx", complaint_element_context),
    "enforcement_element": ("强制执行申请书", "enforcement_element.docx", enforcement_element_context),
}


def _register() -> None:
    """Make the forms known to the stage table (:mod:`legaldocs.filings.stages`): each replaces
    the narrative document of its stage when the filing's form is ``element``."""
    from legaldocs.filings.stages import Document, register

    register(
        Document("complaint_element", *DOCUMENTS["complaint_element"], needed=lambda f: f.form == "element",
                 attached=False, upload="起诉状"),
        Document("enforcement_element", *DOCUMENTS["enforcement_element"],
                 needed=lambda f: f.case.judgment is not None and f.form == "element", attached=False,
                 upload="强制执行申请书"),
    )


_register()
