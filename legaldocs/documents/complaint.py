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
from dataclasses import dataclass
from decimal import Decimal

from legaldocs.chinese import amount_in_capitals, date_in_chinese, format_amount, percent
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
from legaldocs.law.rules import rule_in_force

_ORDINALS = "一二三四五六七八九十"
_CAUSE = "金融借款合同纠纷"


def money(amount: Decimal) -> str:
    """'104,836.96元（大写：人民币壹拾万零肆仟捌佰叁拾陆元玖角陆分）'."""
    return f"{format_amount(amount)}元（大写：人民币{amount_in_capitals(amount)}）"


def ordinal(n: int) -> str:
    """Chinese ordinal for 1..99 (被告一, 被告十二)."""
    if n <= 10:
        return _ORDINALS[n - 1]
    tens, units = divmod(n, 10)
    return ("" if tens == 1 else _ORDINALS[tens - 1]) + "十" + (_ORDINALS[units - 1] if units else "")


@dataclass(frozen=True)
class ClaimTotals:
    """Claimed amounts as of ``as_of`` (元). ``debt`` = 本金 + 利息 + 罚息 + 复利; ``total`` adds costs
    and is the amount in dispute (标的额, the fee base: 民诉法解释 art 201). ``continuing``: how
    charges run on after ``as_of`` until payment; ``source``: ``engine`` or ``bank``."""

    as_of: dt.date
    principal: Decimal
    interest: Decimal
    penalty_interest: Decimal
    compound_interest: Decimal
    costs: Decimal
    continuing: str = ""
    source: str = "bank"

    @property
    def debt(self) -> Decimal:
        return self.principal + self.interest + self.penalty_interest + self.compound_interest

    @property
    def total(self) -> Decimal:
        return self.debt + self.costs


def claim_totals(case: Case, statement=None) -> ClaimTotals:
    """What the complaint claims: the engine's statement (``legaldocs.money.statement.Statement``) when
    given, else the bank's balances in the case, absent items as 0. Costs come from the case."""
    c = case.claim
    zero = Decimal(0)
    costs = sum((x.amount for x in c.costs), zero)
    if statement is not None:
        return ClaimTotals(
            as_of=statement.as_of,
            principal=statement.principal,
            interest=statement.interest,
            penalty_interest=statement.penalty_interest,
            compound_interest=statement.compound_interest,
            costs=costs,
            continuing=c.continuing or "；".join(statement.continuing),
            source="engine",
        )
    return ClaimTotals(
        as_of=c.as_of,
        principal=c.principal or zero,
        interest=c.interest or zero,
        penalty_interest=c.penalty_interest or zero,
        compound_interest=c.compound_interest or zero,
        costs=costs,
        continuing=continuing_wording(case),
    )


class _Names:
    """Defendant labels (被告一, 被告二 ...) in the order of :meth:`Case.defendant_ids`."""

    def __init__(self, case: Case):
        self.case = case
        self.ids = case.defendant_ids()
        single = len(self.ids) == 1
        self.label = {pid: ("被告" if single else f"被告{ordinal(i + 1)}") for i, pid in enumerate(self.ids)}

    def of(self, refs: list[str]) -> str:
        return "、".join(self.label[r] for r in refs)

    def named(self, ref: str) -> str:
        return f"{self.label[ref]}{self.case.party(ref).name}" if len(self.ids) > 1 else self.case.party(ref).name


def _roles(case: Case) -> dict[str, list[str]]:
    roles: dict[str, list[str]] = {}
    for loan in case.loans:
        for i, ref in enumerate(loan.borrowers):
            role = "借款人" if i == 0 else "共同借款人"
            roles.setdefault(ref, []).append(role)
    for g in case.guarantees:
        roles.setdefault(g.guarantor, []).append("保证人")
    for c in case.collateral:
        roles.setdefault(c.owner, []).append("抵押人" if c.kind == "mortgage" else "出质人")
    return {k: list(dict.fromkeys(v)) for k, v in roles.items()}


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
    first = f"{o.name}，住所地：{o.address}，统一社会信用代码：{o.uscc}"
    if o.phone:
        first += f"，联系电话：{o.phone}"
    return [first + "。", f"{o.representative_title}：{o.representative}。"]


