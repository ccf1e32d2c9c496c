"""The civil complaint (民事起诉状, 金融借款合同纠纷) built from a case record.

:func:`complaint_context` turns a :class:`~legaldocs.case.model.Case` into the variables of
``templates/complaint.docx``: plaintiff and every defendant with all identity elements
(民事诉讼法 art 124), the claims (本金; 利息, 罚息 and 复利 暂计至 the as-of date and how they run on
until paid; each guarantor's joint or supplementary liability within its maximum amount; priority
over collateral; costs), the facts and reasons drawn from the contracts and events, the court and
the date. Amounts appear in figures and in capitals (大写).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from legaldocs.chinese import date_in_chinese, money_text, percent, unit
from legaldocs.case.model import (
    Case,
    Collateral,
    Event,
    EventKind,
    Guarantee,
    GuaranteeKind,
    LoanContract,
    NaturalPerson,
    Organization,
)
from legaldocs.deadlines.clocks import guarantee_mode
from legaldocs.errors import RuleNotFoundError
from legaldocs.law.rules import rule_for
from legaldocs.filings.claimed import ClaimTotals, money, ordinal

def _person_line(p: NaturalPerson) -> str:
    parts = [p.name, p.gender, f"{date_in_chinese(p.birth_date)}出生", p.ethnicity]
    if p.employer:
        parts.append(f"工作单位：{p.employer}")
    parts.append(f"住{p.address}")
    if p.habitual_residence:
        parts.append(f"经常居住地：{p.habitual_residence}")
    parts.append(f"公民身份号码：{p.id_number}")
    if p.phone:
        parts.append(f"联系电话：{p.phone}")
    return "，".join(parts) + "。"


def _organization_lines(o: Organization) -> list[str]:
    first = "，".join([f"{o.name}，住所地：{o.address}", *o.identifier_lines()])
    if o.phone:
        first += f"，联系电话：{o.phone}"
    return [first + "。", f"{o.representative_title}：{o.representative}。"]


def creditor_lines(case: Case, role: str = "原告") -> list[str]:
    """The creditor as ``role`` (原告, 申请人, 申请执行人): name, 住所地, identifier; then its 负责人 or
    法定代表人 with title and phone."""
    cr = case.creditor
    return [
        "，".join([f"{role}：{cr.name}，住所地：{cr.address}", *cr.identifier_lines()]) + "。",
        f"{cr.role}：{cr.representative}，{cr.representative_title}" + (f"，联系电话：{cr.phone}" if cr.phone else "") + "。",
    ]


def agent_lines(case: Case, role: str = "委托诉讼代理人") -> list[str]:
    """One line per agent (at most two, 民事诉讼法 art 61): name, unit and position, phone."""
    out = []
    for a in case.agents:
        line = f"{role}：{a.name}，{a.employer}" + (f"{a.position}" if a.position else "")
        if a.phone:
            line += f"，联系电话：{a.phone}"
        out.append(line + "。")
    return out


def defendant_lines(filing, refs: list[str] | None = None, role: str | None = None) -> list[str]:
    """Identity lines of the defendants of ``filing`` (or of the parties ``refs``, in that order)
    with every element 民事诉讼法 art 124 asks for: '被告一（借款人、抵押人）：陈立，男，…'. ``role``
    replaces the label (被申请人, 被执行人: numbered the same way when there are several)."""
    chosen = [d for d in filing.defendants if refs is None or d.id in refs]
    out: list[str] = []
    for i, d in enumerate(chosen):
        label = d.label if role is None else (role if len(chosen) == 1 else f"{role}{ordinal(i + 1)}")
        head = f"{label}（{'、'.join(d.roles)}）：" if d.roles else f"{label}："
        if isinstance(d.party, NaturalPerson):
            out.append(head + _person_line(d.party))
        else:
            first, rep = _organization_lines(d.party)
            out += [head + first, rep]
    return out


def party_lines(filing) -> tuple[list[str], list[str], list[str]]:
    """(plaintiff lines, agent lines, defendant lines) of the complaint's party block."""
    return creditor_lines(filing.case), agent_lines(filing.case), defendant_lines(filing)


