"""The Loan Prime Rate (贷款市场报价利率, LPR) as published, from ``data/lpr.toml``."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import resources

from legaldocs.errors import RuleNotFoundError
from legaldocs.i18n import _


@lru_cache(maxsize=1)
def _lpr_table() -> dict:
    text = resources.files(__package__).joinpath("data", "lpr.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def lpr(term: str, on: dt.date) -> tuple[Decimal, bool]:
    """The LPR of ``term`` ("1y" or "5y") in force on ``on``, as an annual fraction, and whether the
    date is past the last publication loaded (the value is then the last one known).
    Raises RuleNotFoundError before 2019-08-20 (no LPR)."""
    fixing = lpr_fixing(term, on)
    return fixing.rate, fixing.provisional


@dataclass(frozen=True)
class LprFixing:
    """The LPR applied on a day: ``rate`` (annual fraction) of ``term``, ``published`` the day that
    value took effect, ``provisional`` when the day is past the last publication loaded."""

    term: str
    rate: Decimal
    published: dt.date
    provisional: bool


def lpr_fixing(term: str, on: dt.date) -> LprFixing:
    """The LPR of ``term`` ("1y" or "5y") in force on ``on`` with its publication date.
    Raises RuleNotFoundError before 2019-08-20 (no LPR)."""
    table = _lpr_table()
    rows = table["one_year" if term == "1y" else "five_year"]
    known = [r for r in rows if r["effective_from"] <= on]
    if not known:
        raise RuleNotFoundError(_("no {term} LPR before {first} (requested {date})").format(
            term=term, first=rows[0]["effective_from"], date=on))
    return LprFixing(term, Decimal(known[-1]["rate"]), known[-1]["effective_from"], on > table["loaded_through"])
