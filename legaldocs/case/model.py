"""The case record (案件档案): typed models of one loan-recovery case.

A case file (YAML or JSON, see ``docs/case-file.md``) is validated into :class:`Case`. Field
checks that need only one value live here (types, amounts, identifier checksums); checks across
sections (references, date order, evidence files) live in :mod:`legaldocs.case.load`, which reports
every problem at once.

Units: money in 元 as ``Decimal`` with at most 2 places; rates as annual decimal fractions
(``0.0612`` = 6.12 % a year); dates as ``datetime.date``.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from enum import Enum
from typing import Annotated, Literal, Union

from pydantic import (
    AfterValidator,
    model_validator,
    BeforeValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from legaldocs.case.identifiers import (
    organization_code_problem,
    registration_number_problem,
    resident_id_problem,
    uscc_problem,
)
from legaldocs.i18n import _

__all__ = [
    "Agent",
    "AssetSearch",
    "Case",
    "ClassificationRecord",
    "Confirmation",
    "Exposure",
    "ProvisionRecord",
    "Pursuit",
    "PursuitChannel",
    "RECOVERY_SOURCES",
    "Restructuring",
    "Risk",
    "RiskCategory",
    "StaffMember",
    "WriteOff",
    "WriteOffEnd",
    "Claim",
    "ClaimedCost",
    "Collateral",
    "Creditor",
    "Draw",
    "Event",
    "EventKind",
    "EvidenceItem",
    "Guarantee",
    "GuaranteeKind",
    "LoanContract",
    "NaturalPerson",
    "Organization",
    "Repayment",
    "RepaymentMethod",
    "ValidationError",
    "Assumption",
]

# Control characters, and invisible format characters that can reorder or hide text in a
# document (bidi overrides, zero-width characters, line/paragraph separators).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]")
MAX_AMOUNT = Decimal("1e14")  # 100 万亿元: far above any loan, below where 大写 and fee arithmetic end


def _amount(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError(_("must be a finite number"))
    if value <= 0:
        raise ValueError(_("must be a positive amount in 元"))
    if value.as_tuple().exponent < -2:
        raise ValueError(_("must have at most 2 decimal places (元 to the 分)"))
    if value >= MAX_AMOUNT:
        raise ValueError(_("is implausibly large (100,000,000,000,000 元 or more)"))
    return value


def _rate(value: Decimal) -> Decimal:
    if not value.is_finite() or value <= 0 or value >= 1:
        raise ValueError(_("must be an annual rate as a fraction between 0 and 1 (e.g. 0.0612 for 6.12 %)"))
    return value


def _uplift(value: Decimal) -> Decimal:
    if not value.is_finite() or value < 0 or value > 1:
        raise ValueError(_("must be a fraction between 0 and 1 (0.5 = contract rate plus 50 %)"))
    return value


def _text(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError(_("must not be empty"))
    found = _CONTROL.search(value)
    if found:
        raise ValueError(_("contains an invisible or control character (U+{code})").format(code=f"{ord(found.group()):04X}"))
    return value


def _checked(problem_of, *, upper: bool = True):
    """A validator: the value stripped (and upper-cased), refused with the checker's message."""

    def check(value: str) -> str:
        value = value.strip().upper() if upper else value.strip()
        problem = problem_of(value)
        if problem:
            raise ValueError(problem)
        return value

    return check


_resident_id = _checked(resident_id_problem)
_uscc = _checked(uscc_problem)
_registration_number = _checked(registration_number_problem, upper=False)
_organization_code = _checked(organization_code_problem)


def _fraction(value: Decimal) -> Decimal:
    if not value.is_finite() or value <= 0 or value > 1:
        raise ValueError(_("must be a fraction greater than 0 and at most 1 (0.4 = 40 %)"))
    return value


Amount = Annotated[Decimal, AfterValidator(_amount)]
# an amount that may be nil (a judgment awarding no interest or no costs)
AmountOrZero = Annotated[Decimal, AfterValidator(lambda v: v if v == 0 else _amount(v))]
Rate = Annotated[Decimal, AfterValidator(_rate)]
Uplift = Annotated[Decimal, AfterValidator(_uplift)]
Text = Annotated[str, AfterValidator(_text)]
def _digits_as_text(value):
    # an unquoted all-digit number in YAML arrives as int; these codes never start with 0
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


