"""Court fees (诉讼费用) under the schedule of the day the court accepts the case: 诉讼费用交纳办法
(国务院令第481号) from 2007-04-01, 人民法院诉讼收费办法 (1989) before (法发〔2007〕16号).

Brackets, caps, factors and halving grounds are data (``law/data/court_fees.toml``); the version
in force on the filing date is used. Every result carries its steps, each with the rule it applied.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Literal, Mapping

from legaldocs.chinese import format_amount, percent
from legaldocs.errors import LegalDocsError
from legaldocs.i18n import _
from legaldocs.law.rules import latest_rule, rule_for, rule_in_force

FeeKind = Literal["acceptance", "preservation", "enforcement", "payment_order", "bankruptcy"]
FEE_KINDS: tuple[str, ...] = ("acceptance", "preservation", "enforcement", "payment_order", "bankruptcy")
HALVING_GROUNDS: dict[str, str] = {"mediation": "调解结案", "withdrawal": "撤诉", "simplified": "适用简易程序"}
Rounding = Literal["fen", "yuan"]
_TABLE = "court_fees"
_MAX_AMOUNT = Decimal("1e14")


@dataclass(frozen=True)
class Step:
    """One line of a computation: what was done, the amount it gave (元), the rule applied."""

    text: str
    amount: Decimal
    rule: str

    def as_dict(self) -> dict:
        return {"text": self.text, "amount": str(self.amount), "rule": self.rule}


@dataclass(frozen=True)
class FeeResult:
    """A court fee. ``exact`` is unrounded; ``fee`` is rounded half-up per ``rounding``
    (``fen`` = to 0.01 元, ``yuan`` = to whole 元, as many courts do)."""

    kind: str
    name: str
    amount: Decimal
    exact: Decimal
    fee: Decimal
    halved: bool
    rounding: str
    filed_on: dt.date
    steps: tuple[Step, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "name": self.name,
            "amount": str(self.amount),
            "fee": str(self.fee),
            "exact": str(self.exact),
            "halved": self.halved,
            "rounding": self.rounding,
            "filed_on": self.filed_on.isoformat(),
            "steps": [s.as_dict() for s in self.steps],
        }


def _factor(text: str) -> Fraction:
    return Fraction(text)


def _times(value: Decimal, factor: Fraction) -> Decimal:
    return value * Decimal(factor.numerator) / Decimal(factor.denominator)


def _bracket_fee(rule: Mapping, amount: Decimal) -> tuple[Decimal, list[Step]]:
    cite = rule["citation"]
    base = Decimal(rule["base"])
    lower = Decimal(rule["first_upto"])
    steps = [Step(f"不超过{format_amount(lower)}元的部分，每件交纳{format_amount(base)}元", base, cite)]
    total = base
    for row in rule["brackets"]:
        if amount <= lower:
            break
        upper = Decimal(row["upto"]) if row["upto"] else None
        rate = Decimal(row["rate"])
        top = amount if upper is None else min(amount, upper)
        portion = top - lower
        part = portion * rate
        label = f"超过{format_amount(lower)}元" + (f"至{format_amount(upper)}元" if upper is not None else "")
        steps.append(
            Step(f"{label}的部分 {format_amount(portion)}元 × {percent(rate)} = {format_amount(part)}元", part, cite)
        )
        total += part
        if upper is None:
            break
        lower = upper
    return total, steps


def _round(value: Decimal, rounding: Rounding) -> Decimal:
    if rounding == "yuan":
        return value.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if rounding == "fen":
        return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    raise LegalDocsError(_("rounding must be 'fen' or 'yuan', not {rounding}").format(rounding=repr(rounding)))


def court_fee(
    kind: FeeKind,
    amount: Decimal,
    *,
    filed_on: dt.date | None,
    halved: bool = False,
    ground: str | None = None,
    rounding: Rounding = "fen",
) -> FeeResult:
    """Court fee of ``kind`` on ``amount`` (元, >= 0) for a filing on ``filed_on``.

    Kinds: ``acceptance`` (案件受理费, 财产案件, art 13(1)); ``preservation`` (申请保全措施费, on the
    value actually preserved, capped at 5,000, art 14(2)); ``enforcement`` (申请执行费, art 14(1));
    ``payment_order`` (支付令, 1/3 of the acceptance fee, art 14(3)); ``bankruptcy`` (破产, half the
    acceptance fee on the assets, capped at 300,000, art 14(6)).
    ``halved``: halve the acceptance fee once (民诉法解释 art 206), for ``ground`` ``mediation``,
    ``withdrawal`` or ``simplified`` (arts 15, 16); a ground the regime of the filing date does
    not know (the 1989 schedule halves only on withdrawal) leaves the fee whole, with a step
    saying so. Only for ``acceptance``.
    ``filed_on`` None: the latest fee regime (currently the 2007 Measures).
    Returns FeeResult with the exact and the rounded fee and each step.
    Raises LegalDocsError for a negative amount, an unknown kind or ground; RuleNotFoundError for
    a filing date before 1989-09-01 (no schedule loaded) and RuleAbsentError where the schedule of
    the date has no such fee.
    """
    amount = Decimal(amount)
    if not amount.is_finite() or amount < 0:
        raise LegalDocsError(_("amount must be a non-negative number of 元, not {amount}").format(amount=amount))
    if amount >= _MAX_AMOUNT:
        raise LegalDocsError(_("amount {amount} 元 is implausibly large (100,000,000,000,000 元 or more)").format(amount=amount))
    if kind not in FEE_KINDS:
        raise LegalDocsError(_("fee kind must be one of {choices}, not {kind}").format(
            choices=", ".join(FEE_KINDS), kind=repr(kind)))
    if halved and kind != "acceptance":
        raise LegalDocsError(_("only the acceptance fee (案件受理费) is halved (诉讼费用交纳办法 arts 15, 16)"))
    if ground is not None and ground not in HALVING_GROUNDS:
        raise LegalDocsError(_("halving ground must be one of {choices}, not {ground}").format(
            choices=", ".join(HALVING_GROUNDS), ground=repr(ground)))
    if filed_on is None:
        # no filing date: the regime now in force (the latest version, without an end date)
        filed_on = latest_rule(_TABLE, kind)["effective_from"]
    rule = rule_for(_TABLE, kind, {"filing_date": filed_on}).row
    steps: list[Step]
    if "derived_from" in rule:
        source = rule_in_force(_TABLE, rule["derived_from"], filed_on)
        value, steps = _bracket_fee(source, amount)
        steps.append(Step(f"按{source['name']}计 {format_amount(value)}元", value, source["citation"]))
        factor = _factor(rule["factor"])
        value = _times(value, factor)
        steps.append(Step(f"× {factor} = {format_amount(value)}元", value, rule["citation"]))
    else:
        value, steps = _bracket_fee(rule, amount)
        steps.append(Step(f"合计 {format_amount(value)}元", value, rule["citation"]))
    if "cap" in rule and value > Decimal(rule["cap"]):
        value = Decimal(rule["cap"])
        steps.append(Step(f"超过上限，按上限 {format_amount(value)}元 交纳", value, rule["citation"]))
    if halved:
        half = rule_in_force(_TABLE, "halving", filed_on)
        grounds = half.get("grounds", list(HALVING_GROUNDS))
        if ground is None or ground in grounds:
            value = _times(value, _factor(half["factor"]))
            why = HALVING_GROUNDS[ground] if ground else "、".join(HALVING_GROUNDS[g] for g in grounds)
            steps.append(Step(f"减半交纳（{why}，只减半一次）= {format_amount(value)}元", value, half["citation"]))
        else:
            halved = False
            steps.append(Step(f"{HALVING_GROUNDS[ground]}：{filed_on}适用的收费标准不因此减半，按全额交纳", value,
                              half["citation"] + "；" + half.get("notes", "")))
    fee = _round(value, rounding)
    unit = "元（四舍五入至元）" if rounding == "yuan" else "元（四舍五入至分）"
    steps.append(Step(f"应交 {format_amount(fee, places=0 if rounding == 'yuan' else 2)}{unit}", fee, "金额取整惯例"))
    return FeeResult(
        kind=kind,
        name=rule["name"],
        amount=amount,
        exact=value,
        fee=fee,
        halved=halved,
        rounding=rounding,
        filed_on=filed_on,
        steps=tuple(steps),
    )
