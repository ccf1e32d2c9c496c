"""Risk classification of loans (五级分类) as of a date, with the reason for every floor.

The law: from 2023-07-01 《商业银行金融资产风险分类办法》(银保监会 中国人民银行令〔2023〕第1号); before
it 《贷款风险分类指引》(银监发〔2007〕54号), which judged repayment ability and set no hard floors
(the rules of ``law/data/classification.toml`` record both, each row with its citation and its
``status``: verified, secondary or unverified, the reference's [V], [S], [M]).

What is computed, for each loan of each case given together:

- **days past due** from the money engine: as-of date − the oldest due date of principal or
  interest still unpaid on that date (the due date is day 0, so the next day is day 1;
  legal-rules.md §8.4). Counting words follow 民法典 art 1259: "超过90天" excludes 90, so day 91
  is the first 次级 day (TC15(a)).
- **floors**: each rule in force on the as-of date that the facts meet gives a class the loan is
  at least (overdue 1/91/271/361 days; credit impairment and the ECL share of the carrying
  amount; bankruptcy liquidation; evasion; restructuring and its observation period; the NPL
  upgrade guard; contagion across one non-retail debtor's claims at this bank (> 10 %, art 7)
  and at all banks (> 20 %)). The **class** is the most severe floor, 正常 when none applies: the
  lowest class the facts allow. A floor resting on an unverified rule says so.
- **booked class**: the bank's latest record in ``risk.history`` on or before the date, and
  whether it is below the floor.
- **需人工判断**: where the facts cannot decide (segment inferred where it matters, no expected
  credit loss input, no credit-report exposure for the 20 % test, a 终本 ruling or a guarantor's
  insolvency, an observation period ended without an assessment of the difficulty, the pre-2023
  regime), each with the rule it concerns, rather than a guess.

One debtor is one borrower identity (统一社会信用代码, 注册号 or 组织机构代码, 居民身份证号) across
every case given; a loan's debtor is its first borrower. ``risk.exposures`` bring in the claims
outside the files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Mapping

from legaldocs.case.model import (
    Case,
    ClassificationRecord,
    Event,
    EventKind,
    LoanContract,
    Organization,
    ProvisionRecord,
    Restructuring,
    RiskCategory,
)
from legaldocs.errors import LegalDocsError
from legaldocs.i18n import _
from legaldocs.law.periods import add_months
from legaldocs.law.rules import rule_row
from legaldocs.money.accrual import LoanBalance
from legaldocs.money.schedule import INSTALMENT_METHODS, PERIODIC_METHODS
from legaldocs.money.statement import case_statement
from legaldocs.portfolio.status import WriteOffStatus, write_off_status

__all__ = [
    "CATEGORY_ORDER",
    "Classification",
    "Floor",
    "JudgmentItem",
    "LoanClass",
    "NPL_CATEGORIES",
    "Observation",
    "RuleRef",
    "STATUS_NAMES",
    "Unreadable",
    "UpgradeCheck",
    "classify_cases",
    "classify_sources",
    "cross_bank_contagion",
    "days_past_due",
    "debtor_key",
    "observation_period",
    "overdue_floors",
    "own_bank_contagion",
    "percent",
    "severity",
    "upgrade_window",
]

TABLE = "classification"
CATEGORY_ORDER = (RiskCategory.normal, RiskCategory.special_mention, RiskCategory.substandard, RiskCategory.doubtful,
                  RiskCategory.loss)
NPL_CATEGORIES = frozenset({RiskCategory.substandard, RiskCategory.doubtful, RiskCategory.loss})
STATUS_NAMES = {"verified": "已核实", "secondary": "二手来源", "unverified": "未核实"}
ZERO = Decimal(0)
_OVERDUE_KINDS = ("overdue_special_mention", "overdue_substandard", "overdue_doubtful", "overdue_loss")


def severity(category: RiskCategory) -> int:
    """0 (正常) to 4 (损失)."""
    return CATEGORY_ORDER.index(category)


def percent(share: Decimal) -> str:
    """A fraction shown as a percentage rounded half-up to 2 places (0.15 -> '15.00%')."""
    return f"{(share * 100).quantize(Decimal('0.01'), rounding='ROUND_HALF_UP')}%"


@dataclass(frozen=True)
class RuleRef:
    """The rule row a result rests on: id, citation, status (verified / secondary / unverified)."""

    id: str
    citation: str
    status: str

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> "RuleRef":
        return cls(row["id"], row["citation"], row.get("status", "unverified"))

    def as_dict(self) -> dict:
        return {"rule": self.id, "citation": self.citation, "status": self.status}


@dataclass(frozen=True)
class Floor:
    """A class the loan is at least, by one rule: ``category``, the rule and the reason (Chinese)."""

    category: RiskCategory
    rule: RuleRef
    text: str

    def as_dict(self) -> dict:
        return {"category": self.category.value, "text": self.text, **self.rule.as_dict()}


@dataclass(frozen=True)
class JudgmentItem:
    """What the facts cannot decide (需人工判断): the question (Chinese) and the rule it concerns."""

    text: str
    rule: RuleRef | None = None

    def as_dict(self) -> dict:
        return {"text": self.text, **(self.rule.as_dict() if self.rule else {"rule": None, "citation": None, "status": None})}


@dataclass(frozen=True)
class Observation:
    """A restructuring's observation period (重组观察期, 分类办法第二十条): it started on ``start``
    (after its restarts) and ends on ``end``; ``restarts`` lists (date, why) in order."""

    loan: str
    changed_on: dt.date
    first_start: dt.date
    start: dt.date
    end: dt.date
    restarts: tuple[tuple[dt.date, str], ...] = ()
    rule: RuleRef | None = None

    def as_dict(self) -> dict:
        return {"loan": self.loan, "changed_on": self.changed_on.isoformat(), "first_start": self.first_start.isoformat(),
                "start": self.start.isoformat(), "end": self.end.isoformat(),
                "restarts": [{"date": d.isoformat(), "why": why} for d, why in self.restarts],
                "rule": self.rule.id if self.rule else None}


@dataclass(frozen=True)
class UpgradeCheck:
    """When a loan booked as NPL may go up (不良资产上调): arrears cleared on ``cleared_on``, normal
    payment needed until ``normal_until`` inclusive, so ``earliest`` is the first possible day;
    ``blocked_by``: the debtor's other impaired claims at this bank, which prevent it."""

    booked: RiskCategory
    cleared_on: dt.date | None
    normal_until: dt.date | None
    earliest: dt.date | None
    blocked_by: tuple[str, ...] = ()
    rule: RuleRef | None = None

    def as_dict(self) -> dict:
        day = lambda d: d.isoformat() if d else None  # noqa: E731
        return {"booked": self.booked.value, "arrears_cleared_on": day(self.cleared_on),
                "normal_payment_until": day(self.normal_until), "earliest_upgrade": day(self.earliest),
                "blocked_by": list(self.blocked_by), "rule": self.rule.id if self.rule else None}