ResidentId = Annotated[str, BeforeValidator(_digits_as_text), AfterValidator(_resident_id)]
CreditCode = Annotated[str, BeforeValidator(_digits_as_text), AfterValidator(_uscc)]
RegistrationNumber = Annotated[str, BeforeValidator(_digits_as_text), AfterValidator(_registration_number)]
OrganizationCode = Annotated[str, BeforeValidator(_digits_as_text), AfterValidator(_organization_code)]
Fraction = Annotated[Decimal, AfterValidator(_fraction)]
Currency = Literal["CNY", "USD", "EUR", "HKD", "JPY", "GBP"]
Ref = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")]
CaseId = Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, (int, Decimal)) and not isinstance(v, bool) else v),
                   Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class _Registered(_Model):
    """An entity identified by its 统一社会信用代码 or, registered before the code existed (2015),
    by its 注册号 (15 digits, GB/T 17710 check) and/or 组织机构代码 (9 characters, GB 11714 check)."""

    uscc: CreditCode | None = None
    registration_number: RegistrationNumber | None = None
    organization_code: OrganizationCode | None = None

    @model_validator(mode="after")
    def _identified(self):
        if not (self.uscc or self.registration_number or self.organization_code):
            raise ValueError(_("give uscc (统一社会信用代码), or for an entity registered before it "
                               "registration_number (注册号) and/or organization_code (组织机构代码)"))
        return self

    def identifier_lines(self) -> list[str]:
        """'统一社会信用代码：…' or the older numbers, as printed after the name."""
        if self.uscc:
            return [f"统一社会信用代码：{self.uscc}"]
        out = []
        if self.registration_number:
            out.append(f"注册号：{self.registration_number}")
        if self.organization_code:
            out.append(f"组织机构代码：{self.organization_code}")
        return out


class BankAccount(_Model):
    """A bank account (银行账号, 开户名, 开户行) into which a debtor or a court pays."""

    number: Text
    name: Text
    bank: Text


class ServiceAddress(_Model):
    """The address for service the creditor confirms to the court (送达地址确认书; 民诉法解释
    arts 136, 137; 法院专递送达规定 arts 3-5): recipient (指定签收人) and the number of the
    recipient's 居民身份证 (``id_number``), address, phone, postcode, and whether electronic
    service is accepted (by ``email`` or the recipient's mobile ``phone``)."""

    recipient: Text
    id_number: ResidentId | None = None
    address: Text
    phone: Text
    postcode: Annotated[str, BeforeValidator(_digits_as_text), Field(pattern=r"^[0-9]{6}$")] | None = None
    electronic: bool = False
    email: Text | None = None


class Creditor(_Registered):
    """The lender suing: a bank or branch (贷款人/原告).

    A branch (分行, 支行, 分公司) sues as an "other organisation" represented by its 负责人; a bank
    suing as a legal person is represented by its 法定代表人 (民诉法解释 arts 50, 52).
    ``representative_role`` defaults accordingly from the name.
    """

    name: Text
    address: Text
    representative: Text
    representative_title: Text = "行长"
    representative_role: Literal["负责人", "法定代表人"] | None = None
    phone: Text | None = None
    account: BankAccount | None = None  # 收款账户 for enforcement (强制执行申请书: 银行账号、开户名、开户行)
    entity_type: Text | None = None  # 类型 as the element-style forms list it, e.g. 股份有限公司
    ownership: Text | None = None  # 所有制性质: 国有控股, 国有参股, 民营, or other words
    service: ServiceAddress | None = None  # 送达地址确认书

    @property
    def role(self) -> str:
        """'负责人' or '法定代表人' as printed before the representative's name."""
        if self.representative_role:
            return self.representative_role
        branch = self.name.rstrip("）)").endswith(("支行", "分行", "分公司", "营业部", "分理处"))
        return "负责人" if branch else "法定代表人"


class Agent(_Model):
    """委托诉讼代理人 (at most two, 民事诉讼法 art 61)."""

    name: Text
    employer: Text
    position: Text | None = None
    phone: Text | None = None
    authority: Literal["一般授权", "特别授权"] = "特别授权"
    kind: Literal["employee", "lawyer"] = "employee"  # 本单位工作人员 or 律师 (民事诉讼法 art 61)


class NaturalPerson(_Model):
    """A natural-person party (自然人): borrower, co-borrower, guarantor or mortgagor."""

    kind: Literal["person"]
    name: Text
    gender: Literal["男", "女"]
    ethnicity: Text
    birth_date: dt.date
    id_number: ResidentId
    address: Text
    habitual_residence: Text | None = None
    employer: Text | None = None
    phone: Text | None = None


class Organization(_Registered):
    """A legal-person or unincorporated party (法人、非法人组织)."""

    kind: Literal["organization"]
    name: Text
    address: Text
    representative: Text
    representative_title: Text = "法定代表人"
    entity_type: Text | None = None
    ownership: Text | None = None  # 所有制性质: 国有控股, 国有参股, 民营, or other words
    phone: Text | None = None


Party = Annotated[Union[NaturalPerson, Organization], Field(discriminator="kind")]


class RepaymentMethod(str, Enum):
    """还款方式 as the element-style complaint lists them."""

    equal_instalments = "等额本息"
    equal_principal = "等额本金"
    bullet = "到期一次性还本付息"
    monthly_interest = "按月计息、到期一次性还本"
    quarterly_interest = "按季计息、到期一次性还本"
    yearly_interest = "按年计息、到期一次性还本"
    other = "其他"


