"""The money engine: what a borrower owes on a loan as of a date (欠款明细).

For each draw the schedule (:mod:`legaldocs.money.schedule`) gives the dues. Walking the calendar from
the draw to the as-of date:

- contractual interest (利息) accrues on principal not yet due at the contract rate, for the
  actual days, and falls due on each 结息日 (instalment loans: the scheduled interest);
- penalty interest (罚息) accrues on each overdue principal amount from the day after it fell due,
  at the contract rate x (1 + uplift) (银发〔2003〕251号 §3);
- compound interest (复利) accrues on each unpaid interest amount from the day after its own due
  date, at the penalty rate unless the contract sets another rate; a contract charging penalty on
  unpaid interest (RC01) is the same computation under that name;
- acceleration (宣布提前到期) makes all principal and accrued interest due on its date;
- rate changes (repricing, LPR) apply from their date;
- each repayment is allocated in a visible order (by default 民法典 art 561: interest before
  principal; within interest: 复利, 罚息, 利息, oldest first), unless the payment says it was
  applied to principal or to interest.

Day counts are end date − start date (start excluded, end included: legal-rules §0.3(6)); the
daily rate is the annual rate / 360 (or /365 by contract). Each accrual line is rounded half-up to
0.01 元 and totals are sums of the lines, so a statement adds up to the cent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal

from legaldocs.errors import LegalDocsError
from legaldocs.i18n import _
from legaldocs.money.schedule import INSTALMENT_METHODS, Due, cents, schedule

INTEREST = "interest"
PENALTY = "penalty_interest"
COMPOUND = "compound_interest"
PRINCIPAL = "principal"
DEFAULT_ORDER: tuple[str, ...] = (COMPOUND, PENALTY, INTEREST, PRINCIPAL)
CATEGORY_NAMES = {INTEREST: "利息", PENALTY: "罚息", COMPOUND: "复利", PRINCIPAL: "本金", "credit": "预付待抵"}
ZERO = Decimal(0)

RULE_INTEREST = "借款合同约定利率（民法典第六百七十四条）"
RULE_PENALTY = "逾期本金按罚息利率计收罚息（银发〔2003〕251号第三条；民法典第六百七十六条）"
RULE_COMPOUND = "欠付利息按罚息利率计收复利（银发〔2003〕251号第三条）"
RULE_PENALTY_ON_INTEREST = "应付未付利息按罚息利率计收罚息（合同约定）"
RULE_ALLOCATION = "清偿抵充顺序（民法典第五百六十一条：费用、利息、主债务）"
RULE_POSTED = "按银行入账用途抵充"
RULE_CREDIT = "提前支付的利息于到期时抵充"
RULE_INSTALMENT = "期供利息＝期初本金余额×年利率÷12（等额本息/等额本金）"
RULE_INSTALMENT_DAYS = "当期已计未到期利息，按日计息"
RULE_INSTALMENT_BROKEN = "不足一个月的期供利息＝期初本金余额×年利率×实际天数÷计息基数"
CREDIT = "credit"


@dataclass(frozen=True)
class DrawTerms:
    """One disbursement: id, date, amount (元), maturity; ``dues`` overrides the generated schedule."""

    id: str
    date: dt.date
    amount: Decimal
    maturity: dt.date
    dues: tuple[Due, ...] | None = None


@dataclass(frozen=True)
class LoanTerms:
    """What the engine needs of a loan contract.

    ``rate_changes``: (date, new annual rate) pairs, the new rate applying to days after the date.
    ``compound_rate``: None = the penalty rate. ``allocation``: order of categories a repayment
    pays (``compound_interest``, ``penalty_interest``, ``interest``, ``principal``).
    ``overdue_anchor``: ``due_date`` (overdue days counted from the due date, itself excluded) or
    ``first_overdue_day`` (from the day after it, as some courts count: 自逾期次日起算).
    ``rules``: the citations of the law of the contract's date for ``interest``, ``penalty`` and
    ``compound`` lines (default: the Civil Code's).
    """

    id: str
    draws: tuple[DrawTerms, ...]
    annual_rate: Decimal
    method: str
    penalty_uplift: Decimal = Decimal("0.5")
    compound: bool = True
    penalty_on_unpaid_interest: bool = False
    compound_rate: Decimal | None = None
    day_count: int = 360
    interest_day: int | None = None
    rate_changes: tuple[tuple[dt.date, Decimal], ...] = ()
    allocation: tuple[str, ...] = DEFAULT_ORDER
    overdue_anchor: str = "due_date"
    rules: tuple[tuple[str, str], ...] = ()

    def rule(self, name: str, default: str) -> str:
        return dict(self.rules).get(name, default)


@dataclass(frozen=True)
class Payment:
    """A repayment received on ``date``; ``applied_to``: ``mixed`` (by the allocation order),
    ``principal`` or ``interest`` (as the bank posted it); ``rule``: the allocation rule of the
    payment's date (default 民法典 art 561)."""

    date: dt.date
    amount: Decimal
    applied_to: str = "mixed"
    rule: str | None = None


@dataclass(frozen=True)
class Line:
    """One accrual: ``amount`` = ``base`` × ``rate`` × ``days`` / day basis, from the day after
    ``start`` to ``end`` inclusive; ``kind`` is interest, penalty_interest or compound_interest."""

    kind: str
    loan: str
    draw: str
    base: Decimal
    start: dt.date
    end: dt.date
    days: int
    rate: Decimal
    amount: Decimal
    rule: str

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "loan": self.loan,
            "draw": self.draw,
            "base": str(self.base),
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "days": self.days,
            "rate": str(self.rate),
            "amount": str(self.amount),
            "rule": self.rule,
        }


