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
import heapq
import itertools
import json
from dataclasses import dataclass, field

from sqlalchemy import Date, Integer, Text, and_, bindparam, case, cast, func, literal, or_, select
from sqlmodel import Session

from api.models import CaseRecord, Role, StoredClock, User
from legaldocs.deadlines.chain import KIND_NAMES, STATUS_NAMES, Clock, Link, status_on
from legaldocs.portfolio.alerts import PASSIVE_KINDS, SEVERITY_NAMES, SEVERITY_RANK, severity

#: A JSON string of a str, its characters as they are (the json module's own escaping).
_string = json.encoder.py_encode_basestring if json.encoder.c_encode_basestring is None \
    else json.encoder.c_encode_basestring


def _opt(v: str | None) -> str:
    return "null" if v is None else _string(v)


def _day(v: dt.date | None) -> str:
    return "null" if v is None else f'"{v.isoformat()}"'


def _int(v: int | None) -> str:
    return "null" if v is None else str(int(v))


def _bool(v: bool) -> str:
    return "true" if v else "false"


#: Largest page :func:`query_clocks` returns, deepest page start, farthest day ahead or back.
MAX_LIMIT = 1000
MAX_OFFSET = 100_000
MAX_DAYS = 36_600
#: Pages ending within this many rows read several kinds one index walk per kind, merged; deeper
#: pages let the database sort (so that no page reads more than kinds x this many rows).
MERGE_ROWS = 1000

C = StoredClock
_LIGHT = (C.id, C.case_id, C.kind, C.obligor, C.obligor_names, C.last_day, C.alternative_date, C.status,
          C.provisional, C.computed_on, C.branch, C.officer_id, C.law_firm_id, C.written_off)