def _interest_parts(t: ClaimTotals) -> list[str]:
    parts = []
    if t.interest:
        parts.append(f"利息{money_text(t.interest, t.currency)}")
    if t.penalty_interest:
        parts.append(f"罚息{money_text(t.penalty_interest, t.currency)}")
    if t.compound_interest:
        parts.append(f"复利{money_text(t.compound_interest, t.currency)}")
    return parts


def _maximum(amount: Decimal | None, what: str, currency: str = "CNY") -> str:
    return f"，以{what}{money_text(amount, currency)}为限" if amount else ""


def claims(filing) -> list[str]:
    """The numbered claims (诉讼请求) of a :class:`~legaldocs.filings.filing.Filing`: acceleration (if
    claimed), the debt, the costs of realising the claim, each guarantor's liability for both,
    priority over each collateral, costs of suit (with any court fee the case file lists among the
    costs, 诉讼费用交纳办法 art 6)."""
    case, t, names = filing.case, filing.totals, filing
    borrowers = case.borrower_ids()
    who = names.labels(borrowers)
    jointly = "共同" if len(borrowers) > 1 else ""
    as_of = date_in_chinese(t.as_of)
    out: list[str] = []
    if case.claim.acceleration:
        accel = sorted((e for e in case.events if e.kind is EventKind.acceleration and e.date <= t.as_of),
                       key=lambda e: e.date)
        when = f"于{date_in_chinese(accel[0].date)}" if accel else ""
        scope = {ref for e in accel for ref in e.loans} if accel and all(e.loans for e in accel) else None
        numbers = "、".join(f"《{l.title}》（编号：{l.number}）" for l in case.loans if scope is None or l.id in scope)
        out.append(f"确认原告{when}宣布{numbers}项下全部借款提前到期；")
    cur = t.currency
    first = f"判令{who}{jointly}偿还原告借款本金{money(t.principal, cur)}"
    parts = _interest_parts(t)
    if parts:
        first += f"，支付截至{as_of}的{'、'.join(parts)}，以上合计{money(t.debt, cur)}"
    first += f"；并支付{t.continuing}；"
    debt_item = len(out) + 1
    out.append(first)
    if len(case.claim.costs) == 1:
        cost = case.claim.costs[0]
        out.append(f"判令{who}支付原告为实现债权支出的{cost.name}{money(cost.amount, cost.currency)}；")
    elif case.claim.costs:
        items = "、".join(f"{x.name}{money_text(x.amount, x.currency)}" for x in case.claim.costs)
        total = "" if t.costs_cny else f"，合计{money(t.costs, cur)}"
        out.append(f"判令{who}支付原告为实现债权支出的{items}{total}；")
    items = f"第{debt_item}项" if not case.claim.costs else f"第{debt_item}、{debt_item + 1}项"
    out += security_claims(filing, f"上述{items}债务")
    if case.claim.claim_court_costs:
        named = "、".join(dict.fromkeys(["案件受理费", *(c.name for c in filing.court_fees_claimed), "保全费", "公告费"]))
        out.append(f"本案{named}等诉讼费用由{filing.all_defendants}负担。")
    if out:
        out[-1] = out[-1].rstrip("；") + ("" if out[-1].endswith("。") else "。")
    return out