def party_lines(case: Case) -> tuple[list[str], list[str], list[str]]:
    """(plaintiff lines, agent lines, defendant lines) of the complaint's party block."""
    cr = case.creditor
    plaintiff = [
        f"原告：{cr.name}，住所地：{cr.address}，统一社会信用代码：{cr.uscc}。",
        f"{cr.role}：{cr.representative}，{cr.representative_title}" + (f"，联系电话：{cr.phone}" if cr.phone else "") + "。",
    ]
    agents = []
    for a in case.agents:
        line = f"委托诉讼代理人：{a.name}，{a.employer}" + (f"{a.position}" if a.position else "")
        if a.phone:
            line += f"，联系电话：{a.phone}"
        agents.append(line + "。")
    names = _Names(case)
    roles = _roles(case)
    defendants: list[str] = []
    for ref in names.ids:
        party = case.party(ref)
        head = f"{names.label[ref]}（{'、'.join(roles.get(ref, []))}）："
        if isinstance(party, NaturalPerson):
            defendants.append(head + _person_line(party))
        else:
            first, rep = _organization_lines(party)
            defendants += [head + first, rep]
    return plaintiff, agents, defendants


def continuing_wording(case: Case) -> str:
    """How penalty and compound interest run on after the as-of date until payment (计至实际清偿之日止).

    Uses ``claim.continuing`` when the case gives it; otherwise the contract's penalty rate
    (rate x (1 + uplift)) or ``claim.penalty_rate`` on the outstanding principal, and on unpaid
    interest where the contract provides 复利 or penalty on interest.
    """
    claim = case.claim
    if claim.continuing:
        return claim.continuing
    start = date_in_chinese(claim.as_of + dt.timedelta(days=1))
    rates = {claim.penalty_rate or loan.penalty_rate for loan in case.loans}
    if len(rates) == 1:
        rate = f"年利率{percent(rates.pop())}"
    else:
        rate = "各借款合同约定的罚息利率"
    if all(l.penalty_on_unpaid_interest for l in case.loans):
        return (
            f"自{start}起，以欠付本金{format_amount(claim.principal or 0)}元及应付未付利息为基数，"
            f"按{rate}计收罚息至实际清偿之日止"
        )
    text = f"自{start}起，以欠付本金{format_amount(claim.principal or 0)}元为基数，按{rate}计收罚息"
    if any(l.compound_interest for l in case.loans):
        text += f"；以欠付利息为基数，按{rate}计收复利"
    return text + "，均计至实际清偿之日止"


def _interest_parts(t: ClaimTotals) -> list[str]:
    parts = []
    if t.interest:
        parts.append(f"利息{format_amount(t.interest)}元")
    if t.penalty_interest:
        parts.append(f"罚息{format_amount(t.penalty_interest)}元")
    if t.compound_interest:
        parts.append(f"复利{format_amount(t.compound_interest)}元")
    return parts


def _maximum(amount: Decimal | None, what: str) -> str:
    return f"，以{what}{format_amount(amount)}元为限" if amount else ""


def claims(case: Case, t: ClaimTotals, excluded_guarantees: frozenset[str] = frozenset()) -> list[str]:
    """The numbered claims (诉讼请求): acceleration (if claimed), the debt, the costs of realising
    the claim, each guarantor's liability for both, priority over each collateral, costs of suit. Guarantees in ``excluded_guarantees``
    (released, without an override) are left out."""
    names = _Names(case)
    borrowers = case.borrower_ids()
    who = names.of(borrowers)
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
    first = f"判令{who}{jointly}偿还原告借款本金{money(t.principal)}"
    parts = _interest_parts(t)
    if parts:
        first += f"，支付截至{as_of}的{'、'.join(parts)}，以上合计{money(t.debt)}"
    first += f"；并支付{t.continuing}；"
    debt_item = len(out) + 1
    out.append(first)
    if len(case.claim.costs) == 1:
        cost = case.claim.costs[0]
        out.append(f"判令{who}支付原告为实现债权支出的{cost.name}{money(cost.amount)}；")
    elif case.claim.costs:
        items = "、".join(f"{x.name}{format_amount(x.amount)}元" for x in case.claim.costs)
        out.append(f"判令{who}支付原告为实现债权支出的{items}，合计{money(t.costs)}；")
    items = f"第{debt_item}项" if not case.claim.costs else f"第{debt_item}、{debt_item + 1}项"
    scope = f"上述{items}债务"
    for (guarantor, kind), group in _guarantees_by_guarantor(case, excluded_guarantees).items():
        whom = names.named(guarantor)
        limit = _maximum(_group_maximum(group), "最高债权额")
        if len(group) > 1:
            contracts = "、".join(f"编号{g.number}" for g in group)
            whom += f"依{contracts}保证合同"
        if kind is GuaranteeKind.joint:
            out.append(f"判令{whom}对{scope}承担连带清偿责任{limit}；")
        else:
            out.append(f"判令{whom}对{scope}在{who}财产依法强制执行后仍不能履行的部分承担保证责任{limit}；")
    for c in case.collateral:
        kind = "抵押" if c.kind == "mortgage" else "质押"
        cert = f"（登记证明号：{c.certificate_number}）" if c.certificate_number else ""
        limit = f"在最高债权额{format_amount(c.maximum_amount)}元范围内" if c.maximum_amount else ""
        out.append(
            f"确认原告对{names.named(c.owner)}提供{kind}的{c.description}{cert}折价或者拍卖、变卖所得价款"
            f"{limit}就{scope}享有优先受偿权；"
        )
    if case.claim.claim_court_costs:
        out.append("本案案件受理费、保全费、公告费等诉讼费用由全部被告负担。")
    if out:
        out[-1] = out[-1].rstrip("；") + ("" if out[-1].endswith("。") else "。")
    return out