class Draw(_Model):
    """One disbursement (提款/放款) under a loan contract."""

    date: dt.date
    amount: Amount
    maturity: dt.date
    receipt_number: Text | None = None  # 借款借据编号


class RateChange(_Model):
    """A new contract rate from a repricing date (the rate applies to days after ``date``)."""

    date: dt.date
    annual_rate: Rate


class LprPricing(_Model):
    """LPR-based pricing (贷款市场报价利率): rate = LPR of ``term`` + ``spread`` (may be negative),
    fixed at the first draw and reset on each repricing day the contract names: ``anniversary``
    of the first draw, ``january_first`` of each year, or the listed ``dates``. On a repricing
    day the LPR then in force is used (the last publication on or before that day)."""

    term: Literal["1y", "5y"] = "1y"
    spread: Decimal
    repricing: Literal["anniversary", "january_first", "dates"] = "anniversary"
    dates: list[dt.date] = Field(default_factory=list)

    @field_validator("spread")
    @classmethod
    def _spread(cls, value: Decimal) -> Decimal:
        if not value.is_finite() or abs(value) >= 1:
            raise ValueError(_("must be a fraction between -1 and 1 (0.005 = LPR plus 50 basis points)"))
        return value

    @model_validator(mode="after")
    def _dates(self):
        if self.repricing == "dates" and not self.dates:
            raise ValueError(_("repricing 'dates' needs the repricing days in dates"))
        if self.repricing != "dates" and self.dates:
            raise ValueError(_("dates are only read with repricing: dates"))
        return self


AllocationCategory = Literal["compound_interest", "penalty_interest", "interest", "principal"]


class LoanContract(_Model):
    """借款合同. ``annual_rate`` is the contract rate; penalty rate = rate x (1 + penalty_uplift).
    Amounts are in ``currency`` (CNY = 元 unless the loan is in foreign currency).

    For the money engine: ``interest_day`` (结息日 of periodic-interest loans, default the 20th;
    还款日 of instalment loans, default the draw's day of month), ``compound_rate`` (default: the
    penalty rate), ``rate_changes`` or ``lpr`` (repricing), ``penalty_rate_basis`` (after final
    maturity the penalty follows the rate in force at maturity, or keeps repricing),
    ``overdue_anchor`` (overdue days counted from the due date, or from the first overdue day),
    ``allocation_order`` (how a payment is applied; default 民法典 art 561: interest before
    principal).
    """

    id: Ref
    title: Text = "借款合同"
    number: Text
    borrowers: list[Ref] = Field(min_length=1)
    signed_on: dt.date
    signed_at: Text | None = None
    principal: Amount
    draws: list[Draw] = Field(min_length=1)
    annual_rate: Rate
    penalty_uplift: Uplift = Decimal("0.5")
    compound_interest: bool = True
    penalty_on_unpaid_interest: bool = False
    repayment_method: RepaymentMethod
    currency: Currency = "CNY"
    day_count: Literal[360, 365] = 360
    overdue_anchor: Literal["due_date", "first_overdue_day"] = "due_date"
    penalty_rate_basis: Literal["rate_at_maturity", "floating"] = "rate_at_maturity"
    interest_day: Annotated[int, Field(ge=1, le=31, strict=True)] | None = None
    compound_rate: Rate | None = None
    rate_changes: list[RateChange] = Field(default_factory=list)
    lpr: LprPricing | None = None
    allocation_order: list[AllocationCategory] | None = None
    rate_clause: Text | None = None
    penalty_clause: Text | None = None
    compound_clause: Text | None = None
    jurisdiction_clause: Text | None = None

    @model_validator(mode="after")
    def _one_repricing_basis(self):
        if self.lpr is not None and self.rate_changes:
            raise ValueError(_("give either lpr (repricing on the LPR) or rate_changes, not both"))
        return self

    @property
    def penalty_rate(self) -> Decimal:
        """罚息利率: contract rate x (1 + uplift), annual fraction (银发〔2003〕251号 §3)."""
        return self.annual_rate * (1 + self.penalty_uplift)

    @property
    def maturity(self) -> dt.date:
        """Latest maturity among the draws (借款到期日)."""
        return max(d.maturity for d in self.draws)

    @property
    def term_start(self) -> dt.date:
        return min(d.date for d in self.draws)

    @property
    def disbursed(self) -> Decimal:
        return sum((d.amount for d in self.draws), Decimal(0))


class GuaranteeKind(str, Enum):
    """保证方式 (民法典 arts 686-688). ``unspecified`` (未约定): the contract does not say; the
    law of the contract's date decides (担保法 art 19: joint; 民法典 art 686: general)."""

    joint = "连带责任保证"
    general = "一般保证"
    unspecified = "未约定"