@dataclass
class LoanClass:
    """The classification of one loan as of a date. Amounts in 元 (``principal``: outstanding
    principal, due and not yet due; ``owed``: with interest, 罚息 and 复利)."""

    case_id: str
    source: str
    loan: str
    contract: str
    borrower: str
    borrower_name: str
    debtor: str
    segment: str
    segment_inferred: bool
    principal: Decimal
    owed: Decimal
    overdue_since: dt.date | None
    days_past_due: int
    regime: RuleRef | None
    floors: list[Floor] = field(default_factory=list)
    judgment: list[JudgmentItem] = field(default_factory=list)
    booked: ClassificationRecord | None = None
    observations: list[Observation] = field(default_factory=list)
    upgrade: UpgradeCheck | None = None
    provision: ProvisionRecord | None = None  # the bank's latest allowance record for the loan
    ecl_missing: bool = False  # no ECL input although impairment or an overdue makes it relevant
    write_off: str = ""  # 账销案存（…核销） or 完全终结（…） when written off on the date: off balance, not in the portfolio
    write_off_status: WriteOffStatus | None = None  # the case's status when written off on the date (None otherwise)
    case: Case | None = field(default=None, repr=False, compare=False)  # the case record it comes from

    @property
    def category(self) -> RiskCategory:
        """The most severe floor (正常 when none applies)."""
        return max((f.category for f in self.floors), key=severity, default=RiskCategory.normal)

    @property
    def npl(self) -> bool:
        return self.category in NPL_CATEGORIES

    @property
    def off_balance(self) -> bool:
        """Written off on the date (表外, 账销案存 or 完全终结): classified from its facts, but not an
        asset of the portfolio, so not in its loans, NPL, provisions or a debtor's contagion."""
        return bool(self.write_off)

    @property
    def decisive(self) -> list[Floor]:
        """The floors that give the class."""
        return [f for f in self.floors if f.category == self.category]

    @property
    def below_floor(self) -> bool | None:
        """True when the booked class is less severe than the class the facts require (None: nothing booked)."""
        if self.booked is None:
            return None
        return severity(self.booked.category) < severity(self.category)

    def as_dict(self) -> dict:
        return {
            "case": self.case_id,
            "source": self.source,
            "loan": self.loan,
            "contract": self.contract,
            "borrower": self.borrower,
            "borrower_name": self.borrower_name,
            "debtor": self.debtor,
            "segment": self.segment,
            "segment_inferred": self.segment_inferred,
            "principal": str(self.principal),
            "owed": str(self.owed),
            "overdue_since": self.overdue_since.isoformat() if self.overdue_since else None,
            "days_past_due": self.days_past_due,
            "category": self.category.value,
            "non_performing": self.npl,
            "regime": self.regime.as_dict() if self.regime else None,
            "floors": [f.as_dict() for f in self.floors],
            "booked": None if self.booked is None else {
                "date": self.booked.date.isoformat(), "category": self.booked.category.value, "basis": self.booked.basis},
            "below_floor": self.below_floor,
            "judgment": [j.as_dict() for j in self.judgment],
            "observations": [o.as_dict() for o in self.observations],
            "upgrade": self.upgrade.as_dict() if self.upgrade else None,
            "write_off": self.write_off or None,
            "write_off_status": None if self.write_off_status is None else {
                "state": self.write_off_status.state,
                "written_off_on": _iso(self.write_off_status.written_off_on),
                "ended_on": _iso(self.write_off_status.ended_on),
                "reason": self.write_off_status.end_reason},
        }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


@dataclass(frozen=True)
class Unreadable:
    """A source that could not be read or classified, and why."""

    path: str
    reason: str

    def as_dict(self) -> dict:
        return {"file": self.path, "reason": self.reason}