def _guarantees_by_guarantor(case: Case, excluded: frozenset[str]) -> dict[tuple[str, GuaranteeKind], list[Guarantee]]:
    """Guarantees claimed on, grouped by (guarantor, kind) so that one guarantor under several
    contracts is one claim."""
    groups: dict[tuple[str, GuaranteeKind], list[Guarantee]] = {}
    for g in case.guarantees:
        if g.id not in excluded:
            groups.setdefault((g.guarantor, g.kind), []).append(g)
    return groups


def _group_maximum(group: list[Guarantee]) -> Decimal | None:
    """The cap of a guarantor's liability over several contracts: the sum of their maximum
    amounts, or none when any contract has no maximum."""
    if any(g.maximum_amount is None for g in group):
        return None
    return sum((g.maximum_amount for g in group), Decimal(0))  # type: ignore[misc]


def claims_summary(t: ClaimTotals) -> str:
    text = f"以上金额暂计至{date_in_chinese(t.as_of)}，诉讼标的额合计{money(t.total)}"
    return text + "，此后的罚息、复利按上述标准计至实际清偿之日止。"


def _loan_fact(case: Case, loan: LoanContract, names: _Names) -> str:
    who = names.of(loan.borrowers)
    text = (
        f"{date_in_chinese(loan.signed_on)}，原告与{who}签订《{loan.title}》（编号：{loan.number}），"
        f"约定原告向{who}提供借款{format_amount(loan.principal)}元，借款年利率为{percent(loan.annual_rate)}，"
        f"还款方式为{loan.repayment_method.value}；逾期罚息利率在借款利率基础上加收{percent(loan.penalty_uplift)}"
        f"（即年利率{percent(loan.penalty_rate)}）"
    )
    if loan.penalty_on_unpaid_interest:
        text += "，逾期后对应付未付利息按罚息利率计收罚息"
    elif loan.compound_interest:
        text += "，对不能按时支付的利息按罚息利率计收复利"
    text += "。"
    draws = "；".join(
        f"{date_in_chinese(d.date)}发放{format_amount(d.amount)}元，到期日为{date_in_chinese(d.maturity)}" for d in loan.draws
    )
    text += f"合同签订后，原告依约发放借款共计{format_amount(loan.disbursed)}元：{draws}。"
    return text


def _guarantee_fact(case: Case, g: Guarantee, names: _Names) -> str:
    numbers = "、".join(l.number for l in case.loans if l.id in g.secures)
    text = (
        f"{date_in_chinese(g.signed_on)}，{names.named(g.guarantor)}与原告签订《{g.title}》（编号：{g.number}），"
        f"为编号{numbers}借款合同项下债务提供{g.kind.value}"
    )
    if g.maximum_amount:
        text += f"，担保的最高债权额为{format_amount(g.maximum_amount)}元"
    text += f"，保证范围包括{g.scope}"
    text += f"，保证期间为{g.period}。" if g.period else "，未约定保证期间。"
    return text


def _collateral_fact(case: Case, c: Collateral, names: _Names) -> str:
    kind = "抵押" if c.kind == "mortgage" else "质押"
    title = c.contract_title or ("最高额抵押合同" if c.maximum_amount and c.kind == "mortgage" else f"{kind}合同")
    text = (
        f"{date_in_chinese(c.signed_on)}，{names.named(c.owner)}与原告签订《{title}》（编号：{c.contract_number}），"
        f"以其名下{c.description}为上述借款提供{kind}担保"
    )
    if c.maximum_amount:
        text += f"，最高债权额为{format_amount(c.maximum_amount)}元"
    if c.registered_on:
        text += f"，并于{date_in_chinese(c.registered_on)}办理{kind}{c.registration_kind}"
        if c.certificate_number:
            text += f"（登记证明号：{c.certificate_number}）"
    return text + "。"