def security_claims(filing, scope: str) -> list[str]:
    """The claims on the security (担保权利) of a :class:`~legaldocs.filings.filing.Filing`, each
    ending with '；': each guarantor's liability for ``scope`` (e.g. '上述第1、2项债务'), joint or
    supplementary as the law of the guarantee's date decides, within its maximum amount or share,
    after the collateral to be realised first (民法典 art 392; 担保法 art 28); priority over each
    registered collateral (or the registration of a mortgage never registered)."""
    case, names, cur = filing.case, filing, filing.totals.currency
    who = names.labels(case.borrower_ids())
    out: list[str] = []
    collateral = {c.id: c for c in case.collateral}
    for (guarantor, kind), group in _guarantees_by_guarantor(case).items():
        whom = names.named(guarantor)
        limit = _maximum(_group_maximum(group), "最高债权额", cur) + _share(group, cur)
        if len(group) > 1:
            contracts = "、".join(f"编号{g.number}" for g in group)
            whom += f"依{contracts}保证合同"
        first_realised = _realised_first(case, group[0], collateral)
        after = ""
        if first_realised:
            things = "、".join(f"{names.named(c.owner)}提供的{c.description}" for c in first_realised)
            after = f"在原告就{things}实现担保物权后仍未受偿的部分"
        if kind is GuaranteeKind.joint:
            out.append(f"判令{whom}对{scope}{after}承担连带清偿责任{limit}；")
        elif kind is GuaranteeKind.general:
            out.append(f"判令{whom}对{scope}{after}在{who}财产依法强制执行后仍不能履行的部分承担保证责任{limit}；")
        else:
            out.append(f"判令{whom}对{scope}{after}承担保证责任{limit}；")
    for c in case.collateral:
        kind = "抵押" if c.kind == "mortgage" else "质押"
        if c.kind == "mortgage" and c.registration_kind == "未登记":
            if _registration_effect(c) == "right_not_created":
                out.append(f"判令{names.named(c.owner)}协助原告办理{c.description}的抵押登记手续；")
            continue  # no priority without registration
        cert = f"（登记证明号：{c.certificate_number}）" if c.certificate_number else ""
        limit = f"在最高债权额{money_text(c.maximum_amount, cur)}范围内" if c.maximum_amount else ""
        out.append(
            f"确认原告对{names.named(c.owner)}提供{kind}的{c.description}{cert}折价或者拍卖、变卖所得价款"
            f"{limit}就{scope}享有优先受偿权；"
        )
    return out


def resolved_mode(g: Guarantee) -> GuaranteeKind:
    """The guarantee's mode, an unspecified one decided by the law of its date (担保法 art 19:
    joint; 民法典 art 686: general); ``unspecified`` where that law says nothing (before 1995)."""
    try:
        return guarantee_mode(g)[0]
    except RuleNotFoundError:
        return GuaranteeKind.unspecified


def _guarantees_by_guarantor(case: Case) -> dict[tuple[str, GuaranteeKind], list[Guarantee]]:
    """Guarantees claimed on, grouped by (guarantor, mode) so that one guarantor under several
    contracts is one claim."""
    groups: dict[tuple[str, GuaranteeKind], list[Guarantee]] = {}
    for g in case.guarantees:
        groups.setdefault((g.guarantor, resolved_mode(g)), []).append(g)
    return groups


def _share(group: list[Guarantee], currency: str) -> str:
    """A guarantor answering for part of the debt: '，以…为限' or '，按…的份额'."""
    caps = [g.liability_cap for g in group if g.liability_cap is not None]
    shares = [g.share for g in group if g.share is not None]
    if caps and len(caps) == len(group):
        return f"，以{money_text(sum(caps, Decimal(0)), currency)}为限"
    if shares and len(shares) == len(group) and len(set(shares)) == 1:
        return f"，按{percent(shares[0])}的份额承担"
    return ""


def _realised_first(case: Case, g: Guarantee, collateral: dict[str, Collateral]) -> list[Collateral]:
    """The collateral to be realised before the guarantor answers: as agreed (``security_order``,
    民法典 art 392), or by the law of the guarantee's date: the debtor's own collateral first
    (物权法 art 176; 民法典 art 392), or any collateral first (担保法 art 28)."""
    secured = [c for c in case.collateral if set(c.secures) & set(g.secures)
               and not (c.kind == "mortgage" and c.registration_kind == "未登记")]
    if case.security_order:
        if g.id not in case.security_order:
            return []
        before = case.security_order[: case.security_order.index(g.id)]
        return [collateral[x] for x in before if x in collateral and collateral[x] in secured]
    try:
        rule = rule_for("security", "recourse_order", {"contract_date": g.signed_on}).row
    except RuleNotFoundError:
        return []
    if rule["rule"] == "guarantor_after_any_collateral":
        return secured
    borrowers = {b for loan in case.loans if loan.id in g.secures for b in loan.borrowers}
    return [c for c in secured if c.owner in borrowers]


def _registration_effect(c: Collateral) -> str | None:
    """What the law of the mortgage's date makes of a mortgage never registered."""
    try:
        return rule_for("security", "mortgage_registration", {"contract_date": c.signed_on}).row["effect"]
    except RuleNotFoundError:
        return None


