"""A case's write-off status on a date (核销状态): 账销案存 or 完全终结, and what was recovered after.

A write-off (呆账核销) is an accounting act, not a release: the claim leaves the balance sheet
(charged to the loss allowance) while the bank keeps its right and keeps collecting, under the
2017 principle 符合认定条件、提供有效证据、账销案存、权在力催 (财金〔2017〕90号 arts 3-4, [V] in
../shared/reference/writeoff.md §1.2 and §1.8). So a case has two statuses:

- **accounting** (账务状态): ``on_balance`` (表内) until ``write_off.written_off_on``, then
  ``written_off`` (已核销) for good;
- **legal** (权利状态): ``active`` (权利存续) until the claim is fully ended, then ``ended``;

and the write-off status the regulatory reports name (EAST 资产核销表 field 核销状态, 一表通 7.8
处置状态; [S], writeoff.md §2.3): **账销案存** (written off, still pursued) or **完全终结** (fully
ended: paid, transferred, or rights extinguished; ``write_off.ended`` with its date and reason).
A write-off booked after ``as_of`` (or only proposed) is not yet a write-off on ``as_of``; an end
dated after ``as_of`` has not yet happened.

The clocks (诉讼时效, 保证期间, 申请执行期间, 续封 ...) do not depend on any of this: the deadline
engine (:func:`legaldocs.deadlines.clocks.case_clocks`) reads no write-off field, so a written-off
claim keeps every clock and its alerts (writeoff.md §1.8, [C] design). Only a 完全终结 claim's
clocks stop being alerts (:mod:`legaldocs.portfolio.alerts`): there is no claim left to protect.

Recoveries after write-off (核销后收回) are the case's repayments dated after the write-off and
on or before ``as_of``, each applied by the money engine as every payment is
(:func:`legaldocs.money.statement.case_statement`, ``Statement.allocations``, matched to the
repayments by :func:`legaldocs.money.components.balance_components`, which the write-off dossier
uses too), so the parts by component (本金, 利息, 罚息, 复利) are the engine's, with the ``source``
the case file gives (``Repayment.source``: 借款人还款, 保证人代偿, 抵押物处置款 ...
:data:`RECOVERY_SOURCES`); 收回本金 and 收回利息 as the EAST 资产核销表 reports them follow.
How such a recovery is booked (restoring the written-off amount, interest as income, tax in the
year recovered) is the bank's accounting ([M], writeoff.md §1.8); this module only reports it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from legaldocs.case.model import RECOVERY_SOURCES, Case
from legaldocs.money.accrual import CATEGORY_NAMES
from legaldocs.money.components import Recovery, balance_components

ZERO = Decimal(0)
CENT = Decimal("0.01")


def _money(amount: Decimal) -> str:
    """An amount in 元 as JSON text, to the 分."""
    return str(Decimal(amount).quantize(CENT))

#: Accounting status (账务状态) -> Chinese name.
ACCOUNTING_NAMES = {"on_balance": "表内", "written_off": "已核销"}
#: Write-off status (核销状态, EAST 资产核销表) -> Chinese name.
STATE_NAMES = {"pursued": "账销案存", "ended": "完全终结"}
#: Why a written-off claim fully ended (``write_off.ended.reason``) -> Chinese name.
END_REASONS = {"paid": "已全额清偿", "transferred": "已转让", "extinguished": "权利已消灭"}
#: Components a recovery is applied to, in the order shown; "unapplied" is a payment beyond what was owed.
COMPONENTS = ("principal", "interest", "penalty_interest", "compound_interest", "credit", "unapplied")
COMPONENT_NAMES = {**CATEGORY_NAMES, "unapplied": "超出欠款部分"}


@dataclass(frozen=True)
class WriteOffStatus:
    """A case's write-off status on ``as_of``.

    ``accounting``: ``on_balance`` | ``written_off`` (:data:`ACCOUNTING_NAMES`); ``legal``:
    ``active`` | ``ended``; ``state``: None (not written off on ``as_of``), ``pursued`` (账销案存)
    or ``ended`` (完全终结) (:data:`STATE_NAMES`); ``written_off_on``: the date booked (None when not
    yet, even if a later date is recorded: see ``booked_on``); ``proposed_on``: when proposed;
    ``ended_on``, ``end_reason`` (:data:`END_REASONS`), ``end_note``: the end, once it happened;
    ``recoveries``: payments after the write-off up to ``as_of`` (None when not computed: see
    :func:`write_off_status`)."""

    as_of: dt.date
    accounting: str = "on_balance"
    legal: str = "active"
    state: str | None = None
    written_off_on: dt.date | None = None
    booked_on: dt.date | None = None
    proposed_on: dt.date | None = None
    ended_on: dt.date | None = None
    end_reason: str | None = None
    end_note: str | None = None
    recoveries: tuple[Recovery, ...] | None = field(default=None)

    @property
    def written_off(self) -> bool:
        """Written off on ``as_of`` (已核销), whether still pursued or ended."""
        return self.accounting == "written_off"

    @property
    def pursued(self) -> bool:
        """账销案存 on ``as_of``: written off and not fully ended (what the service's
        ``written_off`` flag and its filters mean)."""
        return self.state == "pursued"

    @property
    def ended(self) -> bool:
        """完全终结 on ``as_of``: its clocks are no longer alerts."""
        return self.state == "ended"

    @property
    def state_name(self) -> str:
        """账销案存, 完全终结, or "" when not written off on ``as_of``."""
        return STATE_NAMES.get(self.state or "", "")

    @property
    def end_reason_name(self) -> str:
        return END_REASONS.get(self.end_reason or "", "")

    @property
    def label(self) -> str:
        """How it is shown beside the case: "" (not written off), "账销案存（2025年12月15日核销）"
        or "完全终结（已全额清偿，2026年3月1日）"."""
        from legaldocs.chinese import date_in_chinese

        if self.state == "pursued":
            return f"{STATE_NAMES['pursued']}（{date_in_chinese(self.written_off_on)}核销）"
        if self.state == "ended":
            return f"{STATE_NAMES['ended']}（{self.end_reason_name}，{date_in_chinese(self.ended_on)}）"
        return ""

    def recovered_by_component(self) -> dict[str, Decimal]:
        """Total recovered after write-off per component (元), components in :data:`COMPONENTS`
        order, only those with an amount; empty when nothing was recovered or not computed."""
        totals: Counter = Counter()
        for r in self.recoveries or ():
            for component, amount in r.parts:
                totals[component] += amount
            if r.unapplied:
                totals["unapplied"] += r.unapplied
        return {c: totals[c] for c in [*COMPONENTS, *totals] if totals.get(c)}

    def recovered_by_source(self) -> dict[str, Decimal]:
        """Total recovered after write-off per source (元), in :data:`RECOVERY_SOURCES` order."""
        totals: Counter = Counter()
        for r in self.recoveries or ():
            totals[r.source] += r.amount
        return {s: totals[s] for s in [*RECOVERY_SOURCES, *totals] if totals.get(s)}

    @property
    def recovered(self) -> Decimal:
        """Everything received after the write-off up to ``as_of`` (元)."""
        return sum((r.amount for r in self.recoveries or ()), ZERO)

    @property
    def recovered_principal(self) -> Decimal:
        """收回本金 (EAST 资产核销表): principal recovered after the write-off (元)."""
        return sum((r.principal for r in self.recoveries or ()), ZERO)

    @property
    def recovered_interest(self) -> Decimal:
        """收回利息 (EAST 资产核销表): 利息, 罚息 and 复利 recovered after the write-off (元); a
        payment beyond the debt is in neither."""
        return sum((r.interest for r in self.recoveries or ()), ZERO)

    def as_dict(self) -> dict:
        """JSON-ready: dates ISO, amounts as decimal strings; ``recoveries`` and the totals only
        when computed."""
        out = {
            "as_of": self.as_of.isoformat(),
            "accounting_status": self.accounting, "accounting_status_name": ACCOUNTING_NAMES[self.accounting],
            "legal_status": self.legal,
            "status": self.state, "status_name": self.state_name, "label": self.label,
            "written_off_on": self.written_off_on.isoformat() if self.written_off_on else None,
            "ended_on": self.ended_on.isoformat() if self.ended_on else None,
            "end_reason": self.end_reason, "end_reason_name": self.end_reason_name or None,
            "end_note": self.end_note,
            "clocks_alert": not self.ended,
        }
        if self.recoveries is not None:
            out["recoveries"] = [_recovery_dict(r) for r in self.recoveries]
            out["recovered"] = _money(self.recovered)
            out["recovered_principal"] = _money(self.recovered_principal)
            out["recovered_interest"] = _money(self.recovered_interest)
            out["recovered_by_component"] = {c: _money(a) for c, a in self.recovered_by_component().items()}
            out["recovered_by_source"] = {s: _money(a) for s, a in self.recovered_by_source().items()}
        return out


def write_off_status(case: Case, as_of: dt.date, *, recoveries: bool = True) -> WriteOffStatus:
    """The write-off status of ``case`` on ``as_of`` (see the module notes for the rules).

    ``recoveries``: also apply the payments after the write-off with the money engine and report
    them by component and source (:func:`recoveries_after_write_off`); False leaves
    ``WriteOffStatus.recoveries`` None and never runs the engine (the portfolio's alerts, which
    must not depend on whether a case's figures can be computed).

    Raises what :func:`legaldocs.money.statement.case_statement` raises (LegalDocsError), only
    when ``recoveries`` is asked for, the case is written off on ``as_of`` and has payments after it.
    Source: 财金〔2017〕90号 arts 3-4 (账销案存、权在力催); EAST 资产核销表 核销状态."""
    w = case.write_off
    if w is None or w.written_off_on is None or w.written_off_on > as_of:
        return WriteOffStatus(as_of=as_of, booked_on=w.written_off_on if w else None,
                              proposed_on=w.proposed_on if w else None, recoveries=() if recoveries else None)
    ended = w.ended if w.ended is not None and w.ended.date <= as_of else None
    found = recoveries_after_write_off(case, w.written_off_on, as_of) if recoveries else None
    return WriteOffStatus(
        as_of=as_of, accounting="written_off", legal="ended" if ended else "active",
        state="ended" if ended else "pursued", written_off_on=w.written_off_on, booked_on=w.written_off_on,
        proposed_on=w.proposed_on, ended_on=ended.date if ended else None, end_reason=ended.reason if ended else None,
        end_note=ended.note if ended else None, recoveries=found)


def recoveries_after_write_off(case: Case, written_off_on: dt.date, as_of: dt.date) -> tuple[Recovery, ...]:
    """The repayments of ``case`` dated after ``written_off_on`` and on or before ``as_of``, in date
    order, each with how the money engine applied it (:class:`legaldocs.money.components.Recovery`:
    ``parts`` by component, ``unapplied`` beyond the debt; a payment the engine did not apply is
    whole in ``unapplied``). Amounts in 元. Raises what ``case_statement`` raises (LegalDocsError)."""
    if not any(written_off_on < r.date <= as_of for r in case.repayments):
        return ()
    found = balance_components(case, as_of, split_on=written_off_on).recoveries
    return tuple(r for r in found if r.after)


def _recovery_dict(r: Recovery) -> dict:
    return {"date": r.date.isoformat(), "loan": r.loan, "amount": _money(r.amount), "source": r.source,
            "source_name": r.source_name, "party": r.party,
            "parts": [{"component": c, "name": COMPONENT_NAMES.get(c, c), "amount": _money(a)} for c, a in r.parts],
            "unapplied": _money(r.unapplied), "evidence": list(r.evidence)}


__all__ = ["ACCOUNTING_NAMES", "COMPONENTS", "COMPONENT_NAMES", "END_REASONS", "STATE_NAMES", "Recovery",
           "WriteOffStatus", "recoveries_after_write_off", "write_off_status"]