@dataclass
class Classification:
    """Every loan classified as of ``as_of``; ``cases``: (where, case) classified; ``unreadable``:
    sources not read; ``warnings``: what a person should know about the set as a whole."""

    as_of: dt.date
    loans: list[LoanClass] = field(default_factory=list)
    cases: list[tuple[str, Case]] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def rules_used(self) -> list[RuleRef]:
        """Each rule a floor, a judgment item or an observation rests on, once, by id."""
        seen: dict[str, RuleRef] = {}
        for lc in self.loans:
            refs = [f.rule for f in lc.floors] + [j.rule for j in lc.judgment if j.rule]
            refs += [o.rule for o in lc.observations if o.rule] + ([lc.upgrade.rule] if lc.upgrade and lc.upgrade.rule else [])
            refs += [lc.regime] if lc.regime else []
            for r in refs:
                seen.setdefault(r.id, r)
        return [seen[k] for k in sorted(seen)]


# -- rules -------------------------------------------------------------------------------------------

def _row(kind: str, on: dt.date) -> Mapping[str, Any] | None:
    """The row of ``kind`` in force on ``on``; None when the law of that date had no such rule."""
    row = rule_row(TABLE, kind, on)
    return row if row.get("in_force", True) else None


def _floor(row: Mapping[str, Any], category: RiskCategory | None = None, **values: Any) -> Floor:
    return Floor(category or RiskCategory(row["category"]), RuleRef.of(row), row["reason"].format(**values))


# -- days past due -----------------------------------------------------------------------------------

def days_past_due(balance: LoanBalance, as_of: dt.date) -> tuple[dt.date | None, int]:
    """(oldest unpaid due date of principal or interest, days past due on ``as_of``) of one loan's
    balance from the money engine; (None, 0) when nothing due is unpaid. The due date is day 0
    (legal-rules.md §8.4; writeoff.md §3.8)."""
    dates = [d for d in (balance.overdue_since, balance.interest_overdue_since) if d is not None]
    if not dates:
        return None, 0
    since = min(dates)
    return since, max((as_of - since).days, 0)


def overdue_floors(days: int, on: dt.date, *, since: dt.date | None = None,
                   technical_delay_days: int | None = None) -> tuple[list[Floor], list[JudgmentItem]]:
    """The floors ``days`` past due give on ``on`` (2023 measures: > 0 关注, > 90 次级, > 270 可疑,
    > 360 损失, each "超过" excluding the number), and what needs judgment (a technical delay
    longer than the rule allows; the pre-2023 regime, which had no hard floors).
    ``technical_delay_days``: days the bank proves were an operational or technical delay."""
    floors: list[Floor] = []
    notes: list[JudgmentItem] = []
    if days <= 0:
        return floors, notes
    absent = None
    for kind in _OVERDUE_KINDS:
        row = _row(kind, on)
        if row is None:
            absent = absent or rule_row(TABLE, kind, on)
            continue
        limit = row["more_than_days"]
        if days <= limit:
            continue
        if kind == "overdue_special_mention" and technical_delay_days:
            waiver = _row("technical_delay", on)
            if waiver is not None:
                allowed = min(technical_delay_days, waiver["max_days"])
                if technical_delay_days > waiver["max_days"]:
                    notes.append(JudgmentItem(
                        f"记载的技术性逾期{technical_delay_days}天超过规则允许的{waiver['max_days']}天，只按{waiver['max_days']}天豁免",
                        RuleRef.of(waiver)))
                if days <= allowed:
                    notes.append(JudgmentItem(waiver["reason"].format(days=days, waived=allowed), RuleRef.of(waiver)))
                    continue
        floors.append(_floor(row, days=days, limit=limit, first=limit + 1, since=since or ""))
    if absent is not None:
        notes.append(JudgmentItem(
            f"逾期{days}天；{on}适用的分类规定没有硬性的逾期天数下限（{absent.get('notes', '')}），"
            "须以还款能力为核心判断类别", RuleRef.of(absent)))
    return floors, notes


# -- restructuring and upgrade ------------------------------------------------------------------------

def _period_end(start: dt.date, row: Mapping[str, Any], period_months: int) -> dt.date:
    """The longer of ``min_periods`` repayment periods and ``min_months`` months from ``start``."""
    return max(add_months(start, row["min_months"]), add_months(start, row["min_periods"] * period_months))


def observation_period(r: Restructuring, on: dt.date) -> Observation | None:
    """The observation period of restructuring ``r`` as known on ``on`` (分类办法第二十条): from the
    first repayment date under the new terms, at least ``min_periods`` repayment periods and
    ``min_months`` months; a payment missed inside it restarts it from the missed date; the
    difficulty found unresolved at its end restarts it from that end. None when the rules of
    ``on`` have no observation period (before 2023-07-01). Worked check 5 of writeoff.md §8."""
    row = _row("restructuring_observation", on)
    if row is None:
        return None
    start = r.first_repayment
    end = _period_end(start, row, r.period_months)
    restarts: list[tuple[dt.date, str]] = []
    events = sorted([(d, "missed") for d in r.missed if d <= on] + [(d, "unresolved") for d in r.unresolved_on if d <= on])
    for day, kind in events:
        if kind == "missed":
            if start <= day <= end:
                start, end = day, _period_end(day, row, r.period_months)
                restarts.append((day, f"{day}未按时足额还款，观察期自该日起重新计算"))
        else:
            while day >= end:
                start = end
                end = _period_end(start, row, r.period_months)
                restarts.append((start, f"观察期于{start}届满时财务困难未解除（{day}评估），观察期重新计算"))
    return Observation(r.loan, r.changed_on, r.first_repayment, start, end, tuple(restarts), RuleRef.of(row))