def _event_fact(case: Case, e: Event, names: _Names, evidence_no: dict[str, int]) -> str:
    whom = names.of([p for p in e.parties if p in names.label]) if e.parties else ""
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


def facts(case: Case, t: ClaimTotals, evidence_no: dict[str, int],
          excluded_guarantees: frozenset[str] = frozenset()) -> list[str]:
    """事实与理由, paragraph by paragraph, ending with the legal basis chosen by contract date."""
    names = _Names(case)
    out = [_loan_fact(case, loan, names) for loan in case.loans]
    out += [_guarantee_fact(case, g, names) for g in case.guarantees if g.id not in excluded_guarantees]
    out += [_collateral_fact(case, c, names) for c in case.collateral]
    if case.repayments:
        paid = sum((r.amount for r in case.repayments), Decimal(0))
        last = max(r.date for r in case.repayments)
        out.append(
            f"借款发放后，{names.of(case.borrower_ids())}累计归还款项{format_amount(paid)}元，最后一次还款日为"
            f"{date_in_chinese(last)}，此后未再按约还本付息，已构成违约。"
        )
    else:
        out.append(f"借款发放后，{names.of(case.borrower_ids())}未按约定履行还本付息义务，已构成违约。")
    events = sorted((e for e in case.events if e.kind not in (EventKind.suit_filed,)), key=lambda e: e.date)
    out += [_event_fact(case, e, names, evidence_no) for e in events]
    parts = _interest_parts(t)
    owed = f"截至{date_in_chinese(t.as_of)}，{names.of(case.borrower_ids())}尚欠原告借款本金{format_amount(t.principal)}元"
    if parts:
        owed += "、" + "、".join(parts)
    out.append(owed + "，经原告多次催收，至今未予清偿。")
    out.append(_reasons(case, excluded_guarantees))
    return out


def _reasons(case: Case, excluded: frozenset[str]) -> str:
    bases: dict[str, list[str]] = {}  # law -> articles, in order of first citation

    def add(kind: str, on: dt.date) -> None:
        rule = rule_in_force("statutes", kind, on)
        articles = bases.setdefault(rule["law"], [])
        articles += [a for a in rule["articles"] if a not in articles]

    for loan in case.loans:
        add("loan", loan.signed_on)
    for g in case.guarantees:
        if g.id not in excluded:
            add("joint_guarantee" if g.kind is GuaranteeKind.joint else "general_guarantee", g.signed_on)
    for c in case.collateral:
        add(c.kind, c.signed_on)
    text = "原告认为，原告与各被告签订的上述合同系各方真实意思表示，内容不违反法律、行政法规的强制性规定，合法有效。"
    text += "借款人未按约还本付息，构成违约，应当承担还本付息及支付罚息、复利的责任"
    if any(g.id not in excluded for g in case.guarantees):
        text += "；保证人应当在保证范围内承担保证责任"
    if case.collateral:
        text += "；原告有权就担保财产优先受偿"
    cited = "，".join(f"《{law}》" + "、".join(articles) for law, articles in bases.items())
    text += "。依照" + cited + "之规定，特向贵院提起诉讼，请求判如所请。"
    return text


def complaint_context(
    case: Case,
    *,
    filing_date: dt.date,
    evidence_no: dict[str, int],
    totals: ClaimTotals | None = None,
    excluded_guarantees: frozenset[str] = frozenset(),
    attachments: list[str] | None = None,
) -> dict:
    """Variables of ``templates/complaint.docx`` (see templates/CATALOGUE.md).

    ``filing_date``: the date printed under the signature. ``evidence_no`` maps evidence ids to
    their numbers in the 证据目录 (for the facts' references). ``totals``: the amounts claimed
    (default: the bank's balances in the case). ``attachments``: extra attachments listed.
    """
    t = totals or claim_totals(case)
    plaintiff, agents, defendants = party_lines(case)
    names = _Names(case)
    return {
        "plaintiff": {**case.creditor.model_dump(), "role": case.creditor.role},
        "plaintiff_lines": plaintiff,
        "agent_lines": agents,
        "defendant_lines": defendants,
        "claims": claims(case, t, excluded_guarantees),
        "claims_summary": claims_summary(t),
        "facts": facts(case, t, evidence_no, excluded_guarantees),
        "evidence_statement": "详见《证据目录》及所附证据材料（连续编页）。",
        "court": case.court,
        "filing_date_cn": date_in_chinese(filing_date),
        "attachments": [
            f"本起诉状副本{len(names.ids)}份",
            "证据目录及证据材料一套",
            "原告营业执照副本、负责人身份证明书及授权委托书",
            *(attachments or []),
        ],
    }


CAUSE_OF_ACTION = _CAUSE