@dataclass(frozen=True)
class Allocation:
    """How one repayment was applied: (category, amount) in the order paid; ``unapplied`` is an
    overpayment left over."""

    date: dt.date
    loan: str
    amount: Decimal
    parts: tuple[tuple[str, Decimal], ...]
    unapplied: Decimal
    rule: str

    def as_dict(self) -> dict:
        return {
            "date": self.date.isoformat(),
            "loan": self.loan,
            "amount": str(self.amount),
            "parts": [{"category": c, "amount": str(a)} for c, a in self.parts],
            "unapplied": str(self.unapplied),
            "rule": self.rule,
        }


@dataclass
class LoanBalance:
    """What one loan owes as of a date, in 元 (rounded to the 分, each the sum of its lines)."""

    loan: str
    principal_due: Decimal = ZERO  # overdue principal (逾期本金)
    principal_not_due: Decimal = ZERO  # principal not yet due (未到期本金)
    interest: Decimal = ZERO
    penalty_interest: Decimal = ZERO
    compound_interest: Decimal = ZERO
    overdue_since: dt.date | None = None  # oldest due date of principal still unpaid
    interest_overdue_since: dt.date | None = None  # oldest due date of interest still unpaid
    penalty_rate: Decimal = ZERO
    compound_rate: Decimal = ZERO
    contract_rate: Decimal = ZERO
    unpaid_interest_base: Decimal = ZERO  # interest due and unpaid: the base of 复利
    day_count: int = 360
    credit: Decimal = ZERO  # interest paid ahead and not yet applied
    lines: list[Line] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)

    @property
    def principal(self) -> Decimal:
        return self.principal_due + self.principal_not_due

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.penalty_interest + self.compound_interest


class _Bucket:
    """An amount accruing at a rate from a date (overdue principal, or unpaid interest)."""

    __slots__ = ("amount", "since", "accrued_to", "draw", "due", "charged", "lines")

    def __init__(self, amount: Decimal, since: dt.date, draw: str, *, first_day_excluded: bool = False):
        self.amount = amount
        self.since = since
        # the due date is the anchor (not counted); some courts also leave out the first overdue day
        self.accrued_to = since + dt.timedelta(days=1) if first_day_excluded else since
        self.draw = draw
        self.due = since
        self.charged = ZERO  # exact 罚息/复利 accrued on this amount so far
        self.lines: list[int] = []  # its accrual lines