def _group_maximum(group: list[Guarantee]) -> Decimal | None:
    """The cap of a guarantor's liability over several contracts: the sum of their maximum
    amounts, or none when any contract has no maximum."""
    if any(g.maximum_amount is None for g in group):
        return None
    return sum((g.maximum_amount for g in group), Decimal(0))  # type: ignore[misc]


def claims_summary(t: ClaimTotals) -> str:
    text = f"以上金额暂计至{date_in_chinese(t.as_of)}，诉讼标的额合计{money(t.total, t.currency)}"
    if t.currency != "CNY":
        text += (f"{'另加人民币' + money_text(t.costs_cny) if t.costs_cny else ''}，按{date_in_chinese(t.exchange_rate_on)}"
                 f"{t.exchange_rate_source}1{unit(t.currency)}兑{t.exchange_rate}元折合人民币{money(t.fee_base)}")
    return text + "，此后的罚息、复利按上述标准计至实际清偿之日止。"


def _loan_fact(case: Case, loan: LoanContract, names) -> str:
    who = names.labels(loan.borrowers)
    text = (
        f"{date_in_chinese(loan.signed_on)}，原告与{who}签订《{loan.title}》（编号：{loan.number}），"
        f"约定原告向{who}提供借款{money_text(loan.principal, loan.currency)}，借款年利率为{percent(loan.annual_rate)}，"
        f"还款方式为{loan.repayment_method.value}；逾期罚息利率在借款利率基础上加收{percent(loan.penalty_uplift)}"
        f"（即年利率{percent(loan.penalty_rate)}）"
    )
    if loan.penalty_on_unpaid_interest:
        text += "，逾期后对应付未付利息按罚息利率计收罚息"
    elif loan.compound_interest:
        text += "，对不能按时支付的利息按罚息利率计收复利"
    text += "。"
    draws = "；".join(
        f"{date_in_chinese(d.date)}发放{money_text(d.amount, loan.currency)}，到期日为{date_in_chinese(d.maturity)}"
        for d in loan.draws
    )
    text += f"合同签订后，原告依约发放借款共计{money_text(loan.disbursed, loan.currency)}：{draws}。"
    return text


def _guarantee_fact(case: Case, g: Guarantee, names) -> str:
    numbers = "、".join(l.number for l in case.loans if l.id in g.secures)
    text = (
        f"{date_in_chinese(g.signed_on)}，{names.named(g.guarantor)}与原告签订《{g.title}》（编号：{g.number}），"
        f"为编号{numbers}借款合同项下债务提供{_mode_text(g)}"
    )
    cur = case.claim.currency
    if g.maximum_amount:
        text += f"，担保的最高债权额为{money_text(g.maximum_amount, cur)}"
        if g.claims_fixed_on:
            text += f"，债权确定日为{date_in_chinese(g.claims_fixed_on)}"
    if g.liability_cap:
        text += f"，保证人以{money_text(g.liability_cap, cur)}为限承担保证责任"
    if g.share:
        text += f"，保证人按{percent(g.share)}的份额承担保证责任"
    text += f"，保证范围包括{g.scope}"
    text += f"，保证期间为{g.period}。" if g.period else "，未约定保证期间。"
    return text


def _mode_text(g: Guarantee) -> str:
    mode = resolved_mode(g)
    if g.kind is GuaranteeKind.unspecified:
        return f"保证（未约定保证方式，依法按{mode.value}）" if mode is not GuaranteeKind.unspecified else "保证（未约定保证方式）"
    return mode.value