class Guarantee(_Model):
    """保证合同 (or 最高额保证合同 when ``maximum_amount`` is set)."""

    id: Ref
    number: Text
    title: Text = "保证合同"
    guarantor: Ref
    secures: list[Ref] = Field(min_length=1)
    kind: GuaranteeKind
    signed_on: dt.date
    period: Text | None = None  # agreed 保证期间 as written, e.g. "主债务履行期限届满之日起三年"
    maximum_amount: Amount | None = None
    claims_fixed_on: dt.date | None = None  # 债权确定日 of a maximum-amount guarantee
    liability_cap: Amount | None = None  # the guarantor answers for at most this much of the debt
    share: Fraction | None = None  # 按份保证: the guarantor's share of the debt
    scope: Text = "主债权本金、利息、罚息、复利、违约金、损害赔偿金和实现债权的费用"
    override_release: Text | None = None  # reason to claim although a release is found

    @model_validator(mode="after")
    def _limits(self):
        if self.liability_cap is not None and self.share is not None:
            raise ValueError(_("give either liability_cap or share, not both"))
        if self.claims_fixed_on is not None and self.maximum_amount is None:
            raise ValueError(_("claims_fixed_on (债权确定日) is only for a maximum-amount guarantee (maximum_amount)"))
        return self


class Collateral(_Model):
    """抵押 or 质押 securing one or more loans, with its registration."""

    id: Ref
    kind: Literal["mortgage", "pledge"]
    contract_number: Text
    contract_title: Text | None = None
    signed_on: dt.date
    owner: Ref
    secures: list[Ref] = Field(min_length=1)
    description: Text
    certificate_number: Text | None = None  # 不动产登记证明号 / 他项权证号
    registered_on: dt.date | None = None
    registration_kind: Literal["正式登记", "预告登记", "未登记"] = "正式登记"
    maximum_amount: Amount | None = None


#: Where a repayment came from (Repayment.source), as the write-off dossier and its residue name it.
RECOVERY_SOURCES = {
    "borrower": "借款人还款", "guarantor": "保证人代偿", "collateral": "抵押物、质物处置款", "distribution": "破产财产分配",
    "set_off": "以物抵债", "insurance": "保险赔款", "estate": "遗产清偿", "enforcement": "强制执行款", "transfer": "债权转让价款",
    "other": "其他",
}


class Repayment(_Model):
    """A payment received (还款)."""

    date: dt.date
    amount: Amount
    loan: Ref
    applied_to: Literal["principal", "interest", "mixed"] = "mixed"
    evidence: list[Ref] = Field(default_factory=list)
    source: Literal["borrower", "guarantor", "collateral", "distribution", "set_off", "insurance", "estate",
                    "enforcement", "transfer", "other"] = "borrower"  # see RECOVERY_SOURCES
    party: Ref | None = None  # who paid, when not the borrower (a guarantor, a mortgagor, an heir)


class EventKind(str, Enum):
    """Case events with legal effect; the value is the Chinese name used in documents."""

    demand_delivered = "催收通知书送达"
    guarantee_demand_delivered = "履行保证责任通知书送达"
    acknowledgment = "债务人确认债务"
    partial_payment = "部分履行"
    acceleration = "宣布提前到期"
    assignment_notice = "债权转让通知到达"
    suit_filed = "提起诉讼"
    preservation_applied = "申请财产保全"
    preservation_ruling = "财产保全裁定"
    payment_order_applied = "申请支付令"
    bankruptcy_claim_filed = "申报破产债权"
    judgment_served = "判决书送达"
    ruling_served = "裁定书送达"
    judgment_effective = "判决生效"
    enforcement_applied = "申请强制执行"
    obstacle = "诉讼时效中止事由"
    seizure = "查封冻结"
    bankruptcy_accepted = "破产申请受理公告"
    suit_withdrawn = "撤回起诉"
    suit_dismissed = "驳回起诉"
    suit_not_accepted = "不予受理"
    enforcement_withdrawn = "撤回执行申请"
    bankruptcy_claim_returned = "破产债权申报撤回或退回"
    # rulings and facts about an obligor that decide its risk class and write-off criteria
    # (商业银行金融资产风险分类办法; 财金〔2017〕90号附件1); the deadline engine does not use them
    enforcement_ended_this_round = "终结本次执行程序"  # 终本裁定 (民诉法解释第五百一十七条)
    enforcement_terminated = "终结执行"  # 民事诉讼法第二百六十八条
    enforcement_suspended = "中止执行"  # 民事诉讼法第二百六十七条
    bankruptcy_declared = "宣告破产"  # 企业破产法第一百零七条
    bankruptcy_ended = "终结破产程序"  # 企业破产法第四十三条、第一百零五条、第一百二十条
    reorganization_approved = "批准重整计划"  # 企业破产法第八十六条
    settlement_approved = "认可和解协议"  # 企业破产法第九十八条; also a court-approved 调解 or 执行和解 reducing the debt
    deregistered = "注销登记"
    licence_revoked = "吊销营业执照"
    business_stopped = "停止经营或下落不明"
    annual_reports_missing = "未公示年度报告"  # registry query; ``note`` gives the years
    death = "死亡"
    declared_missing = "宣告失踪"
    declared_dead = "宣告死亡"
    incapacity = "丧失民事行为能力或劳动能力"
    disaster = "重大自然灾害或意外事故"
    criminal_judgment = "刑事判决"
    set_off = "以物抵债"
    claim_rejected = "判决驳回诉讼请求"
    documents_lost = "债权凭证灭失"
    evasion = "逃废债"
    credit_impaired = "发生信用减值"  # 企业会计准则第22号第四十条
    other = "其他"


