"""Every rule kind, in every table, has exactly one version on every day from 1990 to 2030, says
which date chooses it, and cites the law of its dates (like a holiday calendar's per-year data,
each version carries its source)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldocs.errors import RuleAbsentError
from legaldocs.law.rules import governs, load_rules, rule_for, rule_history, rule_row, tables

START = dt.date(1990, 1, 1)
END = dt.date(2030, 12, 31)
KINDS = sorted({(t, r["kind"]) for t in tables() for r in load_rules(t)})


def test_every_table_is_loaded():
    assert {"court_fees", "interest", "periods", "security", "statutes"} <= set(tables())


@pytest.mark.parametrize("table,kind", KINDS, ids=[f"{t}.{k}" for t, k in KINDS])
def test_history_has_no_gap_and_no_overlap(table, kind):
    rows = rule_history(table, kind)
    assert rows[0]["effective_from"] <= START, f"{table}.{kind} starts only on {rows[0]['effective_from']}"
    for before, after in zip(rows, rows[1:]):
        assert before.get("effective_to") is not None, f"{before['id']} never ends but {after['id']} follows"
        assert after["effective_from"] == before["effective_to"] + dt.timedelta(days=1), (
            f"{table}.{kind}: {before['id']} ends {before['effective_to']}, {after['id']} starts {after['effective_from']}")
    assert rows[-1].get("effective_to") is None, f"{rows[-1]['id']} ends: nothing is in force after it"


@pytest.mark.parametrize("table,kind", KINDS, ids=[f"{t}.{k}" for t, k in KINDS])
def test_each_kind_says_which_date_governs_it_and_why(table, kind):
    g = governs(table, kind)
    assert g.date and g.name and g.citation
    for row in rule_history(table, kind):
        assert row["citation"].strip(), row["id"]
        if row.get("in_force", True) is False:
            assert row.get("notes"), f"{row['id']} records an absence without saying why"


@settings(max_examples=400, deadline=None)
@given(day=st.dates(min_value=START, max_value=END), pick=st.integers(min_value=0, max_value=len(KINDS) - 1))
def test_every_kind_resolves_on_any_date(day, pick):
    table, kind = KINDS[pick]
    row = rule_row(table, kind, day)
    assert row["effective_from"] <= day and (row.get("effective_to") is None or day <= row["effective_to"])
    g = governs(table, kind)
    try:
        resolved = rule_for(table, kind, {g.date: day})
    except RuleAbsentError as exc:
        assert exc.row is row and str(exc)
    else:
        assert resolved.row is row and resolved.governed_on == day


@pytest.mark.parametrize("day,law", [
    (dt.date(2016, 6, 1), "民法通则"), (dt.date(2017, 10, 1), "民法总则"), (dt.date(2021, 1, 1), "民法典"),
])
def test_limitation_cites_the_law_of_its_start(day, law):
    assert law in rule_row("periods", "limitation", day)["citation"]
