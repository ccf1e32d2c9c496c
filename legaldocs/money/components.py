"""A claim's balance by component (余额构成) and its recoveries by source, as of a date.

What a write-off dossier (核销申报审批表, 核销清单) and the post-write-off register (账销案存台账)
state for each loan, and what the regulatory reports call 实核本金, 实核表内利息 and 实核表外利息:

- 本金 (``principal``): principal outstanding, overdue and not yet due (the money engine's
  :func:`legaldocs.money.statement.case_statement`);
- 表内利息 and 表外利息 (``interest_on_balance``, ``interest_off_balance``): 利息, 罚息 and 复利 still
  unpaid, split at the day the loan passes the overdue boundary of the rule row
  ``writeoff.off_balance_interest`` (interest accrued for days after the loan is more than 90 days
  overdue is carried off balance, 表外). The loan is overdue from its oldest due date of principal
  or interest still unpaid on the as-of date (that date is day 0). An accrual line that straddles
  the boundary is split by days: the off-balance part is ``amount × off days ÷ days`` rounded
  half-up to the 分 and the on-balance part is the rest, so the parts add up to the line exactly.
  Payments to a kind of interest are taken as paying its oldest accruals first (the engine pays
  the oldest amounts first), so what remains unpaid is the newest accrual: the off-balance part of
  a kind is the smaller of what remains and what accrued off balance; the on-balance part is the
  rest. Each kind's parts add up to the engine's figure for it, to the 分;
- fees (``fees``): the costs of realising the claim (``claim.costs``) in the claim's currency.

Recoveries (``recoveries``): every repayment up to the as-of date with its source
(``Repayment.source``, :data:`legaldocs.case.model.RECOVERY_SOURCES`), the party who paid, its
evidence and how the engine applied it (本金, 利息, 罚息, 复利: ``Statement.allocations``), marked
before or after a split date (the write-off date).

Money is ``Decimal`` in the loans' currency (元 for CNY), never float; dates are
``datetime.date``; nothing reads the clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Mapping

from legaldocs.case.model import RECOVERY_SOURCES, Case
from legaldocs.errors import RuleNotFoundError
from legaldocs.i18n import _
from legaldocs.law.rules import rule_row
from legaldocs.money.accrual import COMPOUND, INTEREST, PENALTY, PRINCIPAL, RULE_CREDIT, LoanBalance
from legaldocs.money.schedule import cents
from legaldocs.money.statement import Statement, case_statement

__all__ = [
    "COMPONENT_NAMES",
    "Components",
    "LoanComponents",
    "Recovery",
    "balance_components",
    "off_balance_from",
    "split_line",
]

ZERO = Decimal(0)
INTEREST_KINDS = (INTEREST, PENALTY, COMPOUND)
#: Chinese names of the components, as the dossier and the register print them.
COMPONENT_NAMES = {
    "principal": "本金", "interest_on_balance": "表内利息", "interest_off_balance": "表外利息", "fees": "费用",
    INTEREST: "利息", PENALTY: "罚息", COMPOUND: "复利",
}
BOUNDARY_TABLE, BOUNDARY_KIND = "writeoff", "off_balance_interest"


@dataclass(frozen=True)
class LoanComponents:
    """One loan's balance on ``as_of`` by component (元, to the 分).

    ``by_kind``: for 利息 (``interest``), 罚息 (``penalty_interest``) and 复利
    (``compound_interest``) the pair (on balance, off balance); ``overdue_since``: the oldest due
    date still unpaid (principal or interest), day 0 of the overdue count; ``off_balance_from``:
    the first day whose accrual is carried off balance (None while the loan is not past the
    boundary, or when no rule row covers it)."""

    loan: str
    label: str
    principal_overdue: Decimal
    principal_not_due: Decimal
    by_kind: Mapping[str, tuple[Decimal, Decimal]]
    overdue_since: dt.date | None
    off_balance_from: dt.date | None

    @property
    def principal(self) -> Decimal:
        """本金: principal outstanding, overdue and not yet due."""
        return self.principal_overdue + self.principal_not_due

    @property
    def interest_on_balance(self) -> Decimal:
        """表内利息: 利息, 罚息 and 复利 accrued before the boundary and still unpaid."""
        return sum((on for on, _off in self.by_kind.values()), ZERO)

    @property
    def interest_off_balance(self) -> Decimal:
        """表外利息: 利息, 罚息 and 复利 accrued after the boundary and still unpaid."""
        return sum((off for _on, off in self.by_kind.values()), ZERO)

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest_on_balance + self.interest_off_balance

    def as_dict(self) -> dict:
        return {
            "loan": self.loan, "label": self.label, "principal": str(self.principal),
            "principal_overdue": str(self.principal_overdue), "principal_not_due": str(self.principal_not_due),
            "interest_on_balance": str(self.interest_on_balance),
            "interest_off_balance": str(self.interest_off_balance),
            "by_kind": {k: {"on_balance": str(on), "off_balance": str(off)} for k, (on, off) in self.by_kind.items()},
            "overdue_since": self.overdue_since.isoformat() if self.overdue_since else None,
            "off_balance_from": self.off_balance_from.isoformat() if self.off_balance_from else None,
            "total": str(self.total),
        }


@dataclass(frozen=True)
class Recovery:
    """One amount recovered (收回) on ``date`` for ``loan``: ``source`` (borrower, guarantor,
    collateral, distribution, set_off, insurance, estate, enforcement, transfer, other) and its
    Chinese ``source_name``; ``party`` who paid (None: the borrower); ``parts``: how the engine
    applied it, (category, amount) with category principal, interest, penalty_interest,
    compound_interest or credit (interest paid ahead); ``unapplied``: any excess over what was
    owed; ``after``: True when after the split date (the write-off date), None without one."""

    date: dt.date
    loan: str
    amount: Decimal
    source: str
    source_name: str
    party: str | None
    parts: tuple[tuple[str, Decimal], ...]
    unapplied: Decimal
    evidence: tuple[str, ...]
    after: bool | None

    def part(self, category: str) -> Decimal:
        return sum((a for c, a in self.parts if c == category), ZERO)

    @property
    def principal(self) -> Decimal:
        """收回本金."""
        return self.part(PRINCIPAL)

    @property
    def interest(self) -> Decimal:
        """收回利息 (利息, 罚息, 复利 and interest paid ahead)."""
        return self.amount - self.principal - self.unapplied

    def as_dict(self) -> dict:
        return {
            "date": self.date.isoformat(), "loan": self.loan, "amount": str(self.amount), "source": self.source,
            "source_name": self.source_name, "party": self.party,
            "parts": [{"category": c, "amount": str(a)} for c, a in self.parts], "unapplied": str(self.unapplied),
            "evidence": list(self.evidence), "after": self.after,
        }


@dataclass
class Components:
    """A case's balance by component on ``as_of`` and its recoveries (元 for CNY, to the 分).

    ``loans``: per loan; ``fees``: the claimed costs in the claim's currency, as (name, amount,
    evidence ids); ``recoveries``: every repayment up to ``as_of``; ``split_on``: the date that
    divides recoveries before and after (the write-off date) or None; ``rule``: the row that put
    the on-/off-balance boundary (its ``status`` says how far it is verified) or None;
    ``flags``: what a person should look at; ``statement``: the engine's statement it comes from."""

    as_of: dt.date
    currency: str
    loans: list[LoanComponents]
    fees_items: list[tuple[str, Decimal, tuple[str, ...]]]
    recoveries: list[Recovery]
    split_on: dt.date | None
    rule: Mapping[str, Any] | None
    flags: list[str] = field(default_factory=list)
    statement: Statement | None = None

    def _sum(self, attr: str) -> Decimal:
        return sum((getattr(x, attr) for x in self.loans), ZERO)

    @property
    def principal(self) -> Decimal:
        return self._sum("principal")

    @property
    def interest_on_balance(self) -> Decimal:
        return self._sum("interest_on_balance")

    @property
    def interest_off_balance(self) -> Decimal:
        return self._sum("interest_off_balance")

    @property
    def fees(self) -> Decimal:
        return sum((a for _n, a, _e in self.fees_items), ZERO)

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest_on_balance + self.interest_off_balance + self.fees

    def kind_total(self, kind: str) -> tuple[Decimal, Decimal]:
        """(on balance, off balance) of one kind of interest over every loan."""
        on = sum((x.by_kind[kind][0] for x in self.loans), ZERO)
        off = sum((x.by_kind[kind][1] for x in self.loans), ZERO)
        return on, off

    def recovered(self, *, source: str | None = None, after: bool | None = None) -> Decimal:
        """Total recovered, of one ``source`` or all; ``after``: only after (True) or up to
        (False) the split date; None: all."""
        return sum((r.amount for r in self.recoveries
                    if (source is None or r.source == source) and (after is None or r.after is after)), ZERO)

    def recovered_by_source(self, *, after: bool | None = None) -> dict[str, Decimal]:
        """Source -> amount recovered, in the order of RECOVERY_SOURCES, sources with none left out."""
        out = {s: self.recovered(source=s, after=after) for s in RECOVERY_SOURCES}
        return {s: a for s, a in out.items() if a}

    def recovered_by_component(self, *, after: bool | None = None) -> dict[str, Decimal]:
        """Category (principal, interest, penalty_interest, compound_interest, credit) -> amount
        recovered, as the engine applied the payments."""
        out: dict[str, Decimal] = {}
        for r in self.recoveries:
            if after is None or r.after is after:
                for c, a in r.parts:
                    out[c] = out.get(c, ZERO) + a
        return out

    def as_dict(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(), "currency": self.currency,
            "principal": str(self.principal), "interest_on_balance": str(self.interest_on_balance),
            "interest_off_balance": str(self.interest_off_balance), "fees": str(self.fees), "total": str(self.total),
            "loans": [x.as_dict() for x in self.loans],
            "fees_items": [{"name": n, "amount": str(a), "evidence": list(e)} for n, a, e in self.fees_items],
            "recoveries": [r.as_dict() for r in self.recoveries],
            "split_on": self.split_on.isoformat() if self.split_on else None,
            "rule": {"id": self.rule["id"], "citation": self.rule["citation"], "status": self.rule.get("status")}
            if self.rule else None,
            "flags": list(self.flags),
        }