# kinds of clocks of the deadline engine, as figures stated by a court or the bank name them
CLOCK_KINDS = (
    "limitation", "guarantee_period", "guarantor_limitation", "collateral", "enforcement_application",
    "suit_after_preservation", "appeal", "retrial", "seizure_expiry", "seizure_renewal", "bankruptcy_claim",
)

# a proceeding that interrupted limitation, and the events that end it other than by a judgment:
# the period restarts from that end (民法典 art 195)
PROCEEDING_ENDS: dict[EventKind, EventKind] = {
    EventKind.suit_withdrawn: EventKind.suit_filed,
    EventKind.suit_dismissed: EventKind.suit_filed,
    EventKind.suit_not_accepted: EventKind.suit_filed,
    EventKind.enforcement_withdrawn: EventKind.enforcement_applied,
    EventKind.bankruptcy_claim_returned: EventKind.bankruptcy_claim_filed,
}


#: What each kind of seized asset (``Event.asset``) is called in documents and clock chains.
ASSET_NAMES = {"deposit": "银行存款", "movable": "动产", "real_property": "不动产", "other_right": "其他财产权"}


class Event(_Model):
    """A dated event, with the evidence that proves it and the parties it concerns. ``loans``
    limits an acceleration to those loans (default: every loan)."""

    date: dt.date
    kind: EventKind
    parties: list[Ref] = Field(default_factory=list)
    loans: list[Ref] = Field(default_factory=list)
    until: dt.date | None = None  # end of an obstacle (中止事由); last day of performance (判决生效); claim deadline (破产受理)
    executed_on: dt.date | None = None  # day a preservation or seizure was carried out (采取措施之日), when not the ruling date
    asset: Literal["deposit", "movable", "real_property", "other_right"] | None = None  # what a ruling seized
    case_number: Text | None = None  # 案号 or 文书号 of the suit, ruling or judgment the event is about
    property: Text | None = None  # the property seized or frozen (查封冻结), with its identifier
    evidence: list[Ref] = Field(default_factory=list)
    note: Text | None = None


class ClaimedCost(_Model):
    """实现债权的费用 claimed (律师费, 保全费, 保全保险费 ...), as actually paid, in ``currency``
    (元 unless stated)."""

    name: Text
    amount: Amount
    currency: Currency = "CNY"
    evidence: list[Ref] = Field(default_factory=list)
    clause: Text | None = None  # the contract clause that puts the cost on the debtor (e.g. 第十条)


class ExchangeRate(_Model):
    """The exchange rate that states a foreign-currency claim in 元 for the court fee: ``rate`` 元
    per unit of the claim's currency, published for ``on`` (the day the court accepts the case:
    诉讼费用交纳办法 art 55), from ``source``."""

    rate: Decimal
    on: dt.date
    source: Text = "中国人民银行授权中国外汇交易中心公布的人民币汇率中间价"

    @field_validator("rate")
    @classmethod
    def _rate(cls, value: Decimal) -> Decimal:
        if not value.is_finite() or value <= 0 or value >= 1000:
            raise ValueError(_("must be the number of 元 for one unit of the currency (e.g. 7.1234)"))
        if value.as_tuple().exponent < -6:
            raise ValueError(_("must have at most 6 decimal places"))
        return value


class StatedFigures(_Model):
    """Figures a court or the bank stated (a judgment, a ruling, the core system), compared with
    the engines' results: amounts owed as of ``as_of`` (default ``claim.as_of``), the acceptance
    fee, and the last days of clocks (``dates``, keyed by clock kind: ``limitation``,
    ``guarantee_period``, ``enforcement_application``, ``retrial``, ``appeal`` ...)."""

    by: Literal["court", "bank"]
    source: Text | None = None
    as_of: dt.date | None = None
    principal: Amount | None = None
    interest: Amount | None = None
    penalty_interest: Amount | None = None
    compound_interest: Amount | None = None
    total: Amount | None = None
    acceptance_fee: Amount | None = None
    dates: dict[Annotated[str, Field(pattern=r"^[a-z_]{1,40}$")], dt.date] = Field(default_factory=dict)