def upgrade_window(cleared_on: dt.date, period_months: int | None, on: dt.date) -> tuple[dt.date, dt.date] | None:
    """(last day of the normal payment needed, first day an upgrade is possible) for arrears
    cleared on ``cleared_on`` on a loan paying every ``period_months`` months (None: no periodic
    payment, the months alone count): the longer of ``min_periods`` periods and ``min_months``
    months of normal payment after clearing. None before the 2023 measures. Worked check 6."""
    row = _row("upgrade", on)
    if row is None:
        return None
    until = _period_end(cleared_on, row, period_months or 0)
    return until, until + dt.timedelta(days=1)


def _period_months(loan: LoanContract, restructurings: list[Restructuring]) -> int | None:
    for r in restructurings:
        if r.loan == loan.id:
            return r.period_months
    method = loan.repayment_method.value
    if method in INSTALMENT_METHODS:
        return 1
    return PERIODIC_METHODS.get(method)


# -- contagion -------------------------------------------------------------------------------------

def own_bank_contagion(total: Decimal, npl: Decimal, on: dt.date) -> Floor | None:
    """The art 7 floor for a non-retail debtor whose claims at this bank total ``total`` 元 with
    ``npl`` 元 non-performing: 次级 for every claim when the share is more than the rule's (10 %,
    strict: exactly 10 % does not trigger; worked check 3). None when it does not apply."""
    return _share_floor("own_bank_contagion", total, npl, on, "npl")


def cross_bank_contagion(total: Decimal, overdue_90: Decimal, on: dt.date) -> Floor | None:
    """The floor for a non-retail debtor whose debts at all banks total ``total`` 元 with
    ``overdue_90`` 元 more than 90 days overdue: 次级 when the share is more than the rule's (20 %,
    strict; worked check 4). None when it does not apply."""
    return _share_floor("cross_bank_contagion", total, overdue_90, on, "overdue")


def _share_floor(kind: str, total: Decimal, part: Decimal, on: dt.date, part_name: str) -> Floor | None:
    """The floor of rule ``kind`` when ``part`` is more than its ``more_than`` share of ``total``
    (strict: exactly the share does not trigger); its text names the part ``part_name``."""
    row = _row(kind, on)
    if row is None or total <= 0:
        return None
    share = part / total
    limit = Decimal(row["more_than"])
    if share <= limit:
        return None
    return _floor(row, total=f"{total:,.2f}", share=percent(share), limit=percent(limit), **{part_name: f"{part:,.2f}"})


# -- one case -------------------------------------------------------------------------------------

def debtor_key(case: Case, party: str) -> str:
    """One identity across case files: 统一社会信用代码, 注册号 or 组织机构代码 of an organisation,
    居民身份证号 of a person (``uscc:…``, ``reg:…``, ``org:…``, ``id:…``)."""
    p = case.party(party)
    if isinstance(p, Organization):
        if p.uscc:
            return f"uscc:{p.uscc}"
        return f"reg:{p.registration_number}" if p.registration_number else f"org:{p.organization_code}"
    return f"id:{p.id_number}"


def _applies(event: Event, loan: LoanContract, parties: Iterable[str]) -> bool:
    if event.loans and loan.id not in event.loans:
        return False
    who = set(parties)
    return bool(who & set(event.parties)) if event.parties else bool(who & set(loan.borrowers))


def _latest(records: Iterable[Any], loan: str, on: dt.date) -> Any:
    chosen = None
    for r in records:
        if r.date <= on and (r.loan is None or r.loan == loan) and (chosen is None or r.date >= chosen.date):
            chosen = r
    return chosen


