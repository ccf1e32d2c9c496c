"""Deadlines across the portfolio (期限预警), read from the stored clocks (table ``clock``, kept by
:func:`api.cases.recompute_clocks`).

What is shown and how urgent it is are the core's rules, not a copy of them: a clock's severity
is :func:`legaldocs.portfolio.alerts.severity` on today's date (a clock stored as running whose
last day has passed since it was computed counts as ended, by
:func:`legaldocs.deadlines.chain.status_on`); satisfied clocks, and appeal and retrial periods
that have passed (:data:`~legaldocs.portfolio.alerts.PASSIVE_KINDS`), are left out unless asked
for, as ``legaldocs alerts`` leaves them out.

Order (most urgent first), as the alerts' severity ranks them, with one difference:

1. ended clocks (critical: expired, released, or past their last day), **most recently ended
   first** (the alerts command lists the oldest first; across a portfolio of years the clock that
   ended yesterday, which may still be argued or mended, matters more than one ended years ago);
2. clocks ending within the days the core ranks ``high`` (7), soonest first;
3. undetermined clocks (``review``: no last day, a person must decide);
4. the later ones, soonest first.

Ties are broken by the row id, so pages do not overlap. Each part is one query that walks an index
on ``last_day`` (or on a filter's column and ``last_day``) in order and stops after the rows of
the page, so a page costs about the same at 1,000 or 1,000,000 clocks; an external counsel's
user sees only the clocks of cases assigned to its firm (``law_firm_id`` in the WHERE clause)."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

from sqlalchemy import Date, and_, case, func, literal, or_, select
from sqlmodel import Session

from api.models import CaseRecord, Role, StoredClock, User
from legaldocs.deadlines.chain import KIND_NAMES, STATUS_NAMES, Clock, Link, status_on
from legaldocs.portfolio.alerts import PASSIVE_KINDS, SEVERITY_NAMES, SEVERITY_RANK, severity

#: Largest page :func:`query_clocks` returns.
MAX_LIMIT = 1000

C = StoredClock
_LIGHT = (C.id, C.case_id, C.kind, C.obligor, C.obligor_names, C.last_day, C.alternative_date, C.status,
          C.provisional, C.computed_on, C.branch, C.officer_id, C.law_firm_id, C.written_off)
_HEAVY = (C.chain, C.notes)


@dataclass
class ClockFilter:
    """Which stored clocks to list.

    ``kinds``: clock kinds (``limitation``, ``guarantee_period`` ..., the keys of
    :data:`legaldocs.deadlines.chain.KIND_NAMES`), None for all; ``branch``: 经办机构, exact;
    ``officer_id``: 经办人 (user id); ``within_days``: last day at most ``today + within_days``
    (default 30; None: no upper bound; negative: ended ones only); ended and undetermined clocks
    are included whatever ``within_days`` says, unless ``only_running`` (then only clocks running
    on ``today`` with a last day from today to today + within_days); ``written_off``: True only
    written-off (已核销) cases, False only the others, None both (the default: a written-off claim
    is still pursued, 账销案存); ``include_satisfied``: also satisfied clocks and appeal/retrial
    periods that have passed (left out by default, as ``legaldocs alerts`` does); ``case_id``: one
    case; ``chains``: load each clock's chain and notes (False gives empty lists, for lists that do
    not show them); ``limit`` (1..1000) and ``offset`` (>= 0): the page.

    Raises ValueError naming the field for a limit or offset out of range."""

    kinds: list[str] | None = None
    branch: str | None = None
    officer_id: int | None = None
    within_days: int | None = 30
    written_off: bool | None = None
    include_satisfied: bool = False
    case_id: str | None = None
    limit: int = 200
    offset: int = 0
    only_running: bool = False
    chains: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise ValueError(f"limit: 须在 1 至 {MAX_LIMIT} 之间（收到 {self.limit}）")
        if self.offset < 0:
            raise ValueError(f"offset: 不可为负数（收到 {self.offset}）")


@dataclass
class ClockRow:
    """A stored clock as listed on ``today``: the stored fields (``status`` as computed on
    ``computed_on``; ``chain`` as :meth:`legaldocs.deadlines.chain.Link.as_dict` gives it), plus
    ``days_left`` (last day minus today, negative once passed; None when undetermined) and
    ``severity`` on today (critical/high/review/medium/low, the alerts' rule)."""

    id: int
    case_id: str
    kind: str
    obligor: str | None
    obligor_names: str
    last_day: dt.date | None
    alternative_date: dt.date | None
    status: str
    provisional: bool
    computed_on: dt.date
    branch: str
    officer_id: int | None
    law_firm_id: int | None
    written_off: bool
    days_left: int | None
    severity: str
    chain: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def as_dict(self) -> dict:
        """JSON values: dates as ISO 8601, with the Chinese names of kind, status and severity."""
        return {
            "id": self.id, "case_id": self.case_id, "kind": self.kind, "kind_name": KIND_NAMES.get(self.kind, self.kind),
            "obligor": self.obligor, "obligor_names": self.obligor_names,
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "alternative_date": self.alternative_date.isoformat() if self.alternative_date else None,
            "days_left": self.days_left, "severity": self.severity, "severity_name": SEVERITY_NAMES[self.severity],
            "status": self.status, "status_name": STATUS_NAMES.get(self.status, self.status),
            "provisional": self.provisional, "computed_on": self.computed_on.isoformat(), "branch": self.branch,
            "officer_id": self.officer_id, "law_firm_id": self.law_firm_id, "written_off": self.written_off,
            "chain": self.chain, "notes": self.notes,
        }

    def as_clock(self) -> Clock:
        """The core's :class:`~legaldocs.deadlines.chain.Clock` of this row (for the iCalendar
        writer), its chain read back into :class:`~legaldocs.deadlines.chain.Link` s."""
        chain = []
        for link in self.chain:
            chain.append(Link(dt.date.fromisoformat(link["date"]), link.get("event", ""),
                              tuple(link.get("evidence") or ()), link.get("rule", ""), link.get("rule_id"),
                              dt.date.fromisoformat(link["governed_on"]) if link.get("governed_on") else None))
        return Clock(self.kind, self.obligor, self.last_day, self.alternative_date, self.status, self.provisional,
                     chain, list(self.notes))


def _status_today(status: str, last_day: dt.date | None, today: dt.date) -> str:
    """The stored status carried to ``today``: a clock stored as running whose last day has passed
    has ended (the core's ``status_on``); every other status stands."""
    if status == "running" and last_day is not None:
        return status_on(last_day, today, False)
    return status


def row_severity(kind: str, status: str, last_day: dt.date | None, today: dt.date) -> str:
    """The alerts' severity of a stored clock on ``today``; a satisfied clock (which the alerts
    never list: nothing is left to do) is ``low``."""
    if status == "satisfied":
        return "low"
    return severity(Clock(kind, None, last_day, None, _status_today(status, last_day, today), False), today)


@functools.cache
def _high_days() -> int:
    """The most days left that the core's severity still ranks before ``review`` (7 today): the
    end of the first part after the ended clocks. Read from :func:`severity`, not restated."""
    base = dt.date(2000, 1, 1)
    days = 0
    while days < 3660 and SEVERITY_RANK[row_severity("limitation", "running", base + dt.timedelta(days=days + 1),
                                                     base)] < SEVERITY_RANK["review"]:
        days += 1
    return days


def _conditions(user: User, f: ClockFilter, today: dt.date) -> list | None:
    """The WHERE terms of ``f`` and of the user's scope; None when the user may see nothing."""
    terms = []
    if user.role == Role.external_counsel:
        if user.law_firm_id is None:
            return None
        terms.append(C.law_firm_id == user.law_firm_id)
    if f.case_id is not None:  # through case_pk, which is indexed
        terms.append(C.case_pk == select(CaseRecord.id).where(CaseRecord.case_id == f.case_id).scalar_subquery())
    if f.kinds is not None:
        kinds = sorted(set(f.kinds))
        if not kinds:
            return None
        terms.append(C.kind == kinds[0] if len(kinds) == 1 else C.kind.in_(kinds))
    if f.branch is not None:
        terms.append(C.branch == f.branch)
    if f.officer_id is not None:
        terms.append(C.officer_id == f.officer_id)
    if f.written_off is not None:
        terms.append(C.written_off == f.written_off)
    if not f.include_satisfied:
        terms.append(C.status != "satisfied")
        # an appeal or retrial period that has passed: the judgment took effect, nothing to do
        terms.append(or_(C.kind.not_in(sorted(PASSIVE_KINDS)),
                         and_(C.status != "expired", or_(C.last_day.is_(None), C.last_day >= today))))
    return terms


@dataclass(frozen=True)
class _Part:
    where: list
    order: tuple


def _parts(f: ClockFilter, today: dt.date) -> list[_Part]:
    """The parts of the order (module docstring), each a date range walked along an index."""
    day = dt.timedelta(days=1)
    upper = None if f.within_days is None else today + f.within_days * day
    high_end = today + _high_days() * day
    parts = []
    if not f.only_running:
        ended = [C.last_day < today]
        if upper is not None and upper < today:
            ended = [C.last_day <= upper]
        parts.append(_Part(ended, (C.last_day.desc(), C.id.desc())))
    running = [C.status == "running"] if f.only_running else []
    first_end = high_end if upper is None else min(high_end, upper)
    if first_end >= today:
        parts.append(_Part([C.last_day >= today, C.last_day <= first_end, *running], (C.last_day, C.id)))
    if not f.only_running:
        parts.append(_Part([C.last_day.is_(None)], (C.id,)))
    if upper is None or upper > high_end:
        later = [C.last_day > high_end] + ([C.last_day <= upper] if upper is not None else [])
        parts.append(_Part(later + running, (C.last_day, C.id)))
    return parts


def _row(r, today: dt.date, chains: bool) -> ClockRow:
    last_day = r.last_day
    return ClockRow(
        id=r.id, case_id=r.case_id, kind=r.kind, obligor=r.obligor, obligor_names=r.obligor_names,
        last_day=last_day, alternative_date=r.alternative_date, status=r.status, provisional=r.provisional,
        computed_on=r.computed_on, branch=r.branch, officer_id=r.officer_id, law_firm_id=r.law_firm_id,
        written_off=r.written_off, days_left=(last_day - today).days if last_day is not None else None,
        severity=row_severity(r.kind, r.status, last_day, today),
        chain=list(r.chain) if chains else [], notes=list(r.notes) if chains else [])


def query_clocks(s: Session, user: User, f: ClockFilter, today: dt.date) -> list[ClockRow]:
    """One page (``f.limit`` rows from ``f.offset``) of the clocks ``user`` may see that ``f``
    selects, most urgent first (module docstring), each with its days left and severity on
    ``today`` (the bank's day, :func:`api.settings.bank_today`). At most one query per part of the
    order, plus a count of a part only when the page starts past it."""
    terms = _conditions(user, f, today)
    if terms is None:
        return []
    columns = _LIGHT + _HEAVY if f.chains else _LIGHT
    out: list[ClockRow] = []
    skip, need = f.offset, f.limit
    for part in _parts(f, today):
        if need <= 0:
            break
        where = [*terms, *part.where]
        rows = s.exec(select(*columns).where(*where).order_by(*part.order).offset(skip).limit(need)).all()
        if rows:
            skip = 0
        elif skip:
            skip -= s.exec(select(func.count()).select_from(C).where(*where)).scalar_one()
        need -= len(rows)
        out += [_row(r, today, f.chains) for r in rows]
    return out


def counts_by_branch(s: Session, user: User, f: ClockFilter, today: dt.date) -> list[tuple[str, dict[str, int]]]:
    """How many clocks of each severity ``f`` selects (its page ignored), by branch: a list of
    (branch, {severity: count}) by branch name, every severity present (0 when none), in the
    alerts' order (critical, high, review, medium, low). Counted in the database by branch, status
    and last day (every passed day as one: once passed, a clock is critical whatever the day),
    the severity of each group given by the core."""
    terms = _conditions(user, f, today)
    if terms is None:
        return []
    yesterday = today - dt.timedelta(days=1)
    day = case((C.last_day < today, literal(yesterday, Date)), else_=C.last_day).label("day")
    totals: dict[str, dict[str, int]] = {}
    for part in _parts(f, today):
        q = (select(C.branch, C.status, day, func.count())
             .where(*terms, *part.where).group_by(C.branch, C.status, "day"))
        for branch, status, last_day, n in s.exec(q).all():
            if isinstance(last_day, str):  # SQLite gives the CASE's date back as text
                last_day = dt.date.fromisoformat(last_day)
            sev = row_severity("limitation", status, last_day, today)
            counts = totals.setdefault(branch, {k: 0 for k in SEVERITY_RANK})
            counts[sev] += n
    return sorted(totals.items())
