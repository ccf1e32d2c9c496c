"""Corporate income tax on a written-off loan (贷款损失税前扣除): the evidence pack and the
general provision deduction.

:func:`tax_pack` says which rules decide the evidence a loan loss needs and what is present:

- 涉农 and SME loans (``case.risk.sme_or_agricultural``; 财税〔2015〕3号 defines them) under
  国家税务总局公告2015年第25号, by the single-borrower balance (本金余额 on the loss date) and only
  when the loan is overdue 1 year or more ("逾期1年以上", inclusive: due 2025-01-20 → eligible from
  2026-01-20): up to 3,000,000 元 (inclusive) any one kind of original pursuit record (judicial,
  phone, letter, on-site) toward the borrower and each guarantor, co-signed by the handler and
  the person responsible; above 3,000,000 up to 10,000,000 元 the records must include a judicial
  pursuit; above 10,000,000 元 the general rules of 国家税务总局公告2011年第25号; a loan overdue less
  than 1 year is not eligible under 2015 No. 25;
- every other loan (and the top tier) under 国家税务总局公告2011年第25号 art 40(1): when the debtor
  or a guarantor was declared bankrupt, closed, dissolved, revoked, its licence revoked, missing
  or dead, a distribution (or estate) proof; without one, when that event is more than 3 years old
  or the claim is at most 3,000,000 元, the registry or court proof of the event and the original
  pursuit records; a court's ruling ending or suspending enforcement for an enforcement that
  found nothing (art 40(4)).

:func:`general_provision_deduction` computes the deduction of the general loan-loss provision
(财政部 税务总局公告2019年第86号 art 2, and its predecessors): 1 % of the eligible year-end loans
less what was deducted up to the end of the year before; a negative result is added back to
taxable income.

Amounts are Decimal in 元; thresholds and the rate are rule data (``law/data/tax.toml``, each row
tagged verified / secondary / unverified).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Mapping

from legaldocs.case.model import Case, EventKind, PursuitChannel
from legaldocs.errors import LegalDocsError, RuleNotFoundError
from legaldocs.i18n import _
from legaldocs.law.periods import add_months
from legaldocs.law.rules import latest_rule, rule_in_force
from legaldocs.portfolio.writeoff import ROLE_BORROWER, Residue, obligor_pursuits

__all__ = ["ProvisionDeduction", "TaxPack", "TaxRecord", "general_provision_deduction", "tax_pack"]

TABLE = "tax"
ZERO = Decimal(0)


@dataclass(frozen=True)
class TaxRecord:
    """One record or document the tax rules require: ``key``, ``text`` (Chinese), whether it
    is ``met``, ``proof`` (evidence ids or descriptions) and ``missing`` (Chinese, None when met)."""

    key: str
    text: str
    met: bool
    proof: tuple[str, ...] = ()
    missing: str | None = None

    def as_dict(self) -> dict:
        return {"key": self.key, "text": self.text, "met": self.met, "proof": list(self.proof), "missing": self.missing}


@dataclass
class TaxPack:
    """The tax evidence pack (留存备查资料) for a loan loss on ``as_of``.

    ``regime``: "2015_25" (涉农/SME tiers) or "2011_25" (general rules, art 40); ``rule``: the row
    applied; ``tier``: for 2015 No. 25 the tier row (``upto``, ``records``: any_one, judicial or
    general, ``text``), None otherwise; ``balance``: the single-borrower balance (本金余额, 元);
    ``overdue_since`` and ``overdue_one_year`` (the 1-year test, 2015 No. 25 only);
    ``eligible``: False when the loan is not eligible under the regime (overdue less than 1 year);
    ``records``: what is required, each present or not; ``channels``: pursuit records by channel
    (count, co-signed count); ``missing``: Chinese, one per missing item; ``notes``; ``rules``:
    every row used."""

    as_of: dt.date
    regime: str
    rule: Mapping[str, Any]
    tier: Mapping[str, Any] | None
    balance: Decimal
    overdue_since: dt.date | None
    overdue_one_year: bool | None
    eligible: bool
    records: list[TaxRecord]
    channels: dict[str, tuple[int, int]]
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rules: list[Mapping[str, Any]] = field(default_factory=list)

    @property
    def tier_key(self) -> str | None:
        return self.tier["records"] if self.tier else None

    @property
    def complete(self) -> bool:
        """Eligible and every required record present."""
        return self.eligible and all(r.met for r in self.records)

    def as_dict(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(), "regime": self.regime, "rule_id": self.rule["id"],
            "citation": self.rule["citation"], "status": self.rule.get("status"),
            "tier": dict(self.tier) if self.tier else None, "balance": str(self.balance),
            "overdue_since": self.overdue_since.isoformat() if self.overdue_since else None,
            "overdue_one_year": self.overdue_one_year, "eligible": self.eligible, "complete": self.complete,
            "records": [r.as_dict() for r in self.records],
            "channels": {k: {"count": n, "cosigned": c} for k, (n, c) in self.channels.items()},
            "missing": list(self.missing), "notes": list(self.notes),
            "rules": [{"id": r["id"], "citation": r["citation"], "status": r.get("status")} for r in self.rules],
        }


def _tier(row: Mapping, balance: Decimal) -> Mapping:
    for tier in row["tiers"]:
        if tier["upto"] == "" or balance <= Decimal(tier["upto"]):
            return tier
    raise LegalDocsError(_("{id}: no tier for a balance of {balance}").format(id=row["id"], balance=balance))


def _channels(case: Case, as_of: dt.date) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for p in case.pursuits:
        if p.date <= as_of:
            n, c = out.get(p.channel.value, (0, 0))
            out[p.channel.value] = (n + 1, c + (1 if p.cosigned else 0))
    return out


def _pursuit_records(case: Case, as_of: dt.date, channels: list[str], judicial: bool) -> list[TaxRecord]:
    """Co-signed original pursuit records of the accepted channels toward the borrower and each
    guarantor (not released); with ``judicial``, a judicial pursuit record among them."""
    out: list[TaxRecord] = []
    accepted = set(channels)
    for o in obligor_pursuits(case, as_of):
        if o.released or not (ROLE_BORROWER in o.role or "保证人" in o.role):
            continue
        good = [p for p in o.pursuits if p.cosigned and p.channel.value in accepted]
        text = f"对{o.role}{o.name}的追索记录原件（{'、'.join(channels)}任一种），经办人和负责人共同签章确认"
        proof = tuple(dict.fromkeys(ref for p in good for ref in p.evidence))
        if not good:
            unsigned = [p for p in o.pursuits if p.channel.value in accepted]
            missing = (f"对{o.role}{o.name}的追索记录未经经办人和负责人共同签章确认" if unsigned
                       else f"缺少对{o.role}{o.name}的追索记录")
            out.append(TaxRecord(f"pursuit.{o.party}", text, False, (), missing))
        elif not proof:
            out.append(TaxRecord(f"pursuit.{o.party}", text, False, (), f"对{o.role}{o.name}的追索记录未附证据"))
        else:
            out.append(TaxRecord(f"pursuit.{o.party}", text, True, proof))
    if judicial:
        records = [p for p in case.pursuits if p.date <= as_of and p.cosigned and p.channel is PursuitChannel.judicial]
        proof = tuple(dict.fromkeys(ref for p in records for ref in p.evidence))
        text = "司法追索记录（经办人和负责人共同签章确认）"
        if records and proof:
            out.append(TaxRecord("pursuit.judicial", text, True, proof))
        else:
            out.append(TaxRecord("pursuit.judicial", text, False, (),
                                 "缺少司法追索记录；单户余额超过300万元的，未包括司法追索记录的不得扣除"))
    return out


def _overdue_since(residue: Residue) -> dt.date | None:
    days = [x.overdue_since for x in residue.components.loans if x.overdue_since is not None]
    return min(days) if days else None


def _general(case: Case, as_of: dt.date, residue: Residue, balance: Decimal, notes: list[str],
             rules: list) -> tuple[Mapping, list[TaxRecord]]:
    """国家税务总局公告2011年第25号 art 40: what the loss of this loan needs."""
    row = rule_in_force(TABLE, "loss_evidence", as_of)
    rules.append(row)
    records = [TaxRecord("contracts", "借款合同、担保合同等原始合同及会计核算资料", bool(case.evidence),
                         tuple(e.id for e in case.evidence if e.original)[:3],
                         None if case.evidence else "缺少合同及会计核算资料")]
    kinds = {EventKind(k) for k in row["event_kinds"]}
    events = [e for e in case.events if e.kind in kinds and e.date <= as_of]
    if events:
        distribution = [r for r in case.repayments if r.source in ("distribution", "estate") and r.date <= as_of]
        dist_proof = tuple(dict.fromkeys(ref for r in distribution for ref in r.evidence))
        first = min(e.date for e in events)
        years = int(row["event_age_years"])
        boundary = add_months(first, 12 * years)
        old = as_of > boundary if not row.get("event_age_inclusive") else as_of >= boundary
        small = balance <= Decimal(row["small_claim_max"])
        if dist_proof:
            records.append(TaxRecord("distribution", "资产清偿证明或遗产清偿证明", True, dist_proof))
        elif old or small:
            why = (f"事项发生于{first}，已超过{years}年" if old else f"债权余额不超过{Decimal(row['small_claim_max']):,.0f}元")
            notes.append(f"无法出具清偿证明，且{why}：以破产、关闭、解散、撤销、注销或查询证明及追索记录代替")
            proof = tuple(dict.fromkeys(ref for e in events for ref in e.evidence))
            records.append(TaxRecord("event_proof", "破产、关闭、解散、撤销文件，注销证明或查询证明", bool(proof), proof,
                                     None if proof else "相关事件未附证据"))
            records += _pursuit_records(case, as_of, list(row["channels"]), judicial=False)
        else:
            records.append(TaxRecord("distribution", "资产清偿证明或遗产清偿证明", False, (),
                                     f"缺少清偿证明（事项发生未超过{years}年且债权余额超过"
                                     f"{Decimal(row['small_claim_max']):,.0f}元，不能以追索记录代替）"))
    enforcement = [e for e in case.events if e.date <= as_of and e.kind in (
        EventKind.enforcement_ended_this_round, EventKind.enforcement_terminated, EventKind.enforcement_suspended)]
    if enforcement:
        proof = tuple(dict.fromkeys(ref for e in enforcement for ref in e.evidence))
        records.append(TaxRecord("enforcement", "人民法院终结（中止、终结本次）执行的裁定书", bool(proof), proof,
                                 None if proof else "执行裁定未附证据"))
    rejected = [e for e in case.events if e.date <= as_of and e.kind in (
        EventKind.suit_dismissed, EventKind.suit_not_accepted, EventKind.claim_rejected)]
    if rejected:
        proof = tuple(dict.fromkeys(ref for e in rejected for ref in e.evidence))
        records.append(TaxRecord("rejected", "驳回起诉、不予受理或驳回诉讼请求的裁判文书", bool(proof), proof,
                                 None if proof else "裁判文书未附证据"))
    if len(records) == 1:
        notes.append("案件中没有第四十条所列事项（破产、注销、死亡、执行终结等）的记载，须按实际情形取证")
    return row, records


def tax_pack(case: Case, as_of: dt.date, residue: Residue) -> TaxPack:
    """The tax evidence pack for the loss of ``case``'s loans written off on ``as_of``, with
    ``residue`` (:func:`legaldocs.portfolio.writeoff.residue` as of ``as_of``).

    Returns :class:`TaxPack`. Raises RuleNotFoundError when no tax rule covers ``as_of`` (the
    loss rules of 2011 No. 25 apply from 2011-01-01). Source: 国家税务总局公告2015年第25号 arts 1-2;
    国家税务总局公告2011年第25号 art 40."""
    balance = residue.principal
    since = _overdue_since(residue)
    channels = _channels(case, as_of)
    notes: list[str] = []
    rules: list[Mapping[str, Any]] = []
    if channels.get(PursuitChannel.sms.value):
        notes.append("短信追索不在公告列举的追索方式之内，未计入")
    judicial_events = [e for e in case.events if e.date <= as_of and e.kind in (
        EventKind.suit_filed, EventKind.enforcement_applied, EventKind.payment_order_applied)]
    if judicial_events and not channels.get(PursuitChannel.judicial.value):
        notes.append("案件有起诉或申请执行的记载，但没有司法追索的追索记录（pursuits，channel: 司法追索），请补录")
    if case.risk.sme_or_agricultural:
        try:
            row = rule_in_force(TABLE, "sme_agricultural_loss", as_of)
        except RuleNotFoundError as exc:
            notes.append(f"{exc}")
            row = None
        if row is not None:
            rules.append(row)
            years = int(row["min_overdue_years"])
            if since is None:
                one_year = False
            elif row.get("overdue_inclusive", True):  # "逾期1年以上": a full year counts
                one_year = add_months(since, 12 * years) <= as_of
            else:
                one_year = add_months(since, 12 * years) < as_of
            tier = _tier(row, balance)
            if since is None and residue.total <= 0:  # nothing left: no loss to deduct, whatever the overdue
                missing = ["截至该日已无剩余债权，没有可税前扣除的损失"]
                return TaxPack(as_of, "2015_25", row, tier, balance, since, None, False, [], channels, missing, notes,
                               rules)
            if not one_year:
                when = f"（逾期自{since}起，{add_months(since, 12 * years)}满{years}年）" if since else "（未逾期）"
                missing = [f"逾期不满{years}年{when}，不符合国家税务总局公告2015年第25号的条件"]
                notes.append("可按国家税务总局公告2011年第25号的一般规定取证")
                return TaxPack(as_of, "2015_25", row, tier, balance, since, False, False, [], channels, missing, notes,
                               rules)
            if tier["records"] != "general":
                records = [TaxRecord("category", "涉农贷款或中小企业贷款的分类证明（财税〔2015〕3号）", True,
                                     ("risk.sme_or_agricultural",))]
                records += _pursuit_records(case, as_of, list(row["channels"]), judicial=tier["records"] == "judicial")
                missing = [r.missing for r in records if not r.met and r.missing]
                return TaxPack(as_of, "2015_25", row, tier, balance, since, True, True, records, channels, missing,
                               notes, rules)
            notes.append(tier["text"])
            _general_row, records = _general(case, as_of, residue, balance, notes, rules)
            missing = [r.missing for r in records if not r.met and r.missing]
            return TaxPack(as_of, "2015_25", row, tier, balance, since, True, True, records, channels, missing, notes,
                           rules)
    row, records = _general(case, as_of, residue, balance, notes, rules)
    missing = [r.missing for r in records if not r.met and r.missing]
    return TaxPack(as_of, "2011_25", row, None, balance, since, None, True, records, channels, missing, notes, rules)


@dataclass(frozen=True)
class ProvisionDeduction:
    """The general loan-loss provision deduction of one tax year (元): ``allowed`` = eligible
    loans × rate; ``deductible`` = allowed − deducted up to last year-end when positive, else 0;
    ``add_back`` = the negative part, added back to taxable income, else 0; ``steps`` (Chinese);
    ``rule``: the row applied."""

    eligible_loans: Decimal
    deducted_last_year: Decimal
    rate: Decimal
    allowed: Decimal
    deductible: Decimal
    add_back: Decimal
    steps: tuple[str, ...]
    rule: Mapping[str, Any]

    def as_dict(self) -> dict:
        return {"eligible_loans": str(self.eligible_loans), "deducted_last_year": str(self.deducted_last_year),
                "rate": str(self.rate), "allowed": str(self.allowed), "deductible": str(self.deductible),
                "add_back": str(self.add_back), "steps": list(self.steps), "rule_id": self.rule["id"],
                "citation": self.rule["citation"], "status": self.rule.get("status")}


def general_provision_deduction(eligible_loans: Decimal, deducted_last_year: Decimal, *,
                                year_end: dt.date | None = None) -> ProvisionDeduction:
    """The general loan-loss provision deductible for a tax year (贷款损失准备金税前扣除):
    ``eligible_loans`` × rate (1 %) − ``deducted_last_year`` (the balance already deducted up to
    last year-end), both in 元. Negative → that amount is added back (``add_back``).

    ``year_end``: the tax year's last day, which chooses the rule version (default: the latest
    version, 财政部 税务总局公告2019年第86号). Raises LegalDocsError for a negative or non-Decimal
    amount, RuleNotFoundError when no rule covers ``year_end``. Source: 2019年第86号 art 2
    (财税〔2015〕9号, 财税〔2009〕64号 before)."""
    for name, value in (("eligible_loans", eligible_loans), ("deducted_last_year", deducted_last_year)):
        if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
            raise LegalDocsError(_("{name} must be a non-negative Decimal amount in 元, not {value}").format(
                name=name, value=repr(value)))
    row = rule_in_force(TABLE, "general_provision", year_end) if year_end else latest_rule(TABLE, "general_provision")
    rate = Decimal(row["rate"])
    allowed = eligible_loans * rate
    diff = allowed - deducted_last_year
    deductible = diff if diff > 0 else ZERO
    add_back = -diff if diff < 0 else ZERO
    steps = [
        f"准予提取贷款损失准备的贷款资产余额{eligible_loans:,.2f}元×{rate * 100:g}%＝{allowed:,.2f}元",
        f"减截至上年末已在税前扣除的贷款损失准备余额{deducted_last_year:,.2f}元＝{diff:,.2f}元",
        (f"准予当年税前扣除{deductible:,.2f}元" if diff >= 0 else f"结果为负数，相应调增当年应纳税所得额{add_back:,.2f}元"),
        f"依据：{row['citation']}",
    ]
    return ProvisionDeduction(eligible_loans, deducted_last_year, rate, allowed, deductible, add_back, tuple(steps),
                              row)
