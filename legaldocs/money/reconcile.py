"""Why an amount someone stated differs from the engine's (核对差异原因).

A court's judgment or the bank's core system states 本金, 利息, 罚息, 复利 and the 案件受理费; the
engine computes them. Where they differ, the engine recomputes under each convention that
commonly explains such a difference, and names the one that gives the stated figure to the cent:

- days counted: overdue days from the first overdue day instead of the due date (or the
  reverse: ``overdue_anchor``), or a cut-off one day earlier or later;
- day basis: 365 instead of 360 (or the reverse);
- rate: another penalty uplift (30 %, 40 %, 50 %, 100 %), compound interest charged or not;
- rounding: to the whole 元;
- for fees, the schedule of another date (1989 or 2007), halving, rounding, and the base
  (with or without the costs claimed).

When none matches, the rate the stated figure implies is given where it can be read off one
base (罚息 on one overdue amount). Nothing here changes the figures used; it explains them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Callable

from legaldocs.case.model import Case
from legaldocs.chinese import format_amount, percent
from legaldocs.errors import LegalDocsError
from legaldocs.law.rules import rule_history
from legaldocs.money.accrual import COMPOUND, INTEREST, PENALTY
from legaldocs.money.fees import court_fee
from legaldocs.money.statement import Statement, case_statement

__all__ = ["ITEM_NAMES", "amount_of", "explain_amount", "explain_fee"]

ITEM_NAMES = {
    "principal": "本金", "interest": "利息", "penalty_interest": "罚息", "compound_interest": "复利",
    "total": "合计", "acceptance_fee": "案件受理费",
}
_LINE_KIND = {"interest": INTEREST, "penalty_interest": PENALTY, "compound_interest": COMPOUND}
_UPLIFTS = (Decimal("0.3"), Decimal("0.4"), Decimal("0.5"), Decimal("1"))


def amount_of(st: Statement, item: str) -> Decimal:
    """The engine's figure for ``item`` (principal, interest, penalty_interest, compound_interest,
    total) in a statement. Principal is the outstanding principal, due or not, as a court or the
    bank states it."""
    if item == "principal":
        return st.principal + st.principal_not_due
    if item == "total":
        return st.total + st.principal_not_due
    return getattr(st, item)


def _yuan(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def _loans(case: Case, **update) -> Case:
    return case.model_copy(update={"loans": [loan.model_copy(update=update) for loan in case.loans]})


@dataclass(frozen=True)
class _Variant:
    text: str
    case: Callable[[Case], Case]
    shift: int = 0  # days added to the cut-off date


def _variants(case: Case) -> list[_Variant]:
    loan = case.loans[0]
    out = []
    if loan.overdue_anchor == "due_date":
        out.append(_Variant("逾期天数自逾期次日起算（首个逾期日不计入）：可在借款合同中设 overdue_anchor: first_overdue_day",
                            lambda c: _loans(c, overdue_anchor="first_overdue_day")))
    else:
        out.append(_Variant("逾期天数自到期日起算（首个逾期日计入）", lambda c: _loans(c, overdue_anchor="due_date")))
    other = 365 if loan.day_count == 360 else 360
    out.append(_Variant(f"日利率按年利率÷{other}计算", lambda c: _loans(c, day_count=other)))
    for uplift in _UPLIFTS:
        if uplift != loan.penalty_uplift:
            out.append(_Variant(f"罚息利率按合同利率上浮{percent(uplift)}计算",
                                lambda c, u=uplift: _loans(c, penalty_uplift=u)))
    out.append(_Variant("不计复利" if loan.compound_interest else "计收复利",
                        lambda c: _loans(c, compound_interest=not loan.compound_interest)))
    out.append(_Variant("计算截止日早一天", lambda c: c, -1))
    out.append(_Variant("计算截止日晚一天", lambda c: c, 1))
    return out


def _implied_rate(st: Statement, item: str, stated: Decimal) -> str | None:
    kind = _LINE_KIND.get(item)
    if kind is None:
        return None
    lines = [line for line in st.lines if line.kind == kind]
    bases = {line.base for line in lines}
    basis = st.loans[0].day_count if st.loans else 360
    days = sum(line.days for line in lines)
    if len(bases) != 1 or not days:
        return None
    base = bases.pop()
    implied = stated * basis / (base * days)
    rate = lines[0].rate
    # only a rate near the contract's explains a difference (another rate convention); one far off
    # means the bank counted other periods (e.g. only the unpaid ones), which this cannot tell
    if not rate or not (rate / 2 <= implied <= rate * 2):
        return None
    return (f"按银行数字推算：以{format_amount(base)}为基数、{days}天计，年利率约{percent(implied, places=3)}"
            f"（引擎按合同年利率{percent(rate)}计算）")


def explain_amount(case: Case, item: str, stated: Decimal, as_of: dt.date, st: Statement | None = None) -> str | None:
    """Why the engine's ``item`` as of ``as_of`` differs from ``stated`` (元): the convention that
    gives ``stated`` to the cent, else the implied rate, else None. ``st``: the engine's statement
    as of ``as_of``, when already computed."""
    st = st or case_statement(case, as_of, explain=False)
    engine = amount_of(st, item)
    if engine == stated:
        return None
    if _yuan(engine) == stated:
        return f"所述金额为本表{format_amount(engine)}取整至元"
    for variant in _variants(case):
        try:
            other = case_statement(variant.case(case), as_of + dt.timedelta(days=variant.shift), explain=False)
        except LegalDocsError:
            continue
        value = amount_of(other, item)
        if value == stated or _yuan(value) == stated:
            return f"{variant.text}，得{format_amount(value)}，与所述一致"
    return _implied_rate(st, item, stated)


def explain_fee(stated: Decimal, bases: dict[str, Decimal], *, filed_on: dt.date, halved: bool,
                rounding: str) -> str | None:
    """Why the 案件受理费 computed on the first of ``bases`` (name -> amount in 元) for a filing on
    ``filed_on`` differs from ``stated``: another schedule (1989 / 2007), halving, rounding, or
    another base (e.g. without the costs claimed)."""
    name, base = next(iter(bases.items()))
    engine = court_fee("acceptance", base, filed_on=filed_on, halved=halved, rounding=rounding).fee  # type: ignore[arg-type]
    if engine == stated:
        return None
    versions = [r for r in rule_history("court_fees", "acceptance") if r.get("in_force", True)]
    tries: list[tuple[str, Decimal, dt.date, bool, str]] = []
    for r in versions:
        label = f"按{r['citation']}（{r['effective_from']}起施行）计算"
        tries.append((label, base, r["effective_from"], halved, rounding))
    tries.append(("不减半" if halved else "减半交纳", base, filed_on, not halved, rounding))
    tries.append(("取整至分" if rounding == "yuan" else "取整至元", base, filed_on, halved,
                  "fen" if rounding == "yuan" else "yuan"))
    for other_name, other_base in list(bases.items())[1:]:
        tries.append((f"以{other_name}{format_amount(other_base)}元为标的额计算", other_base, filed_on, halved, rounding))
    for label, amount, on, half, rnd in tries:
        try:
            value = court_fee("acceptance", amount, filed_on=on, halved=half, rounding=rnd).fee  # type: ignore[arg-type]
        except LegalDocsError:
            continue
        if value == stated or _yuan(value) == stated:
            return f"{label}，得{format_amount(value)}元，与所述一致"
    return None
