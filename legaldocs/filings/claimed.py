"""What is claimed (诉讼请求的金额): the amounts as of the cut-off date, the amount in dispute, the
acceptance fee on it, and how charges run on until payment; shared by every filing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from legaldocs.case.model import Case
from legaldocs.chinese import capitals_text, date_in_chinese, money_text, numeral, percent
from legaldocs.money.fees import FeeResult, Step, court_fee

CAUSE_OF_ACTION = "金融借款合同纠纷"


def money(amount: Decimal, currency: str = "CNY") -> str:
    """'104,836.96元（大写：人民币壹拾万零肆仟捌佰叁拾陆元玖角陆分）'; in another currency
    '3,493,000.00美元（大写：美元叁佰肆拾玖万叁仟元整）'."""
    return f"{money_text(amount, currency)}（大写：{capitals_text(amount, currency)}）"


def ordinal(n: int) -> str:
    """Chinese ordinal (被告一, 被告十二); see :func:`legaldocs.chinese.numeral`."""
    return numeral(n)


@dataclass(frozen=True)
class ClaimTotals:
    """Claimed amounts as of ``as_of``, in ``currency`` (元 for CNY). ``debt`` = 本金 + 利息 + 罚息 +
    复利; ``total`` adds the costs in the same currency and is the amount in dispute (标的额:
    民诉法解释 art 201). A foreign-currency claim states its fee base in 元: ``fee_base`` = total x
    ``exchange_rate`` + ``costs_cny`` (costs paid in 元), 诉讼费用交纳办法 art 55. ``continuing``:
    how charges run on after ``as_of`` until payment; ``source``: ``engine`` or ``bank``."""

    as_of: dt.date
    principal: Decimal
    interest: Decimal
    penalty_interest: Decimal
    compound_interest: Decimal
    costs: Decimal
    continuing: str = ""
    source: str = "bank"
    currency: str = "CNY"
    costs_cny: Decimal = Decimal(0)
    exchange_rate: Decimal | None = None
    exchange_rate_on: dt.date | None = None
    exchange_rate_source: str = ""

    @property
    def debt(self) -> Decimal:
        return self.principal + self.interest + self.penalty_interest + self.compound_interest

    @property
    def total(self) -> Decimal:
        return self.debt + self.costs

    @property
    def fee_base(self) -> Decimal:
        """The amount in dispute in 元 (the base of the acceptance fee)."""
        if self.currency == "CNY":
            return self.total
        return (self.total * self.exchange_rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) + self.costs_cny


def acceptance_fee(totals: ClaimTotals, case: Case, filed_on: dt.date) -> FeeResult:
    """案件受理费 on the amount in dispute (本金+利息+罚息+复利+实现债权的费用) in 元 (a foreign-currency
    claim converted at its stated rate, 诉讼费用交纳办法 art 55), halved once for summary procedure,
    rounded as the case says (arts 13, 16)."""
    fee = court_fee(
        "acceptance",
        totals.fee_base,
        filed_on=filed_on,
        halved=case.claim.procedure == "simplified",
        ground="simplified" if case.claim.procedure == "simplified" else None,
        rounding=case.claim.fee_rounding,
    )
    if totals.currency == "CNY":
        return fee
    converted = (f"诉讼标的额{money_text(totals.total, totals.currency)} × {totals.exchange_rate}"
                 f"（{totals.exchange_rate_on}{totals.exchange_rate_source}）"
                 + (f" + 人民币费用{money_text(totals.costs_cny)}" if totals.costs_cny else "")
                 + f" = {money_text(totals.fee_base)}")
    step = Step(converted, totals.fee_base, "诉讼费用交纳办法第五十五条：以外币为计算单位的，依照人民法院决定受理案件之日国家公布的汇率换算成人民币计算交纳")
    return replace(fee, steps=(step, *fee.steps))


def claim_totals(case: Case, statement=None) -> ClaimTotals:
    """What the complaint claims: the engine's statement (``legaldocs.money.statement.Statement``) when
    given, else the bank's balances in the case, absent items as 0. Costs come from the case."""
    c = case.claim
    zero = Decimal(0)
    costs = sum((x.amount for x in c.costs if x.currency == c.currency), zero)
    costs_cny = sum((x.amount for x in c.costs if x.currency == "CNY" and c.currency != "CNY"), zero)
    rate = c.exchange_rate
    money = {"currency": c.currency, "costs": costs, "costs_cny": costs_cny,
             "exchange_rate": rate.rate if rate else None, "exchange_rate_on": rate.on if rate else None,
             "exchange_rate_source": rate.source if rate else ""}
    if statement is not None:
        return ClaimTotals(
            as_of=statement.as_of,
            principal=statement.principal,
            interest=statement.interest,
            penalty_interest=statement.penalty_interest,
            compound_interest=statement.compound_interest,
            continuing=c.continuing or "；".join(statement.continuing),
            source="engine",
            **money,
        )
    return ClaimTotals(
        as_of=c.as_of,
        principal=c.principal or zero,
        interest=c.interest or zero,
        penalty_interest=c.penalty_interest or zero,
        compound_interest=c.compound_interest or zero,
        continuing=continuing_wording(case),
        **money,
    )


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
    base = money_text(claim.principal or 0, claim.currency)
    if all(l.penalty_on_unpaid_interest for l in case.loans):
        return (
            f"自{start}起，以欠付本金{base}及应付未付利息为基数，"
            f"按{rate}计收罚息至实际清偿之日止" + _later_wording(case)
        )
    text = f"自{start}起，以欠付本金{base}为基数，按{rate}计收罚息"
    if any(l.compound_interest for l in case.loans):
        text += f"；以欠付利息为基数，按{rate}计收复利"
    return text + "，均计至实际清偿之日止" + _later_wording(case)


def _later_wording(case: Case) -> str:
    """Payments after the cut-off, in the continuing claim of bank-stated amounts: a payment booked
    to principal lowers the base from its date; any other is applied by the court."""
    claim = case.claim
    principal = claim.principal or Decimal(0)
    out = ""
    for r in sorted((r for r in case.repayments if r.date > claim.as_of), key=lambda r: r.date):
        paid = money_text(r.amount, claim.currency)
        if r.applied_to == "principal":
            principal = max(principal - r.amount, Decimal(0))
            out += (f"（{date_in_chinese(r.date)}已还款{paid}用于归还本金，此后以本金"
                    f"{money_text(principal, claim.currency)}为基数计算）")
        else:
            out += f"（{date_in_chinese(r.date)}已还款{paid}，请求依法抵充后计算）"
    return out


