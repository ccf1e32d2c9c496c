"""Rules as data, by date.

Each table ``law/data/<table>.toml`` holds:

- ``[[rule]]`` rows: ``id``, ``kind``, ``citation`` (law and article of that date),
  ``effective_from`` and optionally ``effective_to`` (both inclusive), ``notes`` and the values the
  calculator interprets. A row with ``in_force = false`` records that the law of those dates had
  no such rule (or none this project computes), with the citation and notes saying why, so that
  every date of a kind's history resolves to exactly one row.
- ``[[governs]]`` rows: for each kind, which fact's date chooses the version (``date``: a name
  such as ``contract_date``, ``period_start``, ``filing_date``), its Chinese ``name`` and the
  ``citation`` that makes that date decisive (e.g. 民法典时间效力规定 art 1 for the date of a
  contract; 法释〔2018〕12号 arts 1-3 for when a limitation period started); for periods also
  ``computation``, ``civil`` or ``procedural``, the rules the period is computed under.

:func:`rule_for` resolves a kind from the facts of a case through its governing date;
:func:`rule_in_force` resolves it on a given date. Both raise
:class:`~legaldocs.errors.RuleNotFoundError` when no row covers the date and
:class:`~legaldocs.errors.RuleAbsentError` (a subclass, carrying the row) when the row in force
records that the law then had no such rule.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Mapping

from legaldocs.errors import LegalDocsError, RuleAbsentError, RuleNotFoundError
from legaldocs.i18n import _

__all__ = [
    "Governs",
    "Resolved",
    "governs",
    "latest_rule",
    "load_rules",
    "rule_by_id",
    "rule_for",
    "rule_history",
    "rule_in_force",
    "rule_row",
    "tables",
]


@dataclass(frozen=True)
class Governs:
    """Which fact's date chooses the version of a rule kind: ``date`` (the name callers pass in
    ``facts``), ``name`` (Chinese), ``citation`` (why that date is decisive)."""

    table: str
    kind: str
    date: str
    name: str
    citation: str
    computation: str | None = None


@dataclass(frozen=True)
class Resolved:
    """A rule row chosen for a case: the ``row``, the date that chose it (``governed_on``) and
    the governing-date rule (``governs``)."""

    row: Mapping[str, Any]
    governed_on: dt.date
    governs: Governs

    @property
    def citation(self) -> str:
        return self.row["citation"]

    @property
    def id(self) -> str:
        return self.row["id"]


def _read(table: str) -> dict:
    path = resources.files(__package__).joinpath("data", f"{table}.toml")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RuleNotFoundError(_("no rule table {table} ({path})").format(table=repr(table), path=f"law/data/{table}.toml")) from exc
    except tomllib.TOMLDecodeError as exc:
        raise LegalDocsError(_("{path} is not valid TOML: {error}").format(path=f"law/data/{table}.toml", error=exc)) from exc


@lru_cache(maxsize=None)
def tables() -> tuple[str, ...]:
    """Names of the rule tables (``law/data/*.toml`` holding ``[[rule]]`` rows)."""
    names = []
    for entry in resources.files(__package__).joinpath("data").iterdir():
        if entry.name.endswith(".toml") and "rule" in _read(entry.name[:-5]):
            names.append(entry.name[:-5])
    return tuple(sorted(names))


@lru_cache(maxsize=None)
def load_rules(table: str) -> tuple[Mapping[str, Any], ...]:
    """All rule rows of ``law/data/<table>.toml`` (read-only mappings), in file order.

    Raises LegalDocsError when a row lacks id, kind, citation or effective_from, ends before it
    starts, or repeats an id.
    """
    rows = _read(table).get("rule", [])
    seen: set[str] = set()
    for row in rows:
        for key in ("id", "kind", "citation", "effective_from"):
            if key not in row:
                raise LegalDocsError(_("{path}: rule {id} lacks {key}").format(
                    path=f"law/data/{table}.toml", id=row.get("id", "?"), key=repr(key)))
        if row["id"] in seen:
            raise LegalDocsError(_("{path}: rule id {id} is used twice").format(path=f"law/data/{table}.toml", id=repr(row["id"])))
        seen.add(row["id"])
        end = row.get("effective_to")
        if end is not None and end < row["effective_from"]:
            raise LegalDocsError(_("{path}: rule {id} ends ({end}) before it starts").format(
                path=f"law/data/{table}.toml", id=row["id"], end=end))
    return tuple(MappingProxyType(r) for r in rows)


@lru_cache(maxsize=None)
def _governs(table: str) -> dict[str, Governs]:
    out: dict[str, Governs] = {}
    for row in _read(table).get("governs", []):
        for kind in row["kinds"]:
            out[kind] = Governs(table, kind, row["date"], row["name"], row["citation"], row.get("computation"))
    return out


def governs(table: str, kind: str) -> Governs:
    """Which date chooses the version of ``kind`` in ``table``.
    Raises RuleNotFoundError when the table does not say."""
    try:
        return _governs(table)[kind]
    except KeyError:
        raise RuleNotFoundError(_("{path} does not say which date governs {kind}").format(
            path=f"law/data/{table}.toml", kind=repr(kind))) from None


def rule_history(table: str, kind: str) -> list[Mapping[str, Any]]:
    """Every row of ``kind`` in ``table`` (in force or recording an absence), oldest first."""
    return sorted((r for r in load_rules(table) if r["kind"] == kind), key=lambda r: r["effective_from"])


def rule_row(table: str, kind: str, on: dt.date) -> Mapping[str, Any]:
    """The row of ``kind`` covering ``on``, whether it is in force or records an absence.
    Raises RuleNotFoundError when no row covers the date."""
    candidates = [
        r
        for r in load_rules(table)
        if r["kind"] == kind
        and r["effective_from"] <= on
        and (r.get("effective_to") is None or on <= r["effective_to"])
    ]
    if not candidates:
        raise RuleNotFoundError(_("no {table} rule of kind {kind} is in force on {date}").format(
            table=table, kind=repr(kind), date=on.isoformat()))
    return max(candidates, key=lambda r: r["effective_from"])


def rule_in_force(table: str, kind: str, on: dt.date) -> Mapping[str, Any]:
    """The row of ``kind`` in ``table`` whose [effective_from, effective_to] covers ``on``.

    Raises RuleNotFoundError naming the table, kind and date when no row covers it, and
    RuleAbsentError (with the row's citation and notes) when the law of that date had no such
    rule.
    """
    row = rule_row(table, kind, on)
    if row.get("in_force", True) is False:
        raise RuleAbsentError(table, kind, on, row)
    return row


def rule_for(table: str, kind: str, facts: Mapping[str, dt.date | None]) -> Resolved:
    """The row of ``kind`` chosen by the date that governs it (see ``[[governs]]``), taken from
    ``facts`` (e.g. ``{"contract_date": ..., "period_start": ...}``).

    Raises LegalDocsError when ``facts`` lacks the governing date, and RuleNotFoundError or
    RuleAbsentError as :func:`rule_in_force`.
    """
    g = governs(table, kind)
    on = facts.get(g.date)
    if on is None:
        raise LegalDocsError(_("{table} rule {kind} is chosen by the {date} ({name}, {citation}), which was not given").format(
            table=table, kind=repr(kind), date=g.date, name=g.name, citation=g.citation))
    return Resolved(rule_in_force(table, kind, on), on, g)


def rule_by_id(rule_id: str) -> tuple[str, Mapping[str, Any]]:
    """(table, row) of the rule with id ``rule_id``. Raises RuleNotFoundError when no table has it."""
    for table in tables():
        for row in load_rules(table):
            if row["id"] == rule_id:
                return table, row
    raise RuleNotFoundError(_("no rule with id {id}").format(id=repr(rule_id)))


def latest_rule(table: str, kind: str) -> Mapping[str, Any]:
    """The most recent version of ``kind`` in ``table`` (the one with no end date, if any).
    Raises RuleNotFoundError when the table has no such kind."""
    rows = [r for r in load_rules(table) if r["kind"] == kind]
    if not rows:
        raise RuleNotFoundError(_("no {table} rule of kind {kind}").format(table=table, kind=repr(kind)))
    return max(rows, key=lambda r: (r.get("effective_to") is None, r["effective_from"]))
