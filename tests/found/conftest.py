"""Case files the product got wrong, from ../shared/cases/found/, each with its expected value in
its first line. Tests skip with a message where that folder is absent."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
import yaml

from legaldocs.case.load import read_case_data

FOUND = Path(__file__).resolve().parents[2] / ".." / "shared" / "cases" / "found"


@pytest.fixture
def found(tmp_path) -> Callable[..., Path]:
    """``found(name, change=None)``: the found case file ``name`` written to ``tmp_path``
    with its exhibit paths made absolute, changed in place by ``change(data)`` when given."""

    def make(name: str, change: Callable[[dict], None] | None = None) -> Path:
        source = FOUND / name
        if not source.is_file():
            pytest.skip(f"../shared/cases/found is not present here ({source} missing)")
        data = _plain(read_case_data(source))  # numbers exactly as written
        for item in data.get("evidence", []):
            item["files"] = [str((source.parent / f).resolve()) for f in item["files"]]
        if change is not None:
            change(data)
        out = tmp_path / name
        out.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return out

    return make


def expected_line(name: str) -> str:
    """The first line of a found case file (its expected value and source); skips the test where
    ../shared is absent."""
    source = FOUND / name
    if not source.is_file():
        pytest.skip(f"../shared/cases/found is not present here ({source} missing)")
    return source.read_text(encoding="utf-8").splitlines()[0]


def _plain(value):
    """Decimals as strings, so that the data dumps to YAML without floats."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if type(value).__name__ == "Decimal":
        return str(value)
    return value