def split_line(amount: Decimal, days: int, off_days: int) -> tuple[Decimal, Decimal]:
    """Split an accrual of ``amount`` over ``days`` days of which the last ``off_days`` are off
    balance: (on, off) with off = amount × off_days ÷ days rounded half-up to the 分 and on the
    rest, so on + off == amount exactly. Raises ValueError when off_days is not in 0..days."""
    if not 0 <= off_days <= days:
        raise ValueError(f"off_days {off_days} not within 0..{days}")
    if off_days == 0 or days == 0:
        return amount, ZERO
    if off_days == days:
        return ZERO, amount
    off = cents(amount * off_days / days)
    return amount - off, off


def off_balance_from(overdue_since: dt.date | None, on: dt.date) -> tuple[dt.date | None, Mapping[str, Any] | None]:
    """The first day whose accrual is off balance for a loan overdue since ``overdue_since`` (day
    0), by the rule row ``writeoff.off_balance_interest`` in force on ``on``: with ``overdue_days``
    N and ``inclusive`` false ("超过N天"), day N + 1 of the overdue; inclusive ("N天以上"), day N.
    Returns (day or None, row or None): None for the day when the loan is not overdue, the row
    None when no rule covers ``on`` (then nothing is split off balance)."""
    try:
        row = rule_row(BOUNDARY_TABLE, BOUNDARY_KIND, on)
    except RuleNotFoundError:
        return None, None
    if row.get("in_force", True) is False or overdue_since is None:
        return None, row
    n = int(row["overdue_days"])
    first = n if row.get("inclusive") else n + 1
    return overdue_since + dt.timedelta(days=first), row