class Claim(_Model):
    """What is claimed as of a date.

    ``amounts``: ``engine`` (default) computes 本金, 利息, 罚息 and 复利 from the contracts and
    repayments; ``bank`` uses the balances given here as the bank's core system exports them.
    Balances given with ``engine`` are compared with the engine's and the differences reported.
    ``court_caps_at_four_lpr``: flag rates above 4 x the one-year LPR for courts that apply that
    cap to banks (never applied to the amounts).

    ``continuing`` overrides the generated wording of how charges run on until payment.
    ``penalty_rate`` overrides the contract's penalty rate for the continuing claim (a bank may
    claim less than the contract allows).

    ``currency``: the claim's currency, that of its loans; a foreign-currency claim states its fee
    base in 元 at ``exchange_rate`` (诉讼费用交纳办法 art 55).
    """

    as_of: dt.date
    amounts: Literal["engine", "bank"] = "engine"
    principal: Amount | None = None
    interest: Amount | None = None
    penalty_interest: Amount | None = None
    compound_interest: Amount | None = None
    costs: list[ClaimedCost] = Field(default_factory=list)
    penalty_rate: Rate | None = None
    continuing: Text | None = None
    acceleration: bool = False
    filing_date: dt.date | None = None  # planned or actual date of filing (chooses the fee regime)
    claim_court_costs: bool = True
    court_caps_at_four_lpr: bool = False
    procedure: Literal["ordinary", "simplified"] = "ordinary"
    fee_rounding: Literal["fen", "yuan"] = "yuan"
    currency: Currency = "CNY"
    exchange_rate: ExchangeRate | None = None
    form: Literal["element", "narrative"] | None = None  # 要素式 or 叙述式 complaint; default by filing date


class PropertyLead(_Model):
    """A lead to a respondent's property (财产线索) for preservation or enforcement (财产保全规定
    arts 1, 10; 执行工作若干问题的规定 item 18): whose, what kind, a description, the identifier
    (account number, certificate number, plate, company and share) and its value in 元 if known."""

    owner: Ref
    kind: Literal["bank_account", "real_property", "vehicle", "equity", "receivable", "other"]
    description: Text
    identifier: Text | None = None
    value: Amount | None = None


class Preservation(_Model):
    """A property-preservation request (财产保全申请): before suit (诉前, 民事诉讼法 2023 art 104) or
    in suit (诉讼中, art 103). ``amount``: the value to preserve in 元 (default: the amount in
    dispute); ``respondents``: party ids (default: every defendant). Security offered: ``security``
    (保全责任保险, 银行保函, 担保书, 现金 or 财产) with its provider, document number and amount;
    an in-suit application by a bank needs none (财产保全规定 art 9 item 6). ``reason``: the facts
    that make the preservation necessary (诉讼中: the risk that a judgment cannot be enforced) or
    urgent (诉前: 情况紧急, the harm that cannot be repaired), as the bank states them."""

    stage: Literal["before_suit", "in_suit"] = "in_suit"
    reason: Text | None = None
    amount: Amount | None = None
    respondents: list[Ref] = Field(default_factory=list)
    security: Literal["保全责任保险", "银行保函", "担保书", "现金", "财产"] | None = None
    security_provider: Text | None = None
    security_document: Text | None = None
    security_amount: Amount | None = None


class Judgment(_Model):
    """The judgment (or other document) enforcement relies on (执行依据; 民事诉讼法 2023 arts 247,
    250): kind, court, case number, the day it took effect, the last day of performance, the
    operative paragraphs as written, and the money it awards in 元: ``principal`` and ``costs``
    (the money debt other than general interest, the base of the doubled delay interest,
    法释〔2014〕8号 art 1), ``interest`` fixed to ``interest_until``, and how interest runs on
    (``continuing``, the judgment's own words)."""

    kind: Literal["判决书", "调解书", "裁定书", "支付令", "仲裁裁决书", "公证债权文书"] = "判决书"
    court: Text
    case_number: Text
    effective_on: dt.date
    performance_due: dt.date
    operative: list[Text] = Field(min_length=1)
    principal: Amount
    interest: AmountOrZero = Decimal(0)
    interest_until: dt.date | None = None
    costs: AmountOrZero = Decimal(0)
    continuing: Text | None = None
    respondents: list[Ref] = Field(default_factory=list)  # 被执行人; default: every defendant


class Notices(_Model):
    """Settings of demand notices (催收通知书, 履行保证责任通知书): days given to pay after receipt,
    the bank's contact person and phone."""

    pay_within_days: Annotated[int, Field(ge=1, le=365, strict=True)] = 10
    contact: Text | None = None
    contact_phone: Text | None = None