def _collateral_fact(case: Case, c: Collateral, names) -> str:
    kind = "抵押" if c.kind == "mortgage" else "质押"
    title = c.contract_title or ("最高额抵押合同" if c.maximum_amount and c.kind == "mortgage" else f"{kind}合同")
    text = (
        f"{date_in_chinese(c.signed_on)}，{names.named(c.owner)}与原告签订《{title}》（编号：{c.contract_number}），"
        f"以其名下{c.description}为上述借款提供{kind}担保"
    )
    if c.maximum_amount:
        text += f"，最高债权额为{money_text(c.maximum_amount, case.claim.currency)}"
    if c.registration_kind == "未登记":
        text += f"，但未办理{kind}登记"
        if c.kind == "mortgage" and _registration_effect(c) == "contract_ineffective":
            text += "，依照当时的《中华人民共和国担保法》第四十一条，该抵押合同自登记之日起生效，现未生效"
    elif c.registered_on:
        text += f"，并于{date_in_chinese(c.registered_on)}办理{kind}{c.registration_kind}"
        if c.certificate_number:
            text += f"（登记证明号：{c.certificate_number}）"
    return text + "。"


def _event_fact(case: Case, e: Event, names, evidence_no: dict[str, int]) -> str:
    whom = names.labels([p for p in e.parties if names.defendant(p)]) if e.parties else ""
    if not whom and e.kind in (EventKind.partial_payment, EventKind.acknowledgment):
        whom = "相关义务人"
    proof = "、".join(f"证据{evidence_no[x]}" for x in e.evidence if x in evidence_no)
    to = f"向{whom}" if whom else ""
    descriptions = {
        EventKind.demand_delivered: f"原告{to}送达《催收通知书》",
        EventKind.guarantee_demand_delivered: f"原告{to}送达《履行保证责任通知书》",
        EventKind.acknowledgment: f"{whom}书面确认所欠债务",
        EventKind.partial_payment: f"{whom}偿还部分款项",
        EventKind.acceleration: f"原告{to}宣布借款提前到期",
        EventKind.assignment_notice: f"债权转让通知送达{whom}" if whom else "债权转让通知送达债务人",
        EventKind.preservation_applied: "原告申请财产保全",
        EventKind.preservation_ruling: "法院作出财产保全裁定",
    }
    text = f"{date_in_chinese(e.date)}，" + descriptions.get(e.kind, e.kind.value)
    remarks = [r for r in (e.note, f"见{proof}" if proof else None) if r]
    if remarks:
        text += "（" + "；".join(remarks) + "）"
    return text + "。"


def facts(filing, evidence_no: dict[str, int]) -> list[str]:
    """事实与理由 of a :class:`~legaldocs.filings.filing.Filing`, paragraph by paragraph, ending with
    the legal basis chosen by contract date. Payments after the cut-off date and up to the filing
    date are told after the amount owed; nothing after the filing date is told."""
    case, t, names, filing_date = filing.case, filing.totals, filing, filing.filing_date
    out = [_loan_fact(case, loan, names) for loan in case.loans]
    out += [_guarantee_fact(case, g, names) for g in case.guarantees]
    out += [_collateral_fact(case, c, names) for c in case.collateral]
    before = [r for r in case.repayments if r.date <= t.as_of]
    if before:
        paid = sum((r.amount for r in before), Decimal(0))
        last = max(r.date for r in before)
        out.append(
            f"借款发放后，{names.labels(case.borrower_ids())}累计归还款项{money_text(paid, t.currency)}，最后一次还款日为"
            f"{date_in_chinese(last)}，此后未再按约还本付息，已构成违约。"
        )
    else:
        out.append(f"借款发放后，{names.labels(case.borrower_ids())}未按约定履行还本付息义务，已构成违约。")
    events = sorted((e for e in case.events if e.kind not in (EventKind.suit_filed,)), key=lambda e: e.date)
    out += [_event_fact(case, e, names, evidence_no) for e in events]
    parts = _interest_parts(t)
    owed = f"截至{date_in_chinese(t.as_of)}，{names.labels(case.borrower_ids())}尚欠原告借款本金{money_text(t.principal, t.currency)}"
    if parts:
        owed += "、" + "、".join(parts)
    out.append(owed + "，经原告多次催收，至今未予清偿。")
    later = [r for r in case.repayments if t.as_of < r.date <= (filing_date or t.as_of)]
    for r in sorted(later, key=lambda r: r.date):
        use = {"principal": "用于归还本金", "interest": "用于归还利息"}.get(r.applied_to, "")
        out.append(f"{date_in_chinese(r.date)}，{names.labels(case.borrower_ids())}偿还{money_text(r.amount, t.currency)}{use}，"
                   "原告同意在上述债务中予以扣减。")
    out.append(_reasons(filing))
    return out


