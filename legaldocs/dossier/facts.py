"""What a write-off dossier (呆账核销申报材料, 财金〔2017〕90号 and its Annex 1) states, resolved once
from the case so that every document of the dossier says the same.

:func:`build_dossier` gathers, for one case, one Annex 1 criterion and one date (the proposed
write-off date, 核销基准日):

- the eligibility check of the criterion (:func:`legaldocs.portfolio.writeoff.check_eligibility`):
  every requirement with its proof (evidence items) or what is missing, the pursuit of the
  borrower and of each guarantor and mortgagor, the unverified rule values relied on and their
  confirmations;
- the balance by component on that date (本金, 表内利息, 表外利息, fees) and the recoveries with
  their sources (:func:`legaldocs.money.components.balance_components`), and the residue proposed
  for write-off (:func:`legaldocs.portfolio.writeoff.residue`);
- the tax pack (:func:`legaldocs.portfolio.tax.tax_pack`): which records the income-tax rules
  require for deducting the loss and which are present;
- whether the dossier is final or a draft, and why (:attr:`Dossier.draft_reasons`, Chinese): a
  requirement missing, an unverified rule value without a recorded confirmation, a part of the
  investigation report the case file leaves empty.

The dossier states the case as it stood on its date: :func:`case_as_of` leaves out, once, before
anything is resolved, every event, pursuit record, repayment, classification, allowance,
exposure, restructuring, asset search, confirmation and judgment dated after ``as_of``, and the
evidence items cited only by what was left out; :attr:`Dossier.left_out` lists them (Chinese).

The exhibits of the dossier are the evidence items kept, in the case file's order, exhibit ``n``
being the ``n``-th (the contracts and the proofs the criterion needs are among them); the
documents cite them as ``证据n``.

Money is Decimal in 元; dates are ``datetime.date``; "today" is the ``as_of`` parameter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from legaldocs.case.model import Case, EvidenceItem
from legaldocs.chinese import date_in_chinese, format_amount
from legaldocs.money.components import Components, balance_components
from legaldocs.portfolio import tax as taxes
from legaldocs.portfolio import writeoff as writeoffs

__all__ = ["REPORT_FIELDS", "Dossier", "build_dossier", "case_as_of", "evidence_items", "evidence_label", "residue_rows", "tax_lines"]

#: the parts of the investigation report the case file gives (write_off.<field>), with their names
REPORT_FIELDS = {"cause": "损失形成原因", "remedies": "采取的补救措施及结果", "why_now": "无法收回的原因及核销理由",
                 "responsibility": "责任认定及处理"}


@dataclass
class Dossier:
    """The resolved facts of one write-off dossier.

    ``case``: the case; ``criterion``: the Annex 1 item relied on (``"7"``); ``as_of``: the
    write-off date the balances are stated at; ``eligibility``: the check of the criterion
    (:class:`legaldocs.portfolio.writeoff.Eligibility`); ``components``: the balance by component
    and the recoveries (:class:`legaldocs.money.components.Components`); ``residue``: what
    :func:`legaldocs.portfolio.writeoff.residue` gives (the amounts proposed for write-off, by
    component); ``tax``: the tax pack; ``numbers``: evidence id -> exhibit number in the bundle;
    ``draft_reasons``: why the dossier is a draft (empty when final), Chinese, one per reason;
    ``left_out``: what the case file records after ``as_of`` and the dossier leaves out
    (:func:`case_as_of`), Chinese, one per record."""

    case: Case
    criterion: str
    as_of: dt.date
    eligibility: Any
    components: Components
    residue: Any
    tax: Any
    numbers: dict[str, int]
    draft_reasons: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)

    @property
    def final(self) -> bool:
        """True when nothing is missing and every unverified value relied on is confirmed."""
        return not self.draft_reasons

    @property
    def bank(self) -> str:
        return self.case.creditor.name

    @property
    def borrowers(self) -> list[str]:
        """Party ids of the borrowers, in the order of the loans."""
        return list(dict.fromkeys(p for loan in self.case.loans for p in loan.borrowers))

    @property
    def borrower_name(self) -> str:
        return "、".join(self.case.parties[p].name for p in self.borrowers)

    def exhibits(self, ids) -> str:
        """``证据3、证据5`` for the evidence ids among ``ids``, by exhibit number (other proofs, such
        as an event's description, after them as they are), or empty."""
        unique = list(dict.fromkeys(ids))
        numbered = sorted((x for x in unique if x in self.numbers), key=lambda x: self.numbers[x])
        return "、".join([evidence_label(self.numbers, x) for x in numbered] + [x for x in unique if x not in self.numbers])

    def residue_components(self) -> list[tuple[str, Decimal]]:
        """(Chinese name, amount) of the residue proposed for write-off: 本金, 表内利息, 表外利息,
        费用, each as :func:`legaldocs.portfolio.writeoff.residue` states it."""
        return residue_rows(self.residue)

    @property
    def residue_total(self) -> Decimal:
        return sum((amount for _name, amount in self.residue_components()), Decimal(0))


def evidence_label(numbers: dict[str, int], ref: str) -> str:
    """``证据N`` for an evidence id of the dossier, else ``ref`` as it is (an event described)."""
    return f"证据{numbers[ref]}" if ref in numbers else ref


_COMPONENTS = (("principal", "本金"), ("interest_on_balance", "表内利息"), ("interest_off_balance", "表外利息"),
               ("fees", "费用"))


def residue_rows(residue: Any) -> list[tuple[str, Decimal]]:
    """The residue's amounts by component, whatever of B's shapes it has: an object or mapping
    with ``principal``, ``interest_on_balance``, ``interest_off_balance`` and ``fees``."""
    rows = []
    for key, name in _COMPONENTS:
        value = residue.get(key) if isinstance(residue, dict) else getattr(residue, key)
        rows.append((name, Decimal(value)))
    return rows


def case_as_of(case: Case, as_of: dt.date) -> tuple[Case, list[str], list]:
    """``case`` as it stood on ``as_of`` (the dossier's date): events, pursuit records (追索记录),
    repayments, classifications (风险分类), allowances (拨备), exposures, restructurings, asset
    searches (财产调查), confirmations and the judgment dated after ``as_of`` left out, and the
    evidence items cited only by records left out (a ruling not yet made has no exhibit).

    Returns (the case as of that date, what was left out as Chinese lines ``2025年3月20日 事件：
    终结本次执行程序``, the confirmations left out). Nothing is validated again: the records kept
    are the case file's own."""
    gone: list[tuple[dt.date, str, tuple[str, ...]]] = []

    def keep(records, label, when=lambda r: r.date, describe=lambda r: ""):
        kept = []
        for r in records:
            if when(r) <= as_of:
                kept.append(r)
            else:
                text = describe(r)
                gone.append((when(r), f"{label}" + (f"：{text}" if text else ""), tuple(getattr(r, "evidence", ()) or ())))
        return kept

    names = {ref: p.name for ref, p in case.parties.items()}
    events = keep(case.events, "事件", describe=lambda e: e.kind.value + (f"（{e.case_number}）" if e.case_number else ""))
    pursuits = keep(case.pursuits, "追索记录",
                    describe=lambda p: f"{names.get(p.party, p.party)}，{p.channel.value}")
    repayments = keep(case.repayments, "还款或受偿", describe=lambda r: f"{r.amount:,.2f}元")
    risk = case.risk.model_copy(update={
        "history": keep(case.risk.history, "风险分类", describe=lambda h: h.category.value),
        "provisions": keep(case.risk.provisions, "拨备", describe=lambda p: f"{p.allowance:,.2f}元"),
        "exposures": keep(case.risk.exposures, "授信敞口"),
        "restructurings": keep(case.risk.restructurings, "重组", when=lambda r: r.changed_on),
    })
    update: dict = {"events": events, "pursuits": pursuits, "repayments": repayments, "risk": risk}
    late_confirmations = []
    wo = case.write_off
    if wo is not None:
        late_confirmations = [c for c in wo.confirmations if c.date > as_of]
        changes: dict = {
            "asset_searches": keep(wo.asset_searches, "财产调查",
                                   describe=lambda s: f"{names.get(s.party, s.party)}，{s.by}"),
            "confirmations": keep(wo.confirmations, "规则确认", describe=lambda c: f"{c.rule}，{c.by}"),
        }
        if wo.ended is not None and wo.ended.date > as_of:
            gone.append((wo.ended.date, "核销后终结", tuple(wo.ended.evidence)))
            changes["ended"] = None
        update["write_off"] = wo.model_copy(update=changes)
    if case.judgment is not None and case.judgment.effective_on > as_of:
        gone.append((case.judgment.effective_on, f"执行依据：{case.judgment.case_number}", ()))
        update["judgment"] = None
    kept_case = case.model_copy(update=update)
    cited = _cited(kept_case)
    dropped = {ref for _d, _t, refs in gone for ref in refs} - cited
    if dropped:
        for item in case.evidence:
            if item.id in dropped:
                gone.append((dt.date.max, f"证据：{item.title}（仅为上述记录所引用）", ()))
        kept_case = kept_case.model_copy(update={"evidence": [e for e in case.evidence if e.id not in dropped]})
    lines = [f"{date_in_chinese(day)} {text}" if not text.startswith("证据：") else text
             for day, text, _refs in sorted(gone, key=lambda g: g[0])]
    return kept_case, lines, late_confirmations


def _cited(case: Case) -> set[str]:
    """Evidence ids cited anywhere in ``case`` (every record with an ``evidence`` list)."""
    refs: set[str] = set()

    def walk(value) -> None:
        if isinstance(value, (list, tuple)):
            for v in value:
                walk(v)
        elif hasattr(type(value), "model_fields"):  # a record of the case model
            for name in type(value).model_fields:
                v = getattr(value, name)
                if name == "evidence" and isinstance(v, list) and all(isinstance(x, str) for x in v):
                    refs.update(v)
                elif name != "evidence":
                    walk(v)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)

    walk(case)
    return refs


