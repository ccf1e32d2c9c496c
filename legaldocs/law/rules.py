"""Rules as data: each rule row in ``law/data/*.toml`` carries an id, a citation, effective
dates and notes. :func:`rule_in_force` picks the version in force on a date and raises
:class:`~legaldocs.errors.RuleNotFoundError` when none is.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Mapping

from legaldocs.errors import RuleNotFoundError


@lru_cache(maxsize=None)
def load_rules(table: str) -> tuple[Mapping[str, Any], ...]:
    """All rule rows of ``law/data/<table>.toml`` (read-only mappings), in file order."""
    text = resources.files(__package__).joinpath("data", f"{table}.toml").read_text(encoding="utf-8")
    rows = tomllib.loads(text).get("rule", [])
    for row in rows:
        for key in ("id", "kind", "citation", "effective_from"):
            if key not in row:
                raise RuleNotFoundError(f"law/data/{table}.toml: rule {row.get('id', '?')} lacks {key!r}")
    return tuple(MappingProxyType(r) for r in rows)


def rule_in_force(table: str, kind: str, on: dt.date) -> Mapping[str, Any]:
    """The row of ``kind`` in ``table`` whose [effective_from, effective_to] covers ``on``.

    Raises RuleNotFoundError naming the table, kind and date when no version is in force.
    """
    candidates = [
        r
        for r in load_rules(table)
        if r["kind"] == kind
        and r["effective_from"] <= on
        and (r.get("effective_to") is None or on <= r["effective_to"])
    ]
    if not candidates:
        raise RuleNotFoundError(f"no {table} rule of kind {kind!r} is in force on {on.isoformat()}")
    return max(candidates, key=lambda r: r["effective_from"])


def latest_rule(table: str, kind: str) -> Mapping[str, Any]:
    """The most recent version of ``kind`` in ``table`` (the one with no end date, if any).
    Raises RuleNotFoundError when the table has no such kind."""
    rows = [r for r in load_rules(table) if r["kind"] == kind]
    if not rows:
        raise RuleNotFoundError(f"no {table} rule of kind {kind!r}")
    return max(rows, key=lambda r: (r.get("effective_to") is None, r["effective_from"]))