class _Loan:
    """Running state of one loan while the calendar is walked."""

    def __init__(self, terms: LoanTerms):
        self.t = terms
        self.rate = terms.annual_rate
        self.basis = Decimal(terms.day_count)
        self.lines: list[Line] = []
        self.allocations: list[Allocation] = []
        self.not_due: dict[str, Decimal] = {}  # draw -> principal in term
        self.interest_from: dict[str, dt.date] = {}  # draw -> end of the last accrual of interest in term
        # the running interest period of each draw: exact accrual, what was paid early, its lines
        self.period_exact: dict[str, Decimal] = {}
        self.period_paid: dict[str, Decimal] = {}
        self.period_lines: dict[str, list[int]] = {}
        self.overdue: list[_Bucket] = []
        self.unpaid_interest: list[_Bucket] = []
        # 罚息 and 复利: every amount that ever accrued them, and what was paid (see _charge)
        self.charged_buckets: dict[str, list[_Bucket]] = {PENALTY: [], COMPOUND: []}
        self.charged_paid = {PENALTY: ZERO, COMPOUND: ZERO}
        self.credit = ZERO  # paid towards interest ahead of its due date, held until it falls due
        self.accelerated = False

    # rates ---------------------------------------------------------------------------------
    @property
    def penalty_rate(self) -> Decimal:
        return self.rate * (1 + self.t.penalty_uplift)

    @property
    def compound_rate(self) -> Decimal:
        return self.t.compound_rate if self.t.compound_rate is not None else self.penalty_rate

    @property
    def _instalments(self) -> bool:
        return self.t.method in INSTALMENT_METHODS

    def _line(self, kind: str, draw: str, base: Decimal, start: dt.date, end: dt.date, rate: Decimal, rule: str) -> Decimal:
        days = (end - start).days
        if days <= 0 or base <= 0:
            return ZERO
        amount = cents(base * rate * days / self.basis)
        self.lines.append(Line(kind, self.t.id, draw, base, start, end, days, rate, amount, rule))
        return amount

    # interest in term ------------------------------------------------------------------------
    def _bucket(self, amount: Decimal, day: dt.date, draw: str) -> "_Bucket":
        return _Bucket(amount, day, draw, first_day_excluded=self.t.overdue_anchor == "first_overdue_day")

    def _accrue_in_term(self, draw: str, day: dt.date, rule: str | None = None) -> None:
        """Accrue interest on the draw's principal in term from the last accrual to ``day``; the
        exact amount is kept so that a period split by events rounds like the whole period."""
        rule = rule or self.t.rule("interest", RULE_INTEREST)
        start = self.interest_from[draw]
        amount = self.not_due.get(draw, ZERO)
        days = (day - start).days
        if amount > 0 and days > 0:
            exact = amount * self.rate * days / self.basis
            self.lines.append(Line(INTEREST, self.t.id, draw, amount, start, day, days, self.rate, cents(exact), rule))
            self.period_exact[draw] = self.period_exact.get(draw, ZERO) + exact
            self.period_lines.setdefault(draw, []).append(len(self.lines) - 1)
        self.interest_from[draw] = max(start, day)

    def _pending(self, draw: str) -> Decimal:
        """Interest of the running period accrued so far and not yet paid (元, to the 分)."""
        return cents(self.period_exact.get(draw, ZERO)) - self.period_paid.get(draw, ZERO)

    def _close_period(self, draw: str) -> Decimal:
        """End the running period: its interest is the whole period's exact accrual rounded once;
        the last line takes the rounding difference so the lines add up. Returns what is unpaid."""
        total = cents(self.period_exact.pop(draw, ZERO))
        indices = self.period_lines.pop(draw, [])
        if indices:
            shown = sum((self.lines[i].amount for i in indices), ZERO)
            last = self.lines[indices[-1]]
            self.lines[indices[-1]] = replace(last, amount=last.amount + total - shown)
        return total - self.period_paid.pop(draw, ZERO)

    # accrual -------------------------------------------------------------------------------
    def accrue_to(self, day: dt.date, *, buckets: bool = True) -> None:
        """Accrue every running amount up to ``day`` (inclusive). ``buckets=False`` accrues only
        interest in term: overdue amounts run on unchanged, so their lines are not split there.
        Instalment loans accrue interest in term per instalment (see :meth:`fall_due`)."""
        if not self._instalments:
            for draw in self.not_due:
                self._accrue_in_term(draw, day)
        if not buckets:
            return
        for b in self.overdue:
            if b.amount > 0 and day > b.accrued_to:
                self._charge(PENALTY, b, day, self.penalty_rate, self.t.rule("penalty", RULE_PENALTY))
            b.accrued_to = max(b.accrued_to, day)
        charge = self.t.compound or self.t.penalty_on_unpaid_interest
        rule = RULE_PENALTY_ON_INTEREST if self.t.penalty_on_unpaid_interest else self.t.rule("compound", RULE_COMPOUND)
        for b in self.unpaid_interest:
            if charge and b.amount > 0 and day > b.accrued_to:
                self._charge(COMPOUND, b, day, self.compound_rate, rule)
            b.accrued_to = max(b.accrued_to, day)

    def _charge(self, kind: str, b: "_Bucket", day: dt.date, rate: Decimal, rule: str) -> None:
        """Accrue 罚息 or 复利 on one amount. Each amount's charge is rounded once, over all its
        lines, so splitting its accrual (at a payment or a rate change) changes nothing."""
        days = (day - b.accrued_to).days
        exact = b.amount * rate * days / self.basis
        self.lines.append(Line(kind, self.t.id, b.draw, b.amount, b.accrued_to, day, days, rate, cents(exact), rule))
        if not b.lines:
            self.charged_buckets[kind].append(b)
        b.charged += exact
        b.lines.append(len(self.lines) - 1)

    def _owed(self, kind: str) -> Decimal:
        return sum((cents(b.charged) for b in self.charged_buckets[kind]), ZERO) - self.charged_paid[kind]

    def _settle_lines(self, kind: str) -> None:
        """Make each amount's lines add up to its rounded charge (its last line takes the cent)."""
        for b in self.charged_buckets[kind]:
            shown = sum((self.lines[i].amount for i in b.lines), ZERO)
            last = self.lines[b.lines[-1]]
            self.lines[b.lines[-1]] = replace(last, amount=last.amount + cents(b.charged) - shown)

    def accrue_final(self, day: dt.date) -> None:
        """At the as-of date: everything up to ``day``, including the days of an instalment loan's
        running month (interest accrued, not yet due)."""
        if self._instalments:
            for draw in self.not_due:
                self._accrue_in_term(draw, day, RULE_INSTALMENT_DAYS)
        self.accrue_to(day)

    # events --------------------------------------------------------------------------------
    def start_draw(self, d: DrawTerms) -> None:
        self.not_due[d.id] = self.not_due.get(d.id, ZERO) + d.amount
        self.interest_from[d.id] = d.date

    def fall_due(self, draw: str, due: Due, day: dt.date, last: bool) -> None:
        balance = self.not_due.get(draw, ZERO)
        if self._instalments:
            # 期供利息 on the actual principal in term (a prepayment lowers it): monthly rate = annual /
            # 12 for a whole month, actual days / day basis for a broken first or last period
            start = self.interest_from[draw]
            if due.broken:
                interest = cents(balance * self.rate * (day - start).days / self.basis)
                rule = RULE_INSTALMENT_BROKEN
            else:
                interest = cents(balance * self.rate / 12)
                rule = RULE_INSTALMENT
            if interest > 0:
                self.lines.append(Line(INTEREST, self.t.id, draw, balance, start, day, (day - start).days,
                                       self.rate, interest, rule))
            self.interest_from[draw] = day
        elif due.interest is not None:  # an explicit schedule states the interest
            self._close_period(draw)
            interest = due.interest
        else:
            interest = self._close_period(draw)
        principal = balance if last else min(due.principal, balance)
        if principal > 0:
            self.not_due[draw] = balance - principal
            self.overdue.append(self._bucket(principal, day, draw))
        if interest > 0:
            self.unpaid_interest.append(self._bucket(interest, day, draw))
        if self.credit > 0 and interest > 0:
            paid = _drain(self.unpaid_interest, self.credit)
            self.credit -= paid
            if paid > 0:
                self.allocations.append(Allocation(day, self.t.id, paid, ((INTEREST, paid),), ZERO, RULE_CREDIT))

    def accelerate(self, day: dt.date) -> None:
        """All principal in term and all interest accrued to ``day`` fall due on ``day``."""
        self.accelerated = True
        for draw in list(self.not_due):
            if self._instalments:
                self._accrue_in_term(draw, day, RULE_INSTALMENT_DAYS)
            pending = self._close_period(draw)
            amount = self.not_due[draw]
            if amount > 0:
                self.overdue.append(self._bucket(amount, day, draw))
            self.not_due[draw] = ZERO
            if pending > 0:
                self.unpaid_interest.append(self._bucket(pending, day, draw))

    def pay(self, p: Payment) -> None:
        order = self.t.allocation
        rule = p.rule or RULE_ALLOCATION
        if p.applied_to == "principal":
            order, rule = (PRINCIPAL,), RULE_POSTED
        elif p.applied_to == "interest":
            order, rule = (INTEREST, PENALTY, COMPOUND), RULE_POSTED
        left = p.amount
        parts: list[tuple[str, Decimal]] = []
        for category in order:
            if left <= 0:
                break
            paid = self._pay_category(category, left)
            if paid > 0:
                parts.append((category, paid))
                left -= paid
        if left > 0 and p.applied_to == "interest":
            self.credit += left  # interest paid ahead: applied when the next interest falls due
            parts.append((CREDIT, left))
            left = ZERO
        self.allocations.append(Allocation(p.date, self.t.id, p.amount, tuple(parts), left, rule))

    def _pay_category(self, category: str, amount: Decimal) -> Decimal:
        if category in (COMPOUND, PENALTY):
            paid = min(amount, self._owed(category))
            self.charged_paid[category] += paid
            return paid
        if category == INTEREST:
            paid = _drain(self.unpaid_interest, amount)
            for draw in list(self.period_exact):  # interest accrued to date, paid early
                take = min(amount - paid, max(self._pending(draw), ZERO))
                self.period_paid[draw] = self.period_paid.get(draw, ZERO) + take
                paid += take
            return paid
        if category == PRINCIPAL:
            paid = _drain(self.overdue, amount)
            for draw in list(self.not_due):  # prepayment of principal in term
                take = min(amount - paid, self.not_due[draw])
                self.not_due[draw] -= take
                paid += take
            return paid
        raise LegalDocsError(_("unknown allocation category {category}").format(category=repr(category)))

    def balance(self) -> LoanBalance:
        overdue = [b for b in self.overdue if b.amount > 0]
        unpaid = sum((b.amount for b in self.unpaid_interest), ZERO)
        pending = sum((self._pending(d) for d in self.period_exact), ZERO)
        self._settle_lines(PENALTY)
        self._settle_lines(COMPOUND)
        return LoanBalance(
            loan=self.t.id,
            principal_due=sum((b.amount for b in overdue), ZERO),
            principal_not_due=sum(self.not_due.values(), ZERO),
            interest=unpaid + pending,
            penalty_interest=self._owed(PENALTY),
            compound_interest=self._owed(COMPOUND),
            overdue_since=min((b.since for b in overdue), default=None),
            interest_overdue_since=min((b.since for b in self.unpaid_interest if b.amount > 0), default=None),
            penalty_rate=self.penalty_rate,
            compound_rate=self.compound_rate,
            contract_rate=self.rate,
            unpaid_interest_base=unpaid,
            day_count=self.t.day_count,
            credit=self.credit,
            lines=self.lines,
            allocations=self.allocations,
        )