# Counterparty events for which the reference gives no floor: what they call for (Chinese), with the
# law the event rests on.
_BORROWER_EVENTS: dict[EventKind, str] = {
    EventKind.enforcement_ended_this_round: "法院已对借款人裁定终结本次执行程序（民诉法解释第五百一十七条）：经财产调查未发现可供执行的财产，"
                                            "通常表明其已无法足额偿还，是否至少归为次级、可疑或损失须人工判断",
    EventKind.enforcement_terminated: "法院已对借款人裁定终结执行（民事诉讼法第二百六十八条），须评估剩余债权可回收程度后判断类别",
    EventKind.enforcement_suspended: "法院已对借款人裁定中止执行（民事诉讼法第二百六十七条），须评估还款能力后判断类别",
    EventKind.bankruptcy_accepted: "法院已受理借款人破产申请，尚未宣告破产：须评估破产程序中的预计受偿后判断类别",
    EventKind.bankruptcy_ended: "借款人破产程序已终结（企业破产法第四十三条、第一百零五条、第一百二十条）：剩余债权通常无法从借款人处受偿，须判断是否归为损失",
    EventKind.reorganization_approved: "借款人重整计划已获批准（企业破产法第八十六条）：调整后的债权属重组资产（分类办法第十七条），请在risk.restructurings中记载并判断类别",
    EventKind.settlement_approved: "借款人和解协议（或减少债务的调解、执行和解）已获认可：减免后的债权属重组资产（分类办法第十七条），须判断类别",
    EventKind.deregistered: "借款人已注销登记：主体资格消灭，须评估向清算义务人、保证人追偿的可能后判断是否归为损失",
    EventKind.licence_revoked: "借款人营业执照已被吊销：须评估还款能力，通常至少为可疑，须人工判断",
    EventKind.business_stopped: "借款人已停止经营或下落不明：须评估还款能力后判断类别",
    EventKind.annual_reports_missing: "借款人未按期公示年度报告（企业信息公示暂行条例第八条）：经营异常的迹象，须评估还款能力",
    EventKind.death: "借款人已死亡：须评估遗产及继承人清偿（民法典第一千一百六十一条）和保证人清偿后判断类别",
    EventKind.declared_missing: "借款人已被宣告失踪（民法典第四十条）：须评估财产代管人清偿和保证人清偿后判断类别",
    EventKind.declared_dead: "借款人已被宣告死亡（民法典第四十六条）：须评估遗产清偿和保证人清偿后判断类别",
    EventKind.incapacity: "借款人丧失民事行为能力或劳动能力（民法典第二十四条）：须评估还款能力后判断类别",
    EventKind.disaster: "借款人遭受重大自然灾害或意外事故：须评估保险赔付和还款能力后判断类别",
    EventKind.criminal_judgment: "借款人受到刑事处罚：须评估其财产和其他还款来源后判断类别",
    EventKind.claim_rejected: "法院判决驳回诉讼请求：债权能否实现存疑，须判断是否归为损失",
    EventKind.documents_lost: "债权凭证灭失：须评估能否证明债权后判断类别",
}
_GUARANTOR_EVENTS = frozenset({
    EventKind.enforcement_ended_this_round, EventKind.enforcement_terminated, EventKind.bankruptcy_declared,
    EventKind.bankruptcy_accepted, EventKind.bankruptcy_ended, EventKind.deregistered, EventKind.licence_revoked,
    EventKind.death, EventKind.declared_dead, EventKind.business_stopped})


@dataclass
class _Debtor:
    key: str
    segment: str
    segment_inferred: bool
    loans: list[LoanClass] = field(default_factory=list)
    cases: dict[int, Case] = field(default_factory=dict)  # by id(): one debtor may have thousands


def _classify_case(where: str, case: Case, as_of: dt.date, regime: Mapping[str, Any]) -> list[LoanClass]:
    """The floors of each loan of ``case`` that do not depend on the debtor's other claims."""
    st = case_statement(case, as_of, explain=False)
    balances = {b.loan: b for b in st.loans}
    risk = case.risk
    floors_apply = bool(regime.get("floors", False)) and regime.get("in_force", True)
    out: list[LoanClass] = []
    for loan in case.loans:
        b = balances.get(loan.id)
        if b is None:  # not drawn yet on the date
            continue
        borrower = loan.borrowers[0]
        party = case.party(borrower)
        segment = risk.segment or ("non_retail" if isinstance(party, Organization) else "retail")
        since, days = days_past_due(b, as_of)
        lc = LoanClass(case.case_id, where, loan.id, loan.number, borrower, party.name, debtor_key(case, borrower),
                       segment, risk.segment is None, b.principal, b.total, since, days, RuleRef.of(regime), case=case)
        floors, notes = overdue_floors(days, as_of, since=since, technical_delay_days=risk.technical_delay_days)
        lc.floors += floors
        lc.judgment += notes
        lc.booked = _latest(risk.history, loan.id, as_of)
        lc.provision = _latest(risk.provisions, loan.id, as_of)
        _impairment(lc, case, loan, as_of)
        _events(lc, case, loan, as_of)
        _restructurings(lc, case, loan, as_of)
        if not floors_apply and lc.booked is not None:
            lc.judgment.append(JudgmentItem(f"账上分类为{lc.booked.category.value}类（{lc.booked.date}）", RuleRef.of(regime)))
        out.append(lc)
    return out


def _impairment(lc: LoanClass, case: Case, loan: LoanContract, as_of: dt.date) -> None:
    """Credit impairment (event 发生信用减值 or the allowance record) and the ECL share floors."""
    impaired_row = _row("credit_impaired", as_of)
    if impaired_row is None:
        return
    record: ProvisionRecord | None = lc.provision
    event = next((e for e in sorted(case.events, key=lambda e: e.date, reverse=True)
                  if e.kind is EventKind.credit_impaired and e.date <= as_of and (not e.loans or loan.id in e.loans)), None)
    impaired = event is not None or (record is not None and record.credit_impaired is True)
    if impaired:
        basis = f"{event.date}银行认定" if event is not None else f"{record.date}拨备记录"  # type: ignore[union-attr]
        lc.floors.append(_floor(impaired_row, basis=basis))
    if record is None or record.carrying_amount is None:
        lc.ecl_missing = impaired or lc.days_past_due > 0  # said at the end, where it could change the class
        return
    share = record.allowance / record.carrying_amount
    if not impaired:
        if record.credit_impaired is None and share > 0:
            lc.judgment.append(JudgmentItem(
                f"拨备记录（{record.date}）未说明是否已发生信用减值，预期信用损失占账面余额{percent(share)}",
                RuleRef.of(impaired_row)))
        return
    for kind in ("ecl_doubtful", "ecl_loss"):
        row = _row(kind, as_of)
        if row is not None and share >= Decimal(row["at_least"]):
            lc.floors.append(_floor(row, allowance=f"{record.allowance:,.2f}", carrying=f"{record.carrying_amount:,.2f}",
                                    share=percent(share), limit=percent(Decimal(row["at_least"]))))