# as the JSON text stored: passed through to answers as it is, decoded only when read
_HEAVY = (cast(C.chain, Text).label("chain"), cast(C.notes, Text).label("notes"))


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
    not show them); ``limit`` (1..1000) and ``offset`` (0..100,000): the page.

    Raises ValueError naming the field for a limit, offset or within_days out of range."""

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
        if not 0 <= self.offset <= MAX_OFFSET:
            raise ValueError(f"offset: 须在 0 至 {MAX_OFFSET} 之间（收到 {self.offset}）")
        if self.within_days is not None and not -MAX_DAYS <= self.within_days <= MAX_DAYS:
            raise ValueError(f"within_days: 须在 -{MAX_DAYS} 至 {MAX_DAYS} 之间（收到 {self.within_days}）")


@dataclass
class ClockRow:
    """A stored clock as listed on ``today``: the stored fields (``status`` as computed on
    ``computed_on``; ``chain``, a list of :meth:`legaldocs.deadlines.chain.Link.as_dict`, and
    ``notes``, decoded on first use from ``chain_json`` and ``notes_json``, the stored JSON text),
    plus ``days_left`` (last day minus today, negative once passed; None when undetermined) and
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
    chain_json: str = field(default="[]", repr=False)
    notes_json: str = field(default="[]", repr=False)

    @functools.cached_property
    def chain(self) -> list[dict]:
        return json.loads(self.chain_json)

    @functools.cached_property
    def notes(self) -> list[str]:
        return json.loads(self.notes_json)

    def as_dict(self) -> dict:
        """JSON values: dates as ISO 8601, with the Chinese names of kind, status and severity."""
        return {**self._plain(), "chain": self.chain, "notes": self.notes}

    def as_json(self) -> str:
        """:meth:`as_dict` as JSON text (UTF-8 characters as they are), written field by field,
        the stored chain and notes copied in as stored (neither decoded nor encoded again): a
        page of 200 clocks is written in a fraction of the time json.dumps takes."""
        s = _string
        return (f'{{"id":{self.id},"case_id":{s(self.case_id)},"kind":{s(self.kind)},'
                f'"kind_name":{s(KIND_NAMES.get(self.kind, self.kind))},"obligor":{_opt(self.obligor)},'
                f'"obligor_names":{s(self.obligor_names)},"last_day":{_day(self.last_day)},'
                f'"alternative_date":{_day(self.alternative_date)},"days_left":{_int(self.days_left)},'
                f'"severity":{s(self.severity)},"severity_name":{s(SEVERITY_NAMES[self.severity])},'
                f'"status":{s(self.status)},"status_name":{s(STATUS_NAMES.get(self.status, self.status))},'
                f'"provisional":{_bool(self.provisional)},"computed_on":{_day(self.computed_on)},'
                f'"branch":{s(self.branch)},"officer_id":{_int(self.officer_id)},'
                f'"law_firm_id":{_int(self.law_firm_id)},'
                f'"written_off":{_bool(self.written_off)},"chain":{self.chain_json},"notes":{self.notes_json}}}')

    def _plain(self) -> dict:
        return {
            "id": self.id, "case_id": self.case_id, "kind": self.kind,
            "kind_name": KIND_NAMES.get(self.kind, self.kind),
            "obligor": self.obligor, "obligor_names": self.obligor_names,
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "alternative_date": self.alternative_date.isoformat() if self.alternative_date else None,
            "days_left": self.days_left, "severity": self.severity, "severity_name": SEVERITY_NAMES[self.severity],
            "status": self.status, "status_name": STATUS_NAMES.get(self.status, self.status),
            "provisional": self.provisional, "computed_on": self.computed_on.isoformat(), "branch": self.branch,
            "officer_id": self.officer_id, "law_firm_id": self.law_firm_id, "written_off": self.written_off,
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


@dataclass(frozen=True)
class _Shape:
    """What decides the SQL of a filter (not its values): statements are built once per shape,
    with bound parameters, and kept (building them costs more than running them)."""

    counsel: bool
    case: bool
    kind: str  # "" none, "one" (kind = :kind), "many" (kind IN :kinds)
    branch: bool
    officer: bool
    written_off: bool
    include_satisfied: bool
    only_running: bool
    ended: str  # "" none, "before_today", "until_upper" (last day <= :upper < today)
    first: bool  # today .. :first_end
    undetermined: bool
    later: str  # "" none, "open" (> :high_end), "until_upper" (> :high_end, <= :upper)
    chains: bool


@dataclass(frozen=True)
class _Part:
    """One part of the order: its page query (``:skip``, ``:need``), its count, and how its rows
    are ordered (for merging one query per kind)."""

    rows: object
    count: object
    descending: bool
    dated: bool


def _shape(user: User, f: ClockFilter, today: dt.date, kind: str) -> tuple[_Shape, dict] | None:
    """The shape of ``f`` for ``user`` and the values of its parameters; None when nothing can
    match (an external counsel without a firm, an empty list of kinds)."""
    counsel = user.role == Role.external_counsel
    if (counsel and user.law_firm_id is None) or (f.kinds is not None and not f.kinds):
        return None
    day = dt.timedelta(days=1)
    upper = None if f.within_days is None else today + f.within_days * day
    high_end = today + _high_days() * day
    first_end = high_end if upper is None else min(high_end, upper)
    params = {"today": today, "upper": upper, "high_end": high_end, "first_end": first_end, "firm": user.law_firm_id,
              "case_id": f.case_id, "branch": f.branch, "officer": f.officer_id, "written_off": f.written_off,
              "kinds": sorted(set(f.kinds or ()))}
    shape = _Shape(
        counsel=counsel, case=f.case_id is not None, kind=kind if f.kinds else "", branch=f.branch is not None,
        officer=f.officer_id is not None, written_off=f.written_off is not None,
        include_satisfied=f.include_satisfied, only_running=f.only_running,
        ended="" if f.only_running else ("until_upper" if upper is not None and upper < today else "before_today"),
        first=first_end >= today, undetermined=not f.only_running,
        later="" if upper is not None and upper <= high_end else ("open" if upper is None else "until_upper"),
        chains=f.chains)
    return shape, params


def _terms(shape: _Shape) -> list:
    """The WHERE terms of a shape's filter and of the user's scope, with bound parameters."""
    terms = []
    if shape.counsel:
        terms.append(C.law_firm_id == bindparam("firm"))
    if shape.case:  # through case_pk, which is indexed
        terms.append(C.case_pk == select(CaseRecord.id).where(CaseRecord.case_id == bindparam("case_id"))
                     .scalar_subquery())
    if shape.kind == "one":
        terms.append(C.kind == bindparam("kind"))
    elif shape.kind == "many":
        terms.append(C.kind.in_(bindparam("kinds", expanding=True)))
    if shape.branch:
        terms.append(C.branch == bindparam("branch"))
    if shape.officer:
        terms.append(C.officer_id == bindparam("officer"))
    if shape.written_off:
        terms.append(C.written_off == bindparam("written_off"))
    if not shape.include_satisfied:
        terms.append(C.status != "satisfied")
        # an appeal or retrial period that has passed: the judgment took effect, nothing to do
        terms.append(or_(C.kind.not_in(sorted(PASSIVE_KINDS)),
                         and_(C.status != "expired", or_(C.last_day.is_(None), C.last_day >= bindparam("today")))))
    return terms


def _ranges(shape: _Shape) -> list[tuple[list, tuple, bool, bool]]:
    """Each part's date range (module docstring) as (terms, order, descending, dated)."""
    running = [C.status == "running"] if shape.only_running else []
    parts = []
    if shape.ended == "before_today":
        parts.append(([C.last_day < bindparam("today")], (C.last_day.desc(), C.id.desc()), True, True))
    elif shape.ended == "until_upper":
        parts.append(([C.last_day <= bindparam("upper")], (C.last_day.desc(), C.id.desc()), True, True))
    if shape.first:
        parts.append(([C.last_day >= bindparam("today"), C.last_day <= bindparam("first_end"), *running],
                      (C.last_day, C.id), False, True))
    if shape.undetermined:
        parts.append(([C.last_day.is_(None)], (C.id,), False, False))
    if shape.later:
        later = [C.last_day > bindparam("high_end")]
        if shape.later == "until_upper":
            later.append(C.last_day <= bindparam("upper"))
        parts.append(([*later, *running], (C.last_day, C.id), False, True))
    return parts


@functools.lru_cache(maxsize=512)
def _statements(shape: _Shape) -> tuple[_Part, ...]:
    columns = _LIGHT + _HEAVY if shape.chains else _LIGHT
    terms = _terms(shape)
    return tuple(_Part(select(*columns).where(*terms, *where).order_by(*order)
                       .offset(bindparam("skip", type_=Integer)).limit(bindparam("need", type_=Integer)),
                       select(func.count()).select_from(C).where(*terms, *where), descending, dated)
                 for where, order, descending, dated in _ranges(shape))


def _severity_of(today: dt.date):
    """severity(status, days_left) on ``today``, remembered: a page has few distinct pairs."""
    @functools.cache
    def of(status: str, days: int | None) -> str:
        return row_severity("limitation", status, None if days is None else today + dt.timedelta(days=days), today)
    return of


def _rows(raw, today: dt.date, chains: bool, severity_of) -> list[ClockRow]:
    out = []
    for (id_, case_id, kind, obligor, names, last_day, alternative, status, provisional, computed_on, branch, officer,
         firm, written_off, *heavy) in raw:
        if isinstance(last_day, str):  # SQLite through the driver: ISO 8601 text
            last_day = dt.date.fromisoformat(last_day)
        days = (last_day - today).days if last_day is not None else None
        out.append(ClockRow(id_, case_id, kind, obligor, names, last_day, alternative, status, provisional, computed_on,
                            branch, officer, firm, written_off, days, severity_of(status, days),
                            (heavy[0] or "[]") if heavy else "[]", (heavy[1] or "[]") if heavy else "[]"))
    return out


def part_statements(user: User, f: ClockFilter, today: dt.date) -> list[tuple]:
    """(SELECT, parameters) of each query :func:`query_clocks` may run for the first page of ``f``
    (one per part of the order, and per kind when several kinds are asked for): for EXPLAIN in
    benchmarks and tests."""
    got = _shape(user, f, today, "one")
    if got is None:
        return []
    shape, params = got
    return [(part.rows, {**params, "kind": kind, "skip": 0, "need": f.limit})
            for kind in params["kinds"] or [None] for part in _statements(shape)]


def query_clocks(s: Session, user: User, f: ClockFilter, today: dt.date) -> list[ClockRow]:
    """One page (``f.limit`` rows from ``f.offset``) of the clocks ``user`` may see that ``f``
    selects, most urgent first (module docstring), each with its days left and severity on
    ``today`` (the bank's day, :func:`api.settings.bank_today`).

    One query per part of the order until the page is full (for several kinds, on the first
    pages, one per kind and part, merged: each walks the (kind, last_day) index in order), plus a
    count of a part only when the page starts past it."""
    got = _shape(user, f, today, "one")
    if got is None:
        return []
    shape, params = got
    all_kinds = params["kinds"] or [None]
    by_set = None  # the statements with kind IN (...), for deep pages of several kinds
    conn = s.connection()
    severity_of = _severity_of(today)
    out: list[ClockRow] = []
    skip, need = f.offset, f.limit
    for number, part in enumerate(_statements(shape)):
        if need <= 0:
            break
        kinds = all_kinds
        if part.descending and not f.include_satisfied:  # a passed appeal or retrial period is never listed
            kinds = [k for k in all_kinds if k not in PASSIVE_KINDS]
            if not kinds:
                continue
        if len(kinds) == 1:
            rows = conn.execute(part.rows, {**params, "kind": kinds[0], "skip": skip, "need": need}).all()
        elif skip + need > MERGE_ROWS:
            by_set = by_set or _statements(_shape(user, f, today, "many")[0])
            rows = conn.execute(by_set[number].rows, {**params, "kinds": kinds, "skip": skip, "need": need}).all()
        else:  # each kind's rows in order, merged
            lists = [conn.execute(part.rows, {**params, "kind": k, "skip": 0, "need": skip + need}).all()
                     for k in kinds]
            key = (lambda r: (r[5], r[0])) if part.dated else (lambda r: r[0])
            rows = list(itertools.islice(heapq.merge(*lists, key=key, reverse=part.descending), skip, skip + need))
        if rows:
            skip = 0
        elif skip:
            skip -= sum(conn.execute(part.count, {**params, "kind": k}).scalar_one() for k in kinds)
        need -= len(rows)
        out += _rows(rows, today, f.chains, severity_of)
    return out


def counts_by_branch(s: Session, user: User, f: ClockFilter, today: dt.date) -> list[tuple[str, dict[str, int]]]:
    """How many clocks of each severity ``f`` selects (its page ignored), by branch: a list of
    (branch, {severity: count}) by branch name, every severity present (0 when none), in the
    alerts' order (critical, high, review, medium, low). Counted in the database by branch, status
    and last day (every passed day as one: once passed, a clock is critical whatever the day),
    the severity of each group given by the core."""
    got = _shape(user, f, today, "many")
    if got is None:
        return []
    shape, params = got
    yesterday = today - dt.timedelta(days=1)
    day = case((C.last_day < bindparam("today"), literal(yesterday, Date)), else_=C.last_day).label("day")
    terms = _terms(shape)
    totals: dict[str, dict[str, int]] = {}
    for where, _order, _descending, _dated in _ranges(shape):
        q = select(C.branch, C.status, day, func.count()).where(*terms, *where).group_by(C.branch, C.status, "day")
        for branch, status, last_day, n in s.connection().execute(q, params).all():
            if isinstance(last_day, str):  # SQLite gives the CASE's date back as text
                last_day = dt.date.fromisoformat(last_day)
            sev = row_severity("limitation", status, last_day, today)
            counts = totals.setdefault(branch, {k: 0 for k in SEVERITY_RANK})
            counts[sev] += n
    return sorted(totals.items())


def explain(conn, stmt, values: dict) -> list[str]:
    """The database's plan of one of :func:`part_statements` (SQLite: EXPLAIN QUERY PLAN's
    lines; PostgreSQL: EXPLAIN's), for benchmarks and tests. ``conn``: a SQLAlchemy connection."""
    sql = str(stmt.params(values).compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    if conn.dialect.name == "sqlite":
        return [r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
    return [r[0] for r in conn.exec_driver_sql("EXPLAIN (COSTS OFF) " + sql.replace("%", "%%"))]