def _drain(buckets: list[_Bucket], amount: Decimal) -> Decimal:
    """Pay ``amount`` into buckets oldest first; return what was paid."""
    paid = ZERO
    for b in sorted(buckets, key=lambda x: x.due):
        if paid >= amount:
            break
        take = min(b.amount, amount - paid)
        b.amount -= take
        paid += take
    buckets[:] = [b for b in buckets if b.amount > 0]
    return paid


# event order on one day: rate change, due dates, acceleration, then repayments
_RATE, _DUE, _ACCEL, _PAY = 0, 1, 2, 3


def loan_balance(
    terms: LoanTerms,
    payments: list[Payment] | tuple[Payment, ...],
    as_of: dt.date,
    *,
    acceleration: dt.date | None = None,
) -> LoanBalance:
    """What ``terms`` owes as of ``as_of`` after ``payments`` (and an acceleration on its date).

    Returns a LoanBalance whose amounts are sums of its lines (元, to the 分).
    Raises LegalDocsError when as_of is before the first draw or the schedule cannot be made.
    """
    if not terms.draws:
        raise LegalDocsError(_("{loan}: no draws").format(loan=terms.id))
    first = min(d.date for d in terms.draws)
    if as_of < first:
        raise LegalDocsError(_("{loan}: as-of date {as_of} is before the first draw {first}").format(
            loan=terms.id, as_of=as_of, first=first))
    state = _Loan(terms)
    events: list[tuple[dt.date, int, int, object]] = []
    seq = 0
    for d in terms.draws:
        dues = d.dues if d.dues is not None else tuple(
            schedule(d.amount, d.date, d.maturity, terms.method, terms.annual_rate, interest_day=terms.interest_day,
                     day_count=terms.day_count)
        )
        events.append((d.date, -1, seq, ("draw", d)))
        seq += 1
        for k, due in enumerate(dues):
            events.append((due.date, _DUE, seq, ("due", d.id, due, k == len(dues) - 1)))
            seq += 1
    for day, rate in terms.rate_changes:
        events.append((day, _RATE, seq, ("rate", rate)))
        seq += 1
    if acceleration is not None:
        events.append((acceleration, _ACCEL, seq, ("accel",)))
        seq += 1
    for p in payments:
        events.append((p.date, _PAY, seq, ("pay", p)))
        seq += 1
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    for day, _order, _seq, event in events:
        if day > as_of:
            break
        kind = event[0]
        state.accrue_to(day, buckets=kind in ("pay", "rate"))
        if kind == "draw":
            state.start_draw(event[1])
        elif kind == "due":
            if not state.accelerated:
                state.fall_due(event[1], event[2], day, event[3])
        elif kind == "rate":
            state.rate = event[1]
        elif kind == "accel":
            if not state.accelerated:
                state.accelerate(day)
        else:
            state.pay(event[1])
    state.accrue_final(as_of)
    return state.balance()