def build_dossier(case: Case, criterion: str, as_of: dt.date) -> Dossier:
    """The facts of the write-off dossier of ``case`` for the Annex 1 item ``criterion`` (e.g.
    ``"7"``, ``"1b"``) on the write-off date ``as_of``.

    A case without a ``write_off`` section gives a draft (the investigation report's parts are
    missing). Everything is resolved from the case as of ``as_of`` (:func:`case_as_of`): a record
    dated later is in no document. Raises LegalDocsError: an unknown criterion (the message lists
    the valid ones), or balances the money engine cannot compute (a loan that cannot be scheduled)."""
    case, left_out, late = case_as_of(case, as_of)
    components = balance_components(case, as_of)  # the money engine runs once for the whole dossier
    eligibility = writeoffs.check_eligibility(case, criterion, as_of, components=components, later_confirmations=late)
    residue = writeoffs.residue(case, as_of, components=components)
    tax = taxes.tax_pack(case, as_of, residue)
    numbers = {item.id: n for n, item in enumerate(case.evidence, start=1)}
    reasons = list(eligibility.draft_reasons)
    if not eligibility.met and not reasons:
        reasons.append("认定条件所需的事实、材料或追索尚不齐备")
    for key, name in REPORT_FIELDS.items():
        if case.write_off is None or not getattr(case.write_off, key):
            reasons.append(f"调查报告缺少“{name}”（案件档案 write_off.{key} 未填写）")
    if left_out:  # text staff wrote, and the exhibits themselves, are printed as they are and may tell of them
        reasons.append(f"案件档案记有晚于核销基准日的事实（{len(left_out)}项，见草稿说明），已从各文书中略去；但经办人填写的文字"
                       "（write_off.cause、remedies、why_now、responsibility，证据名称及证明目的）和证据原件照录，可能述及这些事实："
                       "请按基准日时的情况改写后重新生成")
    if residue_rows(residue) and sum((a for _n, a in residue_rows(residue)), Decimal(0)) <= 0:
        reasons.append("核销基准日的剩余债权为零，没有可核销的金额")
    return Dossier(case=case, criterion=eligibility.criterion, as_of=as_of, eligibility=eligibility,
                   components=components, residue=residue, tax=tax, numbers=numbers,
                   draft_reasons=list(dict.fromkeys(reasons)), left_out=left_out)