def _loan_components(b: LoanBalance, label: str, as_of: dt.date) -> tuple[LoanComponents, Mapping[str, Any] | None]:
    candidates = [d for d in (b.overdue_since, getattr(b, "interest_overdue_since", None)) if d is not None]
    since = min(candidates) if candidates else None
    boundary, row = off_balance_from(since, as_of)
    if boundary is not None and boundary > as_of:
        boundary = None  # not yet past the boundary on the as-of date
    by_kind: dict[str, tuple[Decimal, Decimal]] = {}
    owed = {INTEREST: b.interest, PENALTY: b.penalty_interest, COMPOUND: b.compound_interest}
    for kind in INTEREST_KINDS:
        accrued_off = ZERO
        if boundary is not None:
            for line in b.lines:
                if line.kind != kind or line.end < boundary:
                    continue
                # the line covers the days after line.start up to line.end; off from ``boundary`` on
                off_days = min(line.days, (line.end - boundary).days + 1)
                accrued_off += split_line(line.amount, line.days, off_days)[1]
        remaining = owed[kind]
        off = min(max(remaining, ZERO), accrued_off)
        by_kind[kind] = (remaining - off, off)
    return LoanComponents(b.loan, label, b.principal_due, b.principal_not_due, by_kind, since, boundary), row


