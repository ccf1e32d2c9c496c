"""Loan-loss provisions (贷款损失准备) per loan and per portfolio, and what a write-off does to them.

Methods, per loan (amounts in 元, ratios as fractions, ``Decimal`` throughout):

- ``regulatory`` (the default): the reference ratios of the 2002 guideline by class (关注 2 %,
  次级 25 %, 可疑 50 %, 损失 100 %; 次级 and 可疑 within a relative ±20 % band), plus its general
  provision of 1 % of all loans at portfolio level (银发〔2002〕98号, [S]; legal-rules.md TC15(b));
- ``ecl``: the allowance the bank measured under expected credit loss (企业会计准则第22号), as its
  latest ``risk.provisions`` record on or before the date gives it (stage, allowance, carrying
  amount); loans without one are listed, never guessed.

Per portfolio: loans, NPL (次级 + 可疑 + 损失), allowance, 拨备覆盖率 = allowance ÷ NPL and
贷款拨备率 = allowance ÷ loans (银监会令2011年第4号 art 6); the requirement of art 7, the higher of
2.5 % of loans and 150 % of NPL, and the lowest of the 2018 band (1.5 % / 120 %, 银监发〔2018〕7号);
the general reserve of 财金〔2012〕20号 (standard-method potential risk minus the allowance, and
1.5 % of risk assets, taken here as the loans; the higher of the two, a reading the reference
marks unverified). A write-off reduces loans, NPL and allowance by the principal written off (the
reference's worked check 9 assumes it fully provided: a shortfall is charged to profit first).
Ratios are computed as ``Decimal`` quotients (28 significant digits); in JSON they are given to at
most :data:`RATIO_PLACES` decimal places, rounded half-up (:func:`ratio_text`: ``"1.625"`` as it is,
``0.75524158…`` as ``"0.755242"``), and as percentages rounded half-up to 2 places where shown
(:func:`percent`).
Every value comes from ``law/data/provisioning.toml`` in the version in force on the date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable, Mapping

from legaldocs.case.model import RiskCategory
from legaldocs.errors import LegalDocsError
from legaldocs.i18n import _
from legaldocs.law.rules import rule_in_force, rule_row
from legaldocs.portfolio.classification import (
    CATEGORY_ORDER,
    NPL_CATEGORIES,
    Classification,
    LoanClass,
    RuleRef,
    percent,
)

__all__ = [
    "METHODS",
    "GeneralReserve",
    "LoanProvision",
    "PortfolioFigures",
    "Provisioning",
    "Requirement",
    "general_reserve",
    "RATIO_PLACES",
    "percent",
    "portfolio_provisions",
    "ratio_text",
    "regulatory_provision",
    "requirements",
]

TABLE = "provisioning"
METHODS = ("regulatory", "ecl")
ZERO = Decimal(0)
CENT = Decimal("0.01")
# decimal places of a ratio (a fraction) in JSON: a display precision, not a legal rule
RATIO_PLACES = 6
_RATIO_QUANTUM = Decimal(1).scaleb(-RATIO_PLACES)


def ratio_text(value: Decimal | None) -> str | None:
    """A ratio (fraction) as a decimal string of at most :data:`RATIO_PLACES` places, rounded
    half-up; a ratio with fewer places is given as it is ("0.25", "1.625"); None stays None."""
    if value is None:
        return None
    rounded = value.quantize(_RATIO_QUANTUM, rounding="ROUND_HALF_UP")
    return str(value if rounded == value else rounded)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding="ROUND_HALF_UP")


def _row(kind: str, on: dt.date) -> Mapping[str, Any] | None:
    row = rule_row(TABLE, kind, on)
    return row if row.get("in_force", True) else None


@dataclass(frozen=True)
class LoanProvision:
    """The provision of one loan: ``amount`` in 元 (None: the bank gave no allowance under the
    ``ecl`` method), ``ratio`` of the principal, the ``low``/``high`` band of the regulatory
    ratio, the ECL ``stage``, and where it comes from (``source``: a rule id or the record)."""

    case_id: str
    loan: str
    category: RiskCategory
    principal: Decimal
    method: str
    amount: Decimal | None
    ratio: Decimal | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    stage: int | None = None
    source: str = ""
    rule: RuleRef | None = None

    @property
    def npl(self) -> bool:
        return self.category in NPL_CATEGORIES

    def as_dict(self) -> dict:
        s = lambda v: None if v is None else str(v)  # noqa: E731
        return {"case": self.case_id, "loan": self.loan, "category": self.category.value, "principal": str(self.principal),
                "method": self.method, "amount": s(self.amount), "ratio": ratio_text(self.ratio), "low": ratio_text(self.low),
                "high": ratio_text(self.high), "stage": self.stage, "source": self.source,
                "rule": self.rule.as_dict() if self.rule else None}


@dataclass(frozen=True)
class PortfolioFigures:
    """Loans, NPL and allowance of a portfolio in 元, and its ratios (fractions; None when the
    denominator is nil)."""

    loans: Decimal
    npl: Decimal
    allowance: Decimal

    @property
    def coverage(self) -> Decimal | None:
        """拨备覆盖率 = allowance ÷ NPL (银监会令2011年第4号 art 6)."""
        return self.allowance / self.npl if self.npl else None

    @property
    def provision_ratio(self) -> Decimal | None:
        """贷款拨备率 = allowance ÷ loans (art 6)."""
        return self.allowance / self.loans if self.loans else None

    @property
    def npl_ratio(self) -> Decimal | None:
        """不良贷款率 = NPL ÷ loans."""
        return self.npl / self.loans if self.loans else None

    def after_write_off(self, amount: Decimal, *, npl_part: Decimal | None = None,
                        allowance_part: Decimal | None = None) -> "PortfolioFigures":
        """The figures after writing off ``amount`` 元 of principal: loans less ``amount``, NPL less
        ``npl_part`` (default: all of it), allowance less ``allowance_part`` (default: all of it,
        a fully provided claim). Worked check 9 of writeoff.md §8.
        Raises LegalDocsError when more is written off than the portfolio holds."""
        npl_part = amount if npl_part is None else npl_part
        allowance_part = amount if allowance_part is None else allowance_part
        if amount < 0 or amount > self.loans or npl_part > self.npl:
            raise LegalDocsError(_("a write-off of {amount} 元 exceeds the portfolio ({loans} 元 of loans, {npl} 元 NPL)").format(
                amount=amount, loans=self.loans, npl=self.npl))
        return PortfolioFigures(self.loans - amount, self.npl - npl_part, max(self.allowance - allowance_part, ZERO))

    def as_dict(self) -> dict:
        shown = lambda v: None if v is None else percent(v)  # noqa: E731
        s = ratio_text
        return {"loans": str(self.loans), "npl": str(self.npl), "allowance": str(self.allowance),
                "coverage": s(self.coverage), "provision_ratio": s(self.provision_ratio), "npl_ratio": s(self.npl_ratio),
                "coverage_shown": shown(self.coverage), "provision_ratio_shown": shown(self.provision_ratio),
                "npl_ratio_shown": shown(self.npl_ratio)}


@dataclass(frozen=True)
class Requirement:
    """A required allowance in 元: the higher of ``provision_ratio`` × loans and ``coverage`` × NPL,
    the allowance held and the shortfall (nil when covered)."""

    name: str
    provision_ratio: Decimal
    coverage: Decimal
    required: Decimal
    held: Decimal
    rule: RuleRef

    @property
    def shortfall(self) -> Decimal:
        return max(self.required - self.held, ZERO)

    def as_dict(self) -> dict:
        return {"name": self.name, "provision_ratio": str(self.provision_ratio), "coverage": str(self.coverage),
                "required": str(self.required), "held": str(self.held), "shortfall": str(self.shortfall),
                **self.rule.as_dict()}


@dataclass(frozen=True)
class GeneralReserve:
    """The general reserve (一般准备, 财金〔2012〕20号): potential risk by the standard method, its
    excess over the allowance (``gap``), the floor on risk assets, and the ``required`` balance
    (the higher of the two); amounts in 元."""

    potential_risk: Decimal
    gap: Decimal
    floor: Decimal
    required: Decimal
    rule: RuleRef

    def as_dict(self) -> dict:
        return {"potential_risk": str(self.potential_risk), "gap": str(self.gap), "floor": str(self.floor),
                "required": str(self.required), **self.rule.as_dict()}


@dataclass
class Provisioning:
    """Provisions of every loan classified and the portfolio's figures before (and after) a
    proposed write-off. ``general``: the 2002 general provision (1 % of loans) included in the
    allowance under the regulatory method; ``missing``: loans without an ECL allowance."""

    as_of: dt.date
    method: str
    loans: list[LoanProvision]
    before: PortfolioFigures
    specific: Decimal = ZERO
    general: Decimal = ZERO
    general_rule: RuleRef | None = None
    requirements_before: list[Requirement] = field(default_factory=list)
    general_reserve: GeneralReserve | None = None
    written_off: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)  # (case, principal, NPL part)
    after: PortfolioFigures | None = None
    requirements_after: list[Requirement] = field(default_factory=list)
    general_reserve_after: GeneralReserve | None = None
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def rules_used(self) -> list[RuleRef]:
        """Each rule a provision, a requirement or the general reserve rests on, once, by id."""
        refs = [p.rule for p in self.loans if p.rule] + ([self.general_rule] if self.general_rule else [])
        refs += [r.rule for r in self.requirements_before + self.requirements_after]
        refs += [g.rule for g in (self.general_reserve, self.general_reserve_after) if g is not None]
        seen: dict[str, RuleRef] = {}
        for r in refs:
            seen.setdefault(r.id, r)
        return [seen[k] for k in sorted(seen)]

    def as_dict(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "method": self.method,
            "loans": [p.as_dict() for p in self.loans],
            "specific": str(self.specific),
            "general": str(self.general),
            "general_rule": self.general_rule.as_dict() if self.general_rule else None,
            "before": self.before.as_dict(),
            "requirements_before": [r.as_dict() for r in self.requirements_before],
            "general_reserve": self.general_reserve.as_dict() if self.general_reserve else None,
            "written_off": [{"case": c, "principal": str(a), "npl": str(n)} for c, a, n in self.written_off],
            "after": self.after.as_dict() if self.after else None,
            "requirements_after": [r.as_dict() for r in self.requirements_after],
            "general_reserve_after": self.general_reserve_after.as_dict() if self.general_reserve_after else None,
            "missing": list(self.missing),
            "notes": list(self.notes),
        }


def regulatory_provision(case_id: str, loan: str, category: RiskCategory, principal: Decimal, on: dt.date) -> LoanProvision:
    """The 2002 guideline's provision of ``principal`` 元 of class ``category`` on ``on``: amount
    (to the 分), ratio and its band (relative ±20 % for 次级 and 可疑). Raises RuleNotFoundError
    (RuleAbsentError) when no ratios are in force on ``on`` (before 2002-04-02)."""
    row = rule_in_force(TABLE, "specific_ratios", on)
    ratio = Decimal(row["ratios"][category.value])
    low = high = ratio
    if category.value in row["band_classes"]:
        band = Decimal(row["band"])
        low, high = ratio * (1 - band), ratio * (1 + band)
    return LoanProvision(case_id, loan, category, principal, "regulatory", _cents(principal * ratio), ratio, low, high,
                         source=row["id"], rule=RuleRef.of(row))


def _ecl_provision(lc: LoanClass, case_principal: Decimal) -> LoanProvision:
    record = lc.provision
    if record is None:
        return LoanProvision(lc.case_id, lc.loan, lc.category, lc.principal, "ecl", None)
    amount = record.allowance
    source = f"risk.provisions {record.date}"
    if record.loan is None and case_principal and case_principal != lc.principal:
        amount = _cents(record.allowance * lc.principal / case_principal)
        source += "（按本金分摊）"
    ratio = amount / lc.principal if lc.principal else None
    return LoanProvision(lc.case_id, lc.loan, lc.category, lc.principal, "ecl", amount, ratio, stage=record.stage,
                         source=source)


def requirements(figures: PortfolioFigures, on: dt.date) -> list[Requirement]:
    """The regulatory requirements in force on ``on``: the 2011 baseline (the higher of 2.5 % of
    loans and 150 % of NPL, art 7) and the lowest of the 2018 band (1.5 % / 120 %); empty before
    2012. TC15(b): loans 100m, NPL 5m → 7.5m and 6.0m."""
    out: list[Requirement] = []
    base = _row("requirement_baseline", on)
    if base is not None:
        r, c = Decimal(base["provision_ratio"]), Decimal(base["coverage"])
        out.append(Requirement("基本标准", r, c, _cents(max(r * figures.loans, c * figures.npl)), figures.allowance,
                               RuleRef.of(base)))
    band = _row("requirement_band", on)
    if band is not None:
        r, c = Decimal(band["provision_ratio_low"]), Decimal(band["coverage_low"])
        out.append(Requirement("差异化调整最低档", r, c, _cents(max(r * figures.loans, c * figures.npl)), figures.allowance,
                               RuleRef.of(band)))
    return out


def general_reserve(balances: Mapping[RiskCategory, Decimal], allowance: Decimal, risk_assets: Decimal,
                    on: dt.date) -> GeneralReserve | None:
    """The general reserve on ``on`` for loan ``balances`` by class (元), the impairment
    ``allowance`` held and ``risk_assets``: under 财金〔2012〕20号 the standard-method potential risk
    (正常 1.5 %, 关注 3 %, 次级 30 %, 可疑 60 %, 损失 100 %) less the allowance, and 1.5 % of risk
    assets, the higher being required; under 财金〔2005〕49号 1 % of risk assets. None before
    2005-07-01. TC15(b): potential 3.8m, gap 0.7m, floor 1.5m → 1.5m."""
    row = _row("general_reserve", on)
    if row is None:
        return None
    factors = row.get("factors")
    potential = sum((balances.get(c, ZERO) * Decimal(factors[c.value]) for c in CATEGORY_ORDER), ZERO) if factors else ZERO
    gap = max(potential - allowance, ZERO)
    floor = risk_assets * Decimal(row["floor"])
    return GeneralReserve(_cents(potential), _cents(gap), _cents(floor), _cents(max(gap, floor)), RuleRef.of(row))


def portfolio_provisions(classification: Classification, *, method: str = "regulatory",
                         write_off: Iterable[str] = ()) -> Provisioning:
    """The provisions of every loan of ``classification`` under ``method`` (``regulatory`` or
    ``ecl``) and the portfolio's figures as of its date, before and after writing off the cases
    named in ``write_off`` (their outstanding principal), the general reserve on both sides (after:
    the loans left by class, the allowance left and the loans left as the risk assets).

    Raises LegalDocsError for an unknown method or a ``write_off`` case id that is not among the
    cases classified or was written off on or before the date (naming its write-off date), and RuleNotFoundError when no ratios are in force on the date."""
    if method not in METHODS:
        raise LegalDocsError(_("{option}: {value} is not one of {choices}").format(
            option="method", value=repr(method), choices=", ".join(METHODS)))
    on = classification.as_of
    wanted = list(dict.fromkeys(write_off))
    known = {c.case_id for _where, c in classification.cases}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise LegalDocsError(_("{option}: no case {ids} among the cases classified ({known})").format(
            option="--write-off", ids=", ".join(map(repr, unknown)), known=", ".join(sorted(known)) or "—"))
    on_balance = [lc for lc in classification.loans if not lc.off_balance]
    gone = {lc.case_id: lc.write_off_status for lc in classification.loans if lc.off_balance and lc.case_id in wanted}
    if gone:
        cases = "; ".join(_("{case} was written off on {date} ({label})").format(
            case=repr(c), date=w.written_off_on.isoformat() if w and w.written_off_on else "—", label=w.label if w else "")
            for c, w in sorted(gone.items()))
        raise LegalDocsError(_("{option}: {cases}: a case written off on or before {date} is off balance already").format(
            option="--write-off", cases=cases, date=on.isoformat()))
    case_principal: dict[str, Decimal] = {}
    for lc in on_balance:
        case_principal[lc.case_id] = case_principal.get(lc.case_id, ZERO) + lc.principal
    items: list[LoanProvision] = []
    missing: list[str] = []
    for lc in on_balance:
        if method == "regulatory":
            items.append(regulatory_provision(lc.case_id, lc.loan, lc.category, lc.principal, on))
        else:
            p = _ecl_provision(lc, case_principal[lc.case_id])
            if p.amount is None:
                missing.append(f"{lc.case_id}/{lc.loan}")
            items.append(p)
    loans = sum((p.principal for p in items), ZERO)
    npl = sum((p.principal for p in items if p.npl), ZERO)
    specific = sum((p.amount or ZERO for p in items), ZERO)
    result = Provisioning(on, method, items, PortfolioFigures(loans, npl, specific), specific=specific, missing=missing)
    off = [lc for lc in classification.loans if lc.off_balance]
    if off:
        result.notes.append(_("{count} loan(s) written off on or before {date} are off balance (账销案存) and not counted: {loans}").format(
            count=len(off), date=on.isoformat(), loans=", ".join(f"{lc.case_id}/{lc.loan}" for lc in off)))
    if method == "regulatory":
        row = rule_row(TABLE, "specific_ratios", on)
        result.general = _cents(loans * Decimal(row["general"]))
        result.general_rule = RuleRef.of(row)
        result.before = PortfolioFigures(loans, npl, specific + result.general)
    elif missing:
        result.notes.append(_("{count} loan(s) without an ECL allowance (risk.provisions) are counted at nil: {loans}").format(
            count=len(missing), loans=", ".join(missing)))
    result.requirements_before = requirements(result.before, on)
    balances: dict[RiskCategory, Decimal] = {}
    for p in items:
        balances[p.category] = balances.get(p.category, ZERO) + p.principal
    result.general_reserve = general_reserve(balances, result.before.allowance, loans, on)
    if wanted:
        amount = npl_part = own = ZERO
        for case_id in wanted:
            mine = [p for p in items if p.case_id == case_id]
            principal = sum((p.principal for p in mine), ZERO)
            part = sum((p.principal for p in mine if p.npl), ZERO)
            result.written_off.append((case_id, principal, part))
            amount, npl_part = amount + principal, npl_part + part
            own += sum((p.amount or ZERO for p in mine), ZERO)
            if part < principal:
                result.notes.append(_("{case}: {amount} 元 of the principal written off is not classified NPL").format(
                    case=case_id, amount=f"{principal - part:,.2f}"))
        if own < amount:
            result.notes.append(_("the allowance of the loans written off ({own} 元) is below their principal ({amount} 元): "
                                  "the figures after write-off assume the shortfall is provided first (charged to profit)").format(
                own=f"{own:,.2f}", amount=f"{amount:,.2f}"))
        result.after = result.before.after_write_off(amount, npl_part=npl_part, allowance_part=min(amount, result.before.allowance))
        result.requirements_after = requirements(result.after, on)
        left = dict(balances)
        for p in items:
            if p.case_id in wanted:
                left[p.category] -= p.principal
        result.general_reserve_after = general_reserve(left, result.after.allowance, result.after.loans, on)
    return result