def _events(lc: LoanClass, case: Case, loan: LoanContract, as_of: dt.date) -> None:
    """The counterparty's events: floors where the rules give one, judgment items otherwise."""
    guarantors = [g.guarantor for g in case.guarantees if loan.id in g.secures and g.guarantor not in loan.borrowers]
    for e in sorted(case.events, key=lambda e: e.date):
        if e.date > as_of:
            continue
        number = f"，{e.case_number}" if e.case_number else ""
        if _applies(e, loan, loan.borrowers):
            if e.kind is EventKind.bankruptcy_declared:
                row = _row("bankruptcy_liquidation", as_of)
                if row is not None:
                    lc.floors.append(_floor(row, date=e.date, case_number=e.case_number or "案号未记载"))
                else:
                    lc.judgment.append(JudgmentItem(f"借款人已于{e.date}被宣告破产{number}，须判断类别",
                                                    RuleRef.of(rule_row(TABLE, "bankruptcy_liquidation", as_of))))
            elif e.kind is EventKind.evasion:
                row = _row("evasion", as_of)
                if row is not None:
                    lc.floors.append(_floor(row, date=e.date))
                else:
                    lc.judgment.append(JudgmentItem(f"借款人{e.date}有逃废债行为，须判断类别",
                                                    RuleRef.of(rule_row(TABLE, "evasion", as_of))))
            elif e.kind in _BORROWER_EVENTS:
                lc.judgment.append(JudgmentItem(f"{e.date}{e.kind.value}{number}：{_BORROWER_EVENTS[e.kind]}"))
        for g in guarantors:
            if e.kind in _GUARANTOR_EVENTS and g in e.parties and (not e.loans or loan.id in e.loans):
                lc.judgment.append(JudgmentItem(
                    f"保证人{case.party(g).name}{e.date}{e.kind.value}{number}：第二还款来源受损，须评估对本笔贷款可回收程度的影响后判断类别"))


def _restructurings(lc: LoanClass, case: Case, loan: LoanContract, as_of: dt.date) -> None:
    """Restructured assets: observation period, floors in it, and what needs judgment."""
    mine = sorted((r for r in case.risk.restructurings if r.loan == loan.id and r.changed_on <= as_of),
                  key=lambda r: r.changed_on)
    if not mine:
        return
    if len(mine) > 1:
        lc.judgment.append(JudgmentItem(
            f"本笔贷款已多次重组（{'、'.join(str(r.changed_on) for r in mine)}）：再次重组而财务状况未改善的至少为次级，须判断是否改善",
            RuleRef.of(_row("restructured_not_performing", as_of) or rule_row(TABLE, "restructured_not_performing", as_of))))
    r = mine[-1]
    obs = observation_period(r, as_of)
    if obs is None:
        lc.judgment.append(JudgmentItem(f"{r.changed_on}重组：{as_of}适用的规定下本工具不计算观察期，须人工判断类别",
                                        RuleRef.of(rule_row(TABLE, "restructuring_observation", as_of))))
        return
    lc.observations.append(obs)
    if as_of > obs.end:
        lc.judgment.append(JudgmentItem(
            f"重组观察期已于{obs.end}届满，财务困难是否已解除未记载（risk.restructurings.unresolved_on）：已解除且按时足额还款的不再作为重组资产，"
            "未解除的观察期重新计算，须人工评估", obs.rule))
        return
    missed = [d for d in r.missed if obs.first_start <= d <= as_of]
    row = _row("restructured_not_performing", as_of)
    if missed and row is not None:
        lc.floors.append(_floor(row, missed="、".join(str(d) for d in missed)))
    before = r.category_before
    if before is None:
        lc.judgment.append(JudgmentItem(f"{r.changed_on}重组前的类别未记载（category_before），无法确定重组资产的下限", obs.rule))
    elif before in NPL_CATEGORIES:
        row = _row("restructured_npl", as_of)
        if row is not None:
            lc.floors.append(_floor(row, before, before=before.value, end=obs.end))
    else:
        row = _row("restructured_performing", as_of)
        if row is not None:
            lc.floors.append(_floor(row, before=before.value, changed_on=r.changed_on, end=obs.end))


def _cleared_on(case: Case, loan: LoanContract, as_of: dt.date) -> dt.date | None:
    """The last repayment date on or before ``as_of`` that left nothing overdue on a loan that was
    overdue the day before (the day its arrears were cleared); None when none did."""
    dates = sorted({r.date for r in case.repayments if r.loan == loan.id and r.date <= as_of}, reverse=True)
    for day in dates:
        after = {b.loan: b for b in case_statement(case, day, explain=False).loans}.get(loan.id)
        if after is None or days_past_due(after, day)[1] > 0:
            continue
        before_day = day - dt.timedelta(days=1)
        if before_day < loan.term_start:
            continue
        prior = {b.loan: b for b in case_statement(case, before_day, explain=False).loans}.get(loan.id)
        if prior is not None and days_past_due(prior, before_day)[1] > 0:
            return day
    return None


