"""Any field of a case file replaced by something hostile (a list where an id belongs, NaN, a date
in year 9999, text where a number belongs ...) gives a list of problems by field path, never a
traceback; a case that passes validation computes or fails with the project's own errors."""

from __future__ import annotations

import copy
import datetime as dt
import random
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legaldocs.case.load import load_case
from legaldocs.deadlines.clocks import case_clocks
from legaldocs.errors import CaseValidationError, LegalDocsError
from legaldocs.money.statement import case_statement

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo" / "case.yaml"
JUNK = [[], {}, ["x"], [["L1"]], {"a": 1}, [{"a": 1}], "NaN", "sNaN", "Infinity", "-1", "1e999", -1, 0, True, None,
        "", "x" * 300, "2023-02-30", dt.date(9999, 12, 31), dt.date(1, 1, 1), "P9", "L1", "撤回起诉", 10**30]


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, path + (i,))


def _set(data, path, junk):
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = junk


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pick=st.integers(min_value=0, max_value=10**6), junk=st.sampled_from(JUNK), seed=st.integers(0, 3))
def test_hostile_field_gives_problems_not_a_traceback(tmp_path, pick, junk, seed):
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    paths = [p for p in _paths(data) if p]
    rng = random.Random(pick * 7 + seed)
    for _ in range(1 + seed):  # one to four fields at once
        path = rng.choice(paths)
        try:
            _set(data, path, copy.deepcopy(junk))
        except (KeyError, IndexError, TypeError):
            continue
        paths = [p for p in _paths(data) if p]
    case_file = tmp_path / f"case-{pick}-{seed}.yaml"
    case_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    try:
        case = load_case(case_file, check_files=False).case
    except CaseValidationError as exc:
        assert exc.problems and all(isinstance(p, str) and isinstance(m, str) for p, m in exc.problems)
        return
    try:
        case_clocks(case, dt.date(2025, 7, 1))
        case_statement(case, case.claim.as_of)
    except LegalDocsError:
        pass
