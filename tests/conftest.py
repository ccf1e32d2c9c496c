"""Shared test helpers: copies of the demo case with changes, its exhibits kept by absolute path."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
import yaml

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo" / "case.yaml"


@pytest.fixture
def demo_variant(tmp_path) -> Callable[[Callable[[dict], None]], Path]:
    """``demo_variant(change)`` writes the demo case, changed in place by ``change(data)``, to
    ``tmp_path/case.yaml`` (evidence files as absolute paths) and returns its path."""

    def make(change: Callable[[dict], None]) -> Path:
        data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
        for item in data["evidence"]:
            item["files"] = [str((DEMO.parent / f).resolve()) for f in item["files"]]
        change(data)
        path = tmp_path / "case.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return path

    return make