def evidence_items(dossier: Dossier) -> list[EvidenceItem]:
    """The evidence items bound into the dossier's bundle, exhibit ``n`` first at position n."""
    return list(dossier.case.evidence)


_REGIMES = {"2015_25": "国家税务总局公告2015年第25号（涉农贷款和中小企业贷款损失）",
            "2011_25": "国家税务总局公告2011年第25号（企业资产损失所得税税前扣除管理办法）第四十条"}


def tax_lines(dossier: Dossier) -> tuple[str, list[str]]:
    """The tax pack (:func:`legaldocs.portfolio.tax.tax_pack`) as the report states it: the rule
    and tier that apply, then each record required (present, with its proof, or missing) and the
    notes. Chinese. The tax deduction is the bank's separate decision with its own evidence: a
    record missing here does not make the write-off dossier a draft."""
    t = dossier.tax
    regime = _REGIMES.get(t.regime, t.rule.get("citation", t.regime))
    tier = f"适用{regime}；单户贷款本金余额{format_amount(t.balance)}元"
    if t.overdue_since is not None:
        tier += f"，自{date_in_chinese(t.overdue_since)}起逾期"
    if t.tier and t.tier.get("text"):
        tier += f"；所需材料：{t.tier['text']}"
    if not t.eligible:
        tier += "；不符合该公告的条件（逾期不满一年），不能按该公告扣除"
    tier += "。"
    lines = []
    for r in t.records:
        if r.met:
            lines.append(f"应具备：{r.text}——已具备" + (f"（{dossier.exhibits(r.proof)}）" if r.proof else "") + "。")
        else:
            lines.append(f"应具备：{r.text}——缺少：{r.missing or r.text}。")
    if t.channels:
        counts = "、".join(f"{k}{n}条（其中共同签章{c}条）" for k, (n, c) in t.channels.items())
        lines.append(f"现有追索记录：{counts}。")
    lines += [f"说明：{n}。" if not n.endswith("。") else f"说明：{n}" for n in t.notes]
    lines.append("税前扣除的证据按规定留存备查；核销材料齐备不等于税前扣除条件满足，二者分别审查。")
    return tier, lines