# -- the set of cases ---------------------------------------------------------------------------------

def classify_cases(cases: Iterable[tuple[str, Case]], as_of: dt.date) -> Classification:
    """Classify every loan of ``cases`` (each ``(where, case)``: ``where`` names its source) as of
    ``as_of``. A case that cannot be computed (e.g. a loan the engine cannot schedule) is listed in
    ``unreadable`` and never hides the others.

    Raises RuleNotFoundError when no classification regime covers ``as_of`` (before 1990)."""
    result = Classification(as_of)
    regime = rule_row(TABLE, "regime", as_of)
    seen: dict[str, str] = {}
    debtors: dict[str, _Debtor] = {}
    for where, case in cases:
        try:
            loans = _classify_case(where, case, as_of, regime)
        except LegalDocsError as exc:
            result.unreadable.append(Unreadable(where, _("could not be computed: {error}").format(error=exc)))
            continue
        first = seen.setdefault(case.case_id, where)
        if first != where:  # a copy (a backup left in the folder) would count its loans twice
            result.warnings.append(_("{file} and {first} have the same case_id {case_id}: only {first} is counted").format(
                file=where, first=first, case_id=repr(case.case_id)))
            continue
        result.cases.append((where, case))
        status = write_off_status(case, as_of, recoveries=False)
        for lc in loans:
            lc.write_off = status.label if status.written_off else ""
            lc.write_off_status = status if status.written_off else None
        result.loans += loans
        for lc in loans:
            if lc.off_balance:
                continue
            d = debtors.setdefault(lc.debtor, _Debtor(lc.debtor, lc.segment, lc.segment_inferred))
            if d.segment_inferred and not lc.segment_inferred:
                d.segment, d.segment_inferred = lc.segment, False
            d.loans.append(lc)
            d.cases.setdefault(id(case), case)
    for d in debtors.values():
        _upgrade(d, as_of)
        _contagion(d, as_of)
    if regime.get("floors") and regime.get("in_force", True):
        _transition(result, as_of)
    for lc in result.loans:
        if lc.ecl_missing and lc.category != RiskCategory.loss:
            lc.judgment.append(JudgmentItem(
                "没有预期信用损失和账面余额的数据（risk.provisions的allowance与carrying_amount），无法检验预期信用损失占比"
                f"（{'、'.join(_ecl_limits(as_of)) or '—'}）的下限", RuleRef.of(rule_row(TABLE, "ecl_doubtful", as_of))))
    return result


def _exposure(d: _Debtor, scope: str, as_of: dt.date):
    chosen = None
    for case in d.cases.values():
        for x in case.risk.exposures:
            if x.scope == scope and x.date <= as_of and (chosen is None or x.date > chosen.date):
                chosen = x
    return chosen


def _contagion(d: _Debtor, as_of: dt.date) -> None:
    """Own-bank (> 10 %) and cross-bank (> 20 %) contagion and 'NPL elsewhere' for a non-retail
    debtor; for a debtor whose segment was inferred, what would apply if it were non-retail."""
    total = sum((lc.principal for lc in d.loans), ZERO)
    npl = sum((lc.principal for lc in d.loans if lc.npl), ZERO)
    own = _exposure(d, "this_bank", as_of)
    if own is not None:
        # the bank's own figure covers every claim; add the loans the facts make NPL that it books as performing
        unbooked = sum((lc.principal for lc in d.loans if lc.npl and (lc.booked is None or lc.booked.category not in NPL_CATEGORIES)),
                       ZERO)
        whole_total, whole_npl = max(own.total, total), min(max(own.total, total), own.non_performing + unbooked)
    else:
        whole_total, whole_npl = total, npl
    own_floor = own_bank_contagion(whole_total, whole_npl, as_of)
    if own_floor is None and own is not None:
        own_floor = own_bank_contagion(total, npl, as_of)
    banks = _exposure(d, "all_banks", as_of)
    cross_floor = cross_bank_contagion(banks.total, banks.overdue_90, as_of) if banks is not None else None
    elsewhere = _row("npl_elsewhere", as_of)
    where = [w for w, has in (("本行", (own is not None and own.non_performing > 0) or npl > 0),
                              ("其他银行", banks is not None and banks.overdue_90 > 0)) if has]
    changes = any(not lc.npl for lc in d.loans)
    if d.segment != "non_retail":
        if d.segment_inferred and changes and (own_floor or cross_floor):
            for lc in d.loans:
                lc.judgment.append(JudgmentItem(
                    "借款人为自然人，按零售资产处理（risk.segment未填）：若其实为非零售债务人，将触发债务人层面的不良传染，须确认零售或非零售",
                    (own_floor or cross_floor).rule))  # type: ignore[union-attr]
        return
    cross_row = _row("cross_bank_contagion", as_of)
    for lc in d.loans:
        if own_floor is not None and not lc.npl:
            lc.floors.append(own_floor)
        if cross_floor is not None and not any(f.rule.id == cross_floor.rule.id for f in lc.floors):
            lc.floors.append(cross_floor)
        if banks is None and cross_row is not None and not lc.npl:
            lc.judgment.append(JudgmentItem(
                "没有征信报告的跨行债务数据（risk.exposures中scope为all_banks的记录），无法检验所有银行逾期90天以上债务"
                f"超过{percent(Decimal(cross_row['more_than']))}的传染规则", RuleRef.of(cross_row)))
        if elsewhere is not None and where and lc.category == RiskCategory.normal:
            lc.floors.append(_floor(elsewhere, where="、".join(where)))
        if d.segment_inferred and own_floor is not None and changes:
            lc.judgment.append(JudgmentItem("借款人为组织，按非零售资产处理（risk.segment未填），请确认", own_floor.rule))