def _recoveries(case: Case, st: Statement, split_on: dt.date | None, flags: list[str]) -> list[Recovery]:
    """Each repayment up to the statement's date with the engine's allocation of it (matched by
    loan, date and amount in order; an allocation of interest paid ahead when it falls due is not
    a recovery of its own)."""
    pool: dict[tuple[str, dt.date, Decimal], list] = {}
    for a in st.allocations:
        if a.rule != RULE_CREDIT:
            pool.setdefault((a.loan, a.date, a.amount), []).append(a)
    out: list[Recovery] = []
    for r in sorted(case.repayments, key=lambda r: r.date):
        if r.date > st.as_of:
            continue
        found = pool.get((r.loan, r.date, r.amount))
        if found:
            a = found.pop(0)
            parts, unapplied = a.parts, a.unapplied
        else:
            parts, unapplied = (), r.amount
            flags.append(_("{loan}: the payment of {amount} on {date} was not applied by the money engine").format(
                loan=r.loan, amount=r.amount, date=r.date))
        out.append(Recovery(
            date=r.date, loan=r.loan, amount=r.amount, source=r.source, source_name=RECOVERY_SOURCES[r.source],
            party=r.party, parts=tuple(parts), unapplied=unapplied, evidence=tuple(r.evidence),
            after=None if split_on is None else r.date > split_on,
        ))
    return out


def balance_components(case: Case, as_of: dt.date, *, split_on: dt.date | None = None,
                       statement: Statement | None = None) -> Components:
    """The case's balance on ``as_of`` by component, per loan and in total, and its recoveries
    up to ``as_of`` marked before or after ``split_on`` (the write-off date; default
    ``case.write_off.written_off_on`` when there is one).

    ``statement``: the engine's statement as of ``as_of`` when the caller already has it.
    Returns :class:`Components` (Decimal amounts in the loans' currency). Raises LegalDocsError
    as :func:`legaldocs.money.statement.case_statement` (a loan that cannot be scheduled)."""
    if split_on is None and case.write_off is not None:
        split_on = case.write_off.written_off_on
    st = statement if statement is not None and statement.as_of == as_of else case_statement(case, as_of, explain=False)
    flags: list[str] = []
    loans: list[LoanComponents] = []
    row = None
    for b in st.loans:
        lc, r = _loan_components(b, st.label(b.loan), as_of)
        loans.append(lc)
        row = row or r
    if row is None:
        _day, row = off_balance_from(None, as_of)
    if row is not None and row.get("in_force", True) is False:
        flags.append(_("interest is not split on and off balance before {date}: {notes}").format(
            date=row["effective_to"], notes=row.get("notes", "")))
    fees: list[tuple[str, Decimal, tuple[str, ...]]] = []
    for c in case.claim.costs:
        if c.currency != case.claim.currency:
            flags.append(_("claim.costs: {name} is in {currency}, not in the claim's currency; left out of the fees")
                         .format(name=c.name, currency=c.currency))
            continue
        fees.append((c.name, c.amount, tuple(c.evidence)))
    recoveries = _recoveries(case, st, split_on, flags)
    return Components(as_of=as_of, currency=case.claim.currency, loans=loans, fees_items=fees, recoveries=recoveries,
                      split_on=split_on, rule=row, flags=flags, statement=st)