class EvidenceItem(_Model):
    """One exhibit (证据): title, files in order, what it proves, original or copy, group."""

    id: Ref
    title: Text
    files: list[Text] = Field(min_length=1)
    purpose: Text
    original: bool = True
    group: Text | None = None
    source: Text = "原告持有"
    identity_of: Ref | None = None  # the exhibit proves the identity of this party ("creditor": the bank; "agents": the agents)


class Assumption(_Model):
    """A fact the source did not state, chosen as plausible and marked (field path and why)."""

    field: Text
    note: Text


class PursuitChannel(str, Enum):
    """How an obligor was pursued (追索方式), as 追索记录 and 国家税务总局公告2015年第25号 name them;
    the value is the Chinese name written in case files."""

    judicial = "司法追索"  # suit, preservation, enforcement, bankruptcy claim
    phone = "电话追索"
    letter = "信函追索"
    sms = "短信追索"
    visit = "上门追索"
    announcement = "公告催收"
    other = "其他"


class Pursuit(_Model):
    """One dated attempt to collect from one obligor (追索记录): what was done, the outcome, who
    did it and whether the record is signed by the handler and the person responsible (经办人和负责人
    共同签章, which the tax rules require), and the evidence that proves it."""

    date: dt.date
    party: Ref
    channel: PursuitChannel
    content: Text
    outcome: Text
    handler: Text | None = None  # 经办人
    responsible: Text | None = None  # 负责人
    cosigned: bool = False  # the record carries the signatures of both
    evidence: list[Ref] = Field(default_factory=list)


class RiskCategory(str, Enum):
    """The five risk classes (五级分类, 商业银行金融资产风险分类办法第六条); the value is the Chinese name."""

    normal = "正常"
    special_mention = "关注"
    substandard = "次级"
    doubtful = "可疑"
    loss = "损失"


class ClassificationRecord(_Model):
    """A class the bank booked (分类结果) on ``date`` for ``loan`` (every loan of the case when
    left out), with the reason it gave."""

    date: dt.date
    category: RiskCategory
    loan: Ref | None = None
    basis: Text | None = None


class ProvisionRecord(_Model):
    """The loss allowance the bank held (贷款损失准备) on ``date`` for ``loan`` (all loans when left out):
    ``allowance`` in 元; ``stage`` (1, 2, 3) and ``carrying_amount`` (账面余额, 元) where the bank
    measures expected credit loss (企业会计准则第22号); ``credit_impaired`` as the bank assessed it."""

    date: dt.date
    allowance: AmountOrZero
    loan: Ref | None = None
    stage: Literal[1, 2, 3] | None = None
    carrying_amount: Amount | None = None
    credit_impaired: bool | None = None


class Exposure(_Model):
    """The debtor's debts as a whole on ``date``: at this bank (``scope: this_bank``, every claim
    including those outside this case: ``total`` and the ``non_performing`` part) or at every bank
    (``scope: all_banks``, from the credit report: ``total`` and ``overdue_90``, the part more than
    90 days overdue). Amounts in 元. Used for contagion (分类办法第七条 and the 20 % rule)."""

    date: dt.date
    scope: Literal["this_bank", "all_banks"]
    total: Amount
    non_performing: AmountOrZero = Decimal(0)
    overdue_90: AmountOrZero = Decimal(0)
    source: Text | None = None


class Restructuring(_Model):
    """A restructuring (重组, 分类办法第十七条至第二十条) of ``loan``: the contract changed on
    ``changed_on`` because the debtor was in financial difficulty; the observation period starts
    on ``first_repayment`` (the first repayment date under the new terms) and runs in periods of
    ``period_months``. ``missed``: payment dates missed during observation; ``unresolved_on``:
    dates at which the bank found the difficulty not resolved; ``category_before``: the class
    before the change."""

    loan: Ref
    changed_on: dt.date
    first_repayment: dt.date
    period_months: Annotated[int, Field(ge=1, le=12, strict=True)] = 1
    measures: list[Text] = Field(default_factory=list)  # 展期, 调整还款计划, 借新还旧 ...
    category_before: RiskCategory | None = None
    missed: list[dt.date] = Field(default_factory=list)
    unresolved_on: list[dt.date] = Field(default_factory=list)
    evidence: list[Ref] = Field(default_factory=list)


class Risk(_Model):
    """What decides the loan's risk class and provision beyond its contracts and repayments:
    ``segment`` (non_retail for organisations, retail for natural persons when left out),
    booked ``history``, ``provisions`` held, the debtor's ``exposures``, ``restructurings``, and
    ``technical_delay_days``: days of an overdue the bank proves were an operational or technical
    delay (not counted, up to the rule's limit)."""

    segment: Literal["retail", "non_retail"] | None = None
    history: list[ClassificationRecord] = Field(default_factory=list)
    provisions: list[ProvisionRecord] = Field(default_factory=list)
    exposures: list[Exposure] = Field(default_factory=list)
    restructurings: list[Restructuring] = Field(default_factory=list)
    technical_delay_days: Annotated[int, Field(ge=1, le=366, strict=True)] | None = None
    sme_or_agricultural: bool = False  # 涉农贷款或中小企业贷款 (财税〔2015〕3号): decides the tax tiers


