"""The statement of what is owed (欠款明细表) for a case, as of a date, from its contracts.

:func:`case_statement` runs the money engine (:mod:`legaldocs.money.accrual`) on every loan of a
case, with its repayments, its acceleration and its repricing (explicit rate changes or LPR), and
returns the totals, one line per accrual, how each payment was applied, the wording of the
continuing claims, checks (the 24 % ceiling, a court's 4 x LPR cap, LPR data past what is loaded)
and the differences from the balances the bank's system gave.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from legaldocs.money.accrual import (
    CATEGORY_NAMES,
    COMPOUND,
    DEFAULT_ORDER,
    INTEREST,
    PENALTY,
    Allocation,
    DrawTerms,
    Line,
    LoanBalance,
    LoanTerms,
    Payment,
    loan_balance,
)
from legaldocs.chinese import capitals_text, date_in_chinese, format_amount, percent, unit
from legaldocs.errors import RuleAbsentError, RuleNotFoundError
from legaldocs.i18n import N_, _
from legaldocs.case.model import Case, EventKind, LoanContract
from legaldocs.law.lpr import lpr
from legaldocs.law.rules import rule_for
from legaldocs.money.repricing import Repricing, repricings

ZERO = Decimal(0)


@dataclass(frozen=True)
class Difference:
    """Engine figure vs the bank's figure for one item (元); ``delta`` = engine − bank; ``cause``:
    the convention that explains it, where the engine can tell (see :mod:`legaldocs.money.reconcile`)."""

    item: str
    engine: Decimal
    bank: Decimal
    cause: str | None = None

    @property
    def delta(self) -> Decimal:
        return self.engine - self.bank

    def as_dict(self) -> dict:
        return {"item": self.item, "engine": str(self.engine), "bank": str(self.bank), "delta": str(self.delta),
                "cause": self.cause}


@dataclass(frozen=True)
class LaterPayment:
    """A payment after the cut-off date (e.g. during the suit): it does not change the figures as
    of the cut-off, but reduces the continuing claim and what a judgment can award. ``parts``:
    how it was applied (category, amount); ``principal_after``: the loan's principal once applied
    (元, in the loan's currency)."""

    date: dt.date
    loan: str
    amount: Decimal
    applied_to: str
    parts: tuple[tuple[str, Decimal], ...]
    principal_after: Decimal

    def as_dict(self) -> dict:
        return {
            "date": self.date.isoformat(),
            "loan": self.loan,
            "amount": str(self.amount),
            "applied_to": self.applied_to,
            "parts": [{"category": c, "amount": str(a)} for c, a in self.parts],
            "principal_after": str(self.principal_after),
        }


@dataclass
class Statement:
    """What a case's borrowers owe as of ``as_of`` (元, to the 分).

    ``lines``: every accrual (base, from, to, days, rate, amount, rule); ``allocations``: how each
    repayment was applied; ``continuing``: one sentence per loan on how charges run on until
    payment; ``flags``: what a person should look at; ``differences``: engine vs bank balances;
    ``repricings``: each repricing day with its LPR and whether it applied; ``later_payments``:
    payments after ``as_of``, which reduce the continuing claim but not these figures.
    """

    as_of: dt.date
    loans: list[LoanBalance]
    continuing: list[str]
    flags: list[str] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    repricings: list[Repricing] = field(default_factory=list)
    later_payments: list[LaterPayment] = field(default_factory=list)
    currency: str = "CNY"
    labels: dict[str, str] = field(default_factory=dict)  # loan and draw ids -> contract and 借据 numbers

    def label(self, ref: str) -> str:
        """How a loan or draw id is printed: '合同SLB-2023-0088', 'SLB-2023-0088 借据JJ-…' or
        'SLB-2023-0088 第2笔'."""
        return self.labels.get(ref, ref)

    def _sum(self, attr: str) -> Decimal:
        return sum((getattr(b, attr) for b in self.loans), ZERO)

    @property
    def principal(self) -> Decimal:
        """Principal due (overdue or accelerated): what can be claimed. Principal not yet due is
        in ``principal_not_due`` and flagged."""
        return self._sum("principal_due")

    @property
    def principal_not_due(self) -> Decimal:
        return self._sum("principal_not_due")

    @property
    def interest(self) -> Decimal:
        return self._sum("interest")

    @property
    def penalty_interest(self) -> Decimal:
        return self._sum("penalty_interest")

    @property
    def compound_interest(self) -> Decimal:
        return self._sum("compound_interest")

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.penalty_interest + self.compound_interest

    @property
    def lines(self) -> list[Line]:
        return [line for b in self.loans for line in b.lines]

    @property
    def allocations(self) -> list[Allocation]:
        return [a for b in self.loans for a in b.allocations]

    def as_dict(self) -> dict:
        """JSON-ready: amounts as decimal strings; keys as_of, principal, interest, penalty_interest,
        compound_interest, total, lines, allocations, continuing, flags, differences."""
        return {
            "as_of": self.as_of.isoformat(),
            "currency": self.currency,
            "principal": str(self.principal),
            "interest": str(self.interest),
            "penalty_interest": str(self.penalty_interest),
            "compound_interest": str(self.compound_interest),
            "total": str(self.total),
            "principal_not_due": str(self.principal_not_due),
            "loans": [
                {
                    "loan": b.loan,
                    "principal_overdue": str(b.principal_due),
                    "principal_not_due": str(b.principal_not_due),
                    "interest": str(b.interest),
                    "penalty_interest": str(b.penalty_interest),
                    "compound_interest": str(b.compound_interest),
                    "overdue_since": b.overdue_since.isoformat() if b.overdue_since else None,
                    "contract_rate": str(b.contract_rate),
                    "penalty_rate": str(b.penalty_rate),
                    "compound_rate": str(b.compound_rate),
                }
                for b in self.loans
            ],
            "lines": [line.as_dict() for line in self.lines],
            "allocations": [a.as_dict() for a in self.allocations],
            "continuing": list(self.continuing),
            "flags": list(self.flags),
            "differences": [d.as_dict() for d in self.differences],
            "repricings": [r.as_dict() for r in self.repricings],
            "later_payments": [p.as_dict() for p in self.later_payments],
        }


def _citation(kind: str, on: dt.date) -> str | None:
    """The citation of an interest rule of ``kind`` by the contract's date, or None when the law
    of that date has none loaded."""
    try:
        return rule_for("interest", kind, {"contract_date": on}).citation
    except RuleNotFoundError:
        return None


def allocation_rule(on: dt.date) -> str:
    """The allocation rule of a payment made on ``on``: 民法典 art 561 from 2021, 合同法解释（二）
    art 21 from 2009-05-13, before that no statutory order (noted)."""
    try:
        r = rule_for("interest", "allocation", {"payment_date": on})
        return f"清偿抵充顺序（{r.citation}：费用、利息、主债务）"
    except RuleNotFoundError as exc:
        return f"清偿抵充顺序（费用、利息、主债务；{exc}）"


def _uplift_checks(loan: LoanContract) -> list[str]:
    """The penalty uplift against the rule of the contract's date: 30 %-50 % for loans from
    2004-01-01 (银发〔2003〕251号 §3); before, fixed daily penalty rates, so the contract decides."""
    try:
        rule = rule_for("interest", "penalty_uplift", {"contract_date": loan.signed_on}).row
    except RuleAbsentError as exc:
        return [f"{loan.id}：{loan.signed_on}订立的贷款，{exc}（本表按罚息上浮{percent(loan.penalty_uplift)}计算）"]
    except RuleNotFoundError:
        return []
    low, high = Decimal(rule["minimum"]), Decimal(rule["maximum"])
    if not low <= loan.penalty_uplift <= high:
        return [f"{loan.id}：罚息上浮{percent(loan.penalty_uplift)}不在{percent(low)}至{percent(high)}之间（{rule['citation']}）"]
    return []


def _accelerated_on(case: Case, loan: LoanContract, as_of: dt.date) -> dt.date | None:
    accel = [e.date for e in case.events
             if e.kind is EventKind.acceleration and (not e.loans or loan.id in e.loans) and e.date <= as_of]
    return min(accel) if accel else None


def loan_terms(case: Case, loan: LoanContract, as_of: dt.date, flags: list[str],
               repriced: list[Repricing] | None = None) -> LoanTerms:
    """The engine's view of one contract of the case: its repricing (appended to ``repriced``),
    and the citations of the law of the contract's date for each kind of accrual line."""
    rate, changes, lines = repricings(loan, as_of, flags, ends=_accelerated_on(case, loan, as_of))
    if repriced is not None:
        repriced.extend(lines)
    draws = tuple(
        DrawTerms(id=f"{loan.id}-{i}", date=d.date, amount=d.amount, maturity=d.maturity)
        for i, d in enumerate(loan.draws, start=1)
    )
    rules = tuple((name, cite) for name, cite in (
        ("interest", _citation("contract_interest", loan.signed_on)),
        ("penalty", _citation("penalty_interest", loan.signed_on)),
        ("compound", _citation("compound", loan.signed_on)),
    ) if cite)
    return LoanTerms(
        id=loan.id,
        draws=draws,
        annual_rate=rate,
        method=loan.repayment_method.value,
        penalty_uplift=loan.penalty_uplift,
        compound=loan.compound_interest,
        penalty_on_unpaid_interest=loan.penalty_on_unpaid_interest,
        compound_rate=loan.compound_rate,
        day_count=loan.day_count,
        interest_day=loan.interest_day,
        rate_changes=changes,
        allocation=tuple(loan.allocation_order) if loan.allocation_order else DEFAULT_ORDER,
        overdue_anchor=loan.overdue_anchor,
        rules=rules,
    )


def _payments(case: Case, loan: LoanContract) -> list[Payment]:
    return [Payment(r.date, r.amount, r.applied_to, allocation_rule(r.date)) for r in case.repayments if r.loan == loan.id]


def case_statement(case: Case, as_of: dt.date, *, explain: bool = True) -> Statement:
    """Run the engine on every loan of ``case`` as of ``as_of``. ``explain``: look for the cause of
    each difference from the bank's figures (recomputing under other conventions).

    Raises LegalDocsError when a loan cannot be scheduled (e.g. repayment method 其他) or
    ``as_of`` is before a loan's first draw.
    """
    flags: list[str] = []
    balances: list[LoanBalance] = []
    repriced: list[Repricing] = []
    for loan in case.loans:
        if loan.term_start > as_of:
            flags.append(_("{loan}: first drawn on {drawn}, after {as_of}; nothing is owed on it yet").format(
                loan=loan.id, drawn=loan.term_start, as_of=as_of))
            continue
        flags += _uplift_checks(loan)
        terms = loan_terms(case, loan, as_of, flags, repriced)
        payments = _payments(case, loan)
        balance = loan_balance(terms, payments, as_of, acceleration=_accelerated_on(case, loan, as_of))
        balances.append(balance)
        if balance.principal_not_due > 0:
            flags.append(_("{loan}: {amount} 元 of principal is not yet due and was not accelerated (宣布提前到期); "
                           "the complaint claims only what is due").format(
                loan=loan.id, amount=format_amount(balance.principal_not_due)))
        if balance.credit > 0:
            flags.append(_("{loan}: {amount} 元 paid towards interest not yet due is held as a credit").format(
                loan=loan.id, amount=format_amount(balance.credit)))
        for a in balance.allocations:
            if a.unapplied > 0:
                flags.append(_("{loan}: payment of {amount} on {date} exceeds what was owed by {excess}").format(
                    loan=loan.id, amount=format_amount(a.amount), date=a.date, excess=format_amount(a.unapplied)))
    st = Statement(as_of=as_of, loans=balances, continuing=[], repricings=repriced, currency=case.claim.currency,
                   labels=statement_labels(case))
    st.later_payments = later_payments(case, as_of)
    st.continuing = [continuing_clause(case, b, as_of, several=len(balances) > 1, later=st.later_payments)
                     for b in balances if b.total > 0]
    for lp in st.later_payments:
        over = lp.amount - sum((a for _, a in lp.parts), ZERO)
        if over > 0:
            flags.append(f"{lp.loan}：{lp.date}还款{format_amount(lp.amount)}，超过当日所欠，多出{format_amount(over)}，请核对")
        flags.append(f"{lp.loan}：{lp.date}还款{format_amount(lp.amount)}，在暂计日{as_of}之后，未计入本表金额；"
                     f"抵充后本金余额{format_amount(lp.principal_after)}，持续计收的罚息自该日起以此为基数")
    st.flags = flags + _rate_checks(case, st, as_of)
    st.differences = _differences(case, st, explain)
    return st


def statement_labels(case: Case) -> dict[str, str]:
    """Printable names of the engine's loan and draw ids: the contract number, and the 借据
    number of each draw (or its order when the case gives none)."""
    labels: dict[str, str] = {}
    for loan in case.loans:
        labels[loan.id] = f"合同{loan.number}"
        for i, d in enumerate(loan.draws, start=1):
            labels[f"{loan.id}-{i}"] = (f"借据{d.receipt_number}" if d.receipt_number
                                        else f"合同{loan.number}第{i}笔" if len(loan.draws) > 1 else f"合同{loan.number}")
    return labels


def later_payments(case: Case, as_of: dt.date) -> list[LaterPayment]:
    """Payments after ``as_of``, each applied by the engine as of its own date (with every
    earlier payment), giving the principal left after it."""
    out: list[LaterPayment] = []
    for loan in case.loans:
        later = sorted((r for r in case.repayments if r.loan == loan.id and r.date > as_of), key=lambda r: r.date)
        if not later or loan.term_start > as_of:
            continue
        for r in later:
            terms = loan_terms(case, loan, r.date, [])
            paid = [p for p in _payments(case, loan) if p.date <= r.date]
            balance = loan_balance(terms, paid, r.date, acceleration=_accelerated_on(case, loan, r.date))
            mine = [a for a in balance.allocations if a.date == r.date and a.amount == r.amount]
            parts = mine[-1].parts if mine else ()
            out.append(LaterPayment(r.date, loan.id, r.amount, r.applied_to, parts, balance.principal))
    return sorted(out, key=lambda p: (p.date, p.loan))


def continuing_clause(case: Case, b: LoanBalance, as_of: dt.date, *, several: bool,
                      later: list[LaterPayment] | None = None) -> str:
    """How charges on one loan run on after ``as_of`` until payment (计至实际清偿之日止), with the
    base reduced by each later payment from its date."""
    start = date_in_chinese(as_of + dt.timedelta(days=1))
    loan = next(l for l in case.loans if l.id == b.loan)
    yuan = unit(loan.currency)
    parts = []
    penalty = case.claim.penalty_rate or b.penalty_rate  # a bank may claim less than the contract allows
    compound = b.compound_rate if loan.compound_rate is not None else penalty
    if b.principal_due > 0:
        parts.append(f"以逾期本金{format_amount(b.principal_due)}{yuan}为基数按年利率{percent(penalty)}计收罚息")
    if b.unpaid_interest_base > 0 and (loan.compound_interest or loan.penalty_on_unpaid_interest):
        name = "罚息" if loan.penalty_on_unpaid_interest else "复利"
        parts.append(f"以欠付利息{format_amount(b.unpaid_interest_base)}{yuan}为基数按年利率{percent(compound)}计收{name}")
    head = f"《{loan.title}》（编号：{loan.number}）项下" if several else ""
    if not parts:
        return f"{head}自{start}起无持续计收的利息"
    text = f"{head}自{start}起，" + "；".join(parts) + "，均计至实际清偿之日止"
    for lp in later or []:
        if lp.loan == b.loan:
            text += (f"（{date_in_chinese(lp.date)}已还款{format_amount(lp.amount)}{yuan}，抵充后本金余额"
                     f"{format_amount(lp.principal_after)}{yuan}，此后罚息以该余额为基数计算）")
    return text


_RATE_NAMES = {"contract": N_("contract rate"), "penalty": N_("penalty rate"), "compound": N_("compound rate")}


def _rate_checks(case: Case, st: Statement, as_of: dt.date) -> list[str]:
    """The 24 % ceiling (法发〔2017〕22号, from 2017-08-04) and, where the court applies it, 4 x LPR:
    flags only, by the rules in force on the filing date (none before they existed)."""
    flags: list[str] = []
    filed = {"filing_date": case.claim.filing_date or as_of}
    try:
        cap = rule_for("interest", "financial_cap", filed).row
    except RuleNotFoundError:
        cap = None
    if cap is not None:
        ceiling = Decimal(cap["annual"])
        for b in st.loans:
            for name, rate in ((_RATE_NAMES["penalty"], b.penalty_rate), (_RATE_NAMES["compound"], b.compound_rate)):
                if rate > ceiling:
                    flags.append(_("{loan}: {name} {rate} is above {ceiling} a year; may be reduced if the borrower pleads it "
                                   "({citation})").format(loan=b.loan, name=_(name), rate=percent(rate),
                                                          ceiling=percent(ceiling), citation=cap["citation"]))
            annual = effective_annual_rate(b)
            if annual is not None and annual > ceiling:
                flags.append(_("{loan}: 罚息 and 复利 come to {rate} a year on the overdue principal, above {ceiling}; "
                               "the excess may be reduced if the borrower pleads it ({citation})").format(
                    loan=b.loan, rate=percent(annual), ceiling=percent(ceiling), citation=cap["citation"]))
    if case.claim.court_caps_at_four_lpr:
        on = case.claim.filing_date or as_of
        try:
            rule = rule_for("interest", "lpr_cap", filed).row
            base, _published = lpr("1y", on)
        except RuleNotFoundError as exc:
            return flags + [_("court_caps_at_four_lpr: not checked on {date}: {error}").format(date=on, error=exc)]
        limit = base * Decimal(rule["multiple"])
        for b in st.loans:
            for name, rate in ((_RATE_NAMES["contract"], b.contract_rate), (_RATE_NAMES["penalty"], b.penalty_rate),
                               (_RATE_NAMES["compound"], b.compound_rate)):
                if rate > limit:
                    flags.append(_("{loan}: {name} {rate} exceeds 4 x one-year LPR ({limit} on {date}); this court caps bank "
                                   "rates there — not applied to the amounts ({citation})").format(
                        loan=b.loan, name=_(name), rate=percent(rate), limit=percent(limit), date=on,
                        citation=rule["citation"]))
    return flags


def effective_annual_rate(b: LoanBalance) -> Decimal | None:
    """What default costs the borrower a year per 元 of overdue principal (legal-rules §14 TC14):
    (罚息 + 复利) / Σ(overdue principal × days) × day basis. None when nothing is overdue."""
    exposure = ZERO
    charges = ZERO
    for line in b.lines:
        if line.kind == PENALTY:
            exposure += line.base * line.days
        if line.kind in (PENALTY, COMPOUND):
            charges += line.amount
    if exposure == 0:
        return None
    return charges * b.day_count / exposure


def _differences(case: Case, st: Statement, explain: bool) -> list[Difference]:
    """Engine vs the bank's balances, when both are stated to the same date, each with its cause."""
    from legaldocs.money.reconcile import explain_amount  # it recomputes statements

    c = case.claim
    if st.as_of != c.as_of:
        return []
    pairs = [
        ("principal", "principal", st.principal + st.principal_not_due, c.principal),  # outstanding, due or not
        (INTEREST, "interest", st.interest, c.interest),
        (PENALTY, "penalty_interest", st.penalty_interest, c.penalty_interest),
        (COMPOUND, "compound_interest", st.compound_interest, c.compound_interest),
    ]
    return [Difference(CATEGORY_NAMES.get(item, "本金"), engine, bank,
                       explain_amount(case, name, bank, st.as_of, st) if explain else None)
            for item, name, engine, bank in pairs if bank is not None and engine != bank]


_KINDS = {INTEREST: "利息", PENALTY: "罚息", COMPOUND: "复利"}


def statement_context(case: Case, st: Statement, totals) -> dict:
    """Variables of ``templates/statement.docx`` (see templates/CATALOGUE.md). ``totals`` is the
    complaint's ClaimTotals: its source says whether the complaint uses these figures."""
    borrowers = "、".join(case.party(p).name for p in case.borrower_ids())
    defendants = "、".join(case.party(p).name for p in case.defendant_ids())
    cur = totals.currency
    yuan = unit(cur)
    rows = [("本金", st.principal), ("利息", st.interest), ("罚息", st.penalty_interest),
            ("复利", st.compound_interest), ("合计", st.total)]
    notes = list(st.flags)
    for d in st.differences:
        notes.append(f"{d.item}：本表计算{format_amount(d.engine)}{yuan}，银行系统{format_amount(d.bank)}{yuan}，"
                     f"差额{format_amount(d.delta)}{yuan}" + (f"；原因：{d.cause}" if d.cause else ""))
    if totals.source != "engine":
        notes.append("起诉状采用银行系统提供的余额（claim.amounts: bank），本表供核对。")
    if cur != "CNY":
        notes.append(f"本表金额单位为{yuan}。")
    if not notes:
        checked = [x for x in (case.claim.principal, case.claim.interest, case.claim.penalty_interest,
                               case.claim.compound_interest) if x is not None]
        notes.append("本表计算结果与银行系统提供的余额一致。" if checked else "银行系统未提供余额，本表未作核对。")
    bases = sorted({loan.day_count for loan in case.loans})
    return {
        "case_title": f"{case.creditor.name}诉{defendants}金融借款合同纠纷",
        "borrowers": borrowers,
        "as_of_cn": date_in_chinese(st.as_of),
        "basis": "依借款合同约定及还款记录计算" if totals.source == "engine" else "银行系统数据（本表计算供核对）",
        "day_basis": "、".join(str(b) for b in bases),
        "unit": yuan,
        "totals": [{"name": n, "amount": format_amount(a), "capitals": capitals_text(a, cur)} for n, a in rows],
        "continuing": [c + "。" for c in st.continuing] or ["无"],
        "lines": _line_rows(st),
        "allocations": [
            {
                "date": a.date.isoformat(),
                "loan": st.label(a.loan),
                "amount": format_amount(a.amount),
                "parts": "；".join(f"{CATEGORY_NAMES.get(c, c)}{format_amount(v)}{yuan}" for c, v in a.parts)
                + (f"；未抵充{format_amount(a.unapplied)}{yuan}" if a.unapplied else ""),
                "rule": a.rule,
            }
            for a in st.allocations
        ],
        "notes": notes,
    }


def _line_rows(st: Statement) -> list[dict]:
    """The accrual lines as printed, with each repricing day as a line of its own (kind 利率调整,
    the LPR and its publication date in the rule column) before the first accrual from that day."""
    rows: list[dict] = []
    pending: dict[str, list[Repricing]] = {}
    for r in sorted(st.repricings, key=lambda r: r.date):
        pending.setdefault(r.loan, []).append(r)

    def repricing_row(r: Repricing) -> dict:
        return {"kind": "利率调整", "draw": st.label(r.loan), "base": "", "start": r.date.isoformat(), "end": "", "days": "",
                "rate": percent(r.rate), "amount": "", "rule": r.text}

    for line in st.lines:
        waiting = pending.get(line.loan, [])
        while waiting and waiting[0].date <= line.start:
            rows.append(repricing_row(waiting.pop(0)))
        rows.append({
            "kind": _KINDS.get(line.kind, line.kind),
            "draw": st.label(line.draw),
            "base": format_amount(line.base),
            "start": line.start.isoformat(),
            "end": line.end.isoformat(),
            "days": line.days,
            "rate": percent(line.rate),
            "amount": format_amount(line.amount),
            "rule": line.rule,
        })
    rows += [repricing_row(r) for waiting in pending.values() for r in waiting]
    for i, row in enumerate(rows, start=1):
        row["number"] = i
    return rows