def legal_basis(filing) -> dict[str, list[str]]:
    """The laws the claims rest on, chosen by each contract's date (民法典时间效力规定 art 1 ¶2):
    law name (without 《》) -> articles, in order of first citation, for every loan, guarantee
    (joint or general as resolved) and collateral whose contract took effect. A date whose law has
    nothing loaded to cite is left to the drafter (law/data/statutes.toml)."""
    case = filing.case
    bases: dict[str, list[str]] = {}  # law -> articles, in order of first citation

    def add(kind: str, on: dt.date) -> None:
        try:
            rule = rule_for("statutes", kind, {"contract_date": on}).row
        except RuleNotFoundError:  # the law of that date has nothing to cite: leave it to the drafter
            return
        articles = bases.setdefault(rule["law"], [])
        articles += [a for a in rule["articles"] if a not in articles]

    for loan in case.loans:
        add("loan", loan.signed_on)
    for g in case.guarantees:
        add("general_guarantee" if resolved_mode(g) is GuaranteeKind.general else "joint_guarantee", g.signed_on)
    for c in case.collateral:  # a mortgage whose contract never took effect (担保法 art 41) has nothing to cite
        if not (c.kind == "mortgage" and c.registration_kind == "未登记" and _registration_effect(c) != "right_not_created"):
            add(c.kind, c.signed_on)
    return bases


def cited_laws(filing) -> str:
    """'《中华人民共和国民法典》第五百七十七条、…，《…》…': :func:`legal_basis` as cited in the text."""
    return "，".join(f"《{law}》" + "、".join(articles) for law, articles in legal_basis(filing).items())


def _reasons(filing) -> str:
    case = filing.case
    unborn = any(c.kind == "mortgage" and c.registration_kind == "未登记" and _registration_effect(c) == "contract_ineffective"
                 for c in case.collateral)
    which = "上述合同（未生效的抵押合同除外）" if unborn else "上述合同"
    text = f"原告认为，原告与{filing.all_defendants}签订的{which}系各方真实意思表示，内容不违反法律、行政法规的强制性规定，合法有效。"
    text += "借款人未按约还本付息，构成违约，应当承担还本付息及支付罚息、复利的责任"
    if case.guarantees:
        text += "；保证人应当在保证范围内承担保证责任"
    if any(not (c.kind == "mortgage" and c.registration_kind == "未登记") for c in case.collateral):
        text += "；原告有权就担保财产优先受偿"
    text += "。依照" + cited_laws(filing) + "之规定，特向贵院提起诉讼，请求判如所请。"
    return text


def attachment_list(filing, produced: list[str]) -> list[str]:
    """The 附 list of a complaint: copies for each defendant (民事诉讼法 art 123), then what the
    packet really holds (``produced``: titles of the documents attached, in order)."""
    return [f"本起诉状副本{len(filing.defendants)}份", *produced]


def complaint_context(filing, *, evidence_no: dict[str, int], attachments: list[str] | None = None) -> dict:
    """Variables of ``templates/complaint.docx`` (see templates/catalogue.toml) for a
    :class:`~legaldocs.filings.filing.Filing`.

    ``evidence_no`` maps evidence ids to their numbers in the 证据目录 (for the facts'
    references). ``attachments``: the documents the packet attaches, listed after the copies
    (default: the 证据目录 and evidence bundle).
    """
    case, t = filing.case, filing.totals
    plaintiff, agents, defendants = party_lines(filing)
    return {
        "plaintiff": {**case.creditor.model_dump(), "role": case.creditor.role},
        "plaintiff_lines": plaintiff,
        "agent_lines": agents,
        "defendant_lines": defendants,
        "claims": claims(filing),
        "claims_summary": claims_summary(t),
        "facts": facts(filing, evidence_no),
        "evidence_statement": "详见《证据目录》及所附证据材料（连续编页）。",
        "court": case.court,
        "filing_date_cn": date_in_chinese(filing.filing_date),
        "attachments": attachment_list(filing, attachments if attachments is not None else ["证据目录及证据材料一套"]),
    }