class StaffMember(_Model):
    """Someone who handled the credit or its recovery: ``role`` as the bank names it (经办人,
    部门负责人, 单位负责人, 清收责任人)."""

    role: Text
    name: Text
    note: Text | None = None


class AssetSearch(_Model):
    """One search of an obligor's property (财产调查、查控): when, by whom or through which system
    (法院网络查控, 不动产登记中心 ...), and what it found."""

    date: dt.date
    party: Ref
    by: Text
    result: Text
    evidence: list[Ref] = Field(default_factory=list)


class Confirmation(_Model):
    """A person's recorded confirmation of a rule value the rules mark unverified (``rule``: its
    id), so that a dossier relying on it may be final."""

    rule: Text
    by: Text
    date: dt.date  # the day of the confirmation
    note: Text | None = None


class WriteOffEnd(_Model):
    """How a written-off claim came to its full end (完全终结): paid, transferred, or rights
    extinguished."""

    date: dt.date
    reason: Literal["paid", "transferred", "extinguished"]
    note: Text | None = None
    evidence: list[Ref] = Field(default_factory=list)


class WriteOff(_Model):
    """The write-off (呆账核销, 财金〔2017〕90号) proposed or done for the case: the Annex 1
    ``criterion`` relied on (e.g. ``"7"``), the date it was booked (``written_off_on``; left out
    while proposed), the approval, what the investigation report says (``cause``, ``remedies``,
    ``why_now``, ``responsibility``), the staff, the asset searches, confirmations of unverified
    rule values, and ``ended`` once the claim is fully ended. ``institution`` and ``loan_type``
    choose the small-amount thresholds."""

    criterion: Text | None = None
    proposed_on: dt.date | None = None
    written_off_on: dt.date | None = None
    approval: Text | None = None  # 批复文号 or meeting minutes number
    institution: Literal["bank", "rural"] = "bank"  # 农村信用社、村镇银行: rural
    loan_type: Literal["corporate", "personal_business", "personal_consumer"] | None = None
    cause: Text | None = None  # 形成原因
    remedies: Text | None = None  # 采取的补救措施及结果
    why_now: Text | None = None  # 无法收回的原因及核销理由
    responsibility: Text | None = None  # 责任认定及处理
    staff: list[StaffMember] = Field(default_factory=list)
    asset_searches: list[AssetSearch] = Field(default_factory=list)
    confirmations: list[Confirmation] = Field(default_factory=list)
    ended: WriteOffEnd | None = None


class Case(_Model):
    """One case record (案件档案). ``parties`` maps a party id (e.g. ``P1``) to the party."""

    case_id: CaseId
    title: Text | None = None
    court: Text
    creditor: Creditor
    agents: list[Agent] = Field(default_factory=list, max_length=2)
    parties: dict[Ref, Party]
    loans: list[LoanContract] = Field(min_length=1)
    guarantees: list[Guarantee] = Field(default_factory=list)
    collateral: list[Collateral] = Field(default_factory=list)
    repayments: list[Repayment] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    security_order: list[Ref] = Field(default_factory=list)  # agreed order of recourse (民法典 art 392)
    claim: Claim
    stated: list[StatedFigures] = Field(default_factory=list)
    evidence: list[EvidenceItem] = Field(default_factory=list)  # a packet needs at least one
    assumptions: list[Assumption] = Field(default_factory=list)
    source: Text | None = None  # where the facts come from (judgment, case number)
    preservation: Preservation | None = None
    property_leads: list[PropertyLead] = Field(default_factory=list)
    judgment: Judgment | None = None
    notices: Notices = Field(default_factory=Notices)
    pursuits: list[Pursuit] = Field(default_factory=list)  # 追索记录
    risk: Risk = Field(default_factory=Risk)  # 风险分类 and 拨备 inputs
    write_off: WriteOff | None = None  # 呆账核销

    @field_validator("parties")
    @classmethod
    def _not_empty(cls, value: dict) -> dict:
        if not value:
            raise ValueError(_("at least one party (the borrower) is required"))
        return value

    def party(self, ref: str) -> NaturalPerson | Organization:
        return self.parties[ref]

    def borrower_ids(self) -> list[str]:
        """Party ids of every borrower, in order of first appearance."""
        seen: list[str] = []
        for loan in self.loans:
            for ref in loan.borrowers:
                if ref not in seen:
                    seen.append(ref)
        return seen

    def defendant_ids(self) -> list[str]:
        """Borrowers, then guarantors, then owners of collateral, each once (被告 order)."""
        seen = self.borrower_ids()
        for ref in [g.guarantor for g in self.guarantees] + [c.owner for c in self.collateral]:
            if ref not in seen:
                seen.append(ref)
        return seen