def _upgrade(d: _Debtor, as_of: dt.date) -> None:
    """The upgrade guard for loans booked as NPL: the booked class stays the floor until arrears
    are cleared and normal payment has run for the rule's time, with no impaired claim left."""
    row = _row("upgrade", as_of)
    if row is None:
        return
    impaired = [o for o in d.loans if _impaired(o)]
    for lc in d.loans:
        booked = lc.booked
        if booked is None or booked.category not in NPL_CATEGORIES:
            continue
        case = lc.case
        assert case is not None
        loan = next(l for l in case.loans if l.id == lc.loan)
        others = tuple(f"{o.case_id}/{o.loan}" for o in impaired if o is not lc)
        cleared = None if lc.days_past_due > 0 else _cleared_on(case, loan, as_of)
        window = upgrade_window(cleared, _period_months(loan, case.risk.restructurings), as_of) if cleared else None
        until, earliest = window if window else (None, None)
        lc.upgrade = UpgradeCheck(booked.category, cleared, until, earliest, others, RuleRef.of(row))
        held = cleared is None or earliest is None or as_of < earliest or bool(others)
        if held and severity(booked.category) > severity(lc.category):
            periods, months = row["min_periods"], row["min_months"]
            lc.floors.append(_floor(row, booked.category, booked=booked.category.value,
                                    cleared=cleared or "（尚未）", periods=periods, months=months,
                                    end=until or "—", earliest=earliest or "结清并满期后"))
        elif not held:
            lc.judgment.append(JudgmentItem(
                f"账上为{booked.category.value}类；逾期款项{cleared}结清，至{until}已正常还款满期，{earliest}起可上调，"
                "但须评估借款人能够持续履约后方可上调", RuleRef.of(row)))


def _ecl_limits(on: dt.date) -> list[str]:
    return [f"{percent(Decimal(r['at_least']))}{r['category']}" for r in (_row(k, on) for k in ("ecl_doubtful", "ecl_loss")) if r]


def _impaired(lc: LoanClass) -> bool:
    """The loan is NPL by its own facts (not by the upgrade guard or by contagion)."""
    return any(f.category in NPL_CATEGORIES and not f.rule.id.startswith(_DERIVED) for f in lc.floors)


_DERIVED = ("classification.upgrade.", "classification.contagion.")


def _transition(result: Classification, as_of: dt.date) -> None:
    row = _row("transition", as_of)
    if row is None or as_of > row["reclassify_by"]:
        return
    start = rule_row(TABLE, "regime", as_of)["effective_from"]
    for lc in result.loans:
        if lc.booked is not None and lc.booked.date < start and lc.below_floor:
            lc.judgment.append(JudgmentItem(row["reason"].format(booked_on=lc.booked.date, until=row["reclassify_by"]),
                                            RuleRef.of(row)))


# -- reading sources ----------------------------------------------------------------------------------

def classify_sources(paths: list[Path], as_of: dt.date) -> Classification:
    """Classify the cases of ``paths``: case files, folders of case files (``*.yaml``, ``*.yml``,
    ``*.json``, as :func:`legaldocs.portfolio.alerts.case_files` finds them) and ``.xlsx`` case
    ledgers (:func:`legaldocs.portfolio.ledger.read_ledger`). A source that cannot be read (one
    that does not exist, an invalid case file, a ledger with errors, each with its problems) is
    listed in ``unreadable`` with the reason and never hides the others; a source that does not
    exist but is the id of a case read from the others says so (a case id given where a file was
    expected, e.g. a second id after ``--write-off ID``)."""
    from legaldocs.case.load import load_case
    from legaldocs.portfolio.alerts import _reason, case_files
    from legaldocs.portfolio.ledger import read_ledger

    cases: list[tuple[str, Case]] = []
    unreadable: list[Unreadable] = []
    files: list[Path] = []
    resolved: set[Path] = set()
    for f in case_files(paths):  # a file named twice (directly and in a folder) is read once
        if f.resolve() not in resolved:
            resolved.add(f.resolve())
            files.append(f)
    absent: list[Path] = []
    for f in files:
        if not f.exists() and not f.is_symlink():  # a broken link is read, and its failure said
            absent.append(f)
            continue
        try:
            if f.suffix.lower() == ".xlsx":
                for where, data in read_ledger(f):
                    cases.append((f"{f}:{where}", Case.model_validate(data)))
            else:
                cases.append((str(f), load_case(f, check_files=False).case))
        except Exception as exc:  # noqa: BLE001 - one source must never hide the others
            unreadable.append(Unreadable(str(f), _reason(exc)))
    result = classify_cases(cases, as_of)
    ids = {case.case_id for _where, case in result.cases}
    for f in absent:
        reason = (_("no such file or folder; {id} is the id of a case classified: to write it off give "
                    "--write-off {id} (the option once for each case)").format(id=str(f)) if str(f) in ids
                  else _("no such file or folder"))
        unreadable.append(Unreadable(str(f), reason))
    result.unreadable = unreadable + result.unreadable
    return result
